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
#include "domain/setup.h"
#include "domain/stall.h"
#include "domain/target.h"
#include "tests/support/eurusd.h"

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
    int k = -1;
    for (int i = 0; i < STALL_BINS; i++) {
        if (sb->bin[i] == 0)
            continue;
        if (k >= 0)
            return -2;
        k = i;
    }
    return k;
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

static const struct zone MAP[] = {
    {.id = 1, .price = 1.0955, .lo = 1.0950, .hi = 1.0960, .active = 1, .strength = 0.9f,
     .tests = 1},
    {.id = 2, .price = 1.1150, .lo = 1.1145, .hi = 1.1155, .active = 1, .strength = 0.9f,
     .tests = 1},
};

Test(stall, a_zone_setup_puts_its_targets_in_front_by_the_stall_distance_and_says_so)
{
    struct liq_params p;
    params_defaults(&p);
    p.exit_method = EXIT_ZONES;
    p.min_expected_r = -INFINITY;
    p.target_stall_quantile = 0.75;
    struct setup_request rq = {.side = SIDE_BUY, .entry = 1.1000, .trend_score = 0.7,
                               .regime = REGIME_NORMAL};
    struct setup_market plain = {.atr = 0.0030}, stalled = {.atr = 0.0030, .stall_atr = 0.5,
                                                            .stall_turns = 77};
    struct setup_result a, b;
    cr_assert_eq(setup_build(&rq, MAP, 2, &p, PIP, &plain, &a), SETUP_OK, "%s", a.reasons[0]);
    cr_assert_eq(setup_build(&rq, MAP, 2, &p, PIP, &stalled, &b), SETUP_OK, "%s", b.reasons[0]);
    cr_assert_eq(b.targets.tp1.zone_id, 2);
    cr_assert_float_eq(a.targets.tp1.price, 1.1145 - 0.00003, 1.1e-5, "fixed: 0.01 ATR");
    cr_assert_float_eq(b.targets.tp1.price, 1.1145 - 0.0015, 1.1e-5, "0.5 x ATR in front");
    cr_assert_float_eq(a.stop.price, b.stop.price, 1e-12, "the stop is not the target's");
    int said = 0;
    for (size_t i = 0; i < b.n_reasons; i++)
        said |= strstr(b.reasons[i], "targets 0.50 x ATR14 in front of their zones") != NULL &&
                strstr(b.reasons[i], "of 77 turns") != NULL;
    cr_assert(said, "a reason names the stall distance and its count");
    for (size_t i = 0; i < a.n_reasons; i++)
        cr_assert_null(strstr(a.reasons[i], "stall"), "%s", a.reasons[i]);
}

static struct engine *replay(const struct bar *bars, size_t n, double q)
{
    struct liq_params p;
    params_defaults(&p);
    p.target_stall_quantile = q;
    struct engine *x = engine_new(&p, PIP, TF_M15);
    cr_assert_not_null(x);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(engine_push(x, &bars[i], NULL), PUSH_OK);
    return x;
}

Test(stall, on_the_eurusd_year_the_distance_is_measured_and_moves_the_records_targets)
{
    size_t n;
    struct bar *bars = eurusd_load(&n);
    cr_assert_not_null(bars);
    struct engine *off = replay(bars, n, 0.0), *on = replay(bars, n, 0.95),
                  *mid = replay(bars, n, 0.5);
    uint32_t turns = 1;
    cr_assert_lt(engine_target_stall_atr(off, &turns), 0.0, "setting 0: unused");
    cr_assert_eq(turns, 0, "setting 0: not counted (its cost is paid only when used)");
    double d = engine_target_stall_atr(on, &turns);
    cr_assert_geq(turns, STALL_MIN_TURNS, "%u turns", turns);
    cr_assert(d > 0.0 && d <= STALL_MAX_ATR, "%g", d);
    cr_assert_eq(memcmp(engine_stall(on)->bin, engine_stall(mid)->bin,
                        sizeof engine_stall(on)->bin), 0, "the quantile changes no count");
    engine_free(mid);
    struct exit_record ra, rb;
    engine_exit_record(off, &ra);
    engine_exit_record(on, &rb);
    cr_assert(ra.trades > 0 && rb.trades > 0);
    cr_assert(ra.zone_r != rb.zone_r, "the record's zone targets use the distance");
    engine_free(off);
    engine_free(on);
    free(bars);
}
