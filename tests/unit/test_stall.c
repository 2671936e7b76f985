/*
 * test_stall.c - turns short of zones, behind a zone target's front offset (stall.h,
 * target_front_for_stall, setting target_stall_quantile; docs/trading.md "Targets").
 *
 * Hand-made bars of range 0.0010 exactly (open = close = mid, each mid within the previous
 * bar's range, so every true range is 0.0010 and ATR14 stays 0.0010): a turn whose high lies
 * 0.00032 below a zone's lo 1.0999 is 0.32 ATR short of it: bin floor(0.32 x 40) = 12, whose
 * upper edge is 0.325 ATR.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "domain/engine.h"
#include "domain/stall.h"
#include "domain/target.h"
#include "tests/support/by_hand.h"

#define T0 1704067200 /* 2024-01-01 00:00 UTC, a Monday */
#define M15 900
#define PIP 0.0001

static struct engine *e;
static int64_t next_ts;
static double last_mid;

static void setup(void)
{
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = 0;
    p.target_stall_quantile = 0.5; /* the turns are counted only when it is on */
    e = engine_new(&p, PIP, TF_M15);
    cr_assert_not_null(e);
    engine_add_zone(e, SRC_ROUND, 1.1000, T0 - M15); /* band 1.0999 .. 1.1001 */
    engine_add_zone(e, SRC_ROUND, 1.0900, T0 - M15); /* band 1.0899 .. 1.0901 */
    next_ts = T0;
}

static void teardown(void)
{
    engine_free(e);
}

static void bar_at(double mid)
{
    struct bar b = {next_ts, mid, mid + 0.0005, mid - 0.0005, mid, 100};
    next_ts += M15;
    last_mid = mid;
    cr_assert_eq(engine_push(e, &b, NULL), PUSH_OK);
}

/* from the last mid to mid in steps of at most 0.0004 (each within the last bar's range) */
static void walk(double mid)
{
    double d = mid - last_mid;
    int steps = (int)ceil(fabs(d) / 0.0004);
    double from = last_mid;
    for (int k = 1; k <= steps; k++)
        bar_at(from + d * k / steps);
}

static int only_bin(const struct stall_book *sb)
{
    return by_hand_only_bin(sb->bin, STALL_BINS);
}

TestSuite(stall, .init = setup, .fini = teardown);

/* 14 flat bars at 1.0950 (ATR 0.0010), a climb to a turn whose high is hi, back down */
static void turn_at_high(double hi)
{
    for (int k = 0; k < 15; k++)
        bar_at(1.0950);
    walk(hi - 0.0005);
    walk(1.0950);
}

Test(stall, a_turn_short_of_a_zone_above_counts_its_distance_in_atr)
{
    turn_at_high(1.0999 - 0.00032);
    cr_assert_float_eq(engine_atr(e), 0.0010, 1e-12, "every true range is 0.0010");
    const struct stall_book *sb = engine_stall(e);
    cr_assert_eq(sb->n, 1, "one turn (the flat bars and the way down are no turns): %u", sb->n);
    cr_assert_eq(only_bin(sb), 12, "0.32 ATR: bin 12 (got %d)", only_bin(sb));
    cr_assert_float_eq(stall_quantile(sb, 1.0, 1), 0.325, 1e-12);
}

Test(stall, a_turn_inside_a_band_reached_the_zone)
{
    turn_at_high(1.1000);
    cr_assert_eq(engine_stall(e)->n, 1);
    cr_assert_eq(engine_stall(e)->bin[0], 1);
}

Test(stall, a_turn_with_no_zone_within_one_atr_ahead_is_not_counted)
{
    turn_at_high(1.0985); /* 0.0014 short of 1.0999 */
    cr_assert_eq(engine_stall(e)->n, 0);
}

Test(stall, a_turn_up_is_measured_to_the_zone_below_and_known_only_k_bars_later)
{
    for (int k = 0; k < 15; k++)
        bar_at(1.0950);
    walk(1.0901 + 0.00045 + 0.0005); /* the low of the turn: 0.45 ATR above hi 1.0901 */
    cr_assert_eq(engine_stall(e)->n, 0);
    for (int k = 1; k <= STALL_K; k++) {
        cr_assert_eq(engine_stall(e)->n, 0, "not known %d bars after the turn", k - 1);
        bar_at(last_mid + 0.0003);
    }
    cr_assert_eq(engine_stall(e)->n, 1, "known at the %dth bar after it", STALL_K);
    cr_assert_eq(only_bin(engine_stall(e)), 18, "0.45 ATR: bin 18 (got %d)",
                 only_bin(engine_stall(e)));
}

Test(stall, the_quantile_is_the_upper_edge_of_the_bin_where_the_count_reaches_q)
{
    struct stall_book sb = {0};
    cr_assert_lt(stall_quantile(&sb, 0.5, 0), 0.0);
    sb.bin[0] = 70;
    sb.bin[4] = 20;
    sb.bin[20] = 10;
    sb.n = 100;
    cr_assert_float_eq(stall_quantile(&sb, 0.5, 50), 0.025, 1e-12);
    cr_assert_float_eq(stall_quantile(&sb, 0.75, 50), 0.125, 1e-12);
    cr_assert_float_eq(stall_quantile(&sb, 0.95, 50), 0.525, 1e-12);
    cr_assert_lt(stall_quantile(&sb, 0.5, 101), 0.0, "fewer than min_turns");
    cr_assert_lt(stall_quantile(&sb, 0.0, 1), 0.0);
    cr_assert_lt(stall_quantile(&sb, NAN, 1), 0.0);
}

Test(stall, the_front_offset_is_the_stall_distance_only_when_it_is_larger)
{
    struct liq_params p;
    params_defaults(&p);
    double fixed = target_front_offset(&p, PIP, 0.0010);
    cr_assert_float_eq(target_front_for_stall(&p, PIP, 0.0010, 0.3), 0.0003, 1e-15);
    cr_assert_float_eq(target_front_for_stall(&p, PIP, 0.0010, 0.001), fixed, 1e-15);
    cr_assert_float_eq(target_front_for_stall(&p, PIP, 0.0010, -1.0), fixed, 1e-15);
    cr_assert_float_eq(target_front_for_stall(&p, PIP, 0.0010, NAN), fixed, 1e-15);
    cr_assert_float_eq(target_front_for_stall(&p, PIP, 0.0, 0.3), target_front_offset(&p, PIP, 0),
                       1e-15, "no ATR: the pip offset");
}
