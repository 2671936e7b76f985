/*
 * report_core.c - the replay behind docs/report.md: are zone probabilities calibrated, do
 * zone stops beat fixed stops? Included (#include "bench/report_core.c") by
 * bench/domain_report.c and by tests/unit/test_report.c, so the test runs exactly the code
 * that writes the report.
 *
 * The one idea: one pass of the bars through the engine, every number judged out of
 * sample. A zone's test is an observation: the probabilities the zone carried at the end
 * of the bar before the test began, and the test's final outcome (the engine's own
 * definition: hold, sweep or break, upgraded within the test; none when it ended
 * undecided). Tests that start in the first half (by bar count) fit the base rate and the
 * recalibration maps, the groupings and the logistic model across zones (features known
 * when a test begins, L2 weight chosen inside the first half); tests that start in the
 * second half are scored. Trades are entered
 * in the second half only, by a fixed untuned rule, twice: with setup_build/trade_trail
 * on the engine's zones, and with a fixed ATR stop and a fixed 1.5 R target.
 *
 * Deterministic: no clock, no randomness; sorts break ties by index.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/calibration.h"
#include "domain/engine.h"
#include "domain/setup.h"
#include "domain/trade.h"

#define REPORT_BINS 10

struct report_opts {
    size_t max_bars;       /* 0: all bars of the file */
    size_t trade_every;    /* a setup every this many bars of the second half (96 = a day) */
    double trend_score;    /* passed to setup_build (0.6) */
    double fixed_atr_mult; /* fixed stop = this x ATR14 (1.5) */
    double fixed_rr;       /* fixed target = this x the stop distance (1.5) */
    size_t sweep_bars;     /* a stop is swept when one of this many closes, the stop bar's
                              first, is back on the trade's side of the stop (4 = 1 hour) */
};

static const struct report_opts REPORT_DEFAULTS = {
    .max_bars = 0, .trade_every = 96, .trend_score = 0.6, .fixed_atr_mult = 1.5,
    .fixed_rr = 1.5, .sweep_bars = 4};

/* One zone test: what the zone said before, what followed. */
struct report_test {
    size_t bar;            /* the bar that started the test */
    uint32_t zone_id;
    uint32_t sources;      /* the zone's sources before the test */
    uint32_t tests_before; /* completed or running tests before this one */
    float p_hold, p_break, p_sweep, strength; /* before the test */
    uint8_t outcome;       /* enum zone_outcome, final for the test */
    /* what else was known when the test began (the model's features, section 1b) */
    uint32_t holds_before, sweeps_before, breaks_before;
    int8_t role;           /* the zone's role before the test (enum zone_role) */
    int8_t approach;       /* +1 the previous close was above the zone's price, -1 below */
    uint8_t live;          /* a moving VWAP zone */
    uint8_t hour;          /* UTC hour of the bar that started the test */
    float width_atr;       /* band width (hi - lo) / ATR14 at the previous bar */
    float open_dist_atr;   /* the test bar's open outside the band on the approach side / ATR */
    float speed_atr;       /* closes of the 4 bars before moved this far towards the zone / ATR */
    float hours_created;   /* since the zone was made known */
    float hours_touched;   /* since its last touch (since creation when never touched) */
};

/* One simulated trade (either method). */
struct report_trade {
    size_t entry_bar, close_bar;
    int64_t close_ts;
    int side;              /* +1 BUY, -1 SELL */
    double entry, stop0;   /* entry and initial stop */
    double stop_at_exit;   /* the stop level when a stop closed the trade */
    double r;              /* realised R */
    uint8_t by_stop;       /* closed by its stop */
    uint8_t swept;         /* ... and price closed back within sweep_bars closes */
    uint8_t at_end;        /* still open at the last bar: closed there at its close */
    uint8_t fallback;      /* zone method: no zone qualified for the stop */
    size_t entry_idx;      /* which entry of the rule (0, 1, ...) */
    size_t sweep_left;     /* closes still to look at for the sweep test */
};

/* One exit method run over the rule's entries. */
enum { SIM_ZONE, SIM_ZONE_ANY, SIM_FIXED, SIM_COUNT };
struct report_sim {
    const char *name;
    struct report_trade *t;  /* opened trades in entry order */
    size_t n;
    size_t refused, invalid, skipped, fallback;
    char refusal_example[SETUP_REASON_LEN];
    size_t *order;           /* indices into t in closing order */
    double *rs;              /* their R in closing order */
    struct cal_trade_metrics m;
    struct cal_trade_metrics fixed_same; /* the fixed method on the entries this one took */
    size_t stops, swept, at_end;
    double mean_stop_pips;
};

/*
 * The features of the logistic model (section 1b), all known when the test began. Fixed
 * before the model was first fitted; none was added or removed after seeing the judged half.
 */
enum {
    F_TESTS0, F_TESTS1, F_TESTS2, F_LOG_TESTS, F_HOLD_SHARE, F_SWEEP_SHARE, F_BREAK_SHARE,
    F_NSOURCES, F_SRC0, F_LIVE = F_SRC0 + SRC_COUNT, F_WIDTH, F_OPEN_DIST, F_SPEED,
    F_WITH_ROLE, F_AGE, F_IDLE, F_LONDON, F_OVERLAP, F_LATE, REPORT_FEATURES
};
/* Feature groups left out one at a time (a diagnostic of what carries the fit). */
enum { G_TESTS, G_HISTORY, G_SOURCES, G_WIDTH, G_OPEN, G_SPEED, G_ROLE, G_AGE, G_SESSION,
       REPORT_GROUPS };
#define REPORT_LAMBDAS 9
static const double REPORT_LAMBDA_GRID[REPORT_LAMBDAS] = {1e-4, 3e-4, 1e-3, 3e-3, 1e-2,
                                                          3e-2, 0.1,  0.3,  1.0};
#define REPORT_SHRINK 10.0 /* pseudo-tests at the base rate in each cell of a grouping */

/* The scores of one subset of second-half tests. */
struct report_group {
    size_t n, holds;           /* second half */
    size_t n_train, holds_train;
    double mean_p;             /* mean prob_hold */
    double brier_model, brier_base;
    double z_fit;              /* fit-half holds vs the fit half's overall rate */
    double z;                  /* judged-half holds vs the judged half's overall rate */
};

struct report {
    struct report_opts opts;
    size_t n_bars, split;
    int64_t first_ts, split_ts, last_ts;
    uint32_t active_sources;
    struct report_test *tests;
    size_t n_tests, cap_tests;
    size_t n_train;            /* tests[0 .. n_train) started in the first half */
    size_t outcomes[2][4];     /* [half][enum zone_outcome] */

    /* calibration, scored on the second half */
    double base_rate;          /* first half's hold frequency */
    double judged_rate;        /* second half's (hindsight, for "more than chance" only) */
    double brier_model, brier_base, brier_iso, brier_platt, brier_perfect_const;
    double auc_model, auc_strength;
    struct cal_bin rel_model[REPORT_BINS], rel_iso[REPORT_BINS], rel_platt[REPORT_BINS];
    struct cal_bin rel_strength[REPORT_BINS];
    struct cal_platt platt;
    struct cal_isotonic iso;
    struct report_group by_source[SRC_COUNT];
    struct report_group by_count[3]; /* 1, 2, 3+ sources */
    struct report_group fresh;       /* zones never tested before (prob_hold 0.5) */

    /* section 1b: causal models across zones, fitted on the fit half only */
    size_t n_inner;            /* fit-half tests the inner fit uses; the rest validate */
    double val_brier[REPORT_LAMBDAS], val_brier_base;
    double lambda;             /* the grid value with the lowest validation Brier */
    double feat_mean[REPORT_FEATURES], feat_sd[REPORT_FEATURES];
    double w[REPORT_FEATURES + 1]; /* on standardised features; w[0] the intercept */
    int logit_steps;
    double brier_logit, auc_logit, brier_logit_fit, brier_base_fit;
    struct cal_bin rel_logit[REPORT_BINS];
    double drop_brier[REPORT_GROUPS], drop_auc[REPORT_GROUPS];
    double g4_rate[4], g12_rate[12];
    size_t g4_n[4], g4_holds[4], g12_n[12], g12_holds[12];
    double brier_g4, auc_g4, brier_g12, auc_g12;
    double brier_own, auc_own; /* own frequency with the base rate as prior: (h + 2b)/(t + 2) */
    struct cal_bin rel_g12[REPORT_BINS];

    /* trades: the same entries through each method */
    size_t entries;
    struct report_sim sim[SIM_COUNT];
};

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

/* ---- input ------------------------------------------------------------------------------ */

/* "2023-04-06 13:45" for epoch seconds ts (UTC). */
static void report_fmt_ts(int64_t ts, char *buf, size_t len)
{
    int64_t z = ts / 86400 + 719468, secs = ts % 86400;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    snprintf(buf, len, "%04d-%02d-%02d %02d:%02d", (int)y, (int)m, (int)d, (int)(secs / 3600),
             (int)(secs % 3600 / 60));
}

/*
 * Reads an MT5 export (Date,Open,High,Low,Close,Tickvol,Volume,Spread; dates
 * YYYY.MM.DD HH:MM:SS UTC). Returns the bars (caller frees) and their count in *n, or NULL
 * when the file cannot be read. Lines that do not parse are skipped.
 */
struct bar *report_load_csv(const char *path, size_t *n)
{
    *n = 0;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    size_t cap = 32768, k = 0;
    struct bar *v = malloc(cap * sizeof *v);
    char line[256];
    while (v != NULL && fgets(line, sizeof line, f) != NULL) {
        int y, mo, d, h, mi, s;
        double o, hi, lo, c, tv;
        if (sscanf(line, "%d.%d.%d %d:%d:%d,%lf,%lf,%lf,%lf,%lf", &y, &mo, &d, &h, &mi, &s, &o,
                   &hi, &lo, &c, &tv) != 11)
            continue;
        if (k == cap) {
            cap *= 2;
            struct bar *w = realloc(v, cap * sizeof *v);
            if (w == NULL) {
                free(v);
                v = NULL;
                break;
            }
            v = w;
        }
        v[k++] = (struct bar){days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s,
                              o, hi, lo, c, tv};
    }
    fclose(f);
    if (v != NULL)
        *n = k;
    return v;
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
                            b->low, b->ts, b->ts, &out) == TRAIL_INVALID)
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
        struct setup_market mkt = {.atr = engine_atr(rp->e), .geo = engine_geometry(rp->e)};
        enum setup_status st = setup_build(&rq, rp->zones, rp->n_zones, &rp->params[m], pip,
                                           &mkt, res);
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
            trade_close(t, last->close, last->ts, last->ts);
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
        /* probabilities and strength are read after a refresh (engine.h); a bar without
         * events changed no count (the tally only moves with outcome events) */
        if (ev.n > 0 && engine_refresh(rp->e) != 0) {
            rc = -1;
            break;
        }
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

/* ---- the analysis -------------------------------------------------------------------------- */

static void score_group(const struct report *r, struct report_group *g, const double *p,
                        const uint8_t *y, const uint8_t *in)
{
    size_t nj = r->n_tests - r->n_train;
    double sp = 0.0, sm = 0.0, sb = 0.0;
    *g = (struct report_group){0};
    for (size_t i = 0; i < r->n_train; i++) {
        if (!in[i])
            continue;
        g->n_train++;
        g->holds_train += y[i];
    }
    for (size_t k = 0; k < nj; k++) {
        size_t i = r->n_train + k;
        if (!in[i])
            continue;
        g->n++;
        g->holds += y[i];
        sp += p[i];
        sm += (p[i] - y[i]) * (p[i] - y[i]);
        sb += (r->base_rate - y[i]) * (r->base_rate - y[i]);
    }
    if (g->n > 0) {
        g->mean_p = sp / (double)g->n;
        g->brier_model = sm / (double)g->n;
        g->brier_base = sb / (double)g->n;
    }
    g->z_fit = cal_binom_z(g->holds_train, g->n_train, r->base_rate);
    g->z = cal_binom_z(g->holds, g->n, r->judged_rate);
}

static const char *const FEATURE_NAME[REPORT_FEATURES] = {
    [F_TESTS0] = "never tested before", [F_TESTS1] = "tested once before",
    [F_TESTS2] = "tested twice before", [F_LOG_TESTS] = "log(1 + tests before)",
    [F_HOLD_SHARE] = "own past holds / tests", [F_SWEEP_SHARE] = "own past sweeps / tests",
    [F_BREAK_SHARE] = "own past breaks / tests", [F_NSOURCES] = "number of sources",
    [F_LIVE] = "live (moving) VWAP zone", [F_WIDTH] = "band width / ATR14",
    [F_OPEN_DIST] = "test bar's open outside the band / ATR14 (clipped -2..5)",
    [F_SPEED] = "4-bar move towards the zone / ATR14 (clipped -5..5)",
    [F_WITH_ROLE] = "approach matches role (+1 support from above / resistance from below, "
                    "-1 against, 0 no role)",
    [F_AGE] = "log(1 + hours since created)", [F_IDLE] = "log(1 + hours since last touch)",
    [F_LONDON] = "session 07-12 UTC", [F_OVERLAP] = "session 12-16 UTC",
    [F_LATE] = "session 16-24 UTC",
};

static int feature_group(int f)
{
    if (f <= F_LOG_TESTS)
        return G_TESTS;
    if (f <= F_BREAK_SHARE)
        return G_HISTORY;
    if (f <= F_LIVE)
        return G_SOURCES;
    if (f == F_WIDTH)
        return G_WIDTH;
    if (f == F_OPEN_DIST)
        return G_OPEN;
    if (f == F_SPEED)
        return G_SPEED;
    if (f == F_WITH_ROLE)
        return G_ROLE;
    if (f <= F_IDLE)
        return G_AGE;
    return G_SESSION;
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* The raw (unstandardised) features of one test. */
static void test_features(const struct report_test *t, double *x)
{
    for (int f = 0; f < REPORT_FEATURES; f++)
        x[f] = 0.0;
    uint32_t n = t->tests_before;
    x[F_TESTS0] = n == 0;
    x[F_TESTS1] = n == 1;
    x[F_TESTS2] = n == 2;
    x[F_LOG_TESTS] = log1p((double)n);
    if (n > 0) {
        x[F_HOLD_SHARE] = (double)t->holds_before / (double)n;
        x[F_SWEEP_SHARE] = (double)t->sweeps_before / (double)n;
        x[F_BREAK_SHARE] = (double)t->breaks_before / (double)n;
    }
    x[F_NSOURCES] = __builtin_popcount(t->sources);
    for (int s = 0; s < SRC_COUNT; s++)
        x[F_SRC0 + s] = (t->sources >> s) & 1u;
    x[F_LIVE] = t->live;
    x[F_WIDTH] = t->width_atr;
    x[F_OPEN_DIST] = clampd(t->open_dist_atr, -2.0, 5.0);
    x[F_SPEED] = clampd(t->speed_atr, -5.0, 5.0);
    x[F_WITH_ROLE] = (double)(t->role * t->approach);
    x[F_AGE] = log1p(t->hours_created > 0.0f ? t->hours_created : 0.0);
    x[F_IDLE] = log1p(t->hours_touched > 0.0f ? t->hours_touched : 0.0);
    x[F_LONDON] = t->hour >= 7 && t->hour < 12;
    x[F_OVERLAP] = t->hour >= 12 && t->hour < 16;
    x[F_LATE] = t->hour >= 16;
}

/* Grouping cells: tests before (0, 1, 2, 3+) and that x sources (1, 2, 3+). */
static int cell4(const struct report_test *t)
{
    return t->tests_before < 3 ? (int)t->tests_before : 3;
}

static int cell12(const struct report_test *t)
{
    int k = __builtin_popcount(t->sources);
    return cell4(t) * 3 + (k <= 1 ? 0 : k == 2 ? 1 : 2);
}

/*
 * Standardised design matrix z (n x REPORT_FEATURES) with the fit half's moments; with
 * drop >= 0 the columns of that group are zeroed (their weights then stay 0 under the
 * ridge). A constant column (sd 0) is 0 everywhere.
 */
static void standardise(const struct report *r, const double *x, double *z, size_t n, int drop)
{
    for (size_t i = 0; i < n; i++)
        for (int f = 0; f < REPORT_FEATURES; f++) {
            size_t k = i * REPORT_FEATURES + (size_t)f;
            z[k] = r->feat_sd[f] > 0.0 && feature_group(f) != drop
                       ? (x[k] - r->feat_mean[f]) / r->feat_sd[f]
                       : 0.0;
        }
}

/*
 * Section 1b: the groupings and the logistic model, fitted on tests[0 .. n_train) only.
 * lambda is chosen on the fit half alone: fit on its first 75 % of tests (time order),
 * lowest Brier on its last 25 %, then refitted on the whole fit half. q: scratch of nj.
 */
static int analyse_models(struct report *r, const uint8_t *y, double *q)
{
    size_t n = r->n_tests, nt = r->n_train, nj = n - nt;
    const size_t K = REPORT_FEATURES;
    double *x = malloc(n * K * sizeof *x), *z = malloc(n * K * sizeof *z);
    double *pv = malloc((nt + 1) * sizeof *pv), w[REPORT_FEATURES + 1];
    int rc = -1;
    if (x == NULL || z == NULL || pv == NULL)
        goto out;
    const uint8_t *yj = y + nt;

    /* groupings: shrunk hold rates per cell */
    for (size_t i = 0; i < nt; i++) {
        const struct report_test *t = &r->tests[i];
        r->g4_n[cell4(t)]++;
        r->g4_holds[cell4(t)] += y[i];
        r->g12_n[cell12(t)]++;
        r->g12_holds[cell12(t)] += y[i];
    }
    for (int c = 0; c < 4; c++)
        r->g4_rate[c] = cal_shrunk_rate(r->g4_holds[c], r->g4_n[c], r->base_rate, REPORT_SHRINK);
    for (int c = 0; c < 12; c++)
        r->g12_rate[c] = cal_shrunk_rate(r->g12_holds[c], r->g12_n[c], r->base_rate,
                                         REPORT_SHRINK);
    for (size_t k = 0; k < nj; k++)
        q[k] = r->g4_rate[cell4(&r->tests[nt + k])];
    r->brier_g4 = cal_brier(q, yj, nj);
    r->auc_g4 = cal_auc(q, yj, nj);
    for (size_t k = 0; k < nj; k++)
        q[k] = r->g12_rate[cell12(&r->tests[nt + k])];
    r->brier_g12 = cal_brier(q, yj, nj);
    r->auc_g12 = cal_auc(q, yj, nj);
    cal_reliability(q, yj, nj, REPORT_BINS, r->rel_g12);

    /* the engine's own frequency with the fit half's base rate instead of 1/2 as prior */
    for (size_t k = 0; k < nj; k++) {
        const struct report_test *t = &r->tests[nt + k];
        q[k] = cal_shrunk_rate(t->holds_before, t->tests_before, r->base_rate, 2.0);
    }
    r->brier_own = cal_brier(q, yj, nj);
    r->auc_own = cal_auc(q, yj, nj);

    /* the logistic model */
    for (size_t i = 0; i < n; i++)
        test_features(&r->tests[i], x + i * K);
    cal_moments(x, nt, K, r->feat_mean, r->feat_sd);
    standardise(r, x, z, n, -1);
    r->n_inner = nt * 3 / 4;
    size_t nv = nt - r->n_inner;
    if (r->n_inner == 0 || nv == 0)
        goto out;
    r->val_brier_base = cal_brier_const(cal_rate(y, r->n_inner), y + r->n_inner, nv);
    double best = 2.0;
    for (int l = 0; l < REPORT_LAMBDAS; l++) {
        if (cal_logit_fit(z, y, r->n_inner, K, REPORT_LAMBDA_GRID[l], w) < 0)
            goto out;
        for (size_t i = 0; i < nv; i++)
            pv[i] = cal_logit_apply(w, z + (r->n_inner + i) * K, K);
        r->val_brier[l] = cal_brier(pv, y + r->n_inner, nv);
        if (r->val_brier[l] < best) {
            best = r->val_brier[l];
            r->lambda = REPORT_LAMBDA_GRID[l];
        }
    }
    r->logit_steps = cal_logit_fit(z, y, nt, K, r->lambda, r->w);
    if (r->logit_steps < 0)
        goto out;
    for (size_t i = 0; i < nt; i++)
        pv[i] = cal_logit_apply(r->w, z + i * K, K);
    r->brier_logit_fit = cal_brier(pv, y, nt);
    r->brier_base_fit = cal_brier_const(r->base_rate, y, nt);
    for (size_t k = 0; k < nj; k++)
        q[k] = cal_logit_apply(r->w, z + (nt + k) * K, K);
    r->brier_logit = cal_brier(q, yj, nj);
    r->auc_logit = cal_auc(q, yj, nj);
    cal_reliability(q, yj, nj, REPORT_BINS, r->rel_logit);

    /* each feature group left out (same lambda, refitted on the fit half) */
    for (int g = 0; g < REPORT_GROUPS; g++) {
        standardise(r, x, z, n, g);
        if (cal_logit_fit(z, y, nt, K, r->lambda, w) < 0)
            goto out;
        for (size_t k = 0; k < nj; k++)
            q[k] = cal_logit_apply(w, z + (nt + k) * K, K);
        r->drop_brier[g] = cal_brier(q, yj, nj);
        r->drop_auc[g] = cal_auc(q, yj, nj);
    }
    rc = 0;
out:
    free(x), free(z), free(pv);
    return rc;
}

static int analyse_tests(struct report *r)
{
    size_t n = r->n_tests, nt = r->n_train, nj = n - nt;
    double *p = malloc((n + 1) * sizeof *p), *st = malloc((n + 1) * sizeof *st);
    double *q = malloc((nj + 1) * sizeof *q);
    uint8_t *y = malloc(n + 1), *in = malloc(n + 1);
    int rc = -1;
    if (p == NULL || st == NULL || q == NULL || y == NULL || in == NULL)
        goto out;
    for (size_t i = 0; i < n; i++) {
        p[i] = r->tests[i].p_hold;
        st[i] = r->tests[i].strength;
        y[i] = r->tests[i].outcome == OUTCOME_HOLD;
        r->outcomes[i >= nt][r->tests[i].outcome]++;
    }
    if (nt == 0 || nj == 0)
        goto out;
    r->base_rate = cal_rate(y, nt);
    const double *pj = p + nt;
    const uint8_t *yj = y + nt;
    r->brier_model = cal_brier(pj, yj, nj);
    r->brier_base = cal_brier_const(r->base_rate, yj, nj);
    r->judged_rate = cal_rate(yj, nj);
    r->brier_perfect_const = cal_brier_const(r->judged_rate, yj, nj);
    r->auc_model = cal_auc(pj, yj, nj);
    r->auc_strength = cal_auc(st + nt, yj, nj);
    cal_reliability(pj, yj, nj, REPORT_BINS, r->rel_model);
    cal_reliability(st + nt, yj, nj, REPORT_BINS, r->rel_strength);
    if (cal_isotonic_fit(p, y, nt, &r->iso) != 0)
        goto out;
    for (size_t k = 0; k < nj; k++)
        q[k] = cal_isotonic_apply(&r->iso, pj[k]);
    r->brier_iso = cal_brier(q, yj, nj);
    cal_reliability(q, yj, nj, REPORT_BINS, r->rel_iso);
    cal_platt_fit(p, y, nt, &r->platt);
    for (size_t k = 0; k < nj; k++)
        q[k] = cal_platt_apply(&r->platt, pj[k]);
    r->brier_platt = cal_brier(q, yj, nj);
    cal_reliability(q, yj, nj, REPORT_BINS, r->rel_platt);
    for (int s = 0; s < SRC_COUNT; s++) {
        for (size_t i = 0; i < n; i++)
            in[i] = (r->tests[i].sources >> s) & 1u;
        score_group(r, &r->by_source[s], p, y, in);
    }
    for (int c = 0; c < 3; c++) {
        for (size_t i = 0; i < n; i++) {
            int k = __builtin_popcount(r->tests[i].sources);
            in[i] = c < 2 ? k == c + 1 : k >= 3;
        }
        score_group(r, &r->by_count[c], p, y, in);
    }
    for (size_t i = 0; i < n; i++)
        in[i] = r->tests[i].tests_before == 0;
    score_group(r, &r->fresh, p, y, in);
    rc = analyse_models(r, y, q);
out:
    free(p), free(st), free(q), free(y), free(in);
    return rc;
}

/* Closing order: by close bar, then entry order. */
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

/*
 * Runs the whole study on bars[0 .. n) (or the first opts->max_bars of them) with all 15
 * sources and pip 0.0001. Returns 0 with *r filled (report_free releases it), -1 on failure.
 */
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
        rc = analyse_tests(r);
    if (rc == 0)
        rc = analyse_trades(&r->sim[SIM_FIXED], &r->sim[SIM_FIXED], pip);
    for (int m = 0; m < SIM_FIXED && rc == 0; m++)
        rc = analyse_trades(&r->sim[m], &r->sim[SIM_FIXED], pip);
    if (rc != 0)
        report_free(r);
    return rc;
}

/* ---- output -------------------------------------------------------------------------------- */

static const char *const FAMILY[SRC_COUNT] = {
    [SRC_VWAP_DAILY] = "vwap",         [SRC_VWAP_WEEKLY] = "vwap",
    [SRC_PIVOT_M5] = "swing",          [SRC_PIVOT_M15] = "swing",
    [SRC_FLOOR_PIVOT] = "levels",      [SRC_HIGH_DAILY] = "levels",
    [SRC_LOW_DAILY] = "levels",        [SRC_HIGH_WEEKLY] = "levels",
    [SRC_LOW_WEEKLY] = "levels",       [SRC_PREVIOUS_CLOSE] = "levels",
    [SRC_ROUND] = "round",             [SRC_GANN] = "gann",
    [SRC_WYCKOFF] = "wyckoff",         [SRC_CLUSTER] = "cluster",
    [SRC_EQUAL_LEVELS] = "equal_levels",
};

static double skill(double brier, double base)
{
    return base > 0.0 ? 1.0 - brier / base : 0.0;
}

static void write_rel(FILE *f, const char *title, const struct cal_bin *b)
{
    fprintf(f, "%s\n\n| predicted | n | mean predicted | observed hold rate | gap |\n"
               "|---|---:|---:|---:|---:|\n", title);
    for (int k = 0; k < REPORT_BINS; k++) {
        if (b[k].n == 0) {
            fprintf(f, "| %.1f–%.1f | 0 | – | – | – |\n", b[k].lo, b[k].hi);
            continue;
        }
        fprintf(f, "| %.1f–%.1f | %zu | %.3f | %.3f | %+.3f |\n", b[k].lo, b[k].hi, b[k].n,
                b[k].mean_pred, b[k].obs_rate, b[k].obs_rate - b[k].mean_pred);
    }
    fprintf(f, "\n");
}

static void write_group(FILE *f, const char *name, const char *family,
                        const struct report_group *g)
{
    if (g->n == 0) {
        fprintf(f, "| %s | %s | %zu | – | – | 0 | – | – | – | – | – |\n", name, family,
                g->n_train);
        return;
    }
    double rt = g->n_train ? (double)g->holds_train / (double)g->n_train : 0.0;
    fprintf(f, "| %s | %s | %zu | %.3f | %+.1f | %zu | %.3f | %+.1f | %.3f | %.4f | %+.1f %% |\n",
            name, family, g->n_train, rt, g->z_fit, g->n, (double)g->holds / (double)g->n, g->z,
            g->mean_p, g->brier_model, 100.0 * skill(g->brier_model, g->brier_base));
}

static void write_metrics(FILE *f, const char *name, const struct cal_trade_metrics *m,
                          size_t stops, size_t swept, size_t at_end, double stop_pips)
{
    fprintf(f, "| %s | %zu | %.1f %% | %+.3f | %+.1f | %.1f | %zu | %zu (%.1f %%) | %zu | %.1f |\n",
            name, m->trades, 100.0 * m->win_rate, m->expectancy, m->total_r, m->max_drawdown,
            stops, swept, stops ? 100.0 * (double)swept / (double)stops : 0.0, at_end,
            stop_pips);
}

static const char *const GROUP_NAME[REPORT_GROUPS] = {
    [G_TESTS] = "tests before (3 dummies + log count)",
    [G_HISTORY] = "own past hold / sweep / break shares",
    [G_SOURCES] = "source bits, number of sources, live VWAP",
    [G_WIDTH] = "band width / ATR", [G_OPEN] = "open's distance from the band / ATR",
    [G_SPEED] = "4-bar approach speed / ATR", [G_ROLE] = "approach vs role",
    [G_AGE] = "hours since created / last touch", [G_SESSION] = "session (hour of day)",
};

static void feature_label(int k, char *buf, size_t len)
{
    if (k >= F_SRC0 && k < F_SRC0 + SRC_COUNT)
        snprintf(buf, len, "source %s", source_name((enum liq_source)(k - F_SRC0)));
    else
        snprintf(buf, len, "%s", FEATURE_NAME[k]);
}

static const double *weight_base;
static int weight_cmp(const void *a, const void *b)
{
    int i = *(const int *)a, k = *(const int *)b;
    double x = fabs(weight_base[i + 1]), z = fabs(weight_base[k + 1]);
    if (x != z)
        return x > z ? -1 : 1;
    return i < k ? -1 : i > k;
}

/* Section 1b: what a model across zones, fitted on the fit half, makes of the judged half. */
static void write_models(FILE *f, const struct report *r)
{
    size_t nt = r->n_train, nj = r->n_tests - nt;
    double sk = skill(r->brier_logit, r->brier_base);
    fprintf(f, "## 1b. A causal model across zones (fitted on the fit half only)\n\n");
    fprintf(f, "`prob_hold` is one zone's own Laplace frequency. The models here pool all zones' "
               "tests of the fit half and use only what was known when a test began: the zone "
               "at the close of the previous bar, ATR14 after the previous bar, and the test "
               "bar's open and hour. Nothing was tuned on the judged half: the features were "
               "fixed before the first fit, and the one free parameter (the L2 weight λ) is "
               "chosen inside the fit half.\n\n");
    fprintf(f, "**Groupings.** Hold rate per cell on the fit half, shrunk towards the fit "
               "half's base rate with %.0f pseudo-tests: (holds + %.0f × %.4f) / (n + %.0f). "
               "Judged half: tests by 0, 1, 2, 3+ earlier tests → Brier %.4f (skill %+.1f %%, "
               "AUC %.3f); by that × 1, 2, 3+ sources → Brier %.4f (skill %+.1f %%, AUC "
               "%.3f).\n\n", REPORT_SHRINK, REPORT_SHRINK, r->base_rate, REPORT_SHRINK,
            r->brier_g4, 100.0 * skill(r->brier_g4, r->brier_base), r->auc_g4, r->brier_g12,
            100.0 * skill(r->brier_g12, r->brier_base), r->auc_g12);
    fprintf(f, "| tests before | sources | fit n | fit holds | predicted (shrunk) | judged n | "
               "judged hold rate |\n|---|---|---:|---:|---:|---:|---:|\n");
    static const char *const TB[4] = {"0", "1", "2", "3+"}, *const SB[3] = {"1", "2", "3+"};
    for (int c = 0; c < 12; c++) {
        size_t jn = 0, jh = 0;
        for (size_t k = 0; k < nj; k++) {
            const struct report_test *t = &r->tests[nt + k];
            if (cell12(t) == c) {
                jn++;
                jh += t->outcome == OUTCOME_HOLD;
            }
        }
        fprintf(f, "| %s | %s | %zu | %zu | %.3f | %zu | ", TB[c / 3], SB[c % 3], r->g12_n[c],
                r->g12_holds[c], r->g12_rate[c], jn);
        if (jn)
            fprintf(f, "%.3f |\n", (double)jh / (double)jn);
        else
            fprintf(f, "– |\n");
    }
    fprintf(f, "\n**Logistic regression.** P(hold) = 1 / (1 + exp(−(w0 + Σ w·z))), z = the "
               "features standardised with the fit half's mean and standard deviation; fitted "
               "by Newton's method (IRLS) on the mean log-likelihood with an L2 penalty "
               "λ/2 · Σ w² on the weights (not the intercept), `cal_logit_fit` in "
               "`domain/calibration.c`. λ: fitted on the first %zu fit-half tests (time order), "
               "scored on the last %zu; the λ with the lowest validation Brier is refitted on "
               "all %zu fit-half tests (%d Newton steps).\n\n", r->n_inner, nt - r->n_inner,
            nt, r->logit_steps);
    fprintf(f, "| λ | validation Brier (fit half's last 25 %%) | skill vs the inner base rate "
               "(%.4f) |\n|---:|---:|---:|\n", r->val_brier_base);
    for (int l = 0; l < REPORT_LAMBDAS; l++)
        fprintf(f, "| %g%s | %.4f | %+.1f %% |\n", REPORT_LAMBDA_GRID[l],
                REPORT_LAMBDA_GRID[l] == r->lambda ? " (chosen)" : "", r->val_brier[l],
                100.0 * skill(r->val_brier[l], r->val_brier_base));
    fprintf(f, "\nIn sample (fit half) the model scores Brier %.4f against the base rate's "
               "%.4f (skill %+.1f %%); on the judged half **%.4f against %.4f: skill %+.1f %%, "
               "AUC %.3f** (goal +10 %%).\n\n", r->brier_logit_fit, r->brier_base_fit,
            100.0 * skill(r->brier_logit_fit, r->brier_base_fit), r->brier_logit,
            r->brier_base, 100.0 * sk, r->auc_logit);
    fprintf(f, "Weights, largest first (per standard deviation of the feature on the fit half; "
               "odds ratio = exp(weight), the change in the odds of a hold for one standard "
               "deviation more). Intercept %.3f (P %.3f at the fit half's mean features).\n\n"
               "| feature | fit mean | fit sd | weight | odds ratio |\n"
               "|---|---:|---:|---:|---:|\n", r->w[0], 1.0 / (1.0 + exp(-r->w[0])));
    int idx[REPORT_FEATURES];
    for (int k = 0; k < REPORT_FEATURES; k++)
        idx[k] = k;
    weight_base = r->w;
    qsort(idx, REPORT_FEATURES, sizeof idx[0], weight_cmp);
    for (int a = 0; a < REPORT_FEATURES; a++) {
        int k = idx[a];
        char name[96];
        feature_label(k, name, sizeof name);
        if (!(r->feat_sd[k] > 0.0)) {
            fprintf(f, "| %s | %.3f | 0 | – (constant, unused) | – |\n", name, r->feat_mean[k]);
            continue;
        }
        fprintf(f, "| %s | %.3f | %.3f | %+.3f | %.2f |\n", name, r->feat_mean[k],
                r->feat_sd[k], r->w[k + 1], exp(r->w[k + 1]));
    }
    fprintf(f, "\nWhat each group of features carries: the model refitted on the fit half "
               "without that group (same λ), scored on the judged half. A diagnostic only — "
               "nothing was chosen by it.\n\n| left out | judged Brier | skill | AUC | skill "
               "lost |\n|---|---:|---:|---:|---:|\n");
    fprintf(f, "| nothing (the full model) | %.4f | %+.1f %% | %.3f | – |\n", r->brier_logit,
            100.0 * sk, r->auc_logit);
    for (int g = 0; g < REPORT_GROUPS; g++) {
        double s2 = skill(r->drop_brier[g], r->brier_base);
        fprintf(f, "| %s | %.4f | %+.1f %% | %.3f | %+.1f pp |\n", GROUP_NAME[g],
                r->drop_brier[g], 100.0 * s2, r->drop_auc[g], 100.0 * (sk - s2));
    }
    fprintf(f, "\n");
    write_rel(f, "Reliability of the logistic model, judged half:", r->rel_logit);
    write_rel(f, "Reliability of the tests × sources grouping, judged half:", r->rel_g12);
}

/* The markdown report. cmd: the command that regenerates it, printed verbatim. */
void report_write_md(FILE *f, const struct report *r, const char *cmd)
{
    char t0[32], t1[32], t2[32];
    report_fmt_ts(r->first_ts, t0, sizeof t0);
    report_fmt_ts(r->split_ts, t1, sizeof t1);
    report_fmt_ts(r->last_ts, t2, sizeof t2);
    size_t nj = r->n_tests - r->n_train;
    double sk = skill(r->brier_model, r->brier_base);
    double sk_iso = skill(r->brier_iso, r->brier_base);
    double sk_platt = skill(r->brier_platt, r->brier_base);
    const struct report_opts *o = &r->opts;

    fprintf(f, "# Truth of the numbers: zone probabilities and zone stops on EURUSD M15\n\n");
    fprintf(f, "Generated by `bench/domain_report.c` (core: `bench/report_core.c`, pure maths: "
               "`domain/calibration.c`). Regenerate everything — this file, the data and the "
               "two plots — with:\n\n```\n%s\n```\n\n", cmd);
    fprintf(f, "The replay is deterministic: the same bars give the same numbers "
               "(`tests/unit/test_report.c` runs it twice on a slice and compares the text).\n\n");

    fprintf(f, "## Setup\n\n");
    fprintf(f, "- Bars: %zu M15 bars of EURUSD, %s to %s UTC. Pip 0.0001. Engine defaults "
               "(`params_defaults`) with `liquidity_sources` = all 15; the engine runs "
               "%d of them on M15 bars (PIVOT_M5 needs M5 bars).\n",
            r->n_bars, t0, t2, __builtin_popcount(r->active_sources));
    fprintf(f, "- Split by bar count: the first %zu bars (to %s) are the **fit** half, the "
               "remaining %zu bars the **judged** half. The engine runs through both without a "
               "reset (a zone's own counts keep growing); only what the first half saw is used "
               "to fit the base rate, the calibration maps and the models of §1b, and only tests that *start* in "
               "the second half are scored.\n",
            r->split, t1, r->n_bars - r->split);
    fprintf(f, "- One observation = one **test** of one zone (the engine's definition: the first "
               "touch after price left the band by its width starts a test). Its predictors are "
               "the zone's `prob_hold`, `prob_break`, `prob_sweep`, `strength` and sources as "
               "they were at the close of the bar *before* the test began. Its outcome is the "
               "test's final outcome as the engine counts it (hold < sweep < break, upgraded "
               "within the test; none when the test ended without a decisive close). The event "
               "`hold` counts as a hold only when no sweep or break followed in the same test — "
               "exactly what `prob_hold = (holds + 1) / (tests + 2)` estimates.\n");
    fprintf(f, "- Observations: %zu tests in the fit half, %zu in the judged half. Tests of "
               "nearby zones on the same bar are not independent, so z-scores below are "
               "optimistic.\n\n", r->n_train, nj);
    fprintf(f, "| half | tests | hold | sweep | break | none |\n|---|---:|---:|---:|---:|---:|\n");
    for (int h = 0; h < 2; h++) {
        size_t tot = h ? nj : r->n_train;
        fprintf(f, "| %s | %zu", h ? "judged" : "fit", tot);
        for (int k = 1; k <= 3; k++)
            fprintf(f, " | %zu (%.1f %%)", r->outcomes[h][k],
                    tot ? 100.0 * (double)r->outcomes[h][k] / (double)tot : 0.0);
        fprintf(f, " | %zu (%.1f %%) |\n", r->outcomes[h][0],
                tot ? 100.0 * (double)r->outcomes[h][0] / (double)tot : 0.0);
    }

    fprintf(f, "\n## 1. Is `prob_hold` calibrated?\n\n");
    fprintf(f, "Brier score on the %zu judged tests (lower is better; skill = 1 − Brier / "
               "Brier of the base rate). Goal: skill ≥ 10 %%.\n\n", nj);
    fprintf(f, "| predictor | Brier | skill vs base rate | AUC |\n|---|---:|---:|---:|\n");
    fprintf(f, "| base rate (fit half's hold frequency %.4f, constant) | %.4f | 0 %% | 0.500 |\n",
            r->base_rate, r->brier_base);
    fprintf(f, "| engine `prob_hold` | %.4f | %+.1f %% | %.3f |\n", r->brier_model, 100.0 * sk,
            r->auc_model);
    fprintf(f, "| `prob_hold` → isotonic map fitted on the fit half (%zu steps) | %.4f | %+.1f %% "
               "| – |\n", r->iso.n, r->brier_iso, 100.0 * sk_iso);
    fprintf(f, "| `prob_hold` → Platt scaling fitted on the fit half (a %.3f, b %.3f) | %.4f | "
               "%+.1f %% | – |\n", r->platt.a, r->platt.b, r->brier_platt, 100.0 * sk_platt);
    fprintf(f, "| hindsight: judged half's own hold frequency (not a forecast) | %.4f | %+.1f %% "
               "| 0.500 |\n", r->brier_perfect_const,
            100.0 * skill(r->brier_perfect_const, r->brier_base));
    fprintf(f, "| `strength` (ranking only, not a probability) | – | – | %.3f |\n",
            r->auc_strength);
    fprintf(f, "| the zone's own frequency with the fit half's base rate as prior, (holds + 2 × "
               "%.4f) / (tests + 2) | %.4f | %+.1f %% | %.3f |\n", r->base_rate, r->brier_own,
            100.0 * skill(r->brier_own, r->brier_base), r->auc_own);
    fprintf(f, "| causal grouping: hold rate by tests before (0, 1, 2, 3+), fit half (§1b) | "
               "%.4f | %+.1f %% | %.3f |\n", r->brier_g4, 100.0 * skill(r->brier_g4,
            r->brier_base), r->auc_g4);
    fprintf(f, "| causal grouping: tests before × number of sources (12 cells), fit half (§1b) "
               "| %.4f | %+.1f %% | %.3f |\n", r->brier_g12, 100.0 * skill(r->brier_g12,
            r->brier_base), r->auc_g12);
    fprintf(f, "| causal logistic regression, %d features, fit half (§1b) | %.4f | %+.1f %% | "
               "%.3f |\n\n", REPORT_FEATURES, r->brier_logit,
            100.0 * skill(r->brier_logit, r->brier_base), r->auc_logit);
    fprintf(f, "AUC = probability that a test that held got a higher prediction than one that "
               "did not (0.5 = no ranking power). The isotonic and Platt maps cannot add ranking "
               "power (they are monotone in `prob_hold`); they can only fix its scale.\n\n");
    fprintf(f, "![reliability diagram](img/reliability.png)\n\n");
    write_rel(f, "Reliability of the engine's `prob_hold`, judged half, by decile of the "
                 "prediction:", r->rel_model);
    write_rel(f, "After the isotonic map (fitted on the fit half), judged half:", r->rel_iso);
    write_rel(f, "After Platt scaling (fitted on the fit half), judged half:", r->rel_platt);
    write_rel(f, "Hold rate by decile of `strength` (the number setups use), judged half:",
              r->rel_strength);

    write_models(f, r);

    fprintf(f, "## 2. Which sources' zones hold more often than chance?\n\n");
    fprintf(f, "A zone counts for every source it carries (a zone with three sources is in three "
               "rows). *Chance* = the overall hold frequency of the same half (fit %.4f, judged "
               "%.4f): the hold rate of all zones drifts between the halves, so each half is "
               "compared with itself. z = (holds − n × chance) / √(n × chance × (1 − chance)). "
               "A source holds more often than chance when z ≥ 2 in *both* halves; remember "
               "that tests are not independent (one bar tests several nearby zones), so treat "
               "|z| < 3 as weak. Brier skill (last column) is the engine's `prob_hold` against "
               "the fit half's base rate *within the row*, judged half.\n\n",
            r->base_rate, r->judged_rate);
    fprintf(f, "| source | family | fit n | fit hold rate | fit z | judged n | judged hold rate "
               "| judged z | mean prob_hold | Brier | skill |\n"
               "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int s = 0; s < SRC_COUNT; s++)
        write_group(f, source_name((enum liq_source)s), FAMILY[s], &r->by_source[s]);
    static const char *const CNT[3] = {"1 source", "2 sources", "3+ sources"};
    for (int c = 0; c < 3; c++)
        write_group(f, CNT[c], "confluence", &r->by_count[c]);
    write_group(f, "never tested before", "fresh (prob_hold 0.5)", &r->fresh);

    fprintf(f, "\n## 3. Zone stops vs fixed stops (judged half)\n\n");
    fprintf(f, "Entry rule, fixed before looking at any result and not tuned: from the first "
               "bar of the judged half, every %zu-th bar (once a day) a setup at that bar's "
               "close, sides alternating BUY, SELL, ...; trend_score %.2f, regime NORMAL. "
               "Zones: the engine's active zones after that bar, sorted by price. The same "
               "entries run through each method:\n\n", o->trade_every, o->trend_score);
    fprintf(f, "- **zone**: `setup_build` (stop behind the strongest qualifying zone, or the "
               "%.0f-pip fallback; TP1/TP2/runner in front of zones, refused when no zone "
               "gives RR ≥ 1.5), then `trade_trail` with every following bar (price = close, "
               "high, low, ts) and the zones after that bar.\n", 30.0);
    fprintf(f, "- **fixed**: stop %.1f × ATR14 (M15, `engine_atr` at the entry bar) from entry, "
               "one target at %.1f R, stop first when one bar reaches both (the same "
               "conservative rule as `trade_trail`).\n", o->fixed_atr_mult, o->fixed_rr);
    fprintf(f, "- A trade still open at the last bar is closed at its close. R = |entry − "
               "initial stop|. Trades may overlap. The equity curve adds R in closing order.\n");
    fprintf(f, "- **Swept stop**: a trade closed by its stop (initial or trailed) where one of "
               "the %zu closes starting with the stop bar's own close is back on the trade's "
               "side of the stop level (BUY: close > stop) — price took the stop and came "
               "back within %zu minutes.\n\n", o->sweep_bars, o->sweep_bars * 15);
    fprintf(f, "Entries: %zu.\n\n| method | accepted | refused | invalid | fallback stop "
               "| typical refusal |\n|---|---:|---:|---:|---:|---|\n", r->entries);
    for (int m = 0; m < SIM_COUNT; m++) {
        const struct report_sim *sm = &r->sim[m];
        fprintf(f, "| %s | %zu | %zu | %zu | %zu | %s |\n", sm->name, sm->n,
                sm->refused + sm->skipped, sm->invalid, sm->fallback,
                sm->refused ? sm->refusal_example : "–");
    }
    fprintf(f, "\n| method | trades | win rate | expectancy (R) | total (R) | max drawdown (R) "
               "| stop exits | swept | open at end | mean initial stop (pips) |\n"
               "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int m = 0; m < SIM_COUNT; m++) {
        const struct report_sim *sm = &r->sim[m];
        write_metrics(f, sm->name, &sm->m, sm->stops, sm->swept, sm->at_end,
                      sm->mean_stop_pips);
    }
    fprintf(f, "\nThe zone methods trade only the entries they accept; the fixed method trades "
               "every entry. On the *same* entries the fixed method gives:\n\n"
               "| entries of | trades | zone expectancy (R) | fixed expectancy (R) | zone win rate "
               "| fixed win rate | zone max DD (R) | fixed max DD (R) |\n"
               "|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int m = 0; m < SIM_FIXED; m++) {
        const struct report_sim *sm = &r->sim[m];
        fprintf(f, "| %s | %zu | %+.3f | %+.3f | %.1f %% | %.1f %% | %.1f | %.1f |\n", sm->name,
                sm->m.trades, sm->m.expectancy, sm->fixed_same.expectancy,
                100.0 * sm->m.win_rate, 100.0 * sm->fixed_same.win_rate, sm->m.max_drawdown,
                sm->fixed_same.max_drawdown);
    }
    fprintf(f, "\nA zone trade that hits TP1 and is then stopped at break-even counts as a win "
               "and as a stop exit. The second zone row is a diagnostic, not a tuned variant: "
               "it shows what the zone stops and targets do when the strength filter that "
               "refuses almost every setup is switched off.\n\n");
    fprintf(f, "![equity curves in R](img/equity.png)\n\n");

    fprintf(f, "## 4. Conclusion\n\n");
    if (sk >= 0.10)
        fprintf(f, "- **Calibration goal met**: `prob_hold` beats the base rate by %.1f %% "
                   "(goal 10 %%).\n", 100.0 * sk);
    else
        fprintf(f, "- **Calibration goal not met.** The engine's `prob_hold` scores %+.1f %% "
                   "against the constant base rate (goal: +10 %%). %s\n", 100.0 * sk,
                sk < 0.0 ? "As a probability it is worse than saying the same number for every "
                           "zone."
                         : "It is barely better than saying the same number for every zone.");
    fprintf(f, "- Ranking power: AUC %.3f for `prob_hold`, %.3f for `strength` (0.5 = none).\n",
            r->auc_model, r->auc_strength);
    fprintf(f, "- Recalibration fitted on the fit half: isotonic %+.1f %%, Platt %+.1f %% "
               "against the base rate. %s\n", 100.0 * sk_iso, 100.0 * sk_platt,
            (sk_iso >= 0.10 || sk_platt >= 0.10)
                ? "A recalibrated `prob_hold` meets the goal."
                : "Recalibration fixes the scale but cannot create information the number does "
                  "not carry: the goal is still not met.");
    double sk_lg = skill(r->brier_logit, r->brier_base);
    double sk_g4 = skill(r->brier_g4, r->brier_base), sk_g12 = skill(r->brier_g12, r->brier_base);
    double sk_own = skill(r->brier_own, r->brier_base);
    double sk_in = skill(r->brier_logit_fit, r->brier_base_fit);
    double best = sk_lg > sk_g12 ? sk_lg : sk_g12;
    if (sk_g4 > best)
        best = sk_g4;
    if (best >= 0.10)
        fprintf(f, "- **A causal model across zones meets the goal**: the best one fitted on the "
                   "fit half scores %+.1f %% on the judged half (logistic %+.1f %%, AUC %.3f; "
                   "groupings %+.1f %% and %+.1f %%).\n", 100.0 * best, 100.0 * sk_lg,
                r->auc_logit, 100.0 * sk_g4, 100.0 * sk_g12);
    else
        fprintf(f, "- **No causal model beats the base rate by 10 %%.** Pooled across zones and "
                   "fitted on the fit half only, a logistic regression on %d features known "
                   "when a test begins scores %+.1f %% on the judged half (AUC %.3f); the "
                   "groupings by tests so far (× number of sources) score %+.1f %% and "
                   "%+.1f %%. Even in sample the logistic model reaches only %+.1f %%, so this "
                   "is not a matter of overfitting or of λ: what is known at the start of a "
                   "test says little about whether this test ends as a hold.",
                REPORT_FEATURES, 100.0 * sk_lg, r->auc_logit, 100.0 * sk_g4, 100.0 * sk_g12,
                100.0 * sk_in);
    int top[REPORT_FEATURES];
    for (int k = 0; k < REPORT_FEATURES; k++)
        top[k] = k;
    weight_base = r->w;
    qsort(top, REPORT_FEATURES, sizeof top[0], weight_cmp);
    fprintf(f, "%s The logistic model's largest weights (per sd, §1b): ",
            best >= 0.10 ? "\n-" : "");
    for (int a = 0; a < 3; a++) {
        char name[96];
        feature_label(top[a], name, sizeof name);
        fprintf(f, "%s%s %+.3f", a ? "; " : "", name, r->w[top[a] + 1]);
    }
    fprintf(f, ".\n");
    fprintf(f, "- Part of `prob_hold`'s deficit is its prior: the same own frequency with the "
               "base rate instead of 1/2 as prior scores %+.1f %% (engine %+.1f %%) — fresh "
               "zones, which the engine calls 0.5, hold about %.0f %% — and the rest is the "
               "noise of a few tests per zone.\n", 100.0 * sk_own,
            100.0 * sk, r->fresh.n ? 100.0 * (double)r->fresh.holds / (double)r->fresh.n : 0.0);
    const struct report_sim *z0 = &r->sim[SIM_ZONE], *z1 = &r->sim[SIM_ZONE_ANY];
    const struct report_sim *fx = &r->sim[SIM_FIXED];
    fprintf(f, "- Setups: with the default `min_liquidity_strength` %.2f the zone method "
               "accepted %zu of %zu entries (%zu refused). `strength = base × prob_hold × "
               "decay` rarely reaches %.2f because the zones' observed hold rate is low "
               "(about %.0f %%), so almost no zone qualifies as a stop or a target.\n",
            0.60, z0->n, r->entries, z0->refused, 0.60, 100.0 * r->base_rate);
    fprintf(f, "- Stops: defaults %+.3f R per trade over %zu trades (win rate %.1f %%, max "
               "drawdown %.1f R); strength filter off %+.3f R over %zu trades (win rate "
               "%.1f %%, max drawdown %.1f R, fixed on the same entries %+.3f R); fixed ATR "
               "stop %+.3f R over %zu trades (win rate %.1f %%, max drawdown %.1f R). ",
            z0->m.expectancy, z0->m.trades, 100.0 * z0->m.win_rate, z0->m.max_drawdown,
            z1->m.expectancy, z1->m.trades, 100.0 * z1->m.win_rate, z1->m.max_drawdown,
            z1->fixed_same.expectancy, fx->m.expectancy, fx->m.trades, 100.0 * fx->m.win_rate,
            fx->m.max_drawdown);
    if (z0->m.trades < 30)
        fprintf(f, "%zu trades with the defaults are too few to say anything about zone stops. ",
                z0->m.trades);
    fprintf(f, "%s\n", z1->m.expectancy > z1->fixed_same.expectancy
                           ? "On the same entries the zone exits did better than the fixed "
                             "ones; whether that survives more data is open."
                           : "On the same entries the zone exits did **not** beat the fixed "
                             "ATR exits.");
    fprintf(f, "- Swept stops: %.0f %% of the fixed stops and %.0f %% of the zone stops "
               "(filter off) were taken and closed back within %zu bars.\n",
            fx->stops ? 100.0 * (double)fx->swept / (double)fx->stops : 0.0,
            z1->stops ? 100.0 * (double)z1->swept / (double)z1->stops : 0.0, o->sweep_bars);
    fprintf(f, "- Neither method has an edge of its own here: the entries are deliberately "
               "arbitrary, so the question is only which exit loses less or gains more.\n");
    fprintf(f, "\n### What to try next\n\n");
    fprintf(f, "1. **A test outcome that means something to a trader.** Bands are narrow "
               "(half-width max(1 pip, 0.1 × ATR14)), and one M15 close beyond the far edge "
               "is a break: %.0f %% of judged tests end as breaks. Judge a test over a horizon "
               "instead (does price move k × ATR away from the zone before closing beyond it "
               "by k × ATR?) and widen bands with volatility.\n",
            nj ? 100.0 * (double)r->outcomes[1][OUTCOME_BREAK] / (double)nj : 0.0);
    if (best >= 0.10)
        fprintf(f, "2. **Wire the pooled model as the learner's prior** (the lead decides): "
                   "`prob_hold = (holds + m × p_model) / (tests + m)` with p_model the "
                   "logistic model's probability at the test's start and m pseudo-tests "
                   "chosen on the fit half, refitted periodically on past tests only.\n");
    else
        fprintf(f, "2. **Pooling across zones was tried (§1b) and is not enough** (%+.1f %%). "
                   "If a probability is shown at all, the pooled model's or simply the base "
                   "rate is more honest than a zone's own frequency, which adds noise even "
                   "with the base rate as prior (%+.1f %%). The engine's statistics are left "
                   "unchanged here (this is a measurement). More features of the same kind are unlikely "
                   "to help: in sample the %d features reach %+.1f %%. What could: an outcome "
                   "with a horizon (item 1), features of the test bar's path at the moment of "
                   "the touch (order flow, tick volume), other symbols.\n", 100.0 * sk_lg,
                100.0 * sk_own, REPORT_FEATURES, 100.0 * sk_in);
    fprintf(f, "3. **Count sweeps with holds** for stop placement (both close back on the "
               "approach side) and score `prob_hold + prob_sweep` against that outcome.\n");
    fprintf(f, "4. **Re-derive `strength` and `min_liquidity_strength`.** With hold rates "
               "near %.0f %%, a strength of 0.60 is almost unreachable, so the setup logic "
               "refuses or falls back; thresholds should come from the calibrated "
               "probability, not from a fixed number.\n", 100.0 * r->judged_rate);
    fprintf(f, "5. **More data** (other symbols and years, M5 bars so PIVOT_M5 runs) before "
               "trusting any stop comparison; a daily entry gives only about %zu trades "
               "here.\n", r->entries);
}

/*
 * Data files for gnuplot in dir: reliability.dat (bin, mean predicted and observed rate
 * for the raw, isotonic, Platt and logistic-model predictions, n) and equity.dat (closing ts, trade number,
 * cumulative R, one block per method separated by two blank lines). 0, or -1 on I/O error.
 */
int report_write_data(const struct report *r, const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/reliability.dat", dir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "# bin  raw_pred raw_obs raw_n  iso_pred iso_obs iso_n  platt_pred platt_obs "
               "platt_n  logit_pred logit_obs logit_n\n");
    for (int k = 0; k < REPORT_BINS; k++) {
        const struct cal_bin *set[4] = {&r->rel_model[k], &r->rel_iso[k], &r->rel_platt[k],
                                        &r->rel_logit[k]};
        fprintf(f, "%d", k);
        for (int s = 0; s < 4; s++) {
            if (set[s]->n)
                fprintf(f, "  %.6f %.6f %zu", set[s]->mean_pred, set[s]->obs_rate, set[s]->n);
            else
                fprintf(f, "  NaN NaN 0");
        }
        fprintf(f, "\n");
    }
    int rc = fclose(f);
    snprintf(path, sizeof path, "%s/equity.dat", dir);
    f = fopen(path, "w");
    if (f == NULL)
        return -1;
    for (int m = 0; m < SIM_COUNT; m++) {
        const struct report_sim *sm = &r->sim[m];
        fprintf(f, "# %s: close_ts trade cum_r\n%" PRId64 " 0 0\n", sm->name, r->split_ts);
        double cum = 0.0;
        for (size_t i = 0; i < sm->n; i++) {
            cum += sm->rs[i];
            fprintf(f, "%" PRId64 " %zu %.6f\n", sm->t[sm->order[i]].close_ts, i + 1, cum);
        }
        fprintf(f, "\n\n");
    }
    rc |= fclose(f);
    return rc == 0 ? 0 : -1;
}
