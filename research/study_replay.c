/*
 * study_replay.c - the one pass of a file's bars through the engine for study.h: records
 * the zone tests with the prob_hold known before them, the hourly p_tp1_first sample and its
 * outcomes, and runs the entry rule through the zone exits and the fixed baseline.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/engine.h"
#include "domain/setup.h"
#include "domain/trade.h"
#include "research/study_internal.h"

/* What the replay remembers of a zone between bars: the zone as it was after the last bar
 * that changed it (its counts and sources change only with its own events). */
struct snap {
    struct zone z;
    size_t open_obs;   /* index + 1 of its running test in hold_obs, 0 if none */
};

/* A p_tp1_first sample waiting for price to reach TP1 or the stop. */
struct pending {
    int side;
    double stop, tp1;
    size_t last;       /* the last bar that may resolve it (the geometry's horizon) */
    size_t obs;        /* index in tp1_obs */
};

struct replay {
    struct study *s;
    const struct bar *bars;
    struct engine *e;
    struct liq_params params;
    struct snap *snap;
    size_t cap_snap;
    struct zone_tally tally;   /* the engine's tally before the bar being pushed */
    struct zone_tally *days;   /* the tally before each judged day's first bar, and at the end */
    int32_t *day_of_days;
    size_t n_days, cap_days, cap_day_ids;
    struct zone *zones;        /* active zones sorted by price, for setups and trails */
    size_t n_zones, cap_zones;
    ptrdiff_t zones_bar;       /* the bar zones[] was copied after, -1 none */
    struct pending *pend;
    size_t n_pend, cap_pend;
    size_t samples;            /* hourly setups asked so far (side alternates) */
    struct trade *trades;      /* the default settings' setups, one per accepted entry */
    size_t *trade_entry;
    struct trade *ztrades;     /* the zone exits' setups (exit_method zones) */
    size_t *ztrade_entry;
    size_t n_ztrades;
    struct liq_params zparams; /* the defaults with exit_method zones */
    struct cal_fixed_trade *fixed;
    struct cal_fixed_trade *arms; /* 4 brackets per entry (enum study_arm 0 .. 3) */
    size_t n_trades, n_fixed, cap_entries;
    struct exit_record xr;     /* the engine's record of exits after the current bar */
};

int study_grow(void **v, size_t *cap, size_t need, size_t elem)
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

static int32_t day_of(int64_t ts)
{
    return (int32_t)(day_start(ts) / 86400);
}

/* A new observation for bar j (outcome 2: not yet known). */
static int add_obs(struct study_obs_set *set, const struct bar *bars, size_t j, uint32_t zone,
                   double p, size_t *index)
{
    if (study_grow((void **)&set->v, &set->cap, set->n + 1, sizeof *set->v) != 0)
        return -1;
    set->v[set->n] = (struct study_obs){.bar = (uint32_t)j, .zone = zone,
                                        .day = day_of(bars[j].ts), .p = (float)p, .y = 2};
    *index = set->n++;
    return 0;
}

/* The zone's snapshot after this bar's events. */
static void snap_refresh(struct replay *rp, uint32_t id)
{
    const struct zone *z = engine_zone_get(rp->e, id);
    if (z != NULL)
        rp->snap[id].z = *z;
}

/*
 * The probability of a hold the service would have published for zone z (as it stood
 * before this bar) after a refresh at the previous bar's close: zone_stats_probs on the
 * zone's counts and the tally before the bar, as engine_refresh computes it.
 */
static double hold_before(const struct replay *rp, const struct zone *z)
{
    double p[OUTCOME_COUNT];
    zone_stats_probs(z, &rp->tally, evidence_significant_sources(&rp->tally),
                     rp->params.zone_prior_tests, p);
    return p[OUTCOME_HOLD];
}

/*
 * One bar's zone events: ZEV_TEST starts a test (the prediction: hold_before), a
 * resolution event gives the zone's running test its outcome. Then the snapshots of the
 * zones this bar changed or made are brought up to date.
 */
static int record_tests(struct replay *rp, const struct zone_events *ev, size_t j,
                        uint32_t prev_max)
{
    uint32_t max_id = engine_zone_max_id(rp->e);
    if (study_grow((void **)&rp->snap, &rp->cap_snap, (size_t)max_id + 1, sizeof *rp->snap))
        return -1;
    struct study_obs_set *set = &rp->s->hold_obs;
    for (size_t k = 0; k < ev->n; k++) {
        const struct zone_event *x = &ev->v[k];
        struct snap *sn = &rp->snap[x->zone_id];
        if (x->kind == ZEV_TEST && x->zone_id <= prev_max) {
            size_t i;
            if (add_obs(set, rp->bars, j, x->zone_id, hold_before(rp, &sn->z), &i) != 0)
                return -1;
            sn->open_obs = i + 1;
        } else if (study_resolves(x->kind) && sn->open_obs != 0) {
            set->v[sn->open_obs - 1].y = x->kind == ZEV_HOLD;
            sn->open_obs = 0;
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

/* The tally before bar j when j opens a new judged day (and after the last bar). */
static int day_tally(struct replay *rp, size_t j)
{
    struct study *s = rp->s;
    int32_t d = j < s->n_bars ? day_of(rp->bars[j].ts) : INT32_MAX;
    if (j < s->split || (rp->n_days > 0 && rp->day_of_days[rp->n_days - 1] == d))
        return 0;
    if (study_grow((void **)&rp->days, &rp->cap_days, rp->n_days + 1, sizeof *rp->days) ||
        study_grow((void **)&rp->day_of_days, &rp->cap_day_ids, rp->n_days + 1,
                   sizeof *rp->day_of_days))
        return -1;
    rp->days[rp->n_days] = *engine_tally(rp->e);
    rp->day_of_days[rp->n_days++] = d;
    return 0;
}

/* The active zones after bar j with their probabilities and strength refreshed. */
static int copy_active_zones(struct replay *rp, size_t j)
{
    if (rp->zones_bar == (ptrdiff_t)j)
        return 0;
    if (engine_refresh(rp->e) != 0)
        return -1;
    size_t n = engine_zone_count(rp->e);
    if (study_grow((void **)&rp->zones, &rp->cap_zones, n + 1, sizeof *rp->zones) != 0)
        return -1;
    rp->n_zones = 0;
    for (size_t i = 0; i < n; i++) {
        const struct zone *z = engine_zone_sorted(rp->e, i);
        if (z->active)
            rp->zones[rp->n_zones++] = *z;
    }
    rp->zones_bar = (ptrdiff_t)j;
    return 0;
}

/* What setup_build needs of the market after the current bar, as the service passes it. */
static struct setup_market market(struct replay *rp)
{
    engine_exit_record(rp->e, &rp->xr);
    struct setup_market m = {.atr = engine_atr(rp->e), .geo = engine_geometry(rp->e),
                             .last_close = engine_last_close(rp->e), .exits = &rp->xr};
    m.sweep_atr = engine_stop_sweep_atr(rp->e, &m.sweep_tests);
    m.stall_atr = engine_target_stall_atr(rp->e, &m.stall_turns);
    return m;
}

/* The hourly p_tp1_first sample: resolve the pending ones with bar b, then maybe ask. */
static int sample_tp1(struct replay *rp, size_t j, struct setup_result *res)
{
    const struct bar *b = &rp->bars[j];
    struct study_obs_set *set = &rp->s->tp1_obs;
    size_t keep = 0;
    for (size_t i = 0; i < rp->n_pend; i++) {
        struct pending *p = &rp->pend[i];
        int stop = p->side > 0 ? b->low <= p->stop : b->high >= p->stop;
        int tp = p->side > 0 ? b->high >= p->tp1 : b->low <= p->tp1;
        if (stop || tp)
            set->v[p->obs].y = !stop;
        else if (j < p->last)
            rp->pend[keep++] = *p;
        /* else: neither within the horizon; left out, as the geometry book leaves it */
    }
    rp->n_pend = keep;
    if (b->ts % 3600 != 0 || j + 1 >= rp->s->n_bars)
        return 0;
    int side = rp->samples++ % 2 == 0 ? SIDE_BUY : SIDE_SELL;
    if (copy_active_zones(rp, j) != 0)
        return -1;
    struct setup_request rq = {.side = (enum trade_side)side, .entry = b->close,
                               .trend_score = rp->s->opts.trend_score, .regime = REGIME_NORMAL};
    struct setup_market mkt = market(rp);
    if (setup_build(&rq, rp->zones, rp->n_zones, &rp->params, rp->s->pip, &mkt, res) !=
        SETUP_OK)
        return 0;
    double p = res->p_tp1_first;
    if (!(p >= 0.0 && p <= 1.0))
        return 0;
    size_t idx;
    if (add_obs(set, rp->bars, j, 0, p, &idx) != 0)
        return -1;
    if (study_grow((void **)&rp->pend, &rp->cap_pend, rp->n_pend + 1, sizeof *rp->pend))
        return -1;
    rp->pend[rp->n_pend++] = (struct pending){
        .side = side, .stop = res->stop.price, .tp1 = res->targets.tp1.price, .obs = idx,
        .last = j + engine_geometry(rp->e)->horizon};
    return 0;
}

static void count_events(struct study *s, const struct trail_events *out, int runner_before)
{
    int runner = runner_before;
    for (size_t k = 0; k < out->n; k++) {
        const struct trail_event *v = &out->ev[k];
        s->tp1_hits += v->type == TEV_TP1_HIT;
        s->tp2_hits += v->type == TEV_TP2_HIT;
        if (v->type == TEV_RUNNER_ACTIVATED) {
            s->runner_activations++;
            runner = 1;
        }
        s->runner_zone_moves += v->type == TEV_STOP_MOVED && v->zone_id != 0 && runner;
    }
}

static int add_trade(struct study_trades *t, size_t entry, const struct bar *eb,
                     const struct bar *cb, size_t close_bar, double r)
{
    struct study_trade *w = realloc(t->v, (t->n + 1) * sizeof *w);
    if (w == NULL)
        return -1;
    t->v = w;
    t->v[t->n++] = (struct study_trade){.entry = entry, .day = day_of(eb->ts),
                                        .close_ts = cb->ts, .close_bar = close_bar, .r = r};
    return 0;
}

/* Every open trade of both methods sees bar j (and the zones after it). */
static int trail_all(struct replay *rp, size_t j, size_t *entry_bar)
{
    struct study *s = rp->s;
    const struct bar *b = &rp->bars[j];
    if (copy_active_zones(rp, j) != 0)
        return -1;
    for (size_t i = 0; i < rp->n_trades; i++) {
        struct trade *t = &rp->trades[i];
        if (t->status != TRADE_OPEN)
            continue;
        struct trail_events out;
        if (trade_trail(t, rp->zones, rp->n_zones, &rp->params, s->pip, b->close, b->high,
                        b->low, b->ts, b->ts, &out) == TRAIL_INVALID)
            return -1;
        size_t en = rp->trade_entry[i];
        if (t->status == TRADE_CLOSED)
            s->arm_r[STUDY_ARM_SERVICE][en] = t->realised_r;
        if (t->status == TRADE_CLOSED &&
            add_trade(&s->zone_t, en, &rp->bars[entry_bar[en]], b, j, t->realised_r) != 0)
            return -1;
    }
    for (size_t i = 0; i < rp->n_ztrades; i++) {
        struct trade *t = &rp->ztrades[i];
        if (t->status != TRADE_OPEN)
            continue;
        struct trail_events out;
        int runner = t->runner_active;
        if (trade_trail(t, rp->zones, rp->n_zones, &rp->zparams, s->pip, b->close, b->high,
                        b->low, b->ts, b->ts, &out) == TRAIL_INVALID)
            return -1;
        count_events(s, &out, runner); /* the zone exits' events: the default has none */
        if (t->status == TRADE_CLOSED)
            s->arm_r[STUDY_ARM_ZONE_TRADE][rp->ztrade_entry[i]] = t->realised_r;
    }
    for (size_t i = 0; i < rp->n_fixed; i++) {
        struct cal_fixed_trade *f = &rp->fixed[i];
        if (cal_fixed_step(f, b->close, b->high, b->low) &&
            add_trade(&s->fixed_t, i, &rp->bars[entry_bar[i]], b, j, f->r) != 0)
            return -1;
        for (int a = 0; a < STUDY_ARM_ZONE_TRADE; a++)
            if (cal_fixed_step(&rp->arms[i * 4 + (size_t)a], b->close, b->high, b->low))
                s->arm_r[a][i] = rp->arms[i * 4 + (size_t)a].r;
    }
    return 0;
}

/* A bracket with the stop and the target at these prices (open only when both lie on
 * their sides of entry). */
static void bracket(struct cal_fixed_trade *t, int side, double entry, double stop,
                    double target)
{
    *t = (struct cal_fixed_trade){.side = side, .entry = entry, .stop = stop,
                                  .target = target};
    t->open = (entry - stop) * side > 0.0 && (target - entry) * side > 0.0;
}

/* The zone exits' setup on entry idx: its trade and the three brackets it gives. */
static int enter_zone_arms(struct replay *rp, size_t j, size_t idx, int side, double atr,
                           struct setup_result *res)
{
    struct study *s = rp->s;
    const struct bar *b = &rp->bars[j];
    struct setup_request rq = {.side = (enum trade_side)side, .entry = b->close,
                               .trend_score = s->opts.trend_score, .regime = REGIME_NORMAL};
    struct setup_market mkt = market(rp);
    if (setup_build(&rq, rp->zones, rp->n_zones, &rp->zparams, s->pip, &mkt, res) != SETUP_OK)
        return 0;
    if (trade_open(&rp->ztrades[rp->n_ztrades], rp->n_ztrades + 1, res, b->ts) != 0)
        return -1;
    rp->ztrade_entry[rp->n_ztrades++] = idx;
    double e = b->close, stop = res->stop.price, tp1 = res->targets.tp1.price;
    double atr_stop = e - side * s->opts.fixed_atr_mult * atr;
    struct cal_fixed_trade *a = &rp->arms[idx * 4];
    bracket(&a[STUDY_ARM_ZONE_ZONE], side, e, stop, tp1);
    bracket(&a[STUDY_ARM_ZONE_R], side, e, stop, e + side * s->opts.fixed_rr * fabs(e - stop));
    if (atr > 0.0)
        bracket(&a[STUDY_ARM_ATR_ZONE], side, e, atr_stop, tp1);
    return 0;
}

/* One entry of the rule at bar j: a setup with the defaults, and the fixed baseline. */
static int enter(struct replay *rp, size_t j, struct setup_result *res)
{
    struct study *s = rp->s;
    const struct bar *b = &rp->bars[j];
    size_t idx = s->zone.entries++;
    int side = idx % 2 == 0 ? SIDE_BUY : SIDE_SELL;
    if (copy_active_zones(rp, j) != 0)
        return -1;
    s->n_entries = idx + 1;
    s->entry_day[idx] = day_of(b->ts);
    for (int a = 0; a < STUDY_ARMS; a++)
        s->arm_r[a][idx] = NAN;
    s->entry_er[idx] = NAN;
    double atr = engine_atr(rp->e);
    if (enter_zone_arms(rp, j, idx, side, atr, res) != 0)
        return -1;
    struct setup_request rq = {.side = (enum trade_side)side, .entry = b->close,
                               .trend_score = rp->s->opts.trend_score, .regime = REGIME_NORMAL};
    struct setup_market mkt = market(rp);
    enum setup_status st = setup_build(&rq, rp->zones, rp->n_zones, &rp->params, s->pip, &mkt,
                                       res);
    if (st == SETUP_OK) {
        if (trade_open(&rp->trades[rp->n_trades], rp->n_trades + 1, res, b->ts) != 0)
            return -1;
        rp->trade_entry[rp->n_trades++] = idx;
        s->entry_er[idx] = res->expected_r;
        s->zone.accepted++;
        s->fallback_stops += res->stop.fallback != 0;
    } else if (st == SETUP_REFUSED) {
        if (s->zone.refused++ == 0)
            snprintf(s->refusal_example, sizeof s->refusal_example, "%s", res->reasons[0]);
    } else {
        s->zone.invalid++;
    }
    s->fixed.entries++;
    if (!(atr > 0.0)) {
        s->fixed.invalid++;
        cal_fixed_open(&rp->fixed[rp->n_fixed], side, b->close, 1.0, 1.0);
        rp->fixed[rp->n_fixed++].open = 0; /* never traded */
        return 0;
    }
    /* on the instrument's tick, as the service places every stop and target */
    struct cal_fixed_trade *fx = &rp->fixed[rp->n_fixed++];
    cal_fixed_open(fx, side, b->close, s->opts.fixed_atr_mult * atr, s->opts.fixed_rr);
    fx->stop = side_round_to_tick((enum trade_side)side, fx->stop, s->pip);
    fx->target = target_at_rr((enum trade_side)side, fx->entry, fx->stop, s->opts.fixed_rr,
                              s->pip);
    rp->arms[idx * 4 + STUDY_ARM_ATR_R] = rp->fixed[rp->n_fixed - 1];
    s->fixed.accepted++;
    return 0;
}

/* Trades still open at the last bar close at its close. */
static int close_at_end(struct replay *rp, size_t j, size_t *entry_bar)
{
    struct study *s = rp->s;
    const struct bar *b = &rp->bars[j];
    for (size_t i = 0; i < rp->n_trades; i++) {
        struct trade *t = &rp->trades[i];
        if (t->status != TRADE_OPEN)
            continue;
        trade_close(t, b->close, b->ts, b->ts);
        size_t en = rp->trade_entry[i];
        s->arm_r[STUDY_ARM_SERVICE][en] = t->realised_r;
        if (add_trade(&s->zone_t, en, &rp->bars[entry_bar[en]], b, j, t->realised_r) != 0)
            return -1;
    }
    for (size_t i = 0; i < rp->n_ztrades; i++) {
        struct trade *t = &rp->ztrades[i];
        if (t->status != TRADE_OPEN)
            continue;
        trade_close(t, b->close, b->ts, b->ts);
        s->arm_r[STUDY_ARM_ZONE_TRADE][rp->ztrade_entry[i]] = t->realised_r;
    }
    for (size_t i = 0; i < rp->n_fixed * 4; i++) {
        struct cal_fixed_trade *f = &rp->arms[i];
        if (f->open)
            s->arm_r[i % 4][i / 4] = (b->close - f->entry) * f->side / fabs(f->entry - f->stop);
    }
    for (size_t i = 0; i < rp->n_fixed; i++) {
        struct cal_fixed_trade *f = &rp->fixed[i];
        if (!f->open)
            continue;
        f->open = 0;
        double r = (b->close - f->entry) * f->side / fabs(f->entry - f->stop);
        if (add_trade(&s->fixed_t, i, &rp->bars[entry_bar[i]], b, j, r) != 0)
            return -1;
    }
    return 0;
}

static int replay_bars(struct replay *rp, size_t *entry_bar, struct setup_result *res)
{
    struct study *s = rp->s;
    struct zone_events ev = {0};
    int rc = 0;
    for (size_t j = 0; j < s->n_bars && rc == 0; j++) {
        ev.n = 0;
        uint32_t prev_max = engine_zone_max_id(rp->e);
        rp->tally = *engine_tally(rp->e);
        rc = day_tally(rp, j);
        if (rc != 0)
            break;
        if (j == s->split) /* the record of exits the fit half leaves */
            engine_exit_record(rp->e, &s->exits_fit);
        enum engine_push_result pr = engine_push(rp->e, &rp->bars[j], &ev);
        if (pr == PUSH_NOMEM || pr == PUSH_OUT_OF_ORDER) {
            rc = -1;
            break;
        }
        if (j == s->split) {
            s->hold_obs.n_fit = s->hold_obs.n;
            s->tp1_obs.n_fit = s->tp1_obs.n;
        }
        rc = record_tests(rp, &ev, j, prev_max);
        if (rc == 0)
            rc = sample_tp1(rp, j, res);
        if (rc != 0 || j < s->split)
            continue;
        rc = trail_all(rp, j, entry_bar);
        if (rc == 0 && (j - s->split) % s->every == 0 && j + 1 < s->n_bars) {
            entry_bar[s->zone.entries] = j;
            rc = enter(rp, j, res);
        }
    }
    zone_events_free(&ev);
    if (rc == 0)
        rc = day_tally(rp, s->n_bars);
    if (rc == 0)
        rc = close_at_end(rp, s->n_bars - 1, entry_bar);
    return rc;
}

/* Drops the observations that never got an outcome (y == 2), keeping n_fit right. */
static void drop_unresolved(struct study_obs_set *set)
{
    size_t k = 0, fit = 0;
    for (size_t i = 0; i < set->n; i++) {
        if (set->v[i].y == 2)
            continue;
        fit += i < set->n_fit;
        set->v[k++] = set->v[i];
    }
    set->n = k;
    set->n_fit = fit;
}

int study_replay(struct study *s, const struct bar *bars)
{
    struct replay rp = {.s = s, .bars = bars, .zones_bar = -1};
    params_defaults(&rp.params);
    if (s->opts.drawn)
        rp.params.liquidity_sources |= SRC_DRAWN;
    if (!isnan(s->opts.sweep_q))
        rp.params.stop_sweep_quantile = s->opts.sweep_q;
    if (!isnan(s->opts.stall_q))
        rp.params.target_stall_quantile = s->opts.stall_q;
    rp.e = engine_new(&rp.params, s->pip, s->tf);
    rp.cap_entries = (s->n_bars - s->split) / s->every + 2;
    rp.trades = calloc(rp.cap_entries, sizeof *rp.trades);
    rp.trade_entry = calloc(rp.cap_entries, sizeof *rp.trade_entry);
    rp.fixed = calloc(rp.cap_entries, sizeof *rp.fixed);
    if (s->opts.exit_method >= 0)
        rp.params.exit_method = s->opts.exit_method;
    if (!isnan(s->opts.min_expected_r))
        rp.params.min_expected_r = s->opts.min_expected_r;
    rp.zparams = rp.params; /* the seed's zone exits, nothing refused for its expected_r */
    rp.zparams.exit_method = EXIT_ZONES;
    rp.zparams.min_expected_r = -INFINITY;
    rp.zparams.max_entry_atr = 0.0;
    rp.ztrades = calloc(rp.cap_entries, sizeof *rp.ztrades);
    rp.ztrade_entry = calloc(rp.cap_entries, sizeof *rp.ztrade_entry);
    rp.arms = calloc(rp.cap_entries * 4, sizeof *rp.arms);
    s->entry_day = calloc(rp.cap_entries, sizeof *s->entry_day);
    s->entry_er = calloc(rp.cap_entries, sizeof *s->entry_er);
    int arms_ok = 1;
    for (int a = 0; a < STUDY_ARMS; a++)
        arms_ok &= (s->arm_r[a] = calloc(rp.cap_entries, sizeof *s->arm_r[a])) != NULL;
    size_t *entry_bar = calloc(rp.cap_entries, sizeof *entry_bar);
    struct setup_result *res = malloc(sizeof *res);
    int rc = -1;
    if (rp.e != NULL && rp.trades != NULL && rp.trade_entry != NULL && rp.fixed != NULL &&
        entry_bar != NULL && res != NULL && rp.ztrades != NULL && rp.ztrade_entry != NULL &&
        rp.arms != NULL && s->entry_day != NULL && s->entry_er != NULL && arms_ok)
        rc = replay_bars(&rp, entry_bar, res);
    if (rc == 0) {
        drop_unresolved(&s->hold_obs);
        drop_unresolved(&s->tp1_obs);
        rc = study_evidence(s, engine_tally(rp.e), rp.days, rp.n_days);
        engine_exit_record(rp.e, &s->exits); /* GET /symbols/{symbol}/evidence "exits" */
    }
    engine_free(rp.e);
    free(rp.days), free(rp.day_of_days);
    free(rp.snap), free(rp.zones), free(rp.pend), free(rp.trades), free(rp.trade_entry);
    free(rp.fixed), free(entry_bar), free(res);
    free(rp.ztrades), free(rp.ztrade_entry), free(rp.arms);
    return rc;
}
