/* Every target a setup publishes meets its RR rule on the prices published, after they are
 * put on the tick (DESIGN.md "TP1 ... RR >= min_rr_ratio", docs/trading.md "Prices on the
 * tick"): the geometry exit's TP1 at min_rr_ratio R of the ROUNDED stop distance, the zone
 * targets' TP1 and TP2 at RR >= min_rr_ratio, on both sides, for any tick, with an entry on
 * the tick or off it. rr is measured as a client would: |tp - entry| / |entry - stop|. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "domain/exits.h"
#include "domain/instrument.h"
#include "domain/params.h"
#include "domain/setup.h"

#define SLACK 1e-12 /* the doubles' error on a ratio of decimal prices */

static double rr_of(double entry, double stop, double tp)
{
    return fabs(tp - entry) / fabs(entry - stop);
}

static void on_tick(double price, double tick)
{
    double k = price / tick;
    cr_assert_leq(fabs(k - round(k)), 1e-6, "%.17g is not on the tick %g", price, tick);
}

/* A deterministic stream in [0, 1) (the tests are repeatable). */
static double uniform(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

static struct liq_params geometry_params(double min_rr)
{
    struct liq_params p;
    params_defaults(&p);
    p.exit_method = EXIT_GEOMETRY;
    p.min_rr_ratio = min_rr;
    p.min_expected_r = -1e9; /* the prices are under test here, not the refusal */
    return p;
}

static struct setup_result build(const struct liq_params *p, enum trade_side side,
                                 double entry, double atr, double pip,
                                 const struct zone *zones, size_t n)
{
    struct setup_market mkt = {.atr = atr, .last_close = entry};
    struct setup_request rq = {.side = side, .entry = entry, .trend_score = 0.7,
                               .regime = REGIME_NORMAL};
    struct setup_result r;
    cr_assert_eq(setup_build(&rq, zones, n, p, pip, &mkt, &r), SETUP_OK, "%s", r.reasons[0]);
    return r;
}

Test(rr_on_tick, the_probes_eurusd_setup_gets_tp1_at_min_rr_on_both_sides)
{
    /* the outside probe's case: BUY 1.05697, 1.5 ATR14 = 0.000534 -> stop 1.05643 (54
     * ticks). TP1 at 1.5 x the unrounded 0.000534 rounded toward entry was 1.05777: rr 80 /
     * 54 = 1.4815 < 1.5. 1.5 x 54 ticks = 81 ticks: 1.05778, rr 1.5. */
    struct liq_params p = geometry_params(1.5);
    struct setup_result r = build(&p, SIDE_BUY, 1.05697, 0.000356, 0.0001, NULL, 0);
    cr_assert_eq(r.exit_method, EXIT_GEOMETRY);
    cr_assert_float_eq(r.stop.price, 1.05643, 1e-12);
    cr_assert_float_eq(r.targets.tp1.price, 1.05778, 1e-12);
    cr_assert_geq(r.targets.tp1.rr, 1.5 - SLACK, "rr %.17g", r.targets.tp1.rr);
    cr_assert_eq(r.targets.tp1.rr, rr_of(1.05697, r.stop.price, r.targets.tp1.price));

    r = build(&p, SIDE_SELL, 1.05697, 0.000356, 0.0001, NULL, 0);
    cr_assert_float_eq(r.stop.price, 1.05751, 1e-12);    /* 1.057504 up: away from entry */
    cr_assert_float_eq(r.targets.tp1.price, 1.05616, 1e-12); /* 81 ticks below */
    cr_assert_geq(r.targets.tp1.rr, 1.5 - SLACK, "rr %.17g", r.targets.tp1.rr);

    /* 10 pips either side, and a stop distance whose 1.5 R is not a whole tick (57 ticks ->
     * 85.5 -> 86: the target rounds away from entry, rr 1.5088) */
    for (int k = -1; k <= 1; k += 2) {
        double e = 1.05697 + k * 0.0010;
        for (int side = -1; side <= 1; side += 2) {
            r = build(&p, (enum trade_side)side, e, 0.000356, 0.0001, NULL, 0);
            double rr = rr_of(e, r.stop.price, r.targets.tp1.price);
            cr_assert_geq(rr, 1.5 - SLACK, "side %d entry %.5f rr %.17g", side, e, rr);
        }
    }
    r = build(&p, SIDE_BUY, 1.05697, 0.000038, 0.0001, NULL, 0); /* 1.5 x 0.000038 = 5.7 t */
    cr_assert_float_eq(r.stop.price, 1.05691, 1e-12);        /* 6 ticks */
    cr_assert_float_eq(r.targets.tp1.price, 1.05706, 1e-12); /* 9 ticks: rr 1.5 */
    r = build(&p, SIDE_BUY, 1.05697, 0.00038, 0.0001, NULL, 0); /* 57 ticks */
    cr_assert_float_eq(r.stop.price, 1.0564, 1e-12);
    cr_assert_float_eq(r.targets.tp1.price, 1.05783, 1e-12);
    cr_assert_float_eq(r.targets.tp1.rr, 86.0 / 57.0, 1e-9);
}

/* pip, tick (pip / 10) and a price of its scale: EURUSD, USDJPY, gold, an index on 0.25 */
static const struct {
    double pip, price;
} SCALES[] = {{0.0001, 1.05697}, {0.01, 151.237}, {0.1, 2034.56}, {2.5, 18250.25}};
static const double MIN_RR[] = {1.5, 1.2, 2.0, 3.0, 1.37};

Test(rr_on_tick, geometry_tp1_meets_min_rr_for_every_tick_side_and_entry)
{
    uint64_t seed = 42;
    int cases = 0;
    for (size_t k = 0; k < sizeof SCALES / sizeof SCALES[0]; k++) {
        double pip = SCALES[k].pip, tick = instrument_tick(pip);
        for (size_t m = 0; m < sizeof MIN_RR / sizeof MIN_RR[0]; m++) {
            double min_rr = MIN_RR[m];
            for (int i = 0; i < 1500; i++) {
                enum trade_side side = i % 2 ? SIDE_SELL : SIDE_BUY;
                /* half the entries on the tick, half anywhere between two ticks */
                double e = SCALES[k].price * (0.9 + 0.2 * uniform(&seed));
                if (i % 4 < 2)
                    e = instrument_round_to_tick(e, tick, 0);
                double unit = tick * (0.3 + 300.0 * uniform(&seed)); /* under a tick to 300 */
                double stop, tp, q, er;
                exit_geometry_prices(NULL, side, min_rr, e, unit, pip, &stop, &tp, &q, &er);
                on_tick(stop, tick);
                on_tick(tp, tick);
                cr_assert_gt((e - stop) * side, 0.0);
                double rr = rr_of(e, stop, tp);
                cr_assert_geq(rr, min_rr - SLACK, "side %d entry %.17g stop %.17g tp %.17g "
                              "rr %.17g < %g", side, e, stop, tp, rr, min_rr);
                /* the nearest such tick: one tick nearer entry falls short */
                cr_assert_lt((fabs(tp - e) - tick) / fabs(e - stop), min_rr + 1e-9,
                             "entry %.17g stop %.17g tp %.17g: a tick further than needed",
                             e, stop, tp);
                /* what setup_build publishes: the same prices, and rr of them */
                struct liq_params p = geometry_params(min_rr);
                struct setup_result r = build(&p, side, e, unit, pip, NULL, 0);
                cr_assert_eq(r.stop.price, stop);
                cr_assert_eq(r.targets.tp1.price, tp);
                cr_assert_eq(r.targets.tp1.rr, rr);
                cases++;
            }
        }
    }
    cr_assert_eq(cases, 4 * 5 * 1500);
}

Test(rr_on_tick, zone_targets_meet_min_rr_for_every_tick_side_and_entry)
{
    uint64_t seed = 7;
    int tp1s = 0, tp2s = 0;
    for (size_t k = 0; k < sizeof SCALES / sizeof SCALES[0]; k++) {
        double pip = SCALES[k].pip, tick = instrument_tick(pip);
        for (size_t m = 0; m < sizeof MIN_RR / sizeof MIN_RR[0]; m++) {
            struct liq_params p;
            params_defaults(&p);
            p.exit_method = EXIT_ZONES;
            p.min_rr_ratio = MIN_RR[m];
            p.min_expected_r = -1e9;
            for (int i = 0; i < 400; i++) {
                enum trade_side side = i % 2 ? SIDE_SELL : SIDE_BUY;
                double e = SCALES[k].price * (0.9 + 0.2 * uniform(&seed));
                if (i % 4 < 2)
                    e = instrument_round_to_tick(e, tick, 0);
                double atr = tick * (5.0 + 100.0 * uniform(&seed));
                /* zones from 4 ATR below to 12 ATR above entry, edges anywhere */
                struct zone zs[12];
                double at = e - 4.0 * atr;
                for (uint32_t z = 0; z < 12; z++) {
                    double w = atr * (0.05 + 0.5 * uniform(&seed));
                    zs[z] = (struct zone){.id = z + 1, .lo = at, .hi = at + w, .active = 1,
                                          .strength = 0.6f + 0.4f * (float)uniform(&seed),
                                          .tests = 1};
                    zs[z].price = (zs[z].lo + zs[z].hi) / 2;
                    at += w + atr * (0.1 + 1.3 * uniform(&seed));
                }
                struct setup_market mkt = {.atr = atr, .last_close = e};
                struct setup_request rq = {.side = side, .entry = e, .trend_score = 0.9,
                                           .regime = REGIME_NORMAL};
                struct setup_result r;
                if (setup_build(&rq, zs, 12, &p, pip, &mkt, &r) != SETUP_OK)
                    continue;
                on_tick(r.stop.price, tick);
                const struct target_level *ts[] = {&r.targets.tp1, &r.targets.tp2};
                for (int t = 0; t < 2; t++) {
                    if (!ts[t]->present)
                        continue;
                    on_tick(ts[t]->price, tick);
                    double rr = rr_of(e, r.stop.price, ts[t]->price);
                    cr_assert_geq(rr, p.min_rr_ratio - SLACK, "tp%d rr %.17g", t + 1, rr);
                    cr_assert_eq(ts[t]->rr, rr);
                    *(t ? &tp2s : &tp1s) += 1;
                }
            }
        }
    }
    cr_assert_gt(tp1s, 1000, "%d setups", tp1s); /* the loop reaches both targets */
    cr_assert_gt(tp2s, 300, "%d with a TP2", tp2s);
}
