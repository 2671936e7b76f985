/*
 * test_stats.c - zone statistics of DESIGN.md section 2, one hand-made bar sequence each:
 * touch, test, hold, sweep, break and role flip, Laplace probabilities, strength and decay,
 * merging and confluence, deactivation.
 *
 * A zone at 1.1000 seeded with engine_add_zone (no source enabled, no ATR yet): band
 * 1.0999..1.1001 (zone_min_width_pips 1, pip 0.0001), width 0.0002.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "domain/engine.h"
#include "domain/zone_stats.h"

#define T0 1704067200 /* 2024-01-01 00:00 UTC, a Monday */
#define M15 900

static struct engine *e;
static uint32_t zid;
static int64_t next_ts;
static struct zone_events ev;

static void setup(void)
{
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = 0;
    e = engine_new(&p, 0.0001, TF_M15);
    cr_assert_not_null(e);
    zid = engine_add_zone(e, SRC_ROUND, 1.1000, T0 - M15);
    next_ts = T0;
    ev = (struct zone_events){0};
}

static void teardown(void)
{
    engine_free(e);
    zone_events_free(&ev);
}

static void bar(double o, double h, double l, double c)
{
    struct bar b = {next_ts, o, h, l, c, 100};
    next_ts += M15;
    ev.n = 0;
    cr_assert_eq(engine_push(e, &b, &ev), PUSH_OK);
}

static int has_event(enum zone_event_kind k)
{
    for (size_t i = 0; i < ev.n; i++)
        if (ev.v[i].kind == k && ev.v[i].zone_id == zid)
            return 1;
    return 0;
}

static const struct zone *z(void)
{
    return engine_zone_get(e, zid);
}

TestSuite(stats, .init = setup, .fini = teardown);

Test(stats, seeded_zone_has_min_width_band_and_laplace_priors)
{
    cr_assert_float_eq(z()->lo, 1.0999, 1e-12);
    cr_assert_float_eq(z()->hi, 1.1001, 1e-12);
    cr_assert_float_eq(z()->prob_hold, 0.5f, 1e-6);
    cr_assert_float_eq(z()->strength, 0.40f * 0.5f, 1e-6);
}

Test(stats, touch_counts_when_bar_enters_band_and_hold_when_close_returns)
{
    bar(1.1010, 1.1012, 1.1008, 1.1010); /* above, away */
    bar(1.1010, 1.1010, 1.1000, 1.1005); /* dips into the band, closes above */
    cr_assert_eq(z()->touches, 1);
    cr_assert_eq(z()->tests, 1);
    cr_assert_eq(z()->holds, 1);
    cr_assert_eq(z()->approach, 1);
    cr_assert_eq(z()->last_touch_ts, T0 + M15);
    cr_assert(has_event(ZEV_TOUCH) && has_event(ZEV_HOLD));
    cr_assert_float_eq(z()->prob_hold, 2.0f / 3, 1e-6);
    cr_assert_float_eq(z()->prob_break, 1.0f / 3, 1e-6);
    cr_assert_float_eq(z()->strength, 0.40f * 2 / 3, 1e-6);
}

Test(stats, new_test_only_after_price_left_by_band_width)
{
    bar(1.1010, 1.1012, 1.1008, 1.1010);
    bar(1.1010, 1.1010, 1.1000, 1.1005); /* test 1 */
    bar(1.1005, 1.1006, 1.1002, 1.1003); /* low 1.1002 < hi + width 1.1003: still in test */
    bar(1.1003, 1.1004, 1.1000, 1.1004); /* touch again: same test */
    cr_assert_eq(z()->tests, 1);
    cr_assert_eq(z()->touches, 2);
    cr_assert_eq(z()->holds, 1);
    bar(1.1004, 1.1008, 1.1003, 1.1007); /* low 1.1003 = hi + width: left */
    cr_assert_eq(z()->in_test, 0);
    bar(1.1007, 1.1007, 1.1000, 1.1006); /* test 2 */
    cr_assert_eq(z()->tests, 2);
    cr_assert_eq(z()->holds, 2);
}

Test(stats, sweep_counts_when_wick_crosses_far_edge_and_close_returns)
{
    bar(1.1010, 1.1012, 1.1008, 1.1010);
    bar(1.1008, 1.1008, 1.0997, 1.1004); /* wick below lo 1.0999, close above hi */
    cr_assert_eq(z()->sweeps, 1);
    cr_assert_eq(z()->holds, 0);
    cr_assert_eq(z()->tests, 1);
    cr_assert(has_event(ZEV_SWEEP));
    cr_assert_float_eq(z()->prob_sweep, 2.0f / 3, 1e-6);
    cr_assert_float_eq(z()->prob_hold, 1.0f / 3, 1e-6);
}

Test(stats, break_when_close_beyond_far_edge_flips_support_to_resistance)
{
    bar(1.1010, 1.1012, 1.1008, 1.1010);
    bar(1.1010, 1.1010, 1.1000, 1.1005); /* hold: support */
    cr_assert_eq(z()->role, ROLE_SUPPORT);
    bar(1.1006, 1.1006, 1.0990, 1.0995); /* closes below lo */
    cr_assert_eq(z()->breaks, 1);
    cr_assert_eq(z()->holds, 0, "the test's hold became a break");
    cr_assert_eq(z()->role, ROLE_RESISTANCE);
    cr_assert(has_event(ZEV_BREAK));
    cr_assert_float_eq(z()->prob_break, 2.0f / 3, 1e-6);
    cr_assert_float_eq(z()->strength, 0.40f / 3, 1e-6);
}

Test(stats, broken_zone_is_then_tested_from_the_other_side)
{
    bar(1.1010, 1.1012, 1.1008, 1.1010);
    bar(1.1006, 1.1006, 1.0990, 1.0995); /* break down: resistance now */
    bar(1.0995, 1.0996, 1.0990, 1.0992); /* high 1.0996 <= lo - width 1.0997: left */
    bar(1.0992, 1.1000, 1.0991, 1.0995); /* from below, rejected: hold as resistance */
    cr_assert_eq(z()->tests, 2);
    cr_assert_eq(z()->approach, -1);
    cr_assert_eq(z()->holds, 1);
    cr_assert_eq(z()->breaks, 1);
    cr_assert_eq(z()->role, ROLE_RESISTANCE);
    bar(1.0995, 1.0996, 1.0990, 1.0992); /* leave */
    bar(1.0992, 1.1010, 1.0991, 1.1008); /* breaks up: support again */
    cr_assert_eq(z()->breaks, 2);
    cr_assert_eq(z()->role, ROLE_SUPPORT);
}

Test(stats, outcome_of_one_test_only_upgrades_hold_to_break)
{
    bar(1.1010, 1.1012, 1.1008, 1.1010);
    bar(1.1010, 1.1010, 1.1000, 1.1005); /* hold */
    bar(1.1005, 1.1005, 1.0990, 1.0995); /* same test, breaks */
    cr_assert_eq(z()->tests, 1);
    cr_assert_eq(z()->holds, 0);
    cr_assert_eq(z()->breaks, 1);
}

Test(stats, close_inside_band_is_a_touch_without_outcome)
{
    bar(1.1010, 1.1012, 1.1008, 1.1010);
    bar(1.1010, 1.1010, 1.0999, 1.1000);
    cr_assert_eq(z()->touches, 1);
    cr_assert_eq(z()->holds + z()->breaks + z()->sweeps, 0);
}

Test(stats, decay_is_one_below_three_tests_then_point_nine_then_towards_half)
{
    cr_assert_float_eq(zone_decay(0, 10), 1.0, 1e-12);
    cr_assert_float_eq(zone_decay(2, 10), 1.0, 1e-12);
    cr_assert_float_eq(zone_decay(3, 10), 0.9, 1e-12);
    cr_assert_float_eq(zone_decay(10, 10), 0.9, 1e-12);
    cr_assert_float_eq(zone_decay(11, 10), 0.5 + 0.4 * exp(-0.1), 1e-12);
    cr_assert(zone_decay(1000, 10) >= 0.5 && zone_decay(1000, 10) < 0.5001);
}

Test(stats, strength_decays_after_three_tests)
{
    bar(1.1010, 1.1012, 1.1008, 1.1010);
    for (int k = 0; k < 3; k++) {
        bar(1.1010, 1.1010, 1.1000, 1.1005); /* hold */
        bar(1.1005, 1.1010, 1.1004, 1.1008); /* leave (low >= 1.1003) */
    }
    cr_assert_eq(z()->tests, 3);
    cr_assert_eq(z()->holds, 3);
    cr_assert_float_eq(z()->strength, 0.40f * (4.0f / 5) * 0.9f, 1e-6);
}

Test(stats, levels_within_merge_distance_become_one_zone_with_both_sources)
{
    /* merge_distance_pips 2: 1.1004 has band 1.1003..1.1005, gap 0.0002 to 1.1001 */
    uint32_t id = engine_add_zone(e, SRC_HIGH_DAILY, 1.1004, T0);
    cr_assert_eq(id, zid);
    cr_assert_eq(z()->sources, (1u << SRC_ROUND) | (1u << SRC_HIGH_DAILY));
    cr_assert_float_eq(z()->price, 1.1000, 1e-12);
    /* confluence: 1 - (1 - 0.40)(1 - 0.55) = 0.73 */
    cr_assert_float_eq(zone_base_strength(z()->sources), 0.73, 1e-12);
    cr_assert_float_eq(z()->strength, 0.73f * 0.5f, 1e-6);
    uint32_t far = engine_add_zone(e, SRC_HIGH_DAILY, 1.1006, T0);
    cr_assert_neq(far, zid);
    cr_assert_eq(engine_zone_count(e), 2);
}

Test(stats, zone_deactivates_after_zone_history_hours_without_touch)
{
    for (int k = 0; k < 96; k++)
        bar(1.1050, 1.1052, 1.1048, 1.1050); /* 24 h away from the zone */
    cr_assert_eq(z()->active, 1, "untouched for exactly 24h: still active");
    bar(1.1050, 1.1052, 1.1048, 1.1050);
    cr_assert_eq(z()->active, 0);
    cr_assert(has_event(ZEV_DEACTIVATED));
    cr_assert_eq(engine_zone_count(e), 1, "an inactive zone stays in the map");
    bar(1.1010, 1.1010, 1.0990, 1.1005); /* inactive zones take no statistics */
    cr_assert_eq(z()->touches, 0);
}

Test(stats, touch_restarts_the_deactivation_clock)
{
    for (int k = 0; k < 90; k++)
        bar(1.1050, 1.1052, 1.1048, 1.1050);
    bar(1.1050, 1.1050, 1.1000, 1.1040); /* touch at bar 90 */
    for (int k = 0; k < 90; k++)
        bar(1.1050, 1.1052, 1.1048, 1.1050);
    cr_assert_eq(z()->active, 1);
}

Test(stats, new_level_revives_an_inactive_zone)
{
    for (int k = 0; k < 97; k++)
        bar(1.1050, 1.1052, 1.1048, 1.1050);
    cr_assert_eq(z()->active, 0);
    cr_assert_eq(engine_add_zone(e, SRC_PIVOT_M15, 1.1000, next_ts), zid);
    cr_assert_eq(z()->active, 1);
}
