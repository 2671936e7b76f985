/*
 * risk.h - how much to put on a setup, and how to split it over its exits.
 *
 * The one idea: size shrinks, never grows, when the liquidity the setup relies on is thin.
 * The risk multiplier is a product of named factors, each reported with its value even when
 * it is 1.0, so a caller can see exactly why a trade is smaller than asked. The quantity is
 * split into legs 50/30/20 over TP1 / TP2 / runner; a leg that does not exist hands its
 * share to the leg before it, so the fractions always sum to 1.
 *
 * Pure computation: no I/O, no clock, no globals.
 */
#ifndef LIQ_RISK_H
#define LIQ_RISK_H

#include <stddef.h>

#include "params.h"
#include "stop.h"
#include "target.h"

/* Zones used (stop zone, TP1, TP2; a fallback stop counts as strength 0) are weak when their
 * mean strength is below this: factor weak_liquidity = weak_liquidity_factor. */
#define RISK_WEAK_MEAN_STRENGTH 0.70
/* Fewer than 2 qualifying zones (stop-side + target-side) -> factor few_zones = 0.85. */
#define RISK_FEW_ZONES_MIN 2
#define RISK_FEW_ZONES_FACTOR 0.85
/* TRANSITION -> factor transition = 1 - RISK_TRANSITION_CUT x regime_transition_strength. */
#define RISK_TRANSITION_CUT 0.3

enum leg { LEG_TP1 = 0, LEG_TP2 = 1, LEG_RUNNER = 2, LEG_COUNT = 3 };

/* The base split before redistribution: 0.5, 0.3, 0.2. */
extern const double LEG_BASE_FRACTION[LEG_COUNT];

/* "tp1", "tp2", "runner" */
const char *leg_name(enum leg l);

#define RISK_MAX_FACTORS 4
#define RISK_FACTOR_NAME_LEN 24

struct risk_factor {
    char name[RISK_FACTOR_NAME_LEN]; /* "weak_liquidity", "few_zones", "transition" */
    double value;                    /* 1.0 when the factor does not apply */
};

struct risk_decision {
    double multiplier;            /* product of every factor's value, 0 < m <= 1 */
    size_t n_factors;
    struct risk_factor factors[RISK_MAX_FACTORS];
    double zones_mean_strength;   /* of the zones used */
    int qualifying;               /* stop-side + target-side qualifying zones */
};

/*
 * The risk multiplier of a setup. Always reports the three factors, in this order:
 *   weak_liquidity  weak_liquidity_factor if mean strength of zones used < 0.70, else 1
 *   few_zones       0.85 if stop->qualifying + tg->qualifying < 2, else 1
 *   transition      1 - 0.3 x s in TRANSITION (s = transition strength clamped 0..1), else 1
 * Example: fallback stop + TP1 strength 0.9 in NORMAL: mean (0 + 0.9)/2 = 0.45 -> 0.80;
 * qualifying 1 -> 0.85; multiplier 0.68.
 */
void risk_assess(const struct stop_decision *stop, const struct target_decision *tg,
                 enum regime_mode regime, double transition_strength,
                 const struct liq_params *p, struct risk_decision *out);

/*
 * Leg fractions. A missing runner gives its 0.2 to TP2, a missing TP2 gives its share to
 * TP1: legs_split(1, 1) = {0.5, 0.3, 0.2}; legs_split(0, 1) = {0.8, 0, 0.2};
 * legs_split(1, 0) = {0.5, 0.5, 0}; legs_split(0, 0) = {1, 0, 0}. Sum is 1 (asserted).
 */
void legs_split(int has_tp2, int has_runner, double fractions[LEG_COUNT]);

struct risk_size {
    int sized;                 /* 0 when neither qty nor risk amount was given */
    double base_qty;           /* qty, or risk_amount / stop_distance */
    double total_qty;          /* base_qty x multiplier */
    double qty[LEG_COUNT];     /* total_qty x fraction */
};

/*
 * Quantities of the legs. With has_qty: base = qty. Else with has_risk: base =
 * risk_amount / stop_distance (price units; one unit of qty gains 1 per 1.0 of price).
 * total = base x multiplier, leg i = total x fractions[i].
 * Example: risk 100, stop distance 0.0050, multiplier 0.8 -> base 20000, total 16000,
 * legs 8000 / 4800 / 3200 with 50/30/20.
 */
void risk_size_legs(const double fractions[LEG_COUNT], double multiplier, double stop_distance,
                    int has_qty, double qty, int has_risk, double risk_amount,
                    struct risk_size *out);

#endif
