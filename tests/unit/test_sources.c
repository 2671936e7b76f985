/*
 * test_sources.c - one small hand-made bar sequence per liquidity source, asserting the
 * exact levels (docs/sources.md states the formulas).
 */
#include <criterion/criterion.h>
#include <math.h>

#include "domain/engine.h"
#include "domain/series.h"
#include "domain/sources/sources.h"

#define T0 1704067200 /* 2024-01-01 00:00 UTC, a Monday */
#define PIP 0.0001

static struct engine *make(uint32_t sources, enum timeframe tf, int swing_length)
{
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = sources;
    p.swing_length = swing_length;
    p.merge_distance_pips = 0;
    struct engine *e = engine_new(&p, PIP, tf);
    cr_assert_not_null(e);
    return e;
}

static void push(struct engine *e, int64_t ts, double o, double h, double l, double c, double v)
{
    struct bar b = {ts, o, h, l, c, v};
    cr_assert_eq(engine_push(e, &b, NULL), PUSH_OK);
}

/* The zone of source src nearest to price, NULL if none within 1e-9. */
static const struct zone *zone_at(const struct engine *e, enum liq_source src, double price)
{
    for (uint32_t id = 1; id <= engine_zone_max_id(e); id++) {
        const struct zone *z = engine_zone_get(e, id);
        if ((z->sources >> src & 1u) && fabs(z->price - price) < 1e-9)
            return z;
    }
    return NULL;
}

/* One M15 day: flat at 1.1000, a 1.1050 high at bar 10, a 1.0950 low at bar 20, close
 * 1.1010 at 23:45. */
static void push_day(struct engine *e, int64_t day)
{
    for (int i = 0; i < 96; i++) {
        double h = i == 10 ? 1.1050 : 1.1000, l = i == 20 ? 1.0950 : 1.1000;
        double c = i == 95 ? 1.1010 : 1.1000;
        push(e, day + i * 900, 1.1000, fmax(h, c), l, c, 10);
    }
}

Test(sources, daily_high_low_and_previous_close_appear_when_the_day_finishes)
{
    struct engine *e = make((1u << SRC_HIGH_DAILY) | (1u << SRC_LOW_DAILY) |
                                (1u << SRC_PREVIOUS_CLOSE), TF_M15, 5);
    push_day(e, T0);
    const struct zone *hi = zone_at(e, SRC_HIGH_DAILY, 1.1050);
    cr_assert_not_null(hi);
    cr_assert_eq(hi->origin_ts, T0);
    cr_assert_eq(hi->created_ts, T0 + 95 * 900, "known at the 23:45 bar");
    cr_assert_not_null(zone_at(e, SRC_LOW_DAILY, 1.0950));
    cr_assert_not_null(zone_at(e, SRC_PREVIOUS_CLOSE, 1.1010));
    cr_assert_eq(engine_zone_count(e), 3);
    engine_free(e);
}

Test(sources, floor_pivots_of_the_previous_day)
{
    struct engine *e = make(1u << SRC_FLOOR_PIVOT, TF_M15, 5);
    push_day(e, T0);
    double p = (1.1050 + 1.0950 + 1.1010) / 3;
    cr_assert_not_null(zone_at(e, SRC_FLOOR_PIVOT, p));
    cr_assert_not_null(zone_at(e, SRC_FLOOR_PIVOT, 2 * p - 1.0950));
    cr_assert_not_null(zone_at(e, SRC_FLOOR_PIVOT, 2 * p - 1.1050));
    cr_assert_not_null(zone_at(e, SRC_FLOOR_PIVOT, p + 0.0100));
    cr_assert_not_null(zone_at(e, SRC_FLOOR_PIVOT, p - 0.0100));
    cr_assert_eq(engine_zone_count(e), 5);
    engine_free(e);
}

Test(sources, weekly_high_low_when_the_next_week_starts)
{
    struct engine *e = make((1u << SRC_HIGH_WEEKLY) | (1u << SRC_LOW_WEEKLY), TF_D1, 5);
    for (int d = 0; d < 5; d++)
        push(e, T0 + d * 86400, 1.10, 1.11 + d * 0.001, 1.09 - d * 0.001, 1.10, 1);
    cr_assert_eq(engine_zone_count(e), 0, "Friday does not end a Monday-based week");
    push(e, T0 + 7 * 86400, 1.10, 1.10, 1.10, 1.10, 1);
    cr_assert_not_null(zone_at(e, SRC_HIGH_WEEKLY, 1.114));
    cr_assert_not_null(zone_at(e, SRC_LOW_WEEKLY, 1.086));
    cr_assert_eq(zone_at(e, SRC_HIGH_WEEKLY, 1.114)->origin_ts, T0);
    engine_free(e);
}

Test(sources, vwap_daily_live_zone_moves_then_freezes_at_day_end)
{
    struct engine *e = make(1u << SRC_VWAP_DAILY, TF_H1, 5);
    push(e, T0, 1.1, 1.2, 1.0, 1.1, 1);
    const struct zone *z = engine_zone_get(e, 1);
    cr_assert_float_eq(z->price, 1.1, 1e-12);
    cr_assert(z->flags & ZONE_F_LIVE);
    push(e, T0 + 3600, 1.3, 1.4, 1.2, 1.3, 3);
    cr_assert_float_eq(engine_zone_get(e, 1)->price, 1.25, 1e-12, "(1.1*1+1.3*3)/4");
    for (int h = 2; h < 24; h++)
        push(e, T0 + h * 3600, 1.25, 1.25, 1.25, 1.25, 0);
    z = engine_zone_get(e, 1);
    cr_assert_eq(z->flags & ZONE_F_LIVE, 0, "the finished day's value stays");
    cr_assert_float_eq(z->price, 1.25, 1e-12);
    push(e, T0 + 86400, 1.30, 1.31, 1.29, 1.30, 1);
    cr_assert_eq(engine_zone_max_id(e), 2);
    cr_assert(engine_zone_get(e, 2)->flags & ZONE_F_LIVE);
    cr_assert_float_eq(engine_zone_get(e, 2)->price, 1.30, 1e-12);
    engine_free(e);
}

Test(sources, vwap_weekly_weights_by_volume_over_the_week)
{
    struct engine *e = make(1u << SRC_VWAP_WEEKLY, TF_D1, 5);
    push(e, T0, 1.1, 1.2, 1.0, 1.1, 1);
    push(e, T0 + 86400, 1.3, 1.4, 1.2, 1.3, 3);
    cr_assert_float_eq(engine_zone_get(e, 1)->price, 1.25, 1e-12);
    cr_assert_eq(engine_zone_get(e, 1)->sources, 1u << SRC_VWAP_WEEKLY);
    engine_free(e);
}

/* highs 1 2 3 9 5 4 3 2 (+1.1) with L = 2: bar 3 is a swing high, confirmed at bar 5 */
static const double PEAK[] = {1.101, 1.102, 1.103, 1.109, 1.105, 1.104, 1.103, 1.102};

Test(sources, pivot_m15_zone_records_pivot_bar_and_confirmation_bar)
{
    struct engine *e = make(1u << SRC_PIVOT_M15, TF_M15, 2);
    for (int i = 0; i < 5; i++)
        push(e, T0 + i * 900, PEAK[i] - 0.0005, PEAK[i], PEAK[i] - 0.001, PEAK[i] - 0.0005, 1);
    cr_assert_eq(engine_zone_count(e), 0, "not confirmed before bar i+L");
    push(e, T0 + 5 * 900, PEAK[5] - 0.0005, PEAK[5], PEAK[5] - 0.001, PEAK[5] - 0.0005, 1);
    const struct zone *z = zone_at(e, SRC_PIVOT_M15, 1.109);
    cr_assert_not_null(z);
    cr_assert_eq(z->origin_ts, T0 + 3 * 900);
    cr_assert_eq(z->created_ts, T0 + 5 * 900);
    engine_free(e);
}

Test(sources, pivot_m5_runs_on_m5_and_is_inactive_on_m15_base)
{
    struct engine *e = make(1u << SRC_PIVOT_M5, TF_M5, 2);
    for (int i = 0; i < 6; i++)
        push(e, T0 + i * 300, PEAK[i] - 0.0005, PEAK[i], PEAK[i] - 0.001, PEAK[i] - 0.0005, 1);
    cr_assert_not_null(zone_at(e, SRC_PIVOT_M5, 1.109));
    engine_free(e);
    e = make(SRC_ALL, TF_M15, 5);
    cr_assert_eq(engine_active_sources(e), SRC_ALL & ~(1u << SRC_PIVOT_M5));
    engine_free(e);
    e = make(SRC_ALL, TF_H1, 5);
    cr_assert_eq(engine_active_sources(e) & ((1u << SRC_PIVOT_M15) | (1u << SRC_GANN) |
                                             (1u << SRC_EQUAL_LEVELS)), 0);
    engine_free(e);
}

Test(sources, later_more_extreme_swing_high_withdraws_the_earlier_one)
{
    struct swing_detector sd;
    swing_init(&sd, 2);
    /* two swing highs (1.105 at 3, 1.108 at 6) with no swing low between them */
    const double h[] = {1.101, 1.102, 1.103, 1.105, 1.104, 1.1045, 1.108, 1.106, 1.1055, 1.104};
    const double l[] = {1.100, 1.101, 1.102, 1.103, 1.1035, 1.1038, 1.104, 1.1042, 1.1045,
                        1.1039};
    struct swing_event ev;
    int seen = 0;
    for (int i = 0; i < 10; i++) {
        if (!swing_push(&sd, T0 + i * 900, h[i], l[i], &ev))
            continue;
        if (ev.idx == 3) {
            cr_assert_eq(ev.kind, 1);
            cr_assert_eq(ev.supersedes, 0);
            seen++;
        }
        if (ev.idx == 6) {
            cr_assert_eq(ev.kind, 1);
            cr_assert_eq(ev.supersedes, 1);
            cr_assert_eq(ev.superseded_idx, 3);
            seen++;
        }
    }
    cr_assert_eq(seen, 2);

    struct engine *e = make(1u << SRC_PIVOT_M15, TF_M15, 2);
    for (int i = 0; i < 10; i++)
        push(e, T0 + i * 900, l[i], h[i], l[i], h[i] - 0.0002, 1);
    const struct zone *first = zone_at(e, SRC_PIVOT_M15, 1.105);
    cr_assert_not_null(first);
    cr_assert_eq(first->active, 0, "superseded: deactivated when the later one is confirmed");
    cr_assert_eq(zone_at(e, SRC_PIVOT_M15, 1.108)->active, 1);
    engine_free(e);
}

Test(sources, round_levels_every_step_around_price)
{
    struct engine *e = make(1u << SRC_ROUND, TF_M15, 5);
    push(e, T0, 1.0712, 1.0712, 1.0712, 1.0712, 1); /* step 50 pips, 3 each side */
    cr_assert_eq(engine_zone_count(e), 6);
    cr_assert_float_eq(engine_zone_sorted(e, 0)->price, 1.0600, 1e-12);
    cr_assert_float_eq(engine_zone_sorted(e, 5)->price, 1.0850, 1e-12);
    push(e, T0 + 900, 1.0762, 1.0762, 1.0762, 1.0762, 1);
    cr_assert_eq(engine_zone_count(e), 7, "one more above, none removed");
    engine_free(e);
}

Test(sources, gann_square_of_nine_around_a_swing)
{
    struct levels out = {0};
    gann_levels(1.0000, PIP, 2, T0, &out);
    cr_assert_eq(out.n, 4);
    cr_assert_float_eq(out.v[0].price, 100.25 * 100.25 * PIP, 1e-12);
    cr_assert_float_eq(out.v[1].price, 99.75 * 99.75 * PIP, 1e-12);
    cr_assert_float_eq(out.v[2].price, 100.5 * 100.5 * PIP, 1e-12);
    cr_assert_float_eq(out.v[3].price, 99.5 * 99.5 * PIP, 1e-12);
    struct engine *e = make(1u << SRC_GANN, TF_M15, 2);
    for (int i = 0; i < 6; i++)
        push(e, T0 + i * 900, PEAK[i] - 0.0005, PEAK[i], PEAK[i] - 0.001, PEAK[i] - 0.0005, 1);
    double root = sqrt(1.109 / PIP);
    cr_assert_not_null(zone_at(e, SRC_GANN, (root + 1) * (root + 1) * PIP));
    cr_assert_eq(engine_zone_count(e), 8);
    engine_free(e);
}

Test(sources, equal_highs_within_tolerance_make_a_level_at_the_higher)
{
    struct equal_levels q;
    equal_init(&q, 10);
    struct levels out = {0};
    equal_push(&q, 1, 1.1000, 3 * PIP, T0, &out);
    equal_push(&q, -1, 1.0950, 3 * PIP, T0, &out);
    cr_assert_eq(out.n, 0);
    equal_push(&q, 1, 1.1002, 3 * PIP, T0 + 900, &out);
    cr_assert_eq(out.n, 1);
    cr_assert_float_eq(out.v[0].price, 1.1002, 1e-12);
    cr_assert_eq(out.v[0].src, SRC_EQUAL_LEVELS);
    equal_push(&q, -1, 1.0946, 3 * PIP, T0, &out); /* 4 pips away: not equal */
    cr_assert_eq(out.n, 1);
    equal_push(&q, -1, 1.0947, 3 * PIP, T0, &out); /* nearest: 1.0946 */
    cr_assert_eq(out.n, 2);
    cr_assert_float_eq(out.v[1].price, 1.0946, 1e-12);
}

Test(sources, wyckoff_range_high_and_low_once_per_range)
{
    struct wyckoff w;
    wyckoff_init(&w, 3);
    struct levels out = {0};
    struct bar b = {T0, 1.10, 1.12, 1.08, 1.10, 1};
    wyckoff_push(&w, &b, 0.001, 2.0, &out); /* 400 pips wide */
    for (int i = 1; i <= 3; i++) {
        b = (struct bar){T0 + i * 900, 1.1, 1.1010, 1.0995, 1.1, 1};
        wyckoff_push(&w, &b, 0.001, 2.0, &out);
    }
    cr_assert_eq(out.n, 2, "15 pips <= 2 x 10 pips once the wide bar left the window");
    cr_assert_float_eq(out.v[0].price, 1.1010, 1e-12);
    cr_assert_float_eq(out.v[1].price, 1.0995, 1e-12);
    cr_assert_eq(out.v[0].origin_ts, T0 + 900);
    b.ts += 900;
    wyckoff_push(&w, &b, 0.001, 2.0, &out);
    cr_assert_eq(out.n, 2, "the same range is reported once");
}

Test(sources, cluster_point_of_control_and_value_area)
{
    struct cluster c;
    cr_assert_eq(cluster_init(&c, 86400, 100), 0);
    struct levels out = {0};
    /* typical prices in 2-pip bins: 1.1001 x vol 10, 1.1003 x 60, 1.1005 x 20, 1.1007 x 10 */
    const double px[] = {1.1001, 1.1003, 1.1005, 1.1007};
    const double vol[] = {10, 60, 20, 10};
    for (int i = 0; i < 4; i++) {
        struct bar b = {T0 + i * 900, px[i], px[i], px[i], px[i], vol[i]};
        cr_assert_eq(cluster_push(&c, &b, 3600, 2 * PIP, 0.70, &out), 0);
    }
    cr_assert_eq(out.n, 0, "profile every hour of bar time");
    struct bar b = {T0 + 3600, 1.1003, 1.1003, 1.1003, 1.1003, 0};
    cr_assert_eq(cluster_push(&c, &b, 3600, 2 * PIP, 0.70, &out), 0);
    /* bins: [1.1000,1.1002) 10, [1.1002,1.1004) 61, [1.1004,1.1006) 20, [1.1006,...) 10;
     * POC 61/101; + above 20 -> 81 >= 70.7: VAH bin 3, VAL = POC bin */
    cr_assert_eq(out.n, 2);
    cr_assert_float_eq(out.v[0].price, 1.1003, 1e-9);
    cr_assert_float_eq(out.v[1].price, 1.1005, 1e-9);
    cluster_free(&c);
}
