/*
 * test_exit_record.c - the record of zone exits against geometry exits (domain/exit_record.h):
 * a trial's brackets resolve from later bars only (the stop first when one bar reaches
 * both, marked at the close of its last bar otherwise); the day-block interval is the
 * cluster variance of the paired differences; the active zones a trial ranks come from the
 * deadline wheel and are exactly the engine's; and on the real EURUSD year the record at
 * any bar is the one a replay of the bars up to it gives (causal, deterministic).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "domain/engine.h"
#include "domain/exit_record.h"
#include "domain/target.h"
#include "domain/zone_map.h"
#include "tests/support/eurusd.h"

static struct bar mk(int64_t ts, double o, double h, double l, double c)
{
    return (struct bar){.ts = ts, .open = o, .high = h, .low = l, .close = c, .volume = 1};
}

/* A BUY trial at 1.1000, ATR 0.0010, no zones: the zones give no exit, nothing counts. */
Test(exit_record, a_side_without_a_zone_exit_is_not_a_trade)
{
    struct exit_book x;
    exit_book_init(&x, 4);
    struct liq_params p;
    params_defaults(&p);
    struct geo_book g;
    geo_init(&g, 16, 64);
    struct bar b = mk(86400 * 100, 1.1, 1.1005, 1.0995, 1.1);
    exit_book_bar(&x, &b);
    exit_book_start(&x, &b, NULL, 0, &p, 0.0001, 0.0010,
                    target_front_offset(&p, 0.0001, 0.0010), &g);
    for (int k = 1; k <= 4; k++) {
        struct bar n = mk(b.ts + 900 * k, 1.1, 1.1001, 1.0999, 1.1);
        exit_book_bar(&x, &n);
    }
    struct exit_record r;
    exit_book_record(&x, &r);
    cr_assert_eq(r.trades, 0);
    cr_assert(isinf(r.lo) && r.lo < 0 && isinf(r.hi) && r.hi > 0, "no interval");
}

/* One zone below (the stop) and one above (TP1) a BUY at 1.1000: the zone bracket and the
 * geometry bracket, resolved by the later bars only. */
Test(exit_record, brackets_resolve_from_later_bars_the_stop_first)
{
    struct liq_params p;
    params_defaults(&p);
    struct zone z[2] = {0};
    z[0] = (struct zone){.id = 1, .price = 1.0985, .lo = 1.0984, .hi = 1.0986, .active = 1,
                         .strength = 0.9f};
    z[1] = (struct zone){.id = 2, .price = 1.1040, .lo = 1.1039, .hi = 1.1041, .active = 1,
                         .strength = 0.9f};
    struct geo_book g;
    geo_init(&g, 16, 64);
    struct exit_book x;
    exit_book_init(&x, 8);
    int64_t t0 = 86400 * 200;
    struct bar b = mk(t0, 1.1, 1.1002, 1.0998, 1.1);
    exit_book_bar(&x, &b);
    exit_book_start(&x, &b, z, 2, &p, 0.0001, 0.0010, target_front_offset(&p, 0.0001, 0.0010),
                    &g);
    const struct xr_trial *t = &x.t[0];
    cr_assert(t->live);
    const struct xr_leg *zl = &t->leg[0][XR_ZONES], *gl = &t->leg[0][XR_GEOMETRY];
    cr_assert(zl->used && gl->used);
    cr_assert(zl->stop < 1.0984 && zl->target < 1.1039 && zl->target > 1.1030,
              "zone stop %f target %f", zl->stop, zl->target);
    /* the geometry exit: 1, 1.5, 2 or 3 ATR, TP1 at min_rr_ratio R */
    cr_assert_float_eq(fabs(gl->target - 1.1) / fabs(1.1 - gl->stop), p.min_rr_ratio, 0.01);
    /* a bar reaching both the geometry stop and its target: the stop's */
    struct bar wide = mk(t0 + 900, 1.1, gl->target + 0.0001, gl->stop - 0.0001, 1.1);
    cr_assert(wide.low > zl->stop, "the wide bar must not reach the zone stop");
    exit_book_bar(&x, &wide);
    cr_assert(!gl->open);
    cr_assert_float_eq(gl->r, -1.0, 1e-9);
    cr_assert(zl->open, "the zone bracket is still open");
    struct exit_record r;
    exit_book_record(&x, &r);
    cr_assert_eq(r.trades, 0, "a trial counts at its last bar");
    for (int k = 2; k <= 8; k++) {
        struct bar n = mk(t0 + 900 * k, 1.1, 1.1003, 1.0999, 1.1002);
        exit_book_bar(&x, &n);
    }
    cr_assert(!t->live);
    exit_book_record(&x, &r);
    cr_assert_eq(r.trades, 1);
    cr_assert_eq(r.days, 1);
    double zr = 0.0002 / (1.1 - zl->stop); /* marked at the last close, 1.1002 */
    cr_assert_float_eq(r.zone_r, zr, 1e-9);
    cr_assert_float_eq(r.geo_r, -1.0, 1e-9);
    cr_assert_float_eq(r.diff, zr + 1.0, 1e-9);
    cr_assert(isinf(r.lo), "one day: no interval");
}

/* The interval: B / (B - 1) sum (S_b - d N_b)^2 / N^2 over day blocks, computed directly. */
Test(exit_record, the_day_block_interval_is_the_cluster_variance)
{
    struct exit_book x;
    exit_book_init(&x, 1);
    /* pairs by day: day 1: 0.5, -0.2; day 2: 1.0; day 3: -0.4, 0.1, 0.3 */
    const int32_t day[] = {1, 1, 2, 3, 3, 3};
    const double d[] = {0.5, -0.2, 1.0, -0.4, 0.1, 0.3};
    for (int i = 0; i < 6; i++) {
        /* a trial whose zone bracket gains d[i] against a geometry one at 0 */
        struct xr_trial *t = &x.t[0];
        *t = (struct xr_trial){.entry = 1.0, .day = day[i], .end = x.bars + 1, .live = 1};
        t->leg[0][XR_ZONES] = (struct xr_leg){.stop = 0.5, .target = 10, .risk = 1.0,
                                              .open = 1, .used = 1};
        t->leg[0][XR_GEOMETRY] = (struct xr_leg){.stop = 0.5, .target = 10, .risk = 1.0,
                                                 .open = 1, .used = 1};
        x.n_live = 1;
        x.next_end = x.bars + 1;
        /* the last bar closes at 1 + d: the zone leg marks d; then the geometry leg is
         * replaced by a copy resolved at 0 */
        t->leg[0][XR_GEOMETRY].open = 0;
        t->leg[0][XR_GEOMETRY].r = 0.0;
        struct bar b = mk(86400 * (int64_t)day[i], 1, 1, 1, 1.0 + d[i]);
        exit_book_bar_slow(&x, &b);
    }
    struct exit_record r;
    exit_book_record(&x, &r);
    cr_assert_eq(r.trades, 6);
    cr_assert_eq(r.days, 3);
    double S[3] = {0.3, 1.0, 0.0}, N[3] = {2, 1, 3}, mean = 1.3 / 6.0, v = 0.0;
    for (int b = 0; b < 3; b++)
        v += (S[b] - mean * N[b]) * (S[b] - mean * N[b]);
    v = v / 36.0 * 3.0 / 2.0;
    cr_assert_float_eq(r.diff, mean, 1e-12);
    cr_assert_float_eq(r.lo, mean - 1.96 * sqrt(v), 1e-9);
    cr_assert_float_eq(r.hi, mean + 1.96 * sqrt(v), 1e-9);
}

/* On the EURUSD year: the record after bar k of a full replay equals a replay of the first
 * k bars alone (nothing later leaks in), and a trial's day is its own block. */
Test(exit_record, causal_and_deterministic_on_the_eurusd_year)
{
    size_t n;
    struct bar *bars = eurusd_load(&n);
    cr_assert_not_null(bars);
    struct liq_params p;
    params_defaults(&p);
    struct engine *full = engine_new(&p, 0.0001, TF_M15);
    const size_t cuts[] = {3000, 12211, 20000};
    struct exit_record at[3];
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(engine_push(full, &bars[i], NULL), PUSH_OK);
        if (c < 3 && i + 1 == cuts[c])
            engine_exit_record(full, &at[c++]);
    }
    struct exit_record end;
    engine_exit_record(full, &end);
    cr_assert_gt(end.trades, 40, "a trade every few days of the year: %zu", end.trades);
    cr_assert_eq(end.days, end.trades, "one trial a day at most");
    cr_assert(isfinite(end.lo) && end.lo < end.diff && end.diff < end.hi);
    for (int k = 0; k < 3; k++) {
        struct engine *e = engine_new(&p, 0.0001, TF_M15);
        for (size_t i = 0; i < cuts[k]; i++)
            cr_assert_eq(engine_push(e, &bars[i], NULL), PUSH_OK);
        struct exit_record r;
        engine_exit_record(e, &r);
        cr_assert_eq(r.trades, at[k].trades, "cut %zu", cuts[k]);
        cr_assert_eq(memcmp(&r, &at[k], sizeof r), 0, "cut %zu: the same record", cuts[k]);
        cr_assert_leq(r.trades, end.trades);
        engine_free(e);
    }
    engine_free(full);
    free(bars);
}

/* The wheel lists every active zone once: zone_map_active_ids against a scan of the
 * engine's zones at every 500th bar of the year with every source. */
Test(exit_record, the_deadline_wheel_lists_exactly_the_active_zones)
{
    size_t n;
    struct bar *bars = eurusd_load(&n);
    cr_assert_not_null(bars);
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = SRC_ALL;
    struct engine *e = engine_new(&p, 0.0001, TF_M15);
    uint32_t *ids = NULL;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(engine_push(e, &bars[i], NULL), PUSH_OK);
        if (i % 500 != 499)
            continue;
        size_t ns = engine_zone_count(e), active = 0;
        ids = realloc(ids, ((size_t)engine_zone_max_id(e) + 1) * sizeof *ids);
        cr_assert_not_null(ids);
        size_t na = engine_active_zone_ids(e, ids);
        for (size_t k = 0; k < ns; k++)
            active += engine_zone_sorted(e, k)->active;
        cr_assert_eq(na, active, "bar %zu: %zu listed, %zu active", i, na, active);
        for (size_t k = 0; k < na; k++) {
            const struct zone *z = engine_zone_get(e, ids[k]);
            cr_assert(z->active && z->merged_into == 0);
            for (size_t j = 0; j < k; j++)
                cr_assert_neq(ids[j], ids[k], "listed twice");
        }
    }
    free(ids);
    engine_free(e);
    free(bars);
}
