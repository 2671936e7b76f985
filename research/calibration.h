/*
 * calibration.h - is a probability worth its number? Scores, reliability, recalibration,
 * and the bookkeeping of a simple trade simulation.
 *
 * The one idea: a predicted probability is judged only on outcomes it did not see. The
 * caller fits (base rate, isotonic map, Platt scaling) on one period and scores on a later
 * one; every function here is a pure computation over plain arrays, so the numbers of
 * docs/report.md can be checked by hand on a few values (tests/unit/test_calibration.c).
 *
 * No I/O, no clock, no globals. cal_isotonic_fit allocates (once per fit); nothing else does.
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

/*
 * Area under the ROC curve: the probability that a random outcome-1 observation got a
 * higher prediction than a random outcome-0 one (ties count one half). 0.5 = no ranking
 * power. Returns 0.5 when either class is empty; -1 when out of memory.
 * Example: p {0.1, 0.4, 0.35, 0.8}, y {0, 0, 1, 1} -> 0.75.
 */
double cal_auc(const double *p, const uint8_t *y, size_t n);

/*
 * Isotonic regression (pool adjacent violators): the non-decreasing step function of the
 * prediction that fits the outcomes best in squared error. Blocks are sorted by x_hi;
 * block k covers predictions in [x_lo[k], x_hi[k]] and maps them to value[k], with
 * value non-decreasing. Example: p {0.1, 0.2, 0.3, 0.4}, y {0, 1, 0, 1} -> blocks
 * [0.1] -> 0, [0.2, 0.3] -> 0.5, [0.4] -> 1.
 */
struct cal_isotonic {
    size_t n;
    double *x_lo, *x_hi, *value;
};

/* Fits; 0, or -1 when out of memory or n == 0. cal_isotonic_free releases. */
int cal_isotonic_fit(const double *p, const uint8_t *y, size_t n, struct cal_isotonic *out);
void cal_isotonic_free(struct cal_isotonic *m);

/*
 * The map at x: the value of the block containing x; between two blocks, linear
 * interpolation from the earlier block's x_hi to the later block's x_lo; below the first /
 * above the last block, that block's value. With the example above: 0.25 -> 0.5,
 * 0.35 -> 0.75, 0.0 -> 0.
 */
double cal_isotonic_apply(const struct cal_isotonic *m, double x);

/*
 * Platt scaling on the logit of the prediction: q = 1 / (1 + exp(-(a * logit(p) + b))),
 * p clamped to [1e-6, 1 - 1e-6]; a, b maximise the likelihood of y (Newton's method,
 * at most 100 steps, a small ridge keeps it finite on separable data). Identity: a 1, b 0.
 * Returns 0, or -1 when n == 0.
 */
struct cal_platt {
    double a, b;
};
int cal_platt_fit(const double *p, const uint8_t *y, size_t n, struct cal_platt *out);
double cal_platt_apply(const struct cal_platt *m, double p);

/*
 * z-score of k ones in n trials against the rate p0 (normal approximation):
 * (k - n p0) / sqrt(n p0 (1 - p0)); 0 when n == 0 or p0 is 0 or 1.
 * Example: k 60, n 100, p0 0.5 -> 2.0.
 */
double cal_binom_z(size_t k, size_t n, double p0);

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
 * Sweep test of a stop hit: did price close back on the trade's side of the stop level
 * within the given closes (the stop bar's close first, then the next bars')?
 * BUY (side +1): some close > stop; SELL: some close < stop. Example: BUY, stop 1.0980,
 * closes {1.0975, 1.0983} -> 1.
 */
int cal_stop_swept(int side, double stop, const double *closes, size_t n);

/*
 * Mean log loss -(y log p + (1 - y) log(1 - p)), p clamped to [1e-12, 1 - 1e-12]; 0 when
 * n == 0. Example: p {0.5}, y {1} -> log 2.
 */
double cal_log_loss(const double *p, const uint8_t *y, size_t n);

/*
 * Column means and standard deviations (divisor n) of the n x k row-major matrix x.
 * A constant column gets sd 0. Example: column {1, 3} -> mean 2, sd 1.
 */
void cal_moments(const double *x, size_t n, size_t k, double *mean, double *sd);

/*
 * L2-regularised logistic regression. x: n rows of k features (row-major), y: 0/1.
 * Fits w[0] (intercept, not penalised) and w[1 .. k] to minimise
 *     (1/n) sum_i -log L_i(w) + (lambda / 2) sum_{j >= 1} w_j^2
 * with Newton's method (IRLS) from w = 0: at most 100 steps, each halved (at most 40
 * times) until the objective does not rise, stopped when no weight moves by 1e-10.
 * Deterministic. Returns the number of steps taken (>= 0), or -1 when n == 0, when out
 * of memory, or when the Hessian is not positive definite (lambda 0 with a constant
 * or collinear column, or with separable data, where no optimum exists and the weights
 * grow until the Hessian vanishes); w then holds the last iterate. Example: one 0/1 feature, y = 1 in 1 of 4 rows with x = 0 and
 * 3 of 4 with x = 1, lambda 0 -> w[0] = -log 3, w[1] = 2 log 3 (the two groups' logits).
 * Allocates (k + 1)^2 + 3 (k + 1) doubles per call.
 */
int cal_logit_fit(const double *x, const uint8_t *y, size_t n, size_t k, double lambda,
                  double *w);

/* The fitted probability 1 / (1 + exp(-(w[0] + sum_j w[j + 1] x[j]))) for one row x. */
double cal_logit_apply(const double *w, const double *x, size_t k);

/*
 * A frequency shrunk towards a prior: (ones + m prior) / (n + m); prior when n + m == 0.
 * Example: 1 of 4 with prior 0.5 and m 4 -> 3 / 8.
 */
double cal_shrunk_rate(size_t ones, size_t n, double prior, double m);

#endif
