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

Test(calibration, ece_weights_each_bin_gap_by_its_share)
{
    const double p[] = {0.2, 0.2, 0.8, 0.8};
    const uint8_t y[] = {0, 1, 1, 0};
    struct cal_bin b[10];
    cal_reliability(p, y, 4, 10, b);
    cr_assert_float_eq(cal_ece(b, 10), 0.3, EPS);
    cal_reliability(NULL, NULL, 0, 10, b);
    cr_assert_float_eq(cal_ece(b, 10), 0.0, EPS);
}

static double mean_of_first(const double *sums, const void *ctx)
{
    (void)ctx;
    return sums[1] / sums[0];
}

Test(calibration, bootstrap_is_seeded_and_brackets_the_mean)
{
    /* 50 blocks {1, x}: x alternates 0 and 1, mean 0.5 */
    double blocks[100];
    for (int i = 0; i < 50; i++) {
        blocks[2 * i] = 1.0;
        blocks[2 * i + 1] = i % 2;
    }
    double lo, hi, lo2, hi2;
    cr_assert_eq(cal_boot_ci(blocks, 50, 2, mean_of_first, NULL, 1000, 7, &lo, &hi), 0);
    cr_assert_eq(cal_boot_ci(blocks, 50, 2, mean_of_first, NULL, 1000, 7, &lo2, &hi2), 0);
    cr_assert(lo == lo2 && hi == hi2, "same seed, same interval");
    cr_assert(lo < 0.5 && 0.5 < hi, "[%f, %f]", lo, hi);
    /* sd of the mean of 50 fair coins is 0.0707: the 95 % interval is about +-0.14 */
    cr_assert(hi - lo > 0.2 && hi - lo < 0.36, "width %f", hi - lo);
    /* identical blocks leave nothing to resample */
    for (int i = 0; i < 50; i++)
        blocks[2 * i + 1] = 0.25;
    cr_assert_eq(cal_boot_ci(blocks, 50, 2, mean_of_first, NULL, 200, 1, &lo, &hi), 0);
    cr_assert_float_eq(lo, 0.25, EPS);
    cr_assert_float_eq(hi, 0.25, EPS);
    cr_assert_eq(cal_boot_ci(blocks, 0, 2, mean_of_first, NULL, 200, 1, &lo, &hi), -1);
    cr_assert_eq(cal_boot_ci(blocks, 50, CAL_BOOT_MAX_K + 1, mean_of_first, NULL, 200, 1, &lo,
                             &hi), -1);
}
