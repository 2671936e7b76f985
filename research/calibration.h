/*
 * calibration.h - is a probability worth its number? Scores, reliability tables, the
 * expected calibration error, a block bootstrap for intervals, and the bookkeeping of the
 * fixed-stop baseline trade.
 *
 * The one idea: a predicted probability is judged only on outcomes it did not see. The
 * caller takes its base rate from one period and scores a later one; every function here is
 * a pure computation over plain arrays, so the numbers of docs/report.md can be checked by
 * hand on a few values (tests/unit/test_calibration.c).
 *
 * No I/O, no clock, no globals. cal_boot_ci allocates its draws; nothing else does.
 */
#ifndef LIQ_CALIBRATION_H
#define LIQ_CALIBRATION_H

#include <stddef.h>
#include <stdint.h>

/*
 * Mean squared error of predictions p against outcomes y (0/1); 0 when n == 0.
 * Example: p {0.8, 0.4}, y {1, 0} -> ((0.2)^2 + (0.4)^2) / 2 = 0.10.
 */
double cal_brier(const double *p, const uint8_t *y, size_t n);

/* Brier of the constant predictor c: cal_brier_const(0.5, y, n) == 0.25 for any y. */
double cal_brier_const(double c, const uint8_t *y, size_t n);

/* Share of ones in y; 0 when n == 0. */
double cal_rate(const uint8_t *y, size_t n);

/* One bin of a reliability table. */
struct cal_bin {
    double lo, hi;      /* predicted values in [lo, hi) ([lo, hi] for the last bin) */
    size_t n;           /* observations in the bin */
    size_t ones;        /* of which outcome 1 */
    double mean_pred;   /* mean predicted value in the bin, 0 when empty */
    double obs_rate;    /* ones / n, 0 when empty */
};

/*
 * Reliability table with nbins equal-width bins over [0, 1]; predictions outside are
 * clamped into the first / last bin. Example: nbins 10, p {0.05, 0.55, 0.57, 1.0},
 * y {0, 1, 0, 1} -> bin 0: n 1, obs 0; bin 5: n 2, mean 0.56, obs 0.5; bin 9: n 1, obs 1.
 */
void cal_reliability(const double *p, const uint8_t *y, size_t n, size_t nbins,
                     struct cal_bin *bins);

/* Summary of a sequence of trade results in R, in the order they closed. */
struct cal_trade_metrics {
    size_t trades;
    size_t wins;            /* r > 0 */
    double win_rate;        /* wins / trades, 0 when none */
    double expectancy;      /* mean r */
    double total_r;
    double max_drawdown;    /* largest fall of cumulative r from its running peak (>= 0);
                               the peak starts at 0 before the first trade */
};

/*
 * Example: r {1, -1, -1, 2, -0.5} -> trades 5, wins 2, win rate 0.4, expectancy 0.1,
 * total 0.5, max drawdown 2 (from +1 down to -1).
 */
void cal_trade_metrics(const double *r, size_t n, struct cal_trade_metrics *out);

/*
 * A trade with a fixed stop and a fixed target, one leg: the comparison the zone stops
 * must beat. side +1 BUY, -1 SELL. Each step gets the last price and the range since
 * the previous step, and applies the conservative rule of trade_trail: the stop is looked
 * at first (filled at the stop, or at price when the whole range is beyond it), the target
 * only when the stop was not reached (filled at the target).
 */
struct cal_fixed_trade {
    int side;
    double entry, stop, target;
    int open;
    int stop_hit;           /* closed by the stop */
    double exit;
    double r;               /* (exit - entry) * side / |entry - stop| once closed */
};

/*
 * Opens at entry with the stop dist price units away and the target rr x dist ahead.
 * Example: BUY 1.1000, dist 0.0020, rr 1.5 -> stop 1.0980, target 1.1030.
 */
void cal_fixed_open(struct cal_fixed_trade *t, int side, double entry, double dist, double rr);

/* One update; returns 1 when this update closed the trade, else 0 (also when closed). */
int cal_fixed_step(struct cal_fixed_trade *t, double price, double high, double low);

/*
 * Expected calibration error of a reliability table: the sum over bins of
 * n_b / N x |mean_pred_b - obs_rate_b| (N = all observations); 0 when empty.
 * Example: bins {n 2, mean 0.2, obs 0.5}, {n 2, mean 0.8, obs 0.5} -> 0.3.
 */
double cal_ece(const struct cal_bin *bins, size_t nbins);

/* The next number of the splitmix64 sequence at *state (deterministic, no global). */
uint64_t cal_rand(uint64_t *state);

/*
 * Block bootstrap percentile interval. blocks holds nb rows of k sums (one row per block,
 * e.g. per day; k <= CAL_BOOT_MAX_K). Each of the draws picks nb rows with replacement
 * (cal_rand from seed), adds them up and evaluates stat on the k totals; *lo and *hi are the
 * sorted draws at index floor(0.025 draws) and ceil(0.975 draws) - 1. -1 when out of memory,
 * nb == 0, draws == 0 or k too large (*lo = *hi = 0).
 */
#define CAL_BOOT_MAX_K 8
int cal_boot_ci(const double *blocks, size_t nb, size_t k,
                double (*stat)(const double *sums, const void *ctx), const void *ctx,
                size_t draws, uint64_t seed, double *lo, double *hi);

#endif
