/*
 * setup.c - composes stop, targets and risk into one decision (docs/trading.md "Setups").
 */
#include "setup.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "instrument.h"

/* Appends "label: text" (or just text when label is NULL); extra reasons are dropped. */
static void add_reason(struct setup_result *out, const char *label, const char *text)
{
    if (out->n_reasons >= SETUP_MAX_REASONS)
        return;
    char *dst = out->reasons[out->n_reasons++];
    if (label != NULL)
        snprintf(dst, SETUP_REASON_LEN, "%.8s: %.*s", label, LIQ_REASON_LEN - 1, text);
    else
        snprintf(dst, SETUP_REASON_LEN, "%.*s", LIQ_REASON_LEN - 1, text);
}

static int in_unit_range(double x)
{
    return isfinite(x) && x >= 0.0 && x <= 1.0;
}

const char *setup_validate(const struct setup_request *req, double pip)
{
    if (req->side != SIDE_BUY && req->side != SIDE_SELL)
        return "side must be BUY or SELL";
    if (!isfinite(req->entry) || req->entry <= 0.0)
        return "entry must be a finite price above 0";
    if (isfinite(pip) && pip > 0.0 && !instrument_price_in_scale(req->entry, pip))
        return "entry must lie within 1 to 1e8 pips of this symbol (GET /symbols: pip_size)";
    if (!in_unit_range(req->trend_score))
        return "trend_score must be a number in 0..1";
    if (req->regime != REGIME_NORMAL && req->regime != REGIME_TRANSITION &&
        req->regime != REGIME_CHAOTIC)
        return "regime_mode must be NORMAL, TRANSITION or CHAOTIC";
    if (!in_unit_range(req->transition_strength))
        return "regime_transition_strength must be a number in 0..1";
    if (req->has_qty && !(req->qty > 0.0 && req->qty <= SETUP_MAX_AMOUNT))
        return "qty must be a number above 0 and at most 1e12";
    if (req->has_risk_amount && !(req->risk_amount > 0.0 && req->risk_amount <= SETUP_MAX_AMOUNT))
        return "risk_amount must be a number above 0 and at most 1e12";
    if (!isfinite(pip) || pip <= 0.0)
        return "pip size must be a finite number above 0";
    return NULL;
}

/* P(price moves tgt in the trade's favour before stop against it), both in price units. */
static double p_first(const struct setup_market *mkt, int side, double tgt, double stop)
{
    if (mkt != NULL && mkt->atr > 0.0 && mkt->geo != NULL)
        return geo_p_first(mkt->geo, side, tgt / mkt->atr, stop / mkt->atr);
    return stop / (stop + tgt);
}

/* p_tp1_first, p_tp2_after_tp1 and expected_r (setup.h). */
static void worth(const struct setup_market *mkt, struct setup_result *out)
{
    int side = out->req.side;
    double e = out->req.entry, risk = fabs(e - out->stop.price);
    const struct target_level *t1 = &out->targets.tp1, *t2 = &out->targets.tp2;
    double p = p_first(mkt, side, fabs(t1->price - e), risk);
    double q = t2->present ? p_first(mkt, side, fabs(t2->price - t1->price),
                                     fabs(t1->price - e))
                           : 0.0;
    out->p_tp1_first = p;
    out->p_tp2_after_tp1 = q;
    out->expected_r = out->legs[LEG_TP1] * (p * t1->rr - (1.0 - p)) +
                      out->legs[LEG_TP2] * (p * q * (t2->present ? t2->rr : 0.0) - (1.0 - p)) +
                      out->legs[LEG_RUNNER] * -(1.0 - p);
}

enum setup_status setup_build(const struct setup_request *req, const struct zone *zones,
                              size_t n, const struct liq_params *p, double pip,
                              const struct setup_market *mkt, struct setup_result *out)
{
    double atr = mkt != NULL && mkt->atr > 0.0 ? mkt->atr : 0.0;
    memset(out, 0, sizeof(*out));
    out->req = *req;
    out->pip = pip;

    const char *bad = setup_validate(req, pip);
    if (bad != NULL) {
        add_reason(out, NULL, bad);
        return out->status = SETUP_INVALID;
    }
    if (req->regime == REGIME_CHAOTIC) {
        add_reason(out, NULL, "regime_mode CHAOTIC: no setup is opened in a chaotic market");
        return out->status = SETUP_REFUSED;
    }

    stop_select(zones, n, p, pip, atr, req->side, req->entry, req->regime,
                req->transition_strength, &out->stop);
    if (target_select(zones, n, p, pip, atr, req->side, req->entry, out->stop.price,
                      req->trend_score, &out->targets) != 0) {
        add_reason(out, NULL, out->targets.reason);
        add_reason(out, "stop", out->stop.reason);
        return out->status = SETUP_REFUSED;
    }

    add_reason(out, "stop", out->stop.reason);
    add_reason(out, "tp1", out->targets.tp1.reason);
    add_reason(out, "tp2", out->targets.tp2.reason);
    add_reason(out, "runner", out->targets.runner_reason);

    legs_split(out->targets.tp2.present, out->targets.runner, out->legs);
    worth(mkt, out);
    risk_assess(&out->stop, &out->targets, req->regime, req->transition_strength, p,
                &out->risk);
    risk_size_legs(out->legs, out->risk.multiplier, fabs(req->entry - out->stop.price),
                   req->has_qty, req->qty, req->has_risk_amount, req->risk_amount, &out->size);
    if (req->has_qty && req->has_risk_amount)
        add_reason(out, NULL, "both qty and risk_amount given: qty used");
    char line[LIQ_REASON_LEN];
    snprintf(line, sizeof(line), "risk multiplier %.4f (weak_liquidity %.2f, few_zones %.2f, "
             "transition %.2f)", out->risk.multiplier, out->risk.factors[0].value,
             out->risk.factors[1].value, out->risk.factors[2].value);
    add_reason(out, NULL, line);
    return out->status = SETUP_OK;
}
