/* Setups: stop + targets + legs + risk in one decision (DESIGN.md section 2 "Setups"). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "domain/params.h"
#include "domain/setup.h"

#define PIP 0.0001
#define EPS 1e-9

static struct zone Z(uint32_t id, double lo, double hi, float strength)
{
    return (struct zone){.id = id, .price = (lo + hi) / 2, .lo = lo, .hi = hi, .active = 1,
                         .strength = strength, .tests = 1};
}

/* stop zone below 1.1000, TP1 and TP2 zones above, a weak zone beyond */
static const struct zone MAP[] = {
    {.id = 1, .price = 1.0955, .lo = 1.0950, .hi = 1.0960, .active = 1, .strength = 0.8f},
    {.id = 2, .price = 1.1125, .lo = 1.1120, .hi = 1.1130, .active = 1, .strength = 0.8f},
    {.id = 3, .price = 1.1205, .lo = 1.1200, .hi = 1.1210, .active = 1, .strength = 0.8f},
    {.id = 4, .price = 1.1305, .lo = 1.1300, .hi = 1.1310, .active = 1, .strength = 0.3f},
};

static struct liq_params P(void)
{
    struct liq_params p;
    params_defaults(&p);
    p.exit_method = EXIT_ZONES; /* the zone exits these tests are about */
    p.min_expected_r = -1e9;
    return p;
}

static struct setup_request buy(double trend)
{
    return (struct setup_request){.side = SIDE_BUY, .entry = 1.1000, .trend_score = trend,
                                  .regime = REGIME_NORMAL};
}

Test(setup, builds_stop_targets_legs_and_risk)
{
    struct liq_params p = P();
    struct setup_request rq = buy(0.8);
    struct setup_result r;
    cr_assert_eq(setup_build(&rq, MAP, 4, &p, PIP, NULL, &r), SETUP_OK);
    cr_assert_eq(r.stop.zone_id, 1);
    cr_assert_float_eq(r.stop.price, 1.0930, EPS);
    cr_assert_eq(r.targets.tp1.zone_id, 2);
    cr_assert_float_eq(r.targets.tp1.price, 1.1118, EPS);
    cr_assert_float_eq(r.targets.tp1.rr, 118.0 / 70.0, 1e-6);
    cr_assert_eq(r.targets.tp2.zone_id, 3);
    cr_assert_eq(r.targets.runner, 1);
    cr_assert_float_eq(r.legs[LEG_TP1], 0.5, EPS);
    cr_assert_float_eq(r.legs[LEG_TP2], 0.3, EPS);
    cr_assert_float_eq(r.legs[LEG_RUNNER], 0.2, EPS);
    cr_assert_float_eq(r.risk.multiplier, 1.0, EPS);
    cr_assert_eq(r.risk.n_factors, 3);
    cr_assert_geq(r.n_reasons, 5);
    cr_assert_not_null(strstr(r.reasons[0], "stop: behind zone 1"));
}

Test(setup, refuses_chaotic_with_a_clear_reason)
{
    struct liq_params p = P();
    struct setup_request rq = buy(0.8);
    rq.regime = REGIME_CHAOTIC;
    struct setup_result r;
    cr_assert_eq(setup_build(&rq, MAP, 4, &p, PIP, NULL, &r), SETUP_REFUSED);
    cr_assert_eq(r.status, SETUP_REFUSED);
    cr_assert_not_null(strstr(r.reasons[0], "CHAOTIC"));
}

Test(setup, refuses_when_no_target_meets_the_rr)
{
    struct liq_params p = P();
    p.min_rr_ratio = 5.0;
    struct setup_request rq = buy(0.8);
    struct setup_result r;
    cr_assert_eq(setup_build(&rq, MAP, 4, &p, PIP, NULL, &r), SETUP_REFUSED);
    cr_assert_not_null(strstr(r.reasons[0], "min_rr_ratio 5.00"));
}

Test(setup, rejects_a_non_finite_entry)
{
    struct liq_params p = P();
    struct setup_request rq = buy(0.8);
    rq.entry = NAN;
    struct setup_result r;
    cr_assert_eq(setup_build(&rq, MAP, 4, &p, PIP, NULL, &r), SETUP_INVALID);
    cr_assert_not_null(strstr(r.reasons[0], "entry"));
}

Test(setup, rejects_trend_score_outside_0_to_1)
{
    struct setup_request rq = buy(1.2);
    cr_assert_not_null(strstr(setup_validate(&rq, PIP), "trend_score"));
    rq.trend_score = NAN;
    cr_assert_not_null(setup_validate(&rq, PIP));
}

Test(setup, rejects_transition_strength_outside_0_to_1)
{
    struct setup_request rq = buy(0.5);
    rq.transition_strength = -0.1;
    cr_assert_not_null(strstr(setup_validate(&rq, PIP), "regime_transition_strength"));
}

Test(setup, rejects_unknown_side_and_regime)
{
    struct setup_request rq = buy(0.5);
    rq.side = 0;
    cr_assert_not_null(strstr(setup_validate(&rq, PIP), "side"));
    rq = buy(0.5);
    rq.regime = 7;
    cr_assert_not_null(strstr(setup_validate(&rq, PIP), "regime_mode"));
}

Test(setup, rejects_non_positive_qty_and_risk_amount)
{
    struct setup_request rq = buy(0.5);
    rq.has_qty = 1;
    rq.qty = 0;
    cr_assert_not_null(strstr(setup_validate(&rq, PIP), "qty"));
    rq = buy(0.5);
    rq.has_risk_amount = 1;
    rq.risk_amount = INFINITY;
    cr_assert_not_null(strstr(setup_validate(&rq, PIP), "risk_amount"));
    rq = buy(0.5);
    cr_assert_not_null(strstr(setup_validate(&rq, 0.0), "pip"));
}

Test(setup, transition_widens_the_stop_and_cuts_the_risk)
{
    struct liq_params p = P();
    struct setup_request rq = buy(0.8);
    rq.regime = REGIME_TRANSITION;
    rq.transition_strength = 1.0;
    struct setup_result r;
    cr_assert_eq(setup_build(&rq, MAP, 4, &p, PIP, NULL, &r), SETUP_OK);
    cr_assert_float_eq(r.stop.price, 1.0920, EPS);
    cr_assert_float_eq(r.risk.multiplier, 0.7, EPS);
}

Test(setup, sizes_the_legs_from_a_risk_amount)
{
    struct liq_params p = P();
    struct setup_request rq = buy(0.8);
    rq.has_risk_amount = 1;
    rq.risk_amount = 70.0; /* 70 pips of stop -> 10000 units */
    struct setup_result r;
    setup_build(&rq, MAP, 4, &p, PIP, NULL, &r);
    cr_assert(r.size.sized);
    cr_assert_float_eq(r.size.total_qty, 10000.0, 1e-6);
    cr_assert_float_eq(r.size.qty[LEG_TP1] + r.size.qty[LEG_TP2] + r.size.qty[LEG_RUNNER],
                       10000.0, 1e-6);
}

Test(setup, qty_wins_when_both_qty_and_risk_amount_are_given)
{
    struct liq_params p = P();
    struct setup_request rq = buy(0.8);
    rq.has_qty = 1;
    rq.qty = 3.0;
    rq.has_risk_amount = 1;
    rq.risk_amount = 70.0;
    struct setup_result r;
    setup_build(&rq, MAP, 4, &p, PIP, NULL, &r);
    cr_assert_float_eq(r.size.total_qty, 3.0, EPS);
    int noted = 0;
    for (size_t i = 0; i < r.n_reasons; i++)
        noted |= strstr(r.reasons[i], "qty used") != NULL;
    cr_assert(noted);
}

Test(setup, sell_mirrors_buy)
{
    struct zone zs[] = {Z(1, 1.0870, 1.0880, 0.8f), Z(2, 1.1040, 1.1050, 0.8f)};
    struct liq_params p = P();
    struct setup_request rq = buy(0.5);
    rq.side = SIDE_SELL;
    struct setup_result r;
    cr_assert_eq(setup_build(&rq, zs, 2, &p, PIP, NULL, &r), SETUP_OK);
    cr_assert_float_eq(r.stop.price, 1.1070, EPS);
    cr_assert_float_eq(r.targets.tp1.price, 1.0882, EPS);
    cr_assert_float_eq(r.legs[LEG_TP1], 1.0, EPS);
}

Test(setup, worth_p_tp1_first_and_expected_r_follow_the_legs)
{
    /* no ATR, no book: p = risk / (risk + reward) of the random walk */
    struct liq_params p = P();
    struct setup_request rq = buy(0.8);
    struct setup_result r;
    cr_assert_eq(setup_build(&rq, MAP, 4, &p, PIP, NULL, &r), SETUP_OK);
    double risk = 0.0070, t1 = 0.0118, t2 = 1.1198 - 1.1118;
    double pt = risk / (risk + t1), q = t1 / (t1 + t2);
    cr_assert_float_eq(r.p_tp1_first, pt, 1e-9);
    cr_assert_float_eq(r.p_tp2_after_tp1, q, 1e-9);
    double e = 0.5 * (pt * r.targets.tp1.rr - (1 - pt)) +
               0.3 * (pt * q * r.targets.tp2.rr - (1 - pt)) + 0.2 * -(1 - pt);
    cr_assert_float_eq(r.expected_r, e, 1e-9);
    /* with an empty geometry book and an ATR: the same random-walk value */
    struct geo_book g;
    geo_init(&g, 8, 64);
    struct setup_market m = {.atr = 0.0010, .geo = &g};
    p.buffer_atr = 0; /* keep the pip buffer so the geometry is the same */
    p.fallback_stop_atr = 0;
    cr_assert_eq(setup_build(&rq, MAP, 4, &p, PIP, &m, &r), SETUP_OK);
    cr_assert_float_eq(r.p_tp1_first, pt, 1e-9);
}

/* Stops and targets on the tick (pip / 10 = 0.00001): zone edges off the grid make the
 * computed prices fall between ticks. A stop goes away from entry (BUY down, SELL up), a
 * zone target toward it (BUY down, SELL up), and rr is measured from the rounded prices
 * (the geometry target rounds away from entry: tests/unit/test_rr_on_tick.c). */
static void on_tick(double price)
{
    double k = price / (PIP / 10);
    cr_assert(fabs(k - round(k)) <= 1e-9 * k, "%.17g is not on the tick", price);
}

Test(setup, stops_and_targets_sit_on_the_tick_on_both_sides)
{
    struct liq_params p = P();
    const struct zone below_above[] = {Z(1, 1.095037, 1.0960, 0.8f),
                                       Z(2, 1.112063, 1.1130, 0.8f)};
    struct setup_request rq = buy(0.5);
    struct setup_result r;
    cr_assert_eq(setup_build(&rq, below_above, 2, &p, PIP, NULL, &r), SETUP_OK);
    /* computed 1.093037 (1.095037 - 20 pips) -> down, never tighter */
    cr_assert_float_eq(r.stop.price, 1.09303, EPS);
    /* computed 1.111863 (1.112063 - 2 pips) -> down, never further */
    cr_assert_float_eq(r.targets.tp1.price, 1.11186, EPS);
    cr_assert_float_eq(r.targets.tp1.rr, (1.11186 - 1.1) / (1.1 - 1.09303), 1e-9);
    cr_assert_float_eq(r.stop.distance_pips, 69.7, 1e-6);
    on_tick(r.stop.price);
    on_tick(r.targets.tp1.price);
    char text[64];
    snprintf(text, sizeof(text), "%.15g %.15g", r.stop.price, r.targets.tp1.price);
    cr_assert_str_eq(text, "1.09303 1.11186"); /* what the JSON shows (%.15g) */

    const struct zone above_below[] = {Z(3, 1.0870, 1.087937, 0.8f),
                                       Z(4, 1.1040, 1.104963, 0.8f)};
    rq.side = SIDE_SELL;
    cr_assert_eq(setup_build(&rq, above_below, 2, &p, PIP, NULL, &r), SETUP_OK);
    /* computed 1.106963 -> up (away from entry); 1.088137 -> up (toward entry) */
    cr_assert_float_eq(r.stop.price, 1.10697, EPS);
    cr_assert_float_eq(r.targets.tp1.price, 1.08814, EPS);
    cr_assert_float_eq(r.targets.tp1.rr, (1.1 - 1.08814) / (1.10697 - 1.1), 1e-9);
    on_tick(r.stop.price);
    on_tick(r.targets.tp1.price);
    /* the expected R and the size follow the rounded stop */
    rq.has_risk_amount = 1;
    rq.risk_amount = 697;
    cr_assert_eq(setup_build(&rq, above_below, 2, &p, PIP, NULL, &r), SETUP_OK);
    cr_assert_float_eq(r.size.total_qty * (r.stop.price - 1.1), 697 * r.risk.multiplier, 1e-6);
}

Test(setup, a_fallback_stop_with_an_atr_sits_on_the_tick_away_from_entry)
{
    struct liq_params p = P();
    struct setup_market mkt = {.atr = 0.00123457, .geo = NULL};
    const struct zone ahead[] = {Z(2, 1.1120, 1.1130, 0.8f)};
    struct setup_request rq = buy(0.5);
    struct setup_result r;
    cr_assert_eq(setup_build(&rq, ahead, 1, &p, PIP, &mkt, &r), SETUP_OK);
    double computed = 1.1 - stop_fallback_price(&p, PIP, mkt.atr);
    cr_assert(r.stop.fallback);
    on_tick(r.stop.price);
    cr_assert_leq(r.stop.price, computed, "never tighter than %.17g", computed);
    cr_assert_gt(r.stop.price, computed - PIP / 10);
    rq.side = SIDE_SELL;
    const struct zone behind[] = {Z(3, 1.0870, 1.0880, 0.8f)};
    cr_assert_eq(setup_build(&rq, behind, 1, &p, PIP, &mkt, &r), SETUP_OK);
    computed = 1.1 + stop_fallback_price(&p, PIP, mkt.atr);
    on_tick(r.stop.price);
    cr_assert_geq(r.stop.price, computed);
    cr_assert_lt(r.stop.price, computed + PIP / 10);
    on_tick(r.targets.tp1.price);
    cr_assert_float_eq(r.targets.tp1.rr,
                       (1.1 - r.targets.tp1.price) / (r.stop.price - 1.1), 1e-12);
}
