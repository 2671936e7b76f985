/*
 * Zone statistics on both sides (issue 16, item 2; docs/sources.md "zone statistics"): a
 * support tested from above and the same resistance tested from below are one rule seen in
 * a mirror. Zones are seeded through engine_add_zone (no source runs: liquidity_sources 0),
 * a random bar walk is pushed into one engine and the walk reflected about C (every price
 * p -> C - p, high <-> low) into another engine whose zones are the reflected ones. Through
 * the public API only (engine_push, engine_refresh, engine_zone_get), every zone must end
 * with the same tests, touches, holds, breaks, sweeps, timeouts, activity, probabilities
 * and strength, and the opposite role; checked along the way too. Written against the
 * engine's public behaviour so it holds whatever the statistics' internals are.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "domain/engine.h"

#define PIP 0.0001
#define C 2.2000      /* the mirror: p -> C - p */
#define START 1.1000
#define NZONES 12
#define NBARS 6000

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static double uniform(uint64_t *s) /* [0, 1) */
{
    return (double)(rng_next(s) >> 11) / 9007199254740992.0;
}

static struct engine *new_engine(void)
{
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = 0; /* only the seeded zones */
    struct engine *e = engine_new(&p, PIP, TF_M15);
    cr_assert_not_null(e);
    return e;
}

static void assert_mirrored(const struct engine *a, const struct engine *b, int step,
                            long *tested)
{
    cr_assert_eq(engine_zone_max_id(a), engine_zone_max_id(b));
    for (uint32_t id = 1; id <= engine_zone_max_id(a); id++) {
        const struct zone *x = engine_zone_get(a, id), *y = engine_zone_get(b, id);
        cr_assert(x != NULL && y != NULL);
        cr_assert_float_eq(x->price, C - y->price, 1e-9, "zone %u price", id);
        cr_assert_float_eq(x->lo, C - y->hi, 1e-9, "zone %u band", id);
        cr_assert(x->tests == y->tests && x->touches == y->touches && x->holds == y->holds &&
                      x->breaks == y->breaks && x->sweeps == y->sweeps &&
                      x->timeouts == y->timeouts,
                  "bar %d zone %u: tests %u/%u touches %u/%u holds %u/%u breaks %u/%u "
                  "sweeps %u/%u timeouts %u/%u", step, id, x->tests, y->tests, x->touches,
                  y->touches, x->holds, y->holds, x->breaks, y->breaks, x->sweeps, y->sweeps,
                  x->timeouts, y->timeouts);
        cr_assert_eq(x->role, -y->role, "bar %d zone %u: role %d vs %d", step, id, x->role,
                     y->role);
        cr_assert_eq(x->active, y->active, "bar %d zone %u: active", step, id);
        cr_assert_eq(x->trk.state, y->trk.state, "bar %d zone %u: test state", step, id);
        cr_assert_eq(x->trk.approach, -y->trk.approach, "bar %d zone %u approach", step, id);
        cr_assert_float_eq(x->strength, y->strength, 1e-6, "bar %d zone %u strength", step, id);
        cr_assert_float_eq(x->prob_hold, y->prob_hold, 1e-6);
        cr_assert_float_eq(x->prob_break, y->prob_break, 1e-6);
        cr_assert_float_eq(x->prob_sweep, y->prob_sweep, 1e-6);
        *tested += x->tests;
    }
}

Test(zone_mirror, support_from_above_is_resistance_from_below_in_a_mirror, .timeout = 120)
{
    uint64_t seed = 0x16a11ce;
    struct engine *a = new_engine(), *b = new_engine();
    int64_t t0 = 1665360000; /* Monday 2022-10-10 00:00 UTC */
    /* zones 9..31 pips apart around the start (no two within merging reach) */
    double level = START - 0.0090;
    for (int k = 0; k < NZONES; k++) {
        level += (9 + (int)(uniform(&seed) * 23)) * PIP;
        uint32_t ia = engine_add_zone(a, SRC_ROUND, level, t0);
        uint32_t ib = engine_add_zone(b, SRC_ROUND, C - level, t0);
        cr_assert(ia != 0 && ia == ib, "seeded zone ids %u %u", ia, ib);
    }
    double close = START;
    long tested = 0, holds = 0, breaks = 0, sweeps = 0;
    for (int i = 0; i < NBARS; i++) {
        double open = close;
        /* a walk that keeps coming back to the zones: pulled towards START */
        close = open + (uniform(&seed) - 0.5) * 8.3 * PIP + (START - open) * 0.004;
        double hi = fmax(open, close) + uniform(&seed) * 4.1 * PIP;
        double lo = fmin(open, close) - uniform(&seed) * 4.1 * PIP;
        double vol = 10 + (double)(int)(uniform(&seed) * 90);
        struct bar x = {.ts = t0 + (int64_t)i * 900, .open = open, .high = hi, .low = lo,
                        .close = close, .volume = vol};
        struct bar y = {.ts = x.ts, .open = C - open, .high = C - lo, .low = C - hi,
                        .close = C - close, .volume = vol};
        cr_assert_eq(engine_push(a, &x, NULL), PUSH_OK);
        cr_assert_eq(engine_push(b, &y, NULL), PUSH_OK);
        if (i % 150 == 149) { /* fresh levels near price: old ones go inactive untouched */
            double at = close + (uniform(&seed) - 0.5) * 40 * PIP;
            for (int k = 0; k < 3; k++, at += (12 + (int)(uniform(&seed) * 9)) * PIP) {
                uint32_t ia = engine_add_zone(a, SRC_ROUND, at, x.ts);
                uint32_t ib = engine_add_zone(b, SRC_ROUND, C - at, x.ts);
                cr_assert_eq(ia, ib, "seeded zone ids %u %u", ia, ib);
            }
        }
        if (i % 500 == 499) {
            cr_assert_eq(engine_refresh(a), 0);
            cr_assert_eq(engine_refresh(b), 0);
            long n = 0;
            assert_mirrored(a, b, i, &n);
        }
    }
    cr_assert_eq(engine_refresh(a), 0);
    cr_assert_eq(engine_refresh(b), 0);
    assert_mirrored(a, b, NBARS, &tested);
    for (uint32_t id = 1; id <= engine_zone_max_id(a); id++) {
        const struct zone *z = engine_zone_get(a, id);
        holds += z->holds;
        breaks += z->breaks;
        sweeps += z->sweeps;
    }
    cr_log_info("zone mirror: %ld tests, %ld holds, %ld breaks, %ld sweeps", tested, holds,
                breaks, sweeps);
    /* the walk reached every outcome, so each rule was compared on both sides */
    cr_assert_gt(tested, 50);
    cr_assert_gt(holds, 5);
    cr_assert_gt(breaks, 5);
    cr_assert_gt(sweeps, 0);
    engine_free(a);
    engine_free(b);
}
