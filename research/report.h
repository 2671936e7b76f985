/*
 * report.h - the replay behind docs/report.md: are zone probabilities calibrated, do zone
 * stops beat fixed stops? research/report_main.c (the `report` program) writes the report;
 * tests/unit/test_report.c runs the same library code on a slice.
 *
 * The one idea: one pass of the bars through the engine, every number judged out of
 * sample. A zone's test is an observation: the probabilities the zone carried at the end
 * of the bar before the test began, and the test's final outcome (the engine's own
 * definition: hold, sweep or break, upgraded within the test; none when it ended
 * undecided). Tests that start in the first half (by bar count) fit the base rate and the
 * recalibration maps, the groupings and the logistic model across zones (features known
 * when a test begins, L2 weight chosen inside the first half); tests that start in the
 * second half are scored. Trades are entered in the second half only, by a fixed untuned
 * rule, twice: with setup_build/trade_trail on the engine's zones, and with a fixed ATR
 * stop and a fixed 1.5 R target.
 *
 * Files: replay.c (the pass over the bars, the trades), analysis.c (the statistics of the
 * tests), report_md.c (the markdown), report_data.c (the plot data); the maths in
 * calibration.c. Deterministic: no clock, no randomness; sorts break ties by index.
 */
#ifndef LIQ_RESEARCH_REPORT_H
#define LIQ_RESEARCH_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "domain/engine.h"
#include "domain/setup.h"
#include "research/calibration.h"

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


/*
 * Runs the whole study on bars[0 .. n) (or the first opts->max_bars of them) with all 15
 * sources and pip 0.0001. Returns 0 with *r filled (report_free releases it), -1 on failure.
 */
int report_run(const struct bar *bars, size_t n, const struct report_opts *opts,
               struct report *r);
void report_free(struct report *r);

/* The markdown report. cmd: the command that regenerates it, printed verbatim. */
void report_write_md(FILE *f, const struct report *r, const char *cmd);

/*
 * Data files for gnuplot in dir: reliability.dat (bin, mean predicted and observed rate
 * for the raw, isotonic, Platt and logistic-model predictions, n) and equity.dat (closing
 * ts, trade number, cumulative R, one block per method separated by two blank lines). 0, or
 * -1 on I/O error.
 */
int report_write_data(const struct report *r, const char *dir);

/* The statistics of the tests (analysis.c), run by report_run after the replay. 0 / -1. */
int report_analyse_tests(struct report *r);

/* The raw (unstandardised) features of one test, x[REPORT_FEATURES]. */
void report_test_features(const struct report_test *t, double *x);

/* Grouping cell of a test: tests before (0, 1, 2, 3+) x sources (1, 2, 3+), 0 .. 11. */
int report_cell12(const struct report_test *t);

/* "2023-04-06 13:45" for epoch seconds ts (UTC). */
void report_fmt_ts(int64_t ts, char *buf, size_t len);

#endif
