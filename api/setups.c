/*
 * setups.c - POST /setups (?dry_run=true): a stop, targets, legs and risk for an entry,
 * and, unless dry_run, the trade they open.
 *
 * The body is checked field by field before anything runs (api/request_decode.c: 400 not
 * JSON, 415 not application/json, 422 a missing, unknown or mistyped field, 404 a symbol
 * without bars).
 * The decision itself is service/trading_setup.c's: a refusal (CHAOTIC, no target meeting the
 * RR) is a 422 with the reason and stores nothing. A dry run computes the same answer
 * and records nothing at all - no decision rows, no trade - so it can be called freely.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/idempotency.h"
#include "api/reply_status.h"
#include "api/render.h"
#include "api/request_decode.h"
#include "domain/instrument.h"
#include "service/trading.h"

static void invalid(struct reply *rp, const char *field, const char *message)
{
    reply_error(rp, 422, "invalid_request", message,
                field && field[0] ? json_pack("{s:s}", "field", field) : NULL);
}

static json_t *target_json(const char *symbol, const struct target_level *t)
{
    if (!t->present)
        return json_null();
    return json_pack("{s:f, s:o, s:f, s:f, s:s}", "price", t->price, "zone_id",
                     render_zone_ref_json(symbol, t->zone_id), "rr", render_ratio(t->rr),
                     "zone_strength", render_ratio((double)t->zone_strength), "reason",
                     t->reason);
}

static json_t *legs_json(const struct setup_result *r)
{
    json_t *legs = json_array();
    for (int i = 0; legs && i < LEG_COUNT; i++) {
        if (r->legs[i] <= 0.0)
            continue;
        json_t *leg = json_pack("{s:s, s:f}", "name", leg_name((enum leg)i), "fraction",
                                r->legs[i]);
        if (leg != NULL && r->size.sized)
            json_object_set_new(leg, "qty", json_real(r->size.qty[i]));
        json_array_append_new(legs, leg);
    }
    return legs;
}

static json_t *risk_json(const struct setup_result *r)
{
    json_t *factors = json_array();
    for (size_t i = 0; factors && i < r->risk.n_factors; i++)
        json_array_append_new(factors, json_pack("{s:s, s:f}", "name", r->risk.factors[i].name,
                                                 "value", r->risk.factors[i].value));
    json_t *risk = json_pack("{s:f, s:o, s:f, s:i}", "multiplier", r->risk.multiplier,
                             "factors", factors ? factors : json_array(),
                             "zones_mean_strength", render_ratio(r->risk.zones_mean_strength),
                             "qualifying_zones", r->risk.qualifying);
    if (risk != NULL && r->size.sized) {
        json_object_set_new(risk, "base_qty", json_real(r->size.base_qty));
        json_object_set_new(risk, "total_qty", json_real(r->size.total_qty));
    }
    return risk;
}

static json_t *reasons_json(const struct setup_result *r)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < r->n_reasons; i++)
        json_array_append_new(a, json_string(r->reasons[i]));
    return a;
}

static json_t *stop_json(const char *symbol, const struct stop_decision *s)
{
    return json_pack("{s:f, s:o, s:f, s:b, s:f, s:s}", "price", s->price, "zone_id",
                     render_zone_ref_json(symbol, s->zone_id), "buffer_pips", render_ratio(s->buffer_pips),
                     "fallback", s->fallback, "distance_pips", render_ratio(s->distance_pips), "reason", s->reason);
}

/* A refusal's details: its reasons, and the stop when one was placed before the refusal
 * (no target met min_rr_ratio); null when the setup was refused before any stop (CHAOTIC,
 * an entry too far from the last close), never a made-up stop at price 0. */
static json_t *refused_json(const char *symbol, const struct setup_result *r)
{
    json_t *stop = r->stop.price > 0.0 ? stop_json(symbol, &r->stop) : json_null();
    return json_pack("{s:o, s:o}", "reasons", reasons_json(r), "stop", stop);
}

static json_t *setup_json(const char *symbol, const struct setup_result *r, uint64_t trade_id,
                          int dry_run)
{
    json_t *id = trade_id ? json_integer((json_int_t)trade_id) : json_null();
    json_t *j = json_pack(
        "{s:o, s:o, s:b, s:s, s:s, s:f, s:o, s:o, s:o, s:{s:b, s:s}, s:o, s:o, s:o, s:f, s:f, "
        "s:f, s:s}",
        "setup_id", json_incref(id), "trade_id", id, "dry_run", dry_run, "symbol", symbol,
        "side", side_name(r->req.side), "entry", r->req.entry, "stop", stop_json(symbol, &r->stop),
        "tp1", target_json(symbol, &r->targets.tp1), "tp2", target_json(symbol, &r->targets.tp2),
        "runner", "enabled", r->targets.runner, "reason", r->targets.runner_reason, "legs",
        legs_json(r), "risk", risk_json(r), "reasons", reasons_json(r), "p_tp1_first",
        r->p_tp1_first, "p_tp2_after_tp1", r->p_tp2_after_tp1, "expected_r", r->expected_r,
        "exit_method", exit_method_name(r->exit_method));
    return j;
}

/* What an Idempotency-Key stores for an opened trade: the 201 answer, with its id. */
struct setup_answer {
    const char *symbol;
    const struct setup_result *res;
};

static int render_setup(void *ctx, int64_t trade_id, int64_t unused, int *status, char **body)
{
    (void)unused;
    const struct setup_answer *sa = ctx;
    return idem_render_json(setup_json(sa->symbol, sa->res, (uint64_t)trade_id, 0), 201,
                            status, body);
}

void setups_post(struct request *rq, struct reply *rp)
{
    struct app *a = rq->app;
    if (!rq_content_type_is(rq, "application/json")) {
        reply_error(rp, 415, "unsupported_media_type", "POST /setups takes application/json",
                    NULL);
        return;
    }
    int dry = rq_param_is(rq, "dry_run", "true");
    json_t *body = rq_json(rq, rp);
    if (body == NULL)
        return;
    char symbol[33];
    struct setup_request req;
    struct decode_problem prob;
    if (decode_setup(body, symbol, &req, &prob) != 0) {
        invalid(rp, prob.field, prob.message);
        json_decref(body);
        return;
    }
    struct setup_result res;
    memset(&res, 0, sizeof res);
    uint64_t trade_id = 0;
    char msg[SETUP_REASON_LEN] = "";
    struct setup_answer answer = {symbol, &res};
    struct idem id;
    if (idem_begin(rq, rp, "setups", symbol, render_setup, &answer, &id) != 0) {
        json_decref(body);
        return;
    }
    enum liq_status st = trading_setup(&a->st, a->trading, symbol, &req, dry,
                                       idem_pending(&id), &res, &trade_id, msg, sizeof msg);
    if (st == LIQ_OK)
        reply_json(rp, dry ? 200 : 201, setup_json(symbol, &res, trade_id, dry));
    else
        reply_status(rq, rp, st, &(struct status_reply){
            .message = msg, .symbol = symbol, .owner = msg,
            .details = st == LIQ_REFUSED ? refused_json(symbol, &res) : NULL});
    idem_end(rq, rp, &id, st == LIQ_OK);
    json_decref(body);
}
