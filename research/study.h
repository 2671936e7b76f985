/*
 * study.h - the report's measurement of one bar file: are the engine's probabilities
 * calibrated, do its zones hold more often than their control levels, and what do setups
 * built with the default settings earn against a fixed-stop baseline?
 *
 * The one idea: fit on the first half of the file, judge on the second, never tune on what
 * is judged. The engine (default settings, pip inferred from the first close as the service
 * does) runs once over every bar. The first half (by bar count) gives the base rates the
 * probabilities are compared with; everything scored is on the second half:
 *   - prob_hold: every resolved test of a zone that starts in the judged half, the zone's
 *     prob_hold at the close of the bar before the test against "the test ended as a hold";
 *   - p_tp1_first: a setup asked at every whole hour (sides alternating), its p_tp1_first
 *     against "price reached TP1 before the stop" (the stop first when one bar reaches both);
 *   - evidence: the engine's own tally of tests at zones and at their controls (the numbers
 *     of GET /symbols/{symbol}/evidence), whole file and judged half;
 *   - setups: the untuned entry rule, a setup at the close of every bar whose index from the
 *     start of the judged half is a multiple of one day's bars (96 on M15, 24 on H1), sides
 *     alternating, through setup_build + trade_trail; the same entries through a fixed
 *     1.5 x ATR stop and a 1.5 R target.
 * Intervals: day-block bootstrap (days of the judged half drawn with replacement, 1,000
 * draws, fixed seed), percentile 2.5 / 97.5.
 *
 * Deterministic: no clock; the only randomness is the seeded bootstrap.
 */
#ifndef LIQ_RESEARCH_STUDY_H
#define LIQ_RESEARCH_STUDY_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/bar.h"
#include "domain/evidence.h"
#include "domain/setup.h"
#include "domain/zone.h"
#include "research/calibration.h"

#define STUDY_BINS 10
#define STUDY_DRAWS 1000
#define STUDY_SEED 20260101u

struct study_opts {
    size_t max_bars;       /* 0: all bars */
    double fixed_atr_mult; /* baseline stop = this x ATR (1.5) */
    double fixed_rr;       /* baseline target = this x the stop distance (1.5) */
    double trend_score;    /* of every setup request (0.7: the README's example request,
                              above runner_min_confidence so runners can be chosen) */
    size_t draws;          /* bootstrap draws (1000) */
    uint64_t seed;         /* bootstrap seed */
    int exit_method;       /* -1: the default setting; else enum exit_method (experiments) */
    double min_expected_r; /* NAN: the default setting (experiments on first halves) */
    double sweep_q;        /* NAN: the default stop_sweep_quantile; else that (experiments) */
    double stall_q;        /* NAN: the default target_stall_quantile; else that */
    int drawn;             /* 1: the replay whose setups and exit arms the report shows runs
                              the default sources plus the drawn ones (SRC_DRAWN) */
};

static const struct study_opts STUDY_DEFAULTS = {
    .max_bars = 0, .fixed_atr_mult = 1.5, .fixed_rr = 1.5, .trend_score = 0.7,
    .draws = STUDY_DRAWS, .seed = STUDY_SEED, .exit_method = -1,
    .min_expected_r = NAN, .sweep_q = NAN, .stall_q = NAN, .drawn = 0};

/* One probability and what happened: the unit of every calibration table. */
struct study_obs {
    uint32_t bar;  /* prob_hold: the test's first bar (predicted before its open); a setup
                      sample: its entry bar (predicted at its close) */
    uint32_t zone; /* the zone tested (prob_hold), 0 for a setup sample */
    int32_t day;   /* UTC day of that bar (days since 1970) */
    float p;       /* the prediction */
    uint8_t y;     /* 1 when the predicted event happened */
};

struct study_obs_set {
    struct study_obs *v;
    size_t n, cap;
    size_t n_fit;  /* v[0 .. n_fit) made in the fit half, the rest in the judged half */
};

/* The scores of one probability on the judged half. */
struct study_calib {
    size_t n_fit, n;                 /* observations fit / judged */
    double base_rate;                /* the fit half's frequency of the event */
    double judged_rate;              /* the judged half's (hindsight, for the reader) */
    double mean_p;                   /* mean prediction, judged half */
    double brier, brier_base;        /* judged half: the probability, the constant base rate */
    double skill, skill_lo, skill_hi; /* 1 - brier / brier_base, bootstrap interval */
    double ece;                      /* expected calibration error over STUDY_BINS bins */
    struct cal_bin rel[STUDY_BINS];
};

/* One exit method over the rule's entries. */
struct study_sim {
    size_t entries, accepted, refused, invalid;
    double refusal, refusal_lo, refusal_hi;        /* refused / entries */
    struct cal_trade_metrics m;                    /* accepted trades, closing order */
    double exp_lo, exp_hi, win_lo, win_hi;         /* bootstrap intervals */
};

/* One trade of either method, for the metrics and the equity curves. */
struct study_trade {
    size_t entry;          /* index of the rule's entry */
    int32_t day;           /* UTC day of the entry bar */
    int64_t close_ts;
    size_t close_bar;
    double r;
};

struct study_trades {
    struct study_trade *v;
    size_t n;
};

/*
 * The four arms of the exit decomposition, each a bracket (one stop, one target, the stop
 * first when a bar reaches both) on the entries the zone method (exit_method zones) took:
 * the zone stop or a fixed_atr_mult x ATR stop, the zone TP1 or a target at fixed_rr R.
 * STUDY_ARM_ATR_R is the baseline; every arm's figure is its R minus the baseline's on the
 * same entries.
 */
enum study_arm {
    STUDY_ARM_ZONE_ZONE = 0, /* zone stop + zone TP1 */
    STUDY_ARM_ZONE_R,        /* zone stop + fixed_rr R target */
    STUDY_ARM_ATR_ZONE,      /* ATR stop + zone TP1 */
    STUDY_ARM_ATR_R,         /* ATR stop + fixed_rr R target: the baseline */
    STUDY_ARM_ZONE_TRADE,    /* the zone setup as the service trails it (legs, runner) */
    STUDY_ARM_SERVICE,       /* the default settings' setup (exit_method auto), trailed;
                                its entries are the ones the defaults accepted */
    STUDY_ARMS
};

/* One arm against the baseline on the same entries. */
struct study_arm_diff {
    size_t n;                  /* entries with both */
    double mean, base;         /* mean R of the arm, of the baseline, on those entries */
    double diff, lo, hi;       /* mean(arm - baseline), day-block interval */
};

/* One evidence row's counts and lift (the figures of evidence.h's evidence_row): ctl_* at
 * the mirrored controls, side_* at the same-side ones; lift the one nearer 0. */
struct study_ev_rate {
    uint32_t tests, bounces, ctl_tests, ctl_bounces, side_tests, side_bounces;
    double rate, ctl_rate, side_rate;
    double mirror_lift, mirror_lo, mirror_hi, side_lift, side_lo, side_hi;
    int placement;                  /* EV_MIRROR, EV_SIDE: whose lift is below */
    double lift, lift_lo, lift_hi;  /* lift_lo/hi: the engine's interval */
};

/* One row of the evidence: a source, a number of sources, or all. */
struct study_ev {
    char name[32];
    struct study_ev_rate whole;  /* the whole file: what GET /symbols/{s}/evidence serves */
    struct study_ev_rate judged; /* tests resolved in the judged half */
    double lo, hi;               /* the judged lift's day-block bootstrap interval */
    double m_lo, m_hi, s_lo, s_hi; /* the same for the mirrored and the same-side lift */
};

/* Per judged day, the "all" row's sums: tests, bounces, mirrored control tests, bounces,
 * same-side control tests, bounces (the day blocks of the pooled lift). */
enum { STUDY_EV_SUMS = 6 };

#define STUDY_EV_MAX 32
#define STUDY_DRAWN_MAX 6

struct study {
    char symbol[32];
    enum timeframe tf;
    size_t n_bars, split, repaired, skipped;
    int64_t first_ts, split_ts, last_ts;
    double pip;
    size_t every;                       /* the entry rule's spacing in bars */
    struct study_opts opts;

    struct study_obs_set hold_obs, tp1_obs;
    struct study_calib hold, tp1;

    struct study_ev ev[STUDY_EV_MAX];   /* empty (n_ev 0) when the engine keeps no tally */
    size_t n_ev, ev_all;                /* ev[ev_all]: the row of all tests */
    double *ev_days;                    /* STUDY_EV_SUMS per judged day (NULL when none) */
    size_t n_ev_days;
    /* The drawn sources' rows (off by default): a replay with them on (study_drawn.c). */
    struct study_ev drawn[STUDY_DRAWN_MAX];
    size_t n_drawn;

    struct study_sim zone, fixed, fixed_same; /* fixed_same: on the zone's accepted entries */
    double diff, diff_lo, diff_hi;            /* zone - fixed expectancy on the same entries */
    struct study_trades zone_t, fixed_t;      /* in closing order */
    size_t tp1_hits, tp2_hits, runner_activations, runner_zone_moves, fallback_stops;
    char refusal_example[SETUP_REASON_LEN];

    /* per entry of the rule (s->zone.entries of them): its UTC day and each arm's R (NAN when
     * the arm did not trade it); the arms' paired differences against the baseline */
    size_t n_entries;
    int32_t *entry_day;
    double *arm_r[STUDY_ARMS];
    double *entry_er;                   /* the service setup's expected_r, NAN when refused */
    /* the engine's record of zone exits against geometry exits (exit_record.h): after the
     * fit half, and after the whole file (what GET /symbols/{symbol}/evidence serves) */
    struct exit_record exits_fit, exits;
    struct study_arm_diff arm[STUDY_ARMS];
};

/* An arm pooled over several studies: trades weighted equally, day blocks per file. */
int study_pool_arm(const struct study *const *s, size_t n, enum study_arm a, size_t draws,
                   uint64_t seed, struct study_arm_diff *out);

/* Paired difference of arm a against the baseline on the entries both traded. -1 ENOMEM. */
int study_arm(const struct study *s, enum study_arm a, struct study_arm_diff *out);

/* The judged-half Brier skill of prob_hold pooled over several studies, day blocks per file. */
struct study_pool {
    size_t n;
    double brier, brier_base, skill, skill_lo, skill_hi;
};

/* The judged lift of all zone tests pooled over several studies against each placement
 * and the one nearer 0, with day-block intervals (each file's days are blocks). */
struct study_lift_pool {
    double sums[STUDY_EV_SUMS];
    double mirror, m_lo, m_hi, side, s_lo, s_hi, lift, lo, hi;
};

/* Runs the study on bars[0 .. n) of symbol on tf. 0 with *s filled (study_free releases),
 * -1 when out of memory or fewer than 200 bars. */
int study_run(const char *symbol, enum timeframe tf, const struct bar *bars, size_t n,
              const struct study_opts *o, struct study *s);
void study_free(struct study *s);

/* The scores of one observation set (fit half: base rate; judged half: the rest). -1 on
 * ENOMEM. */
int study_calibrate(const struct study_obs_set *set, size_t draws, uint64_t seed,
                    struct study_calib *out);

/* Pooled prob_hold skill over n studies with its day-block interval. -1 on ENOMEM. */
int study_pool(const struct study *const *s, size_t n, size_t draws, uint64_t seed,
               struct study_pool *out);

/* The pooled judged lift of n studies. -1 on ENOMEM. */
int study_pool_lift(const struct study *const *s, size_t n, size_t draws, uint64_t seed,
                    struct study_lift_pool *out);

/* The lift statistic of STUDY_EV_SUMS sums: ctx points to an int, EV_MIRROR, EV_SIDE or -1
 * (the one of the two nearer 0, as evidence_row). 0 without tests on a side. */
double study_lift_stat(const double *sums, const void *ctx);

#endif
