/* The target selector (DESIGN.md section 2 "Setups", docs/trading.md "Targets"). */
#include <criterion/criterion.h>
#include <string.h>

#include "domain/params.h"
#include "domain/target.h"

#define PIP 0.0001
#define EPS 1e-9

static struct zone Z(uint32_t id, double lo, double hi, float strength)
{
    return (struct zone){.id = id, .price = (lo + hi) / 2, .lo = lo, .hi = hi, .active = 1,
                         .strength = strength, .tests = 1};
}

static struct liq_params P(void)
{
    struct liq_params p;
    params_defaults(&p); /* min RR 1.5, min strength 0.6, runner conf 0.65, buffer 20 */
    return p;
}

/* BUY at 1.1000 with the stop 30 pips below: 1.5 RR needs 45 pips. */
#define ENTRY 1.1000
#define STOP 1.0970

Test(target, sits_in_front_of_the_first_zone_meeting_the_rr)
{
    struct zone zs[] = {Z(1, 1.1060, 1.1070, 0.7f)};
    struct liq_params p = P();
    struct target_decision d;
    cr_assert_eq(target_select(zs, 1, &p, PIP, 0.0, SIDE_BUY, ENTRY, STOP, 0.5, &d), 0);
    cr_assert(d.tp1.present);
    cr_assert_eq(d.tp1.zone_id, 1);
    cr_assert_float_eq(d.tp1.price, 1.1058, EPS); /* lo - 0.1 x 20 pips */
    cr_assert_float_eq(d.tp1.rr, 58.0 / 30.0, 1e-6);
    cr_assert_not_null(strstr(d.tp1.reason, "first zone ahead"));
}

Test(target, sits_in_front_of_the_zone_for_a_sell)
{
    struct zone zs[] = {Z(1, 1.0930, 1.0940, 0.7f)};
    struct liq_params p = P();
    struct target_decision d;
    cr_assert_eq(target_select(zs, 1, &p, PIP, 0.0, SIDE_SELL, ENTRY, 1.1030, 0.5, &d), 0);
    cr_assert_float_eq(d.tp1.price, 1.0942, EPS);
    cr_assert_float_eq(d.tp1.rr, 58.0 / 30.0, 1e-6);
}

Test(target, skips_a_strong_zone_too_close_for_the_rr)
{
    struct zone zs[] = {Z(1, 1.1030, 1.1035, 0.9f), Z(2, 1.1060, 1.1070, 0.7f)};
    struct liq_params p = P();
    struct target_decision d;
    cr_assert_eq(target_select(zs, 2, &p, PIP, 0.0, SIDE_BUY, ENTRY, STOP, 0.5, &d), 0);
    cr_assert_eq(d.tp1.zone_id, 2);
    cr_assert_not_null(strstr(d.tp1.reason, "1 short of RR"));
}

Test(target, skips_weak_zones)
{
    struct zone zs[] = {Z(1, 1.1060, 1.1070, 0.5f), Z(2, 1.1080, 1.1090, 0.6f)};
    struct liq_params p = P();
    struct target_decision d;
    cr_assert_eq(target_select(zs, 2, &p, PIP, 0.0, SIDE_BUY, ENTRY, STOP, 0.5, &d), 0);
    cr_assert_eq(d.tp1.zone_id, 2);
}

Test(target, refuses_when_no_zone_meets_the_rr)
{
    struct zone zs[] = {Z(1, 1.1030, 1.1035, 0.9f)};
    struct liq_params p = P();
    struct target_decision d;
    cr_assert_eq(target_select(zs, 1, &p, PIP, 0.0, SIDE_BUY, ENTRY, STOP, 0.5, &d), -1);
    cr_assert_not(d.tp1.present);
    cr_assert_not_null(strstr(d.reason, "min_rr_ratio"));
    cr_assert_eq(d.runner, 0);
}

Test(target, tp2_is_the_next_qualifying_zone_when_trend_above_0_55)
{
    struct zone zs[] = {Z(1, 1.1060, 1.1070, 0.7f), Z(2, 1.1100, 1.1110, 0.8f)};
    struct liq_params p = P();
    struct target_decision d;
    target_select(zs, 2, &p, PIP, 0.0, SIDE_BUY, ENTRY, STOP, 0.56, &d);
    cr_assert(d.tp2.present);
    cr_assert_eq(d.tp2.zone_id, 2);
    cr_assert_float_eq(d.tp2.price, 1.1098, EPS);
    target_select(zs, 2, &p, PIP, 0.0, SIDE_BUY, ENTRY, STOP, 0.55, &d);
    cr_assert_not(d.tp2.present);
    cr_assert_not_null(strstr(d.tp2.reason, "not above"));
}

/* A wider zone centred further ahead can start before TP1's zone: its target would sit
 * before TP1. It is skipped, on both sides (found by tests/unit/test_mirror.c). */
Test(target, tp2_lies_beyond_tp1_even_when_a_wider_zone_starts_before_it)
{
    struct liq_params p = P();
    struct target_decision d;
    struct zone buy[] = {Z(1, 1.1060, 1.1070, 0.7f), Z(2, 1.1055, 1.1095, 0.8f),
                         Z(3, 1.1100, 1.1110, 0.8f)};
    target_select(buy, 3, &p, PIP, 0.0, SIDE_BUY, ENTRY, STOP, 0.8, &d);
    cr_assert_eq(d.tp1.zone_id, 1);
    cr_assert_eq(d.tp2.zone_id, 3);
    cr_assert_gt(d.tp2.price, d.tp1.price);
    struct zone sell[] = {Z(3, 1.0890, 1.0900, 0.8f), Z(2, 1.0905, 1.0945, 0.8f),
                          Z(1, 1.0930, 1.0940, 0.7f)};
    target_select(sell, 3, &p, PIP, 0.0, SIDE_SELL, ENTRY, 1.1030, 0.8, &d);
    cr_assert_eq(d.tp1.zone_id, 1);
    cr_assert_eq(d.tp2.zone_id, 3);
    cr_assert_lt(d.tp2.price, d.tp1.price);
}

Test(target, runner_when_trend_is_confident_and_zones_beyond_are_weak)
{
    struct zone zs[] = {Z(1, 1.1060, 1.1070, 0.7f), Z(2, 1.1150, 1.1160, 0.3f),
                        Z(3, 1.1200, 1.1210, 0.5f)};
    struct liq_params p = P();
    struct target_decision d;
    target_select(zs, 3, &p, PIP, 0.0, SIDE_BUY, ENTRY, STOP, 0.8, &d);
    cr_assert_eq(d.runner, 1);
    cr_assert_float_eq(d.runner_beyond_mean, 0.4, 1e-6);
    cr_assert_not_null(strstr(d.runner_reason, "weak"));
}

Test(target, no_runner_when_zones_beyond_are_strong)
{
    /* tp1 = zone 1, tp2 = zone 2, zone 3 beyond has strength 0.75 >= 0.60 */
    struct zone zs[] = {Z(1, 1.1060, 1.1070, 0.7f), Z(2, 1.1150, 1.1160, 0.9f),
                        Z(3, 1.1200, 1.1210, 0.75f)};
    struct liq_params p = P();
    struct target_decision d;
    target_select(zs, 3, &p, PIP, 0.0, SIDE_BUY, ENTRY, STOP, 0.8, &d);
    cr_assert_eq(d.tp2.zone_id, 2);
    cr_assert_eq(d.runner, 0);
    cr_assert_not_null(strstr(d.runner_reason, "strong"));
}

Test(target, runner_when_nothing_lies_beyond_the_last_target)
{
    struct zone zs[] = {Z(1, 1.1060, 1.1070, 0.7f)};
    struct liq_params p = P();
    struct target_decision d;
    target_select(zs, 1, &p, PIP, 0.0, SIDE_BUY, ENTRY, STOP, 0.8, &d);
    cr_assert_eq(d.runner, 1);
}

Test(target, no_runner_below_runner_min_confidence)
{
    struct zone zs[] = {Z(1, 1.1060, 1.1070, 0.7f)};
    struct liq_params p = P();
    struct target_decision d;
    target_select(zs, 1, &p, PIP, 0.0, SIDE_BUY, ENTRY, STOP, 0.65, &d);
    cr_assert_eq(d.runner, 0);
    cr_assert_not_null(strstr(d.runner_reason, "runner_min_confidence"));
}

Test(target, no_runner_when_disabled)
{
    struct zone zs[] = {Z(1, 1.1060, 1.1070, 0.7f)};
    struct liq_params p = P();
    p.runner_enabled = 0;
    struct target_decision d;
    target_select(zs, 1, &p, PIP, 0.0, SIDE_BUY, ENTRY, STOP, 0.9, &d);
    cr_assert_eq(d.runner, 0);
    cr_assert_not_null(strstr(d.runner_reason, "disabled"));
}

Test(target, sell_walks_downwards_nearest_first)
{
    struct zone zs[] = {Z(1, 1.0880, 1.0890, 0.9f), Z(2, 1.0930, 1.0940, 0.7f),
                        Z(3, 1.1060, 1.1070, 0.9f)};
    struct liq_params p = P();
    struct target_decision d;
    target_select(zs, 3, &p, PIP, 0.0, SIDE_SELL, ENTRY, 1.1030, 0.6, &d);
    cr_assert_eq(d.tp1.zone_id, 2);
    cr_assert_eq(d.tp2.zone_id, 1);
}

Test(target, refusal_names_the_setting_and_the_value_that_would_let_a_zone_through)
{
    /* risk 30 pips; zone 1 strong but RR (1.1030 - 0.0002 - 1.1000) / 0.0030 = 0.93;
     * zone 2 far enough (RR 2.6) but weak 0.45 */
    struct zone zs[] = {Z(1, 1.1030, 1.1035, 0.9f), Z(2, 1.1080, 1.1090, 0.45f)};
    struct liq_params p = P();
    struct target_decision d;
    cr_assert_eq(target_select(zs, 2, &p, PIP, 0.0, SIDE_BUY, ENTRY, STOP, 0.5, &d), -1);
    cr_assert_not_null(strstr(d.reason, "min_rr_ratio 1.50"), "%s", d.reason);
    cr_assert_not_null(strstr(d.reason, "min_rr_ratio <= 0.93 would take zone 1"), "%s",
                       d.reason);
    cr_assert_not_null(strstr(d.reason, "min_liquidity_strength <= 0.45 would take zone 2"),
                       "%s", d.reason);
    /* SELL: no zone below entry at all */
    cr_assert_eq(target_select(zs, 2, &p, PIP, 0.0, SIDE_SELL, ENTRY, 1.1030, 0.5, &d), -1);
    cr_assert_not_null(strstr(d.reason, "no active zone below entry"), "%s", d.reason);
}

Test(target, front_offset_scales_with_atr)
{
    struct liq_params p = P(); /* buffer_atr 0.1: offset 0.1 x 0.1 x ATR */
    cr_assert_float_eq(target_front_offset(&p, PIP, 0.0), 0.0002, 1e-12);
    cr_assert_float_eq(target_front_offset(&p, 0.05, 30.0), 0.3, 1e-12);
}

Test(target, at_rr_rounds_away_from_entry_on_the_rounded_stop)
{
    /* the header's examples: 54 ticks -> 81 ticks exactly; 57 ticks -> 85.5 -> 86 */
    cr_assert_float_eq(target_at_rr(SIDE_BUY, 1.05697, 1.05643, 1.5, PIP), 1.05778, 1e-12);
    cr_assert_float_eq(target_at_rr(SIDE_SELL, 1.05697, 1.05751, 1.5, PIP), 1.05616, 1e-12);
    cr_assert_float_eq(target_at_rr(SIDE_BUY, 1.05697, 1.0564, 1.5, PIP), 1.05783, 1e-12);
    cr_assert_float_eq(target_at_rr(SIDE_SELL, 1.05697, 1.05754, 1.5, PIP), 1.05611, 1e-12);
    /* an entry off the tick: 1.5 x 0.000543 = 0.0008145 above 1.056973 = 1.0577875 -> up */
    cr_assert_float_eq(target_at_rr(SIDE_BUY, 1.056973, 1.05643, 1.5, PIP),
                       1.05779, 1e-12);
    /* USDJPY's tick 0.001 and an index's 0.25 (pip 2.5) */
    cr_assert_float_eq(target_at_rr(SIDE_BUY, 151.237, 151.001, 2.0, 0.01), 151.709, 1e-9);
    cr_assert_float_eq(target_at_rr(SIDE_SELL, 18250.25, 18260.0, 1.5, 2.5), 18235.5, 1e-9);
    double rr = (18250.25 - 18235.5) / (18260.0 - 18250.25);
    cr_assert_geq(rr, 1.5); /* 9.75 x 1.5 = 14.625 -> 14.75 (59 ticks of 0.25) */
}
