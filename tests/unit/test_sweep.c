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
#include "domain/stop.h"
#include "domain/zone_stats.h"
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
    struct bar b = {next_ts, o, h, l, c, 100};
    next_ts += M15;
    cr_assert_eq(engine_push(e, &b, NULL), PUSH_OK);
}

static void warm(int n, double mid)
{
    for (int k = 0; k < n; k++)
        bar(mid, mid + 0.0005, mid - 0.0005, mid);
}

static const struct zone *z(void)
{
    return engine_zone_get(e, zid);
}

/* the one nonzero bin, or -1 */
static int only_bin(const struct pierce_book *pb)
{
    int k = -1;
    for (int i = 0; i < PIERCE_BINS; i++) {
        if (pb->bin[i] == 0)
            continue;
        if (k >= 0)
            return -2;
        k = i;
    }
    return k;
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

Test(sweep, a_zone_setup_puts_the_stop_beyond_the_sweep_depth_and_says_so)
{
    struct liq_params p;
    params_defaults(&p);
    p.exit_method = EXIT_ZONES;
    p.min_expected_r = -INFINITY;
    p.stop_sweep_quantile = 0.9;
    struct setup_request rq = {.side = SIDE_BUY, .entry = 1.1000, .trend_score = 0.7,
                               .regime = REGIME_NORMAL};
    /* ATR 30 pips: buffer 3 pips, fallback 30, zones up to 90 pips away qualify */
    struct setup_market plain = {.atr = 0.0030}, swept = {.atr = 0.0030, .sweep_atr = 0.6,
                                                          .sweep_tests = 321};
    struct setup_result a, b;
    cr_assert_eq(setup_build(&rq, MAP, 3, &p, PIP, &plain, &a), SETUP_OK, "%s", a.reasons[0]);
    cr_assert_eq(setup_build(&rq, MAP, 3, &p, PIP, &swept, &b), SETUP_OK, "%s", b.reasons[0]);
    cr_assert_eq(a.stop.zone_id, 1);
    cr_assert_eq(b.stop.zone_id, 1);
    cr_assert_float_eq(a.stop.price, 1.0950 - 0.0003, 1.1e-5, "buffer_atr 0.1 x ATR");
    cr_assert_float_eq(b.stop.price, 1.0950 - 0.0018, 1.1e-5, "the sweep depth 0.6 x ATR");
    cr_assert_float_eq(b.stop.buffer_pips, 18.0, 1e-6, "what a trailed stop keeps using");
    cr_assert_float_eq(a.targets.tp1.price, b.targets.tp1.price, 1e-12,
                       "targets keep their front offset");
    int said = 0;
    for (size_t i = 0; i < b.n_reasons; i++)
        said |= strstr(b.reasons[i], "sweep depth") != NULL &&
                strstr(b.reasons[i], "321 resolved") != NULL &&
                strstr(b.reasons[i], "0.60 x ATR14") != NULL;
    cr_assert(said, "a reason names the depth and its count");
    for (size_t i = 0; i < a.n_reasons; i++)
        cr_assert_null(strstr(a.reasons[i], "sweep depth"), "%s", a.reasons[i]);
}

/* The EURUSD year: the depth is measured causally and reaches the record's zone exits. */
static struct engine *replay(const struct bar *bars, size_t n, double q)
{
    struct liq_params p;
    params_defaults(&p);
    p.stop_sweep_quantile = q;
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
    struct engine *off = replay(bars, n, 0.0), *on = replay(bars, n, 0.95);
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
    struct engine *part = replay(bars, k, 0.95), *again = replay(bars, k, 0.95);
    cr_assert_eq(memcmp(engine_pierce(part), engine_pierce(again), sizeof(struct pierce_book)),
                 0, "deterministic");
    cr_assert_lt(engine_pierce(part)->n, engine_pierce(on)->n);
    engine_free(part);
    engine_free(again);
    engine_free(off);
    engine_free(on);
    free(bars);
}
