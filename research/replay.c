/*
 * replay.c - the pass of the bars through the engine for the report (report.h): records
 * every zone test with what was known before it, and runs the rule's entries through the
 * zone exits (setup_build + trade_trail) and the fixed ATR exit.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "domain/trade.h"
#include "research/report.h"

void report_free(struct report *r)
{
    free(r->tests);
    for (int m = 0; m < SIM_COUNT; m++) {
        free(r->sim[m].t);
        free(r->sim[m].order);
        free(r->sim[m].rs);
    }
    cal_isotonic_free(&r->iso);
    memset(r, 0, sizeof *r);
}


/* ---- the replay ---------------------------------------------------------------------------- */

/* What the replay remembers of a zone between bars. */
struct zone_snap {
    struct zone z;    /* the whole zone as it was at the last refresh */
    uint32_t tests, sources;
    float p_hold, p_break, p_sweep, strength;
    size_t open_test; /* index + 1 of its running test in report.tests, 0 if none */
};

struct replay {
    struct engine *e;
    struct zone_snap *snap;
    size_t cap_snap;
    struct zone *zones;   /* active zones sorted by price, refreshed per bar */
    size_t n_zones, cap_zones;
    struct liq_params params[SIM_FIXED]; /* of each zone method */
    struct trade *trades[SIM_FIXED];      /* parallel to report.sim[m].t */
    struct cal_fixed_trade *fixed;        /* parallel to report.sim[SIM_FIXED].t */
};

static int grow(void **v, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 256;
    while (c < need)
        c *= 2;
    void *w = realloc(*v, c * elem);
    if (w == NULL)
        return -1;
    memset((char *)w + *cap * elem, 0, (c - *cap) * elem);
    *v = w;
    *cap = c;
    return 0;
}

static void snap_refresh(struct replay *rp, uint32_t id)
{
    const struct zone *z = engine_zone_get(rp->e, id);
    if (z == NULL)
        return;
    struct zone_snap *s = &rp->snap[id];
    s->z = *z;
    s->tests = z->tests;
    s->sources = z->sources;
    s->p_hold = z->prob_hold;
    s->p_break = z->prob_break;
    s->p_sweep = z->prob_sweep;
    s->strength = z->strength;
}

static uint8_t event_outcome(uint8_t kind)
{
    return kind == ZEV_HOLD ? OUTCOME_HOLD : kind == ZEV_SWEEP ? OUTCOME_SWEEP : OUTCOME_BREAK;
}

/*
 * What a trader knew when bar j touched the zone s (its state at the close of bar j - 1):
 * filled into t. atr = ATR14 after bar j - 1 (0 when unknown: the ATR features are 0).
 */
static void test_context(struct report_test *t, const struct zone_snap *s,
                         const struct bar *bars, size_t j, double atr)
{
    const struct zone *z = &s->z;
    t->holds_before = z->holds;
    t->sweeps_before = z->sweeps;
    t->breaks_before = z->breaks;
    t->role = z->role;
    t->live = (z->flags & ZONE_F_LIVE) != 0;
    int64_t ts = bars[j].ts;
    t->hour = (uint8_t)(((ts % 86400) + 86400) % 86400 / 3600);
    /* the engine's approach: previous close against the price, equal -> from the role */
    int appr = z->role == ROLE_RESISTANCE ? -1 : 1;
    if (j > 0 && bars[j - 1].close > z->price)
        appr = 1;
    else if (j > 0 && bars[j - 1].close < z->price)
        appr = -1;
    t->approach = (int8_t)appr;
    if (atr > 0.0) {
        t->width_atr = (float)((z->hi - z->lo) / atr);
        double d = appr > 0 ? bars[j].open - z->hi : z->lo - bars[j].open;
        t->open_dist_atr = (float)(d / atr);
        if (j >= 5)
            t->speed_atr = (float)(appr * (bars[j - 5].close - bars[j - 1].close) / atr);
    }
    t->hours_created = (float)((double)(ts - z->created_ts) / 3600.0);
    int64_t last = z->last_touch_ts ? z->last_touch_ts : z->created_ts;
    t->hours_touched = (float)((double)(ts - last) / 3600.0);
}

/* Turns one bar's events into test observations; then brings the snapshots up to date. */
static int record_tests(struct report *r, struct replay *rp, const struct zone_events *ev,
                        const struct bar *bars, size_t bar, uint32_t prev_max, double atr)
{
    uint32_t max_id = engine_zone_max_id(rp->e);
    if (grow((void **)&rp->snap, &rp->cap_snap, (size_t)max_id + 1, sizeof *rp->snap) != 0)
        return -1;
    for (size_t k = 0; k < ev->n; k++) {
        const struct zone_event *x = &ev->v[k];
        struct zone_snap *s = &rp->snap[x->zone_id];
        if (x->kind == ZEV_TOUCH) {
            const struct zone *z = engine_zone_get(rp->e, x->zone_id);
            if (z == NULL || z->tests <= s->tests)
                continue; /* a touch inside a running test */
            if (grow((void **)&r->tests, &r->cap_tests, r->n_tests + 1, sizeof *r->tests) != 0)
                return -1;
            r->tests[r->n_tests] = (struct report_test){
                .bar = bar, .zone_id = x->zone_id, .sources = s->sources,
                .tests_before = s->tests, .p_hold = s->p_hold, .p_break = s->p_break,
                .p_sweep = s->p_sweep, .strength = s->strength, .outcome = OUTCOME_NONE};
            test_context(&r->tests[r->n_tests], s, bars, bar, atr);
            s->open_test = ++r->n_tests;
        } else if (x->kind == ZEV_HOLD || x->kind == ZEV_SWEEP || x->kind == ZEV_BREAK) {
            if (s->open_test == 0)
                continue;
            struct report_test *t = &r->tests[s->open_test - 1];
            uint8_t o = event_outcome(x->kind);
            if (o > t->outcome)
                t->outcome = o;
        }
    }
    for (size_t k = 0; k < ev->n; k++) {
        snap_refresh(rp, ev->v[k].zone_id);
        if (ev->v[k].other_id != 0)
            snap_refresh(rp, ev->v[k].other_id);
    }
    for (uint32_t id = prev_max + 1; id <= max_id; id++)
        snap_refresh(rp, id);
    return 0;
}

static int copy_active_zones(struct replay *rp)
{
    size_t n = engine_zone_count(rp->e);
    if (grow((void **)&rp->zones, &rp->cap_zones, n + 1, sizeof *rp->zones) != 0)
        return -1;
    rp->n_zones = 0;
    for (size_t i = 0; i < n; i++) {
        const struct zone *z = engine_zone_sorted(rp->e, i);
        if (z->active)
            rp->zones[rp->n_zones++] = *z;
    }
    return 0;
}

/* A trade closed by its stop at bar j: start (and maybe finish) the sweep test. */
static void stop_closed(struct report_trade *t, const struct bar *bars, size_t j, size_t nbars,
                        const struct report_opts *o)
{
    t->by_stop = 1;
    t->swept = (uint8_t)cal_stop_swept(t->side, t->stop_at_exit, &bars[j].close, 1);
    t->sweep_left = t->swept || o->sweep_bars < 1 ? 0 : o->sweep_bars - 1;
    (void)nbars;
}

static void sweep_follow(struct report_trade *v, size_t n, const struct bar *b)
{
    for (size_t i = 0; i < n; i++) {
        struct report_trade *t = &v[i];
        if (t->sweep_left == 0)
            continue;
        t->sweep_left--;
        if (cal_stop_swept(t->side, t->stop_at_exit, &b->close, 1)) {
            t->swept = 1;
            t->sweep_left = 0;
        }
    }
}

static void closed_at(struct report *r, struct report_trade *t, const struct bar *bars,
                      size_t j, double r_value)
{
    t->close_bar = j;
    t->close_ts = bars[j].ts;
    t->r = r_value;
    (void)r;
}

static int trail_all(struct report *r, struct replay *rp, double pip, const struct bar *bars,
                     size_t j)
{
    const struct bar *b = &bars[j];
    for (int m = 0; m < SIM_COUNT; m++)
        sweep_follow(r->sim[m].t, r->sim[m].n, b);
    for (int m = 0; m < SIM_FIXED; m++) {
        struct report_sim *sm = &r->sim[m];
        for (size_t i = 0; i < sm->n; i++) {
            struct trade *t = &rp->trades[m][i];
            if (t->status != TRADE_OPEN)
                continue;
            struct trail_events out;
            if (trade_trail(t, rp->zones, rp->n_zones, &rp->params[m], pip, b->close, b->high,
                            b->low, b->ts, &out) == TRAIL_INVALID)
                return -1;
            if (t->status != TRADE_CLOSED)
                continue;
            closed_at(r, &sm->t[i], bars, j, t->realised_r);
            if (strcmp(t->close_reason, "stop_hit") == 0) {
                sm->t[i].stop_at_exit = t->stop;
                stop_closed(&sm->t[i], bars, j, r->n_bars, &r->opts);
            }
        }
    }
    struct report_sim *sf = &r->sim[SIM_FIXED];
    for (size_t i = 0; i < sf->n; i++) {
        struct cal_fixed_trade *t = &rp->fixed[i];
        if (!cal_fixed_step(t, b->close, b->high, b->low))
            continue;
        closed_at(r, &sf->t[i], bars, j, t->r);
        if (t->stop_hit) {
            sf->t[i].stop_at_exit = t->stop;
            stop_closed(&sf->t[i], bars, j, r->n_bars, &r->opts);
        }
    }
    return 0;
}

static int enter(struct report *r, struct replay *rp, double pip, const struct bar *b,
                 size_t j)
{
    size_t idx = r->entries++;
    int side = idx % 2 == 0 ? SIDE_BUY : SIDE_SELL;
    struct setup_request rq = {.side = (enum trade_side)side, .entry = b->close,
                               .trend_score = r->opts.trend_score, .regime = REGIME_NORMAL};
    struct setup_result *res = malloc(sizeof *res);
    if (res == NULL)
        return -1;
    for (int m = 0; m < SIM_FIXED; m++) {
        struct report_sim *sm = &r->sim[m];
        size_t k = sm->n;
        enum setup_status st = setup_build(&rq, rp->zones, rp->n_zones, &rp->params[m], pip,
                                           res);
        if (st == SETUP_OK) {
            if (trade_open(&rp->trades[m][k], k + 1, res, b->ts) != 0) {
                free(res);
                return -1;
            }
            sm->t[k] = (struct report_trade){.entry_bar = j, .entry_idx = idx, .side = side,
                                             .entry = b->close, .stop0 = res->stop.price,
                                             .fallback = (uint8_t)res->stop.fallback};
            sm->fallback += res->stop.fallback != 0;
            sm->n++;
        } else if (st == SETUP_REFUSED) {
            if (sm->refused++ == 0)
                snprintf(sm->refusal_example, sizeof sm->refusal_example, "%s",
                         res->reasons[0]);
        } else {
            sm->invalid++;
        }
    }
    free(res);
    struct report_sim *sf = &r->sim[SIM_FIXED];
    double atr = engine_atr(rp->e);
    if (!(atr > 0.0)) {
        sf->skipped++;
        return 0;
    }
    struct cal_fixed_trade *f = &rp->fixed[sf->n];
    cal_fixed_open(f, side, b->close, r->opts.fixed_atr_mult * atr, r->opts.fixed_rr);
    sf->t[sf->n++] = (struct report_trade){.entry_bar = j, .entry_idx = idx, .side = side,
                                           .entry = b->close, .stop0 = f->stop};
    return 0;
}

static void close_at_end(struct report *r, struct replay *rp, const struct bar *bars, size_t j)
{
    const struct bar *last = &bars[j];
    for (int m = 0; m < SIM_FIXED; m++) {
        for (size_t i = 0; i < r->sim[m].n; i++) {
            struct trade *t = &rp->trades[m][i];
            if (t->status != TRADE_OPEN)
                continue;
            trade_close(t, last->close, last->ts);
            closed_at(r, &r->sim[m].t[i], bars, j, t->realised_r);
            r->sim[m].t[i].at_end = 1;
        }
    }
    struct report_sim *sf = &r->sim[SIM_FIXED];
    for (size_t i = 0; i < sf->n; i++) {
        struct cal_fixed_trade *t = &rp->fixed[i];
        if (!t->open)
            continue;
        t->open = 0;
        t->exit = last->close;
        t->r = (last->close - t->entry) * t->side / fabs(t->entry - t->stop);
        closed_at(r, &sf->t[i], bars, j, t->r);
        sf->t[i].at_end = 1;
    }
}

static int replay_bars(struct report *r, struct replay *rp, double pip, const struct bar *bars)
{
    struct zone_events ev = {0};
    int rc = 0;
    for (size_t j = 0; j < r->n_bars && rc == 0; j++) {
        uint32_t prev_max = engine_zone_max_id(rp->e);
        double atr = engine_atr(rp->e); /* after bar j - 1: known when bar j opens */
        ev.n = 0;
        enum engine_push_result pr = engine_push(rp->e, &bars[j], &ev);
        if (pr == PUSH_NOMEM || pr == PUSH_OUT_OF_ORDER) {
            rc = -1;
            break;
        }
        if (j == r->split)
            r->n_train = r->n_tests;
        rc = record_tests(r, rp, &ev, bars, j, prev_max, atr);
        if (rc != 0 || j < r->split)
            continue;
        rc = copy_active_zones(rp);
        if (rc == 0)
            rc = trail_all(r, rp, pip, bars, j);
        size_t since = j - r->split;
        if (rc == 0 && since % r->opts.trade_every == 0 && j + 1 < r->n_bars)
            rc = enter(r, rp, pip, &bars[j], j);
    }
    zone_events_free(&ev);
    if (rc == 0 && r->n_bars > 0)
        close_at_end(r, rp, bars, r->n_bars - 1);
    return rc;
}


static const struct report_trade *order_base;
static int order_cmp(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, k = *(const size_t *)b;
    const struct report_trade *x = &order_base[i], *z = &order_base[k];
    if (x->close_bar != z->close_bar)
        return x->close_bar < z->close_bar ? -1 : 1;
    return i < k ? -1 : i > k;
}

static int analyse_trades(struct report_sim *sm, const struct report_sim *fixed, double pip)
{
    size_t n = sm->n;
    sm->order = malloc((n + 1) * sizeof *sm->order);
    sm->rs = malloc((n + 1) * sizeof *sm->rs);
    double *same = malloc((n + 1) * sizeof *same);
    if (sm->order == NULL || sm->rs == NULL || same == NULL) {
        free(same);
        return -1;
    }
    double dist = 0.0;
    size_t n_same = 0;
    for (size_t i = 0; i < n; i++) {
        const struct report_trade *t = &sm->t[i];
        sm->order[i] = i;
        sm->stops += t->by_stop;
        sm->swept += t->swept;
        sm->at_end += t->at_end;
        dist += fabs(t->entry - t->stop0) / pip;
    }
    sm->mean_stop_pips = n ? dist / (double)n : 0.0;
    order_base = sm->t;
    qsort(sm->order, n, sizeof *sm->order, order_cmp);
    for (size_t i = 0; i < n; i++)
        sm->rs[i] = sm->t[sm->order[i]].r;
    cal_trade_metrics(sm->rs, n, &sm->m);
    /* the fixed method on the same entries, in the fixed trades' closing order */
    for (size_t i = 0; fixed->order != NULL && i < fixed->n; i++) {
        const struct report_trade *ft = &fixed->t[fixed->order[i]];
        for (size_t k = 0; k < n; k++) {
            if (sm->t[k].entry_idx == ft->entry_idx) {
                same[n_same++] = ft->r;
                break;
            }
        }
    }
    cal_trade_metrics(same, n_same, &sm->fixed_same);
    free(same);
    return 0;
}

int report_run(const struct bar *bars, size_t n, const struct report_opts *opts,
               struct report *r)
{
    memset(r, 0, sizeof *r);
    r->opts = *opts;
    r->n_bars = opts->max_bars && opts->max_bars < n ? opts->max_bars : n;
    r->split = r->n_bars / 2;
    if (r->n_bars < 4 || opts->trade_every == 0)
        return -1;
    r->first_ts = bars[0].ts;
    r->split_ts = bars[r->split].ts;
    r->last_ts = bars[r->n_bars - 1].ts;
    const double pip = 0.0001;
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = SRC_ALL;
    size_t max_entries = (r->n_bars - r->split) / opts->trade_every + 2;
    struct replay rp = {0};
    rp.e = engine_new(&p, pip, TF_M15);
    int ok = rp.e != NULL;
    static const char *const NAME[SIM_COUNT] = {
        [SIM_ZONE] = "zone (setup_build + trade_trail, defaults)",
        [SIM_ZONE_ANY] = "zone, strength filter off (min_liquidity_strength 0)",
        [SIM_FIXED] = "fixed (ATR stop, 1.5 R target)"};
    for (int m = 0; m < SIM_COUNT; m++) {
        r->sim[m].name = NAME[m];
        r->sim[m].t = calloc(max_entries, sizeof *r->sim[m].t);
        ok = ok && r->sim[m].t != NULL;
    }
    for (int m = 0; m < SIM_FIXED; m++) {
        rp.params[m] = p;
        rp.trades[m] = calloc(max_entries, sizeof *rp.trades[m]);
        ok = ok && rp.trades[m] != NULL;
    }
    rp.params[SIM_ZONE_ANY].min_liquidity_strength = 0.0;
    rp.fixed = calloc(max_entries, sizeof *rp.fixed);
    int rc = -1;
    if (ok && rp.fixed != NULL) {
        r->active_sources = engine_active_sources(rp.e);
        rc = replay_bars(r, &rp, pip, bars);
    }
    engine_free(rp.e);
    free(rp.snap);
    free(rp.zones);
    for (int m = 0; m < SIM_FIXED; m++)
        free(rp.trades[m]);
    free(rp.fixed);
    if (rc == 0)
        rc = report_analyse_tests(r);
    if (rc == 0)
        rc = analyse_trades(&r->sim[SIM_FIXED], &r->sim[SIM_FIXED], pip);
    for (int m = 0; m < SIM_FIXED && rc == 0; m++)
        rc = analyse_trades(&r->sim[m], &r->sim[SIM_FIXED], pip);
    if (rc != 0)
        report_free(r);
    return rc;
}

