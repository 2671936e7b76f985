/* Bar validation and the UTC calendar (DESIGN.md section 2, "Bars"). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "domain/bar.h"

static struct bar ok_bar(void)
{
    /* 2022-10-10 00:15 UTC */
    return (struct bar){.ts = 1665360900, .open = 1.0, .high = 1.1, .low = 0.9, .close = 1.05,
                        .volume = 10};
}

Test(bar, accepts_a_valid_bar)
{
    struct bar b = ok_bar();
    cr_assert_null(bar_validate(&b, TF_M15));
}

Test(bar, rejects_high_below_open_or_close)
{
    struct bar b = ok_bar();
    b.high = 1.04;
    cr_assert_str_eq(bar_validate(&b, TF_M15), "high is below open or close");
}

Test(bar, rejects_low_above_open_or_close)
{
    struct bar b = ok_bar();
    b.low = 1.01;
    cr_assert_str_eq(bar_validate(&b, TF_M15), "low is above open or close");
}

Test(bar, rejects_non_finite_numbers)
{
    struct bar b = ok_bar();
    b.close = NAN;
    cr_assert_not_null(bar_validate(&b, TF_M15));
    b = ok_bar();
    b.volume = INFINITY;
    cr_assert_not_null(bar_validate(&b, TF_M15));
}

Test(bar, rejects_negative_volume_and_non_positive_prices)
{
    struct bar b = ok_bar();
    b.volume = -1;
    cr_assert_str_eq(bar_validate(&b, TF_M15), "volume must not be negative");
    b = ok_bar();
    b.low = 0;
    cr_assert_str_eq(bar_validate(&b, TF_M15), "prices must be greater than zero");
}

Test(bar, rejects_a_ts_not_aligned_to_the_timeframe)
{
    struct bar b = ok_bar();
    cr_assert_null(bar_validate(&b, TF_M15));
    cr_assert_not_null(bar_validate(&b, TF_H1));
    b.ts += 60;
    cr_assert_not_null(bar_validate(&b, TF_M15));
    cr_assert_null(bar_validate(&b, TF_M1));
}

Test(bar, parses_input_timeframes_only)
{
    enum timeframe tf;
    cr_assert_eq(tf_parse("M15", &tf), 0);
    cr_assert_eq(tf, TF_M15);
    cr_assert_eq(tf_parse("D1", &tf), 0);
    cr_assert_eq(tf_parse("W1", &tf), -1);
    cr_assert_eq(tf_parse("m15", &tf), -1);
}

Test(calendar, days_start_at_midnight_utc_and_weeks_on_monday)
{
    /* 2022-10-12 (Wednesday) 13:45 UTC */
    int64_t ts = 1665582300;
    cr_assert_eq(day_start(ts), 1665532800);  /* 2022-10-12 00:00 */
    cr_assert_eq(week_start(ts), 1665360000); /* Monday 2022-10-10 00:00 */
    cr_assert_eq(week_start(1665360000), 1665360000);
    cr_assert_eq(week_start(1665359999), 1665360000 - 7 * 86400);
}

Test(calendar, days_from_civil_counts_days_since_1970)
{
    cr_assert_eq(days_from_civil(1970, 1, 1), 0);
    cr_assert_eq(days_from_civil(2022, 10, 10) * 86400, 1665360000);
    cr_assert_eq(days_from_civil(2024, 3, 1) - days_from_civil(2024, 2, 28), 2); /* leap */
    cr_assert_eq(days_from_civil(1969, 12, 31), -1);
}

/* Issue 13 item 1: what a bar may carry, whatever its symbol, and then for its symbol. */
Test(bar, rejects_extreme_finite_prices_and_volumes)
{
    static const double PRICES[] = {1e300, 1.7976931348623157e308, 1e13, 5e-324, 1e-13};
    for (size_t i = 0; i < sizeof PRICES / sizeof PRICES[0]; i++) {
        struct bar b = {.ts = 1665360900, .open = PRICES[i], .high = PRICES[i],
                        .low = PRICES[i], .close = PRICES[i], .volume = 1};
        cr_assert_not_null(bar_validate(&b, TF_M15), "price %g", PRICES[i]);
    }
    struct bar b = ok_bar();
    b.volume = 1e308;
    cr_assert_not_null(bar_validate(&b, TF_M15));
    b.volume = BAR_MAX_VOLUME;
    cr_assert_null(bar_validate(&b, TF_M15));
}

Test(bar, a_price_must_lie_within_the_symbols_scale)
{
    struct bar b = ok_bar();
    cr_assert_null(bar_check_scale(&b, 0.0001));
    b.high = 1e4 + 1; /* 1e8 pips and one more of EURUSD */
    cr_assert_not_null(bar_check_scale(&b, 0.0001));
    b = ok_bar();
    b.low = 0.00005; /* half a pip */
    cr_assert_not_null(bar_check_scale(&b, 0.0001));
    cr_assert_null(bar_check_scale(&(struct bar){0, 22500, 22510, 22490, 22505, 1}, 0.05));
}

/* Every int64 time is judged without overflow (UBSan: signed overflow in the alignment
 * check for a ts near INT64_MIN); before 1970 is refused by name, whatever the timeframe. */
Test(bar, any_int64_time_is_judged_without_overflow)
{
    const int64_t edges[] = {INT64_MIN, INT64_MIN + 1, INT64_MIN + 53, -1, INT64_MAX,
                             INT64_MAX - 899};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
        for (int tf = TF_M1; tf < TF_COUNT; tf++) {
            struct bar b = {edges[i], 1.0, 1.1, 0.9, 1.0, 10};
            const char *why = bar_validate(&b, (enum timeframe)tf);
            if (edges[i] < 0) {
                cr_assert_not_null(why, "ts %lld tf %d accepted", (long long)edges[i], tf);
                cr_assert_not_null(strstr(why, "before 1970"), "%s", why);
            }
        }
        (void)day_start(edges[i]);
        (void)week_start(edges[i]);
    }
    struct bar ok = {0, 1.0, 1.1, 0.9, 1.0, 10};
    cr_assert_null(bar_validate(&ok, TF_M15), "1970-01-01T00:00:00Z is a time like any other");
    cr_assert_eq(day_start(INT64_MIN), INT64_MIN);
}
