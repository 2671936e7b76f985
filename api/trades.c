/*
 * trades.c - PATCH /trades/{id}/trail, POST /trades/{id}/close, GET /trades/{id},
 * GET /trades?symbol=&status=&limit=.
 *
 * Writes go through service/trading.c (copy, commit, publish) and take an Idempotency-Key
 * (api/idempotency.h: its row commits with the update). Reads come from the
 * database - the committed state and the full history in trade_events - so a reader never
 * sees an update that was not committed; with persistence off only open trades can be
 * read, from memory, without history.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/decode.h"
#include "api/handlers.h"
#include "api/idempotency.h"
#include "api/reply_status.h"
#include "api/render.h"
#include "api/request_decode.h"
#include "api/trade_render.h"
#include "domain/instrument.h"
#include "service/reads.h"
#include "service/trading.h"

/* "42" -> 42; anything but a positive decimal integer -> -1. */
static int parse_trade_id(const char *s, uint64_t *id)
{
    if (s[0] < '1' || s[0] > '9' || strlen(s) > 18)
        return -1;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    *id = strtoull(s, NULL, 10);
    return 0;
}

static int trade_id_or_404(struct request *rq, struct reply *rp, uint64_t *id)
{
    if (parse_trade_id(rq->params[0], id) == 0)
        return 0;
    reply_error(rp, 404, "not_found", "no such trade: trade ids are integers from 1 to 999999999999999999, e.g. /trades/42",
                json_pack("{s:s}", "id", rq->params[0]));
    return -1;
}

static json_t *events_json(const char *symbol, const struct trail_events *ev)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < ev->n; i++) {
        const struct trail_event *e = &ev->ev[i];
        json_array_append_new(a, json_pack("{s:s, s:f, s:f, s:o}", "type",
                                           trail_event_name((enum trail_event_type)e->type),
                                           "price", e->price, "fraction", e->fraction,
                                           "zone_id", render_zone_ref_json(symbol, e->zone_id)));
    }
    return a;
}

static json_t *update_json(const struct trading_update *u)
{
    const struct trade *t = &u->trade;
    json_t *j = json_pack("{s:I, s:s, s:f, s:f, s:o, s:b, s:f, s:o}", "trade_id",
                          (json_int_t)t->id, "status",
                          t->status == TRADE_CLOSED ? "closed" : "open", "stop_price", t->stop,
                          "remaining_fraction", t->remaining, "events", events_json(u->symbol, &u->ev),
                          "duplicate", u->duplicate, "realised_r", render_ratio(t->realised_r),
                          "close_reason", t->status == TRADE_CLOSED
                                              ? json_string(t->close_reason) : json_null());
    return j;
}

/* The JSON body of a write, or NULL with 415/400 written. */
static json_t *write_body(struct request *rq, struct reply *rp)
{
    if (!rq_content_type_is(rq, "application/json")) {
        reply_error(rp, 415, "unsupported_media_type", "this route takes application/json",
                    NULL);
        return NULL;
    }
    return rq_json(rq, rp);
}

static void reply_problem(struct reply *rp, const struct decode_problem *p)
{
    reply_error(rp, 422, "invalid_request", p->message,
                p->field[0] ? json_pack("{s:s}", "field", p->field) : NULL);
}

/* What an Idempotency-Key stores for a trail or a close: the 200 answer, rendered from the
 * update the service holds right before its COMMIT. */
static int render_update(void *ctx, int64_t unused_a, int64_t unused_b, int *status,
                         char **body)
{
    (void)unused_a;
    (void)unused_b;
    return idem_render_json(update_json(ctx), 200, status, body);
}

/* PATCH /trades/{id}/trail (close = 0) and POST /trades/{id}/close (close = 1): the id,
 * the JSON body decoded field by field, the Idempotency-Key, the service update, its
 * reply. */
static void trade_update_route(struct request *rq, struct reply *rp, int close)
{
    uint64_t id = 0;
    if (trade_id_or_404(rq, rp, &id) != 0)
        return;
    json_t *j = write_body(rq, rp);
    if (j == NULL)
        return;
    double price = 0, high = 0, low = 0;
    int64_t ts = TRADE_TS_NONE;
    struct decode_problem prob;
    int bad = close ? decode_close(j, &price, &ts, &prob)
                    : decode_trail(j, &price, &high, &low, &ts, &prob);
    struct trading_update u;
    struct idem key;
    if (bad != 0) {
        reply_problem(rp, &prob);
    } else if (idem_begin(rq, rp, close ? "trades/close" : "trades/trail", u.symbol,
                          render_update, &u, &key) == 0) {
        /* u.symbol: the trade's, filled by the service before the key is stored */
        char msg[LIQ_REASON_LEN] = "";
        struct app *a = rq->app;
        struct idem_pending *p = idem_pending(&key);
        enum liq_status st =
            close ? trading_close(&a->st, a->trading, id, price, ts, p, &u, msg, sizeof msg)
                  : trading_trail(&a->st, a->trading, id, price, high, low, ts, p, &u, msg,
                                  sizeof msg);
        if (st == LIQ_OK)
            reply_json(rp, 200, update_json(&u));
        else /* 421/503 name no symbol: the request named a trade id */
            reply_status(rq, rp, st, &(struct status_reply){.message = msg, .owner = msg,
                                                            .trade_id = id});
        idem_end(rq, rp, &key, st == LIQ_OK);
    }
    json_decref(j);
}

void trades_trail(struct request *rq, struct reply *rp)
{
    trade_update_route(rq, rp, 0);
}

void trades_close(struct request *rq, struct reply *rp)
{
    trade_update_route(rq, rp, 1);
}

/* --- reads --------------------------------------------------------------------------- */

/* A trade's history and, among it, its stop moves (opened, stop_moved). */
static json_t *history_json(const char *symbol, const struct trade_event_record *ev,
                            size_t n, json_t **stop_moves)
{
    json_t *h = json_array();
    *stop_moves = json_array();
    for (size_t i = 0; h && *stop_moves && i < n; i++) {
        const struct trade_event_record *r = &ev[i];
        json_t *ts = trade_ts_json(r->ts);
        json_t *zone = r->has_zone ? render_zone_ref_json(symbol, r->zone_id) : json_null();
        json_t *stop = r->has_stop ? json_real(r->stop) : json_null();
        json_t *rem = r->has_remaining ? json_real(r->remaining) : json_null();
        json_t *e = json_pack("{s:i, s:o, s:s, s:f, s:o, s:o, s:f, s:o}", "seq", r->seq, "ts",
                              ts, "type", r->kind, "price", r->price, "stop_price", stop,
                              "zone_id", zone, "fraction", r->fraction, "remaining", rem);
        if (strcmp(r->kind, "opened") == 0 || strcmp(r->kind, "stop_moved") == 0)
            json_array_append_new(*stop_moves,
                              json_pack("{s:O, s:O, s:O}", "ts", json_object_get(e, "ts"),
                                        "stop_price", json_object_get(e, "stop_price"),
                                        "zone_id", json_object_get(e, "zone_id")));
        json_array_append_new(h, e);
    }
    return h;
}

void trades_get(struct request *rq, struct reply *rp)
{
    uint64_t id = 0;
    if (trade_id_or_404(rq, rp, &id) != 0)
        return;
    char symbol[33];
    struct trade t;
    if (!rq->app->st.persist) {
        if (trading_get_open(rq->app->trading, id, symbol, sizeof symbol, &t) != 0) {
            reply_error(rp, 404, "not_found", "no such open trade (persistence is off)",
                        json_pack("{s:I}", "trade_id", (json_int_t)id));
            return;
        }
        json_t *j = trade_render_json(symbol, &t);
        if (j != NULL)
            json_object_set_new(j, "history", json_null());
        reply_json(rp, 200, j);
        return;
    }
    struct trade_record rec;
    struct trade_event_record *ev = NULL;
    size_t nev = 0;
    enum liq_status rs = reads_trade(id, &rec, &ev, &nev);
    if (rs != LIQ_OK) {
        free(ev);
        reply_status(rq, rp, rs, &(struct status_reply){.trade_id = id});
        return;
    }
    json_t *moves = NULL;
    json_t *hist = history_json(rec.symbol, ev, nev, &moves);
    free(ev);
    if (hist == NULL) {
        json_decref(moves);
        reply_unavailable(rp, rq);
        return;
    }
    json_t *j = trade_render_json(rec.symbol, &rec.t);
    if (j != NULL) {
        json_object_set_new(j, "history", hist);
        json_object_set_new(j, "stop_moves", moves ? moves : json_array());
    } else {
        json_decref(hist);
        json_decref(moves);
    }
    reply_json(rp, 200, j);
}

void trades_list(struct request *rq, struct reply *rp)
{
    const char *symbol = rq_param(rq, "symbol");
    const char *status = rq_param(rq, "status");
    long limit = (long)rq_param_number(rq, "limit", 100);
    if (!rq->app->st.persist) {
        reply_error(rp, 503, "persistence_off",
                    "listing trades reads the database; liquidity_db_persist is off", NULL);
        return;
    }
    struct trade_record *rows = NULL;
    size_t n = 0;
    if (reads_trades(symbol, status, limit, &rows, &n) != LIQ_OK) {
        reply_unavailable(rp, rq);
        return;
    }
    json_t *trades = json_array();
    for (size_t i = 0; trades && i < n; i++)
        json_array_append_new(trades, trade_render_json(rows[i].symbol, &rows[i].t));
    free(rows);
    json_t *j = json_pack("{s:o, s:o, s:o, s:I}", "symbol", symbol ? json_string(symbol)
                                                                    : json_null(),
                          "status", status ? json_string(status) : json_null(), "trades",
                          trades ? trades : json_array(), "count",
                          (json_int_t)(trades ? json_array_size(trades) : 0));
    reply_json(rp, 200, j);
}
