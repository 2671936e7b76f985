/* The stop selector (DESIGN.md section 2 "Setups", docs/trading.md "Stop"). */
#include <criterion/criterion.h>
#include <string.h>

#include "domain/params.h"
#include "domain/stop.h"

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
    params_defaults(&p); /* buffer 20 pips, fallback 30, min strength 0.6, 10 touches */
    return p;
}

Test(stop, sits_behind_the_strongest_zone_below_entry_for_a_buy)
{
    struct zone zs[] = {Z(1, 1.0950, 1.0960, 0.7f), Z(2, 1.0970, 1.0975, 0.9f)};
    struct liq_params p = P();
    struct stop_decision d;
    stop_select(zs, 2, &p, PIP, 0.0, SIDE_BUY, 1.1000, REGIME_NORMAL, 0, &d);
    cr_assert_eq(d.zone_id, 2);
    cr_assert_float_eq(d.price, 1.0970 - 0.0020, EPS);
    cr_assert_float_eq(d.buffer_pips, 20, EPS);
    cr_assert_float_eq(d.distance_pips, 50, 1e-6);
    cr_assert_eq(d.fallback, 0);
    cr_assert_eq(d.qualifying, 2);
    cr_assert_not_null(strstr(d.reason, "behind zone 2"));
}

Test(stop, sits_above_the_zone_for_a_sell)
{
    struct zone zs[] = {Z(1, 1.1040, 1.1050, 0.8f)};
    struct liq_params p = P();
    struct stop_decision d;
    stop_select(zs, 1, &p, PIP, 0.0, SIDE_SELL, 1.1000, REGIME_NORMAL, 0, &d);
    cr_assert_eq(d.zone_id, 1);
    cr_assert_float_eq(d.price, 1.1070, EPS);
}

Test(stop, widens_in_transition)
{
    struct zone zs[] = {Z(1, 1.0950, 1.0960, 0.8f)};
    struct liq_params p = P();
    struct stop_decision d;
    stop_select(zs, 1, &p, PIP, 0.0, SIDE_BUY, 1.1000, REGIME_TRANSITION, 1.0, &d);
    cr_assert_float_eq(d.buffer_pips, 30, EPS); /* 20 x 1.5 */
    cr_assert_float_eq(d.price, 1.0950 - 0.0030, EPS);
}

Test(stop, transition_buffer_scales_with_transition_strength)
{
    struct liq_params p = P();
    cr_assert_float_eq(stop_buffer_pips(&p, REGIME_TRANSITION, 0.0), 20, EPS);
    cr_assert_float_eq(stop_buffer_pips(&p, REGIME_TRANSITION, 0.5), 25, EPS);
    cr_assert_float_eq(stop_buffer_pips(&p, REGIME_TRANSITION, 1.0), 30, EPS);
    cr_assert_float_eq(stop_buffer_pips(&p, REGIME_NORMAL, 1.0), 20, EPS);
}

Test(stop, skips_over_tested_zones)
{
    struct zone zs[] = {Z(1, 1.0950, 1.0960, 0.9f)};
    zs[0].tests = 11; /* max_level_touches is 10 */
    struct liq_params p = P();
    struct stop_decision d;
    stop_select(zs, 1, &p, PIP, 0.0, SIDE_BUY, 1.1000, REGIME_NORMAL, 0, &d);
    cr_assert_eq(d.fallback, 1);
    cr_assert_not_null(strstr(d.reason, "1 over-tested"));
}

Test(stop, accepts_a_zone_tested_exactly_max_level_touches_times)
{
    struct zone zs[] = {Z(1, 1.0950, 1.0960, 0.9f)};
    zs[0].tests = 10;
    struct liq_params p = P();
    struct stop_decision d;
    stop_select(zs, 1, &p, PIP, 0.0, SIDE_BUY, 1.1000, REGIME_NORMAL, 0, &d);
    cr_assert_eq(d.zone_id, 1);
}

Test(stop, skips_weak_zones)
{
    struct zone zs[] = {Z(1, 1.0950, 1.0960, 0.59f), Z(2, 1.0940, 1.0945, 0.65f)};
    struct liq_params p = P();
    struct stop_decision d;
    stop_select(zs + 0, 1, &p, PIP, 0.0, SIDE_BUY, 1.1000, REGIME_NORMAL, 0, &d);
    cr_assert_eq(d.fallback, 1);
    cr_assert_not_null(strstr(d.reason, "1 weak"));
    struct zone sorted[] = {zs[1], zs[0]};
    stop_select(sorted, 2, &p, PIP, 0.0, SIDE_BUY, 1.1000, REGIME_NORMAL, 0, &d);
    cr_assert_eq(d.zone_id, 2); /* the weaker-looking but qualifying one */
}

Test(stop, skips_zones_further_than_three_fallback_distances)
{
    /* stop would be 1.0920 - 20 pips = 1.0900: 100 pips > 3 x 30 */
    struct zone zs[] = {Z(1, 1.0920, 1.0930, 0.9f)};
    struct liq_params p = P();
    struct stop_decision d;
    stop_select(zs, 1, &p, PIP, 0.0, SIDE_BUY, 1.1000, REGIME_NORMAL, 0, &d);
    cr_assert_eq(d.fallback, 1);
    cr_assert_not_null(strstr(d.reason, "1 too far"));
}

Test(stop, falls_back_to_fixed_distance_flagged_when_no_zone_qualifies)
{
    struct liq_params p = P();
    struct stop_decision d;
    stop_select(NULL, 0, &p, PIP, 0.0, SIDE_BUY, 1.1000, REGIME_NORMAL, 0, &d);
    cr_assert_eq(d.fallback, 1);
    cr_assert_eq(d.zone_id, 0);
    cr_assert_float_eq(d.price, 1.0970, EPS);
    cr_assert_float_eq(d.distance_pips, 30, EPS);
    cr_assert_not_null(strstr(d.reason, "fallback"));
    stop_select(NULL, 0, &p, PIP, 0.0, SIDE_SELL, 1.1000, REGIME_NORMAL, 0, &d);
    cr_assert_float_eq(d.price, 1.1030, EPS);
}

Test(stop, ties_go_to_the_zone_nearer_entry)
{
    struct zone zs[] = {Z(1, 1.0950, 1.0955, 0.8f), Z(2, 1.0970, 1.0975, 0.8f)};
    struct liq_params p = P();
    struct stop_decision d;
    stop_select(zs, 2, &p, PIP, 0.0, SIDE_BUY, 1.1000, REGIME_NORMAL, 0, &d);
    cr_assert_eq(d.zone_id, 2);
}

Test(stop, ignores_zones_ahead_containing_entry_or_inactive)
{
    struct zone zs[] = {Z(1, 1.0970, 1.0975, 0.9f), Z(2, 1.0995, 1.1005, 0.9f),
                        Z(3, 1.1030, 1.1040, 0.9f)};
    zs[0].active = 0;
    struct liq_params p = P();
    struct stop_decision d;
    stop_select(zs, 3, &p, PIP, 0.0, SIDE_BUY, 1.1000, REGIME_NORMAL, 0, &d);
    cr_assert_eq(d.fallback, 1);
    cr_assert_eq(d.qualifying, 0);
}

Test(stop, works_in_index_points)
{
    /* NIFTY-like: pip 1.0, entry 22500, zone 22440..22450 */
    struct zone zs[] = {Z(1, 22440, 22450, 0.8f)};
    struct liq_params p = P();
    struct stop_decision d;
    stop_select(zs, 1, &p, 1.0, 0.0, SIDE_BUY, 22500, REGIME_NORMAL, 0, &d);
    cr_assert_float_eq(d.price, 22420, EPS);
    cr_assert_float_eq(d.distance_pips, 80, EPS);
}

Test(stop, fallback_and_buffer_scale_with_atr_where_pips_do_not_fit)
{
    /* NIFTY: pip 0.05, ATR14 30 points. Pips alone would give a 1.5-point fallback. */
    struct liq_params p = P();
    struct stop_decision d;
    stop_select(NULL, 0, &p, 0.05, 30.0, SIDE_BUY, 19500, REGIME_NORMAL, 0, &d);
    cr_assert_eq(d.fallback, 1);
    cr_assert_float_eq(d.price, 19500 - 1.0 * 30.0, 1e-9);
    cr_assert_not_null(strstr(d.reason, "fallback_stop_atr"), "%s", d.reason);
    stop_select(NULL, 0, &p, 0.05, 30.0, SIDE_SELL, 19500, REGIME_NORMAL, 0, &d);
    cr_assert_float_eq(d.price, 19500 + 30.0, 1e-9);
    /* behind a zone: buffer 0.1 ATR = 3 points, x 1.5 in full TRANSITION */
    struct zone zs[] = {Z(1, 19470, 19480, 0.9f)};
    stop_select(zs, 1, &p, 0.05, 30.0, SIDE_BUY, 19500, REGIME_NORMAL, 0, &d);
    cr_assert_float_eq(d.price, 19470 - 3.0, 1e-9);
    stop_select(zs, 1, &p, 0.05, 30.0, SIDE_BUY, 19500, REGIME_TRANSITION, 1.0, &d);
    cr_assert_float_eq(d.price, 19470 - 4.5, 1e-9);
    /* the ATR settings at 0: the pip settings again */
    p.fallback_stop_atr = 0;
    stop_select(NULL, 0, &p, 0.05, 30.0, SIDE_BUY, 19500, REGIME_NORMAL, 0, &d);
    cr_assert_float_eq(d.price, 19500 - 1.5, 1e-9);
}

/* A stop on the tick stays strictly on the stop side: a vanishing ATR (fallback 1e-12) or a
 * zero buffer behind a zone touching the entry would round onto the entry itself. */
Test(stop, a_stop_on_the_tick_never_lands_on_the_entry)
{
    struct liq_params p = P();
    struct stop_decision d;
    stop_select(NULL, 0, &p, PIP, 1e-12, SIDE_BUY, 1.1000, REGIME_NORMAL, 0, &d);
    cr_assert_float_eq(d.price, 1.09999, EPS);
    stop_select(NULL, 0, &p, PIP, 1e-12, SIDE_SELL, 1.1000, REGIME_NORMAL, 0, &d);
    cr_assert_float_eq(d.price, 1.10001, EPS);
    p.default_buffer_pips = 0;
    struct zone below[] = {Z(1, 1.1000 - 1e-12, 1.1000 - 1e-12, 0.9f)};
    stop_select(below, 1, &p, PIP, 0.0, SIDE_BUY, 1.1000, REGIME_NORMAL, 0, &d);
    cr_assert_eq(d.zone_id, 1);
    cr_assert_float_eq(d.price, 1.09999, EPS);
    /* an ordinary SELL stop off the grid goes up: 1.1050 + 20 pips + 0.37 tick */
    p = P();
    struct zone above[] = {Z(2, 1.1040, 1.1050 + 0.0000037, 0.8f)};
    stop_select(above, 1, &p, PIP, 0.0, SIDE_SELL, 1.1000, REGIME_NORMAL, 0, &d);
    cr_assert_float_eq(d.price, 1.10701, EPS);
    cr_assert_float_eq(d.distance_pips, 70.1, 1e-6);
}
