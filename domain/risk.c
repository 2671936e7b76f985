/*
 * risk.c - the risk adapter and the leg split (docs/trading.md "Risk" and "Legs").
 */
#include "risk.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

const double LEG_BASE_FRACTION[LEG_COUNT] = {0.5, 0.3, 0.2};

const char *leg_name(enum leg l)
{
    static const char *const NAMES[LEG_COUNT] = {"tp1", "tp2", "runner"};
    return (l >= LEG_TP1 && l < LEG_COUNT) ? NAMES[l] : "unknown";
}

static void add_factor(struct risk_decision *out, const char *name, double value)
{
    assert(out->n_factors < RISK_MAX_FACTORS);
    struct risk_factor *f = &out->factors[out->n_factors++];
    snprintf(f->name, sizeof(f->name), "%s", name);
    f->value = value;
    out->multiplier *= value;
}

void risk_assess(const struct stop_decision *stop, const struct target_decision *tg,
                 enum regime_mode regime, double transition_strength,
                 const struct liq_params *p, struct risk_decision *out)
{
    memset(out, 0, sizeof(*out));
    out->multiplier = 1.0;

    /* Zones used: the stop zone (a fallback stop is "no liquidity", strength 0), TP1, TP2. */
    double sum = stop->fallback ? 0.0 : (double)stop->zone_strength;
    int used = 1;
    if (tg->tp1.present) {
        sum += tg->tp1.zone_strength;
        used++;
    }
    if (tg->tp2.present) {
        sum += tg->tp2.zone_strength;
        used++;
    }
    out->zones_mean_strength = sum / used;
    out->qualifying = stop->qualifying + tg->qualifying;

    add_factor(out, "weak_liquidity",
               out->zones_mean_strength < RISK_WEAK_MEAN_STRENGTH ? p->weak_liquidity_factor
                                                                   : 1.0);
    add_factor(out, "few_zones",
               out->qualifying < RISK_FEW_ZONES_MIN ? RISK_FEW_ZONES_FACTOR : 1.0);
    double s = transition_strength > 0.0 ? fmin(transition_strength, 1.0) : 0.0;
    add_factor(out, "transition",
               regime == REGIME_TRANSITION ? 1.0 - RISK_TRANSITION_CUT * s : 1.0);
    assert(out->multiplier > 0.0 && out->multiplier <= 1.0);
}

void legs_split(int has_tp2, int has_runner, double fractions[LEG_COUNT])
{
    for (int i = 0; i < LEG_COUNT; i++)
        fractions[i] = LEG_BASE_FRACTION[i];
    /* From the last leg backwards, so a missing runner's share can travel on to TP1 when
     * TP2 is missing too. */
    if (!has_runner) {
        fractions[LEG_TP2] += fractions[LEG_RUNNER];
        fractions[LEG_RUNNER] = 0.0;
    }
    if (!has_tp2) {
        fractions[LEG_TP1] += fractions[LEG_TP2];
        fractions[LEG_TP2] = 0.0;
    }
    assert(fabs(fractions[0] + fractions[1] + fractions[2] - 1.0) < 1e-12);
}

void risk_size_legs(const double fractions[LEG_COUNT], double multiplier, double stop_distance,
                    int has_qty, double qty, int has_risk, double risk_amount,
                    struct risk_size *out)
{
    memset(out, 0, sizeof(*out));
    if (has_qty) {
        out->base_qty = qty;
    } else if (has_risk) {
        assert(stop_distance > 0.0);
        out->base_qty = risk_amount / stop_distance;
    } else {
        return;
    }
    out->sized = 1;
    out->total_qty = out->base_qty * multiplier;
    for (int i = 0; i < LEG_COUNT; i++)
        out->qty[i] = out->total_qty * fractions[i];
}
