/* Calibration maths on hand-made inputs with exact values (research/calibration.h). */
#include <criterion/criterion.h>
#include <math.h>

#include "research/calibration.h"

#define EPS 1e-12

Test(calibration, brier_is_the_mean_squared_error)
{
    const double p[] = {0.8, 0.4};
    const uint8_t y[] = {1, 0};
    cr_assert_float_eq(cal_brier(p, y, 2), 0.10, EPS);
    cr_assert_float_eq(cal_brier(p, y, 0), 0.0, EPS);
}

Test(calibration, constant_half_scores_a_quarter_and_the_rate_counts_ones)
{
    const uint8_t y[] = {1, 0, 0, 1, 1};
    cr_assert_float_eq(cal_brier_const(0.5, y, 5), 0.25, EPS);
    cr_assert_float_eq(cal_rate(y, 5), 0.6, EPS);
    /* the observed rate is the best constant: 0.6 -> (3 x 0.16 + 2 x 0.36) / 5 = 0.24 */
    cr_assert_float_eq(cal_brier_const(0.6, y, 5), 0.24, EPS);
}

Test(calibration, reliability_bins_by_prediction_with_counts)
{
    const double p[] = {0.05, 0.55, 0.57, 1.0, -0.2};
    const uint8_t y[] = {0, 1, 0, 1, 1};
    struct cal_bin b[10];
    cal_reliability(p, y, 5, 10, b);
    cr_assert_eq(b[0].n, 2); /* 0.05 and the clamped -0.2 */
    cr_assert_eq(b[0].ones, 1);
    cr_assert_eq(b[5].n, 2);
    cr_assert_float_eq(b[5].mean_pred, 0.56, EPS);
    cr_assert_float_eq(b[5].obs_rate, 0.5, EPS);
    cr_assert_eq(b[9].n, 1); /* 1.0 falls in the last, closed bin */
    cr_assert_float_eq(b[9].obs_rate, 1.0, EPS);
    cr_assert_eq(b[3].n, 0);
    cr_assert_float_eq(b[3].lo, 0.3, EPS);
    cr_assert_float_eq(b[3].hi, 0.4, EPS);
}

Test(calibration, auc_counts_ordered_pairs_and_half_ties)
{
    const double p[] = {0.1, 0.4, 0.35, 0.8};
    const uint8_t y[] = {0, 0, 1, 1};
    cr_assert_float_eq(cal_auc(p, y, 4), 0.75, EPS);
    const double t[] = {0.5, 0.5, 0.5};
    const uint8_t yt[] = {1, 0, 0};
    cr_assert_float_eq(cal_auc(t, yt, 3), 0.5, EPS);
    const uint8_t ones[] = {1, 1, 1};
    cr_assert_float_eq(cal_auc(t, ones, 3), 0.5, EPS); /* one class only */
}

Test(calibration, isotonic_pools_violators)
{
    const double p[] = {0.3, 0.1, 0.4, 0.2};
    const uint8_t y[] = {0, 0, 1, 1};
    struct cal_isotonic m;
    cr_assert_eq(cal_isotonic_fit(p, y, 4, &m), 0);
    cr_assert_eq(m.n, 3);
    cr_assert_float_eq(m.value[0], 0.0, EPS);
    cr_assert_float_eq(m.x_lo[1], 0.2, EPS);
    cr_assert_float_eq(m.x_hi[1], 0.3, EPS);
    cr_assert_float_eq(m.value[1], 0.5, EPS);
    cr_assert_float_eq(m.value[2], 1.0, EPS);
    cr_assert_float_eq(cal_isotonic_apply(&m, 0.25), 0.5, EPS);
    cr_assert_float_eq(cal_isotonic_apply(&m, 0.35), 0.75, EPS);
    cr_assert_float_eq(cal_isotonic_apply(&m, 0.0), 0.0, EPS);
    cr_assert_float_eq(cal_isotonic_apply(&m, 0.9), 1.0, EPS);
    cal_isotonic_free(&m);
}

Test(calibration, isotonic_map_is_monotone_and_fits_at_least_as_well)
{
    /* a noisy, partly decreasing relation with tied predictions */
    double p[200];
    uint8_t y[200];
    for (int i = 0; i < 200; i++) {
        p[i] = (double)((i * 37) % 20) / 20.0;
        y[i] = (uint8_t)(((i * 7919) % 13) < (int)(p[i] * 8.0) + (i % 3 == 0 ? 4 : 0));
    }
    struct cal_isotonic m;
    cr_assert_eq(cal_isotonic_fit(p, y, 200, &m), 0);
    for (size_t k = 1; k < m.n; k++) {
        cr_assert_geq(m.value[k], m.value[k - 1]);
        cr_assert_gt(m.x_lo[k], m.x_hi[k - 1]);
    }
    double prev = -1.0, q[200];
    for (int i = 0; i <= 100; i++) {
        double v = cal_isotonic_apply(&m, i / 100.0);
        cr_assert_geq(v, prev);
        prev = v;
    }
    for (int i = 0; i < 200; i++)
        q[i] = cal_isotonic_apply(&m, p[i]);
    cr_assert_leq(cal_brier(q, y, 200), cal_brier_const(cal_rate(y, 200), y, 200) + EPS);
    cal_isotonic_free(&m);
}

Test(calibration, platt_recovers_the_base_rate_from_an_uninformative_prediction)
{
    /* every prediction 0.5, 30 % ones: the best map is the constant 0.3 */
    double p[10];
    const uint8_t y[10] = {1, 0, 0, 1, 0, 0, 1, 0, 0, 0};
    for (int i = 0; i < 10; i++)
        p[i] = 0.5;
    struct cal_platt m;
    cr_assert_eq(cal_platt_fit(p, y, 10, &m), 0);
    cr_assert_float_eq(cal_platt_apply(&m, 0.5), 0.3, 1e-4);
    struct cal_platt id = {.a = 1.0, .b = 0.0};
    cr_assert_float_eq(cal_platt_apply(&id, 0.2), 0.2, 1e-9);
}

Test(calibration, platt_keeps_a_calibrated_prediction)
{
    /* 0.2 -> 1 in 5, 0.8 -> 4 in 5: already calibrated, a ~ 1, b ~ 0 (tiny ridge) */
    const double p[10] = {0.2, 0.2, 0.2, 0.2, 0.2, 0.8, 0.8, 0.8, 0.8, 0.8};
    const uint8_t y[10] = {1, 0, 0, 0, 0, 1, 1, 1, 1, 0};
    struct cal_platt m;
    cr_assert_eq(cal_platt_fit(p, y, 10, &m), 0);
    cr_assert_float_eq(m.a, 1.0, 1e-3);
    cr_assert_float_eq(m.b, 0.0, 1e-3);
}

Test(calibration, binomial_z)
{
    cr_assert_float_eq(cal_binom_z(60, 100, 0.5), 2.0, EPS);
    cr_assert_float_eq(cal_binom_z(0, 0, 0.5), 0.0, EPS);
    cr_assert_float_eq(cal_binom_z(3, 10, 1.0), 0.0, EPS);
}

Test(calibration, trade_metrics_win_rate_expectancy_drawdown)
{
    const double r[] = {1, -1, -1, 2, -0.5};
    struct cal_trade_metrics m;
    cal_trade_metrics(r, 5, &m);
    cr_assert_eq(m.trades, 5);
    cr_assert_eq(m.wins, 2);
    cr_assert_float_eq(m.win_rate, 0.4, EPS);
    cr_assert_float_eq(m.expectancy, 0.1, EPS);
    cr_assert_float_eq(m.total_r, 0.5, EPS);
    cr_assert_float_eq(m.max_drawdown, 2.0, EPS);
    const double down[] = {-1, -0.5};
    cal_trade_metrics(down, 2, &m); /* the peak starts at 0 */
    cr_assert_float_eq(m.max_drawdown, 1.5, EPS);
    cal_trade_metrics(down, 0, &m);
    cr_assert_eq(m.trades, 0);
    cr_assert_float_eq(m.expectancy, 0.0, EPS);
}

Test(calibration, fixed_trade_stop_first_when_a_bar_covers_both)
{
    struct cal_fixed_trade t;
    cal_fixed_open(&t, 1, 1.1000, 0.0020, 1.5);
    cr_assert_float_eq(t.stop, 1.0980, EPS);
    cr_assert_float_eq(t.target, 1.1030, EPS);
    cr_assert_eq(cal_fixed_step(&t, 1.1010, 1.1020, 1.0990), 0);
    cr_assert_eq(cal_fixed_step(&t, 1.1000, 1.1040, 1.0975), 1); /* both: the stop */
    cr_assert_eq(t.stop_hit, 1);
    cr_assert_float_eq(t.exit, 1.0980, EPS);
    cr_assert_float_eq(t.r, -1.0, 1e-9);
    cr_assert_eq(cal_fixed_step(&t, 1.1, 1.1, 1.1), 0); /* closed: nothing */
}

Test(calibration, fixed_trade_target_and_gap_through_the_stop)
{
    struct cal_fixed_trade t;
    cal_fixed_open(&t, -1, 1.1000, 0.0020, 1.5); /* SELL: stop 1.1020, target 1.0970 */
    cr_assert_eq(cal_fixed_step(&t, 1.0975, 1.1005, 1.0968), 1);
    cr_assert_eq(t.stop_hit, 0);
    cr_assert_float_eq(t.r, 1.5, 1e-9);
    cal_fixed_open(&t, -1, 1.1000, 0.0020, 1.5);
    cr_assert_eq(cal_fixed_step(&t, 1.1035, 1.1040, 1.1030), 1); /* whole bar above the stop */
    cr_assert_float_eq(t.exit, 1.1035, EPS);
    cr_assert_float_eq(t.r, -1.75, 1e-9);
}

Test(calibration, stop_swept_when_a_close_comes_back)
{
    const double back[] = {1.0975, 1.0983};
    const double gone[] = {1.0975, 1.0970};
    cr_assert_eq(cal_stop_swept(1, 1.0980, back, 2), 1);
    cr_assert_eq(cal_stop_swept(1, 1.0980, gone, 2), 0);
    cr_assert_eq(cal_stop_swept(-1, 1.0978, gone, 2), 1);
    cr_assert_eq(cal_stop_swept(1, 1.0980, back, 1), 0);
}

Test(calibration, log_loss_and_moments)
{
    const double p[] = {0.5, 0.8};
    const uint8_t y[] = {1, 0};
    cr_assert_float_eq(cal_log_loss(p, y, 1), log(2.0), EPS);
    cr_assert_float_eq(cal_log_loss(p, y, 2), (log(2.0) - log(0.2)) / 2.0, EPS);
    cr_assert_float_eq(cal_log_loss(p, y, 0), 0.0, EPS);
    /* two columns: {1, 3} and the constant {5, 5} */
    const double x[] = {1, 5, 3, 5};
    double mean[2], sd[2];
    cal_moments(x, 2, 2, mean, sd);
    cr_assert_float_eq(mean[0], 2.0, EPS);
    cr_assert_float_eq(sd[0], 1.0, EPS);
    cr_assert_float_eq(mean[1], 5.0, EPS);
    cr_assert_float_eq(sd[1], 0.0, EPS);
}

Test(calibration, logit_fit_recovers_group_logits_on_non_separable_data)
{
    /* x = 0: 1 hold in 4; x = 1: 3 in 4. Unpenalised, the fit reproduces both rates:
       w0 = logit(1/4) = -log 3, w0 + w1 = logit(3/4) = log 3 */
    const double x[8] = {0, 0, 0, 0, 1, 1, 1, 1};
    const uint8_t y[8] = {1, 0, 0, 0, 1, 1, 1, 0};
    double w[2];
    int steps = cal_logit_fit(x, y, 8, 1, 0.0, w);
    cr_assert_geq(steps, 1);
    cr_assert_leq(steps, 100);
    cr_assert_float_eq(w[0], -log(3.0), 1e-9);
    cr_assert_float_eq(w[1], 2.0 * log(3.0), 1e-9);
    const double x0 = 0.0, x1 = 1.0;
    cr_assert_float_eq(cal_logit_apply(w, &x0, 1), 0.25, 1e-9);
    cr_assert_float_eq(cal_logit_apply(w, &x1, 1), 0.75, 1e-9);
    /* deterministic: the same input gives the same bits */
    double v[2];
    cr_assert_eq(cal_logit_fit(x, y, 8, 1, 0.0, v), steps);
    cr_assert(v[0] == w[0] && v[1] == w[1]);
}

Test(calibration, logit_fit_stays_finite_on_separable_data_with_a_ridge)
{
    /* x -1 -> 0, x +1 -> 1: separable. With the penalty lambda/2 w1^2 the optimum solves
       lambda w1 = 1 / (1 + e^w1) (w0 = 0 by symmetry); lambda = 1 / (4 log 3) gives
       w1 = log 3, i.e. P = 3/4 at x = +1. */
    const double x[2] = {-1, 1};
    const uint8_t y[2] = {0, 1};
    double w[2];
    cr_assert_geq(cal_logit_fit(x, y, 2, 1, 0.25 / log(3.0), w), 1);
    cr_assert_float_eq(w[0], 0.0, 1e-9);
    cr_assert_float_eq(w[1], log(3.0), 1e-9);
    /* a larger ridge shrinks the weight towards 0, never past it */
    double s[2];
    cr_assert_geq(cal_logit_fit(x, y, 2, 1, 1.0, s), 1);
    cr_assert(s[1] > 0.0 && s[1] < w[1]);
    /* unpenalised there is no optimum: the weight grows until the Hessian vanishes in
       double precision and the fit gives up, with a finite last iterate on the right side */
    double u[2];
    cr_assert_eq(cal_logit_fit(x, y, 2, 1, 0.0, u), -1);
    cr_assert(isfinite(u[1]) && u[1] > 10.0, "w1 %f", u[1]);
}

Test(calibration, logit_fit_refuses_what_it_cannot_fit)
{
    const double x[4] = {0, 0, 0, 0}; /* a constant column, no ridge: singular */
    const uint8_t y[4] = {1, 0, 0, 1};
    double w[2] = {7, 7};
    cr_assert_eq(cal_logit_fit(x, y, 4, 1, 0.0, w), -1);
    cr_assert_eq(cal_logit_fit(x, y, 0, 1, 0.1, w), -1);
    cr_assert_float_eq(w[0], 0.0, EPS);
    /* with a ridge the constant column gets weight 0 and the intercept the log-odds 0 */
    cr_assert_geq(cal_logit_fit(x, y, 4, 1, 0.1, w), 0);
    cr_assert_float_eq(w[0], 0.0, 1e-12);
    cr_assert_float_eq(w[1], 0.0, 1e-12);
}

Test(calibration, logit_fit_two_features_reproduces_a_saturated_table)
{
    /* two binary features, all four cells present, no interaction in the data's logits:
       cell rates 1/5, 1/2, 1/2, 4/5 have logits -log 4, 0, 0, log 4 = w0 + w1 a + w2 b
       with w0 = -log 4, w1 = w2 = log 4 */
    double x[40];
    uint8_t y[20];
    const int ones[4] = {1, 2, 2, 4}, size[4] = {5, 4, 4, 5};
    size_t i = 0;
    for (int c = 0; c < 4; c++)
        for (int k = 0; k < size[c]; k++, i++) {
            x[2 * i] = c & 1;
            x[2 * i + 1] = c >> 1;
            y[i] = k < ones[c];
        }
    cr_assert_eq(i, 18);
    double w[3];
    cr_assert_geq(cal_logit_fit(x, y, 18, 2, 0.0, w), 1);
    cr_assert_float_eq(w[0], -log(4.0), 1e-9);
    cr_assert_float_eq(w[1], log(4.0), 1e-9);
    cr_assert_float_eq(w[2], log(4.0), 1e-9);
}

Test(calibration, auc_on_hand_made_rankings)
{
    /* perfect, reversed, and one inverted pair of 2 x 2 */
    const double p[] = {0.1, 0.2, 0.3, 0.4};
    const uint8_t up[] = {0, 0, 1, 1}, down[] = {1, 1, 0, 0}, mixed[] = {0, 1, 0, 1};
    cr_assert_float_eq(cal_auc(p, up, 4), 1.0, EPS);
    cr_assert_float_eq(cal_auc(p, down, 4), 0.0, EPS);
    /* ones at 0.2, 0.4, zeros at 0.1, 0.3: pairs (0.2, 0.1), (0.4, 0.1), (0.4, 0.3) won,
       (0.2, 0.3) lost */
    cr_assert_float_eq(cal_auc(p, mixed, 4), 0.75, EPS);
    /* a tie across classes counts one half: ones {0.5, 0.9}, zeros {0.5, 0.1}
       -> (0.5 + 1 + 1 + 1) / 4 */
    const double t[] = {0.5, 0.9, 0.5, 0.1};
    const uint8_t yt[] = {1, 1, 0, 0};
    cr_assert_float_eq(cal_auc(t, yt, 4), 0.875, EPS);
    /* a monotone transform does not change the AUC */
    const double q[] = {-3.0, -1.0, 2.0, 9.0};
    cr_assert_float_eq(cal_auc(q, mixed, 4), 0.75, EPS);
}

Test(calibration, shrunk_rate)
{
    cr_assert_float_eq(cal_shrunk_rate(1, 4, 0.5, 4.0), 0.375, EPS);
    cr_assert_float_eq(cal_shrunk_rate(0, 0, 0.2, 10.0), 0.2, EPS);
    cr_assert_float_eq(cal_shrunk_rate(0, 0, 0.2, 0.0), 0.2, EPS);
    cr_assert_float_eq(cal_shrunk_rate(3, 4, 0.0, 0.0), 0.75, EPS);
    /* the engine's Laplace prob_hold is the case prior 1/2, m 2 */
    cr_assert_float_eq(cal_shrunk_rate(1, 3, 0.5, 2.0), 0.4, EPS);
}
