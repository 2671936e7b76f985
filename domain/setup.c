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
    /* a stop hit costs the symbol's measured loss in R: more than 1 where bars gap through */
    double lose = (1.0 - p) * (mkt != NULL && mkt->atr > 0.0 && mkt->geo != NULL
                                   ? geo_stop_loss(mkt->geo, risk / mkt->atr) : 1.0);
    out->p_tp1_first = p;
    out->p_tp2_after_tp1 = q;
    out->expected_r = out->legs[LEG_TP1] * (p * t1->rr - lose) +
                      out->legs[LEG_TP2] * (p * q * (t2->present ? t2->rr : 0.0) - lose) +
                      out->legs[LEG_RUNNER] * -lose;
}

/* Refuses an entry further than max_entry_atr x ATR14 from the last close. 1 if refused. */
static int far_entry(const struct setup_request *req, const struct liq_params *p,
                     const struct setup_market *mkt, double atr, struct setup_result *out)
{
    if (!(p->max_entry_atr > 0.0) || !(atr > 0.0) || mkt == NULL || !(mkt->last_close > 0.0))
        return 0;
    double d = fabs(req->entry - mkt->last_close) / atr;
    if (!(d > p->max_entry_atr))
        return 0;
    char line[LIQ_REASON_LEN];
    snprintf(line, sizeof line, "entry %.10g is %.1f ATR14 from the last close %.10g, beyond "
             "max_entry_atr %.1f: nothing is known of the market there", req->entry, d,
             mkt->last_close, p->max_entry_atr);
    add_reason(out, NULL, line);
    return 1;
}

/* The geometry exit (exits.h): stop s ATR14 away, TP1 at min_rr_ratio R, no TP2, no
 * runner. unit: the ATR14, or without one the fallback stop distance in pips. */
static void geometry_exit(const struct setup_request *req, const struct liq_params *p,
                          double pip, double atr, const struct geo_book *geo,
                          struct setup_result *out)
{
    int side = req->side;
    double rr = p->min_rr_ratio > 0.0 ? p->min_rr_ratio : 1.5, q, er;
    double unit = atr > 0.0 ? atr : stop_fallback_price(p, pip, 0.0);
    double e = req->entry, tp1;
    struct stop_decision *st = &out->stop;
    double s = exit_geometry_prices(geo, side, rr, e, unit, pip, &st->price, &tp1, &q, &er);
    st->distance_pips = fabs(e - st->price) / pip;
    snprintf(st->reason, sizeof st->reason, "geometry stop %.1f %s from entry: of 1, 1.5, 2 "
             "and 3 the distance whose target at min_rr_ratio %.2f R has the highest "
             "expected_r (%+.3f, p_tp1_first %.3f)", s, atr > 0.0 ? "ATR14" : "fallback stops",
             rr, er, q);
    struct target_level *t1 = &out->targets.tp1;
    t1->present = 1;
    t1->price = tp1;
    t1->rr = fabs(t1->price - e) / fabs(e - st->price);
    snprintf(t1->reason, sizeof t1->reason, "geometry target at %.2f R (min_rr_ratio)", t1->rr);
    snprintf(out->targets.tp2.reason, sizeof out->targets.tp2.reason,
             "no TP2: geometry exit");
    snprintf(out->targets.runner_reason, sizeof out->targets.runner_reason,
             "no runner: geometry exit");
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

    if (far_entry(req, p, mkt, atr, out))
        return out->status = SETUP_REFUSED;
    char why[LIQ_REASON_LEN], sweep[LIQ_REASON_LEN] = "", stall[LIQ_REASON_LEN] = "";
    out->exit_method = exit_choose((enum exit_method)p->exit_method,
                                   mkt != NULL ? mkt->exits : NULL, why, sizeof why);
    if (out->exit_method == EXIT_GEOMETRY) {
        geometry_exit(req, p, pip, atr, atr > 0.0 ? mkt->geo : NULL, out);
    } else {
        struct liq_params sp; /* the buffer widened to the symbol's sweep depth */
        stop_params_for_sweep(p, mkt != NULL ? mkt->sweep_atr : -1.0, &sp);
        stop_select(zones, n, &sp, pip, atr, req->side, req->entry, req->regime,
                    req->transition_strength, &out->stop);
        if (sp.buffer_atr != p->buffer_atr && atr > 0.0)
            snprintf(sweep, sizeof sweep, "buffer %.2f x ATR14: the symbol's sweep depth at "
                     "stop_sweep_quantile %.2f of %u resolved holds and sweeps (buffer_atr "
                     "%.2f below it)", sp.buffer_atr, p->stop_sweep_quantile,
                     mkt->sweep_tests, p->buffer_atr);
        double front = target_front_for_stall(p, pip, atr, mkt != NULL ? mkt->stall_atr : -1.0);
        if (front != target_front_offset(p, pip, atr))
            snprintf(stall, sizeof stall, "targets %.2f x ATR14 in front of their zones: the "
                     "symbol's stall distance at target_stall_quantile %.2f of %u turns",
                     front / atr, p->target_stall_quantile, mkt->stall_turns);
        if (target_select_at(zones, n, p, pip, req->side, req->entry, out->stop.price,
                             req->trend_score, front, &out->targets) != 0) {
            add_reason(out, NULL, out->targets.reason);
            add_reason(out, "stop", out->stop.reason);
            add_reason(out, "exit", why);
            return out->status = SETUP_REFUSED;
        }
    }

    add_reason(out, "stop", out->stop.reason);
    if (sweep[0] != '\0')
        add_reason(out, "stop", sweep);
    add_reason(out, "tp1", out->targets.tp1.reason);
    if (stall[0] != '\0')
        add_reason(out, "tp1", stall);
    add_reason(out, "tp2", out->targets.tp2.reason);
    add_reason(out, "runner", out->targets.runner_reason);

    legs_split(out->targets.tp2.present, out->targets.runner, out->legs);
    worth(mkt, out);
    if (!(out->expected_r >= p->min_expected_r)) {
        char line[LIQ_REASON_LEN];
        snprintf(line, sizeof line, "expected_r %+.3f is below min_expected_r %+.2f: the "
                 "service expects this setup to lose (p_tp1_first %.3f, TP1 at %.2f R)",
                 out->expected_r, p->min_expected_r, out->p_tp1_first, out->targets.tp1.rr);
        memmove(out->reasons[1], out->reasons[0],
                (SETUP_MAX_REASONS - 1) * sizeof out->reasons[0]);
        snprintf(out->reasons[0], SETUP_REASON_LEN, "%s", line);
        out->n_reasons += out->n_reasons < SETUP_MAX_REASONS;
        return out->status = SETUP_REFUSED;
    }
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
    add_reason(out, "exit", why);
    return out->status = SETUP_OK;
}
