/* The risk adapter and the leg split (docs/trading.md "Risk" and "Legs"). */
#include <criterion/criterion.h>
#include <string.h>

#include "domain/params.h"
#include "domain/risk.h"

#define EPS 1e-9

static struct liq_params P(void)
{
    struct liq_params p;
    params_defaults(&p);
    return p;
}

static struct stop_decision zone_stop(float strength, int qualifying)
{
    return (struct stop_decision){.zone_id = 1, .zone_strength = strength,
                                  .qualifying = qualifying, .price = 1.0950};
}

static struct target_decision targets(float s1, int has_tp2, float s2, int qualifying)
{
    struct target_decision t = {0};
    t.tp1 = (struct target_level){.present = 1, .zone_id = 2, .zone_strength = s1};
    if (has_tp2)
        t.tp2 = (struct target_level){.present = 1, .zone_id = 3, .zone_strength = s2};
    t.qualifying = qualifying;
    return t;
}

static double factor(const struct risk_decision *r, const char *name)
{
    for (size_t i = 0; i < r->n_factors; i++)
        if (strcmp(r->factors[i].name, name) == 0)
            return r->factors[i].value;
    cr_assert_fail("factor %s missing", name);
    return 0;
}

Test(legs, default_split_is_50_30_20)
{
    double f[LEG_COUNT];
    legs_split(1, 1, f);
    cr_assert_float_eq(f[LEG_TP1], 0.5, EPS);
    cr_assert_float_eq(f[LEG_TP2], 0.3, EPS);
    cr_assert_float_eq(f[LEG_RUNNER], 0.2, EPS);
}

Test(legs, missing_tp2_share_goes_to_tp1)
{
    double f[LEG_COUNT];
    legs_split(0, 1, f);
    cr_assert_float_eq(f[LEG_TP1], 0.8, EPS);
    cr_assert_float_eq(f[LEG_TP2], 0.0, EPS);
    cr_assert_float_eq(f[LEG_RUNNER], 0.2, EPS);
}

Test(legs, missing_runner_share_goes_to_tp2)
{
    double f[LEG_COUNT];
    legs_split(1, 0, f);
    cr_assert_float_eq(f[LEG_TP1], 0.5, EPS);
    cr_assert_float_eq(f[LEG_TP2], 0.5, EPS);
    cr_assert_float_eq(f[LEG_RUNNER], 0.0, EPS);
}

Test(legs, tp1_alone_takes_everything)
{
    double f[LEG_COUNT];
    legs_split(0, 0, f);
    cr_assert_float_eq(f[LEG_TP1], 1.0, EPS);
}

Test(legs, fractions_always_sum_to_one)
{
    for (int tp2 = 0; tp2 < 2; tp2++)
        for (int run = 0; run < 2; run++) {
            double f[LEG_COUNT];
            legs_split(tp2, run, f);
            cr_assert_float_eq(f[0] + f[1] + f[2], 1.0, EPS);
        }
}

Test(risk, reports_every_factor_even_when_it_is_one)
{
    struct liq_params p = P();
    struct stop_decision s = zone_stop(0.9f, 1);
    struct target_decision t = targets(0.8f, 0, 0, 1);
    struct risk_decision r;
    risk_assess(&s, &t, REGIME_NORMAL, 0, &p, &r);
    cr_assert_eq(r.n_factors, 3);
    cr_assert_str_eq(r.factors[0].name, "weak_liquidity");
    cr_assert_str_eq(r.factors[1].name, "few_zones");
    cr_assert_str_eq(r.factors[2].name, "transition");
    cr_assert_float_eq(r.multiplier, 1.0, EPS);
}

Test(risk, weak_liquidity_applies_weak_liquidity_factor)
{
    struct liq_params p = P();
    struct stop_decision s = zone_stop(0.65f, 1);
    struct target_decision t = targets(0.65f, 0, 0, 1); /* mean 0.65 < 0.70 */
    struct risk_decision r;
    risk_assess(&s, &t, REGIME_NORMAL, 0, &p, &r);
    cr_assert_float_eq(factor(&r, "weak_liquidity"), 0.80, EPS);
    cr_assert_float_eq(r.multiplier, 0.80, EPS);
}

Test(risk, fallback_stop_counts_as_no_liquidity)
{
    struct liq_params p = P();
    struct stop_decision s = {.fallback = 1, .price = 1.0970};
    struct target_decision t = targets(0.9f, 0, 0, 1);
    struct risk_decision r;
    risk_assess(&s, &t, REGIME_NORMAL, 0, &p, &r);
    cr_assert_float_eq(r.zones_mean_strength, 0.45, 1e-6);
    cr_assert_float_eq(factor(&r, "weak_liquidity"), 0.80, EPS);
    cr_assert_float_eq(factor(&r, "few_zones"), 0.85, EPS);
    cr_assert_float_eq(r.multiplier, 0.68, EPS);
}

Test(risk, fewer_than_two_qualifying_zones_cut_to_0_85)
{
    struct liq_params p = P();
    struct stop_decision s = zone_stop(0.9f, 0);
    struct target_decision t = targets(0.9f, 0, 0, 1);
    struct risk_decision r;
    risk_assess(&s, &t, REGIME_NORMAL, 0, &p, &r);
    cr_assert_float_eq(factor(&r, "few_zones"), 0.85, EPS);
    t.qualifying = 2;
    risk_assess(&s, &t, REGIME_NORMAL, 0, &p, &r);
    cr_assert_float_eq(factor(&r, "few_zones"), 1.0, EPS);
}

Test(risk, transition_reduces_by_0_3_times_strength)
{
    struct liq_params p = P();
    struct stop_decision s = zone_stop(0.9f, 2);
    struct target_decision t = targets(0.9f, 1, 0.9f, 2);
    struct risk_decision r;
    risk_assess(&s, &t, REGIME_TRANSITION, 0.5, &p, &r);
    cr_assert_float_eq(factor(&r, "transition"), 0.85, EPS);
    risk_assess(&s, &t, REGIME_TRANSITION, 1.0, &p, &r);
    cr_assert_float_eq(r.multiplier, 0.7, EPS);
}

Test(risk, sizes_legs_from_a_risk_amount)
{
    double f[LEG_COUNT];
    legs_split(1, 1, f);
    struct risk_size s;
    risk_size_legs(f, 0.8, 0.0050, 0, 0, 1, 100.0, &s);
    cr_assert(s.sized);
    cr_assert_float_eq(s.base_qty, 20000, 1e-6);
    cr_assert_float_eq(s.total_qty, 16000, 1e-6);
    cr_assert_float_eq(s.qty[LEG_TP1], 8000, 1e-6);
    cr_assert_float_eq(s.qty[LEG_TP2], 4800, 1e-6);
    cr_assert_float_eq(s.qty[LEG_RUNNER], 3200, 1e-6);
}

Test(risk, sizes_legs_from_a_qty_times_the_multiplier)
{
    double f[LEG_COUNT];
    legs_split(0, 0, f);
    struct risk_size s;
    risk_size_legs(f, 0.5, 0.0050, 1, 10.0, 0, 0, &s);
    cr_assert_float_eq(s.total_qty, 5.0, EPS);
    cr_assert_float_eq(s.qty[LEG_TP1], 5.0, EPS);
    risk_size_legs(f, 0.5, 0.0050, 0, 0, 0, 0, &s);
    cr_assert_eq(s.sized, 0);
}
