/*
 * test_liquidity_report.c - the report score of GET /reports/liquidity (domain/liquidity_report.c)
 * on counts worked out by hand from docs/trading.md section 8.
 */
#include <criterion/criterion.h>

#include "domain/liquidity_report.h"

Test(liquidity_report, worked_example)
{
    struct report_row r = {.holds = 3, .breaks = 1, .sweeps = 0, .held_zones = 2};
    liquidity_report_score(&r);
    cr_assert_float_eq(r.hold_rate, 4.0 / 6.0, 1e-15);
    cr_assert_float_eq(r.sweep_share, 0.0, 1e-15);
    cr_assert_float_eq(r.coverage, 0.4, 1e-15);
    /* 100 x (0.5 x 0.6667 + 0.2 x 1 + 0.3 x 0.4) = 65.333.. -> 65.33 */
    cr_assert_eq(r.score, 65.33);
}

Test(liquidity_report, empty_period_and_full_coverage)
{
    struct report_row e = {0};
    liquidity_report_score(&e);
    /* no outcomes: hold_rate 1/2, nothing swept, no coverage -> 100 x (0.25 + 0.2) = 45 */
    cr_assert_eq(e.score, 45.0);
    struct report_row f = {.holds = 0, .breaks = 0, .sweeps = 8, .held_zones = 12};
    liquidity_report_score(&f);
    cr_assert_float_eq(f.coverage, 1.0, 1e-15); /* capped at 1 */
    /* hold_rate 1/10, sweep_share 8/10 -> 100 x (0.05 + 0.04 + 0.3) = 39 */
    cr_assert_float_eq(f.score, 39.0, 1e-9);
}
