/*
 * test_sweep.c - the sweep depth behind a zone stop's buffer (zone_map.h pierce_book,
 * zone_stats_pierce_quantile, stop_params_for_sweep, setting stop_sweep_quantile;
 * docs/trading.md "Stop").
 *
 * Hand-made bars as in test_stats.c: a zone at 1.1000 (band 1.0999..1.1001), 14 warm bars of
 * range 0.0010 so ATR14 = 0.0010 at the touch: a wick 0.0002 past the far edge is 0.2 ATR =
 * 32 units of 1/160 ATR, bin 8 (1/40 ATR each), whose upper edge is 0.225 ATR.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "domain/engine.h"
#include "domain/setup.h"
#include "domain/stall.h"
#include "domain/stop.h"
#include "domain/zone_stats.h"
#include "tests/support/by_hand.h"
#include "tests/support/eurusd.h"

#define T0 1704067200 /* 2024-01-01 00:00 UTC, a Monday */
#define M15 900
#define PIP 0.0001

static struct engine *e;
static uint32_t zid;
static int64_t next_ts;

static void setup(void)
{
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = 0;
    e = engine_new(&p, PIP, TF_M15);
    cr_assert_not_null(e);
    zid = engine_add_zone(e, SRC_ROUND, 1.1000, T0 - M15);
    next_ts = T0;
}

static void teardown(void)
{
    engine_free(e);
}

static void bar(double o, double h, double l, double c)
{
    by_hand_bar(e, &next_ts, o, h, l, c);
}

static void warm(int n, double mid)
{
    by_hand_warm(e, &next_ts, n, mid);
}

static const struct zone *z(void)
{
    return engine_zone_get(e, zid);
}

static int only_bin(const struct pierce_book *pb)
{
    return by_hand_only_bin(pb->bin, PIERCE_BINS);
}

TestSuite(sweep, .init = setup, .fini = teardown);

Test(sweep, a_sweep_from_above_records_its_deepest_reach_past_the_far_edge)
{
    warm(14, 1.1050);
    bar(1.1010, 1.1012, 1.1000, 1.1005); /* touch: the test starts, no pierce yet */
    bar(1.1005, 1.1006, 1.0998, 1.1004); /* 0.1 ATR past lo 1.0999 */
    bar(1.1004, 1.1006, 1.0997, 1.1004); /* 0.2 ATR: the deepest */
    bar(1.1004, 1.1006, 1.0998, 1.1005); /* 0.1 again */
    cr_assert_eq(engine_pierce(e)->n, 0, "not resolved yet: nothing counted (causal)");
    bar(1.1005, 1.1012, 1.1003, 1.1011); /* hold barrier 1.1011: a sweep */
    cr_assert_eq(z()->sweeps, 1);
    const struct pierce_book *pb = engine_pierce(e);
    cr_assert_eq(pb->n, 1);
    cr_assert_eq(only_bin(pb), 8, "0.2 ATR = 32 units, bin 8 (got %d)", only_bin(pb));
    cr_assert_float_eq(zone_stats_pierce_quantile(pb, 1.0, 1), 0.225, 1e-12);
}

Test(sweep, a_sweep_from_below_is_measured_past_the_top_edge_and_the_touching_bar_counts)
{
    warm(14, 1.0950);
    bar(1.0990, 1.1004, 1.0990, 1.0995); /* touches from below and reaches 0.3 ATR past hi */
    bar(1.0995, 1.0996, 1.0988, 1.0990); /* beyond 1.0989 = lo - 1 ATR: the hold barrier */
    cr_assert_eq(z()->sweeps, 1);
    cr_assert_eq(only_bin(engine_pierce(e)), 12, "0.3 ATR = 48 units, bin 12");
}

Test(sweep, a_hold_counts_at_depth_0_and_breaks_and_timeouts_do_not_count)
{
    warm(14, 1.1050);
    bar(1.1010, 1.1012, 1.1000, 1.1005);
    bar(1.1009, 1.1012, 1.1004, 1.1010); /* hold: never past lo */
    cr_assert_eq(z()->holds, 1);
    cr_assert_eq(engine_pierce(e)->n, 1);
    cr_assert_eq(engine_pierce(e)->bin[0], 1);
    warm(3, 1.1050);                     /* re-arm from above */
    bar(1.1010, 1.1010, 1.1000, 1.1005);
    bar(1.1005, 1.1006, 1.0950, 1.0960); /* break (far past any ATR the gaps made) */
    cr_assert_eq(z()->breaks, 1);
    cr_assert_eq(engine_pierce(e)->n, 1, "a break is not a bounce: not counted");
    warm(3, 1.1050);
    bar(1.1010, 1.1010, 1.1000, 1.1005);
    for (int k = 0; k < 8; k++)
        bar(1.1005, 1.1008, 1.0997, 1.1004);
    cr_assert_eq(z()->timeouts, 1);
    cr_assert_eq(engine_pierce(e)->n, 1, "a timeout is not counted");
}

Test(sweep, the_quantile_is_the_upper_edge_of_the_bin_where_the_count_reaches_q)
{
    struct pierce_book pb = {0};
    cr_assert_lt(zone_stats_pierce_quantile(&pb, 0.5, 0), 0.0, "empty: unknown");
    pb.bin[0] = 60; /* the header's example: 60 holds, 40 sweeps over 0.1 .. 0.9 ATR */
    for (int k = 0; k < 40; k++)
        pb.bin[4 + k * 32 / 40]++;
    pb.n = 100;
    cr_assert_float_eq(zone_stats_pierce_quantile(&pb, 0.5, 50), 0.025, 1e-12);
    cr_assert_float_eq(zone_stats_pierce_quantile(&pb, 0.6, 50), 0.025, 1e-12);
    double q8 = zone_stats_pierce_quantile(&pb, 0.8, 50);
    cr_assert(q8 > 0.45 && q8 < 0.55, "q 0.8: %g", q8);
    double q1 = zone_stats_pierce_quantile(&pb, 1.0, 50);
    cr_assert_float_eq(q1, (4 + 39 * 32 / 40 + 1) / 40.0, 1e-12);
    cr_assert_lt(zone_stats_pierce_quantile(&pb, 0.5, 101), 0.0, "fewer than min_tests");
    cr_assert_lt(zone_stats_pierce_quantile(&pb, 0.0, 1), 0.0);
    cr_assert_lt(zone_stats_pierce_quantile(&pb, 1.5, 1), 0.0);
    cr_assert_lt(zone_stats_pierce_quantile(&pb, NAN, 1), 0.0);
    struct pierce_book deep = {.n = 5};
    deep.bin[PIERCE_BINS - 1] = 5; /* capped: anything deeper sits in the last bin */
    cr_assert_float_eq(zone_stats_pierce_quantile(&deep, 0.9, 1), 1.6, 1e-12);
}

Test(sweep, only_a_deeper_sweep_widens_the_buffer_and_only_with_atr_distances_on)
{
    struct liq_params p, out;
    params_defaults(&p);
    stop_params_for_sweep(&p, 0.55, &out);
    cr_assert_float_eq(out.buffer_atr, 0.55, 1e-12);
    cr_assert_float_eq(out.fallback_stop_atr, p.fallback_stop_atr, 1e-12, "only the buffer");
    stop_params_for_sweep(&p, 0.05, &out);
    cr_assert_float_eq(out.buffer_atr, p.buffer_atr, 1e-12, "never nearer than buffer_atr");
    stop_params_for_sweep(&p, -1.0, &out);
    cr_assert_float_eq(out.buffer_atr, p.buffer_atr, 1e-12, "unknown");
    stop_params_for_sweep(&p, INFINITY, &out);
    cr_assert_float_eq(out.buffer_atr, p.buffer_atr, 1e-12);
    p.buffer_atr = 0.0; /* the pip settings alone: left alone */
    stop_params_for_sweep(&p, 0.55, &out);
    cr_assert_float_eq(out.buffer_atr, 0.0, 1e-12);
}

/* zones: support 1.0950..1.0960 below a BUY at 1.1000, targets above */
static const struct zone MAP[] = {
    {.id = 1, .price = 1.0955, .lo = 1.0950, .hi = 1.0960, .active = 1, .strength = 0.9f,
     .tests = 1},
    {.id = 2, .price = 1.1150, .lo = 1.1145, .hi = 1.1155, .active = 1, .strength = 0.9f,
     .tests = 1},
    {.id = 3, .price = 1.1300, .lo = 1.1295, .hi = 1.1305, .active = 1, .strength = 0.9f,
     .tests = 1},
};

/* A BUY at 1.1000 on MAP with zone exits (nothing refused for its expected_r), ATR 30 pips:
 * buffer 3 pips, fallback 30, zones up to 90 pips away qualify. *plain without the market's
 * measured figures, *with given m (its ATR set here). */
static void zone_setups(struct liq_params *p, struct setup_market m, struct setup_result *plain,
                        struct setup_result *with)
{
    p->exit_method = EXIT_ZONES;
    p->min_expected_r = -INFINITY;
    struct setup_request rq = {.side = SIDE_BUY, .entry = 1.1000, .trend_score = 0.7,
                               .regime = REGIME_NORMAL};
    struct setup_market none = {.atr = 0.0030};
    m.atr = 0.0030;
    cr_assert_eq(setup_build(&rq, MAP, 3, p, PIP, &none, plain), SETUP_OK, "%s",
                 plain->reasons[0]);
    cr_assert_eq(setup_build(&rq, MAP, 3, p, PIP, &m, with), SETUP_OK, "%s", with->reasons[0]);
}

/* Does one of r's reasons contain both a and b? */
static int says(const struct setup_result *r, const char *a, const char *b)
{
    for (size_t i = 0; i < r->n_reasons; i++)
        if (strstr(r->reasons[i], a) != NULL && strstr(r->reasons[i], b) != NULL)
            return 1;
    return 0;
}

Test(sweep, a_zone_setup_puts_the_stop_beyond_the_sweep_depth_and_says_so)
{
    struct liq_params p;
    params_defaults(&p);
    p.stop_sweep_quantile = 0.9;
    struct setup_result a, b;
    zone_setups(&p, (struct setup_market){.sweep_atr = 0.6, .sweep_tests = 321}, &a, &b);
    cr_assert_eq(a.stop.zone_id, 1);
    cr_assert_eq(b.stop.zone_id, 1);
    cr_assert_float_eq(a.stop.price, 1.0950 - 0.0003, 1.1e-5, "buffer_atr 0.1 x ATR");
    cr_assert_float_eq(b.stop.price, 1.0950 - 0.0018, 1.1e-5, "the sweep depth 0.6 x ATR");
    cr_assert_float_eq(b.stop.buffer_pips, 18.0, 1e-6, "what a trailed stop keeps using");
    cr_assert_float_eq(a.targets.tp1.price, b.targets.tp1.price, 1e-12,
                       "targets keep their front offset");
    cr_assert(says(&b, "0.60 x ATR14: the symbol's sweep depth", "of 321 resolved"));
    cr_assert(!says(&a, "sweep depth", ""), "no sweep without the measured depth");
}

Test(sweep, a_zone_setup_puts_its_targets_in_front_by_the_stall_distance_and_says_so)
{
    struct liq_params p;
    params_defaults(&p);
    p.target_stall_quantile = 0.75;
    struct setup_result a, b;
    zone_setups(&p, (struct setup_market){.stall_atr = 0.5, .stall_turns = 77}, &a, &b);
    cr_assert_eq(b.targets.tp1.zone_id, 2);
    cr_assert_float_eq(a.targets.tp1.price, 1.1145 - 0.00003, 1.1e-5, "fixed: 0.01 ATR");
    cr_assert_float_eq(b.targets.tp1.price, 1.1145 - 0.0015, 1.1e-5, "0.5 x ATR in front");
    cr_assert_float_eq(a.stop.price, b.stop.price, 1e-12, "the stop is not the target's");
    cr_assert(says(&b, "targets 0.50 x ATR14 in front of their zones", "of 77 turns"));
    cr_assert(!says(&a, "stall", ""), "no stall without the measured distance");
}

/* The EURUSD year with these stop_sweep_quantile and target_stall_quantile. */
static struct engine *replay_q(const struct bar *bars, size_t n, double sweep_q, double stall_q)
{
    struct liq_params p;
    params_defaults(&p);
    p.stop_sweep_quantile = sweep_q;
    p.target_stall_quantile = stall_q;
    struct engine *x = engine_new(&p, PIP, TF_M15);
    cr_assert_not_null(x);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(engine_push(x, &bars[i], NULL), PUSH_OK);
    return x;
}

Test(sweep, on_the_eurusd_year_the_depth_is_measured_and_moves_the_records_zone_stops)
{
    size_t n;
    struct bar *bars = eurusd_load(&n);
    cr_assert_not_null(bars);
    struct engine *off = replay_q(bars, n, 0.0, 0.0), *on = replay_q(bars, n, 0.95, 0.0);
    uint32_t tests = 0;
    cr_assert_lt(engine_stop_sweep_atr(off, &tests), 0.0, "setting 0: unused");
    cr_assert_geq(tests, STOP_SWEEP_MIN_TESTS, "measured anyway (evidence): %u", tests);
    double d = engine_stop_sweep_atr(on, NULL);
    struct liq_params p;
    params_defaults(&p);
    cr_assert(d > p.buffer_atr && d <= p.test_break_atr + 1e-12,
              "q 0.95 lies past the fixed buffer and within the break barrier: %g", d);
    cr_assert_eq(engine_pierce(on)->n, tests, "the setting changes no measurement");
    cr_assert_eq(memcmp(engine_pierce(on), engine_pierce(off), sizeof(struct pierce_book)), 0);
    struct exit_record ra, rb;
    engine_exit_record(off, &ra);
    engine_exit_record(on, &rb);
    cr_assert(ra.trades > 0 && rb.trades > 0);
    cr_assert(ra.zone_r != rb.zone_r, "the record's zone exits use the depth");
    /* deterministic, and a count of what has resolved so far: a third of the year has less */
    size_t k = n / 3;
    struct engine *part = replay_q(bars, k, 0.95, 0.0), *again = replay_q(bars, k, 0.95, 0.0);
    cr_assert_eq(memcmp(engine_pierce(part), engine_pierce(again), sizeof(struct pierce_book)),
                 0, "deterministic");
    cr_assert_lt(engine_pierce(part)->n, engine_pierce(on)->n);
    engine_free(part);
    engine_free(again);
    engine_free(off);
    engine_free(on);
    free(bars);
}

/* The stall distance (stall.h) on the same year: counted only while used, moves the record's
 * zone targets. */
Test(sweep, on_the_eurusd_year_the_stall_distance_is_counted_when_on_and_moves_the_targets)
{
    size_t n;
    struct bar *bars = eurusd_load(&n);
    cr_assert_not_null(bars);
    struct engine *off = replay_q(bars, n, 0.0, 0.0), *on = replay_q(bars, n, 0.0, 0.95),
                  *mid = replay_q(bars, n, 0.0, 0.5);
    uint32_t turns = 1;
    cr_assert_lt(engine_target_stall_atr(off, &turns), 0.0, "setting 0: unused");
    cr_assert_eq(turns, 0, "setting 0: not counted (its cost is paid only when used)");
    double d = engine_target_stall_atr(on, &turns);
    cr_assert_geq(turns, STALL_MIN_TURNS, "%u turns", turns);
    cr_assert(d > 0.0 && d <= STALL_MAX_ATR, "%g", d);
    cr_assert_eq(memcmp(engine_stall(on)->bin, engine_stall(mid)->bin,
                        sizeof engine_stall(on)->bin), 0, "the quantile changes no count");
    struct exit_record ra, rb;
    engine_exit_record(off, &ra);
    engine_exit_record(on, &rb);
    cr_assert(ra.trades > 0 && rb.trades > 0);
    cr_assert(ra.zone_r != rb.zone_r, "the record's zone targets use the distance");
    engine_free(mid);
    engine_free(off);
    engine_free(on);
    free(bars);
}
