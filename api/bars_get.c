/*
 * bars_get.c - GET /bars?symbol=&limit=: the latest bars of a symbol, oldest first, in
 * the wire format POST /bars takes (the dashboard draws its candles from this); with
 * &from=&to= a time range [from, to) in pages of limit, &cursor= the next page.
 *
 * The bars are copied out of the symbol's log under its write lock, or read from
 * PostgreSQL when the answer reaches past the latest bars kept in memory
 * (service/bars_query.c), and rendered after the lock is released.
 */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/decode.h"
#include "api/handlers.h"
#include "api/reply_status.h"
#include "api/render.h"
#include "domain/instrument.h"
#include "service/bars_query.h"

#define BARS_DEFAULT_LIMIT 500

static void render_bars(struct textbuf *tb, const char *symbol, enum timeframe tf,
                        const struct bar *bars, size_t n, int64_t next)
{
    textbuf_append(tb, "{\"symbol\":", 10);
    textbuf_json_string(tb, symbol);
    textbuf_printf(tb, ",\"timeframe\":\"%s\",\"count\":%zu,\"bars\":[", tf_name(tf), n);
    for (size_t i = 0; i < n; i++) {
        char ts[24];
        render_ts(bars[i].ts, ts);
        textbuf_printf(tb,
                       "%s{\"symbol\":\"%s\",\"timeframe\":\"%s\",\"ts\":\"%s\",\"open\":%.15g,"
                       "\"high\":%.15g,\"low\":%.15g,\"close\":%.15g,\"volume\":%.15g}",
                       i ? "," : "", symbol, tf_name(tf), ts, bars[i].open, bars[i].high,
                       bars[i].low, bars[i].close, bars[i].volume);
    }
    if (next >= 0)
        textbuf_printf(tb, "],\"next_cursor\":\"%lld\"}", (long long)next);
    else
        textbuf_append(tb, "],\"next_cursor\":null}", 21);
}

/* ?from= / ?to= (RFC 3339 or epoch seconds) and ?cursor= (a next_cursor): 0 and the range,
 * 1 when none is given (the latest bars), -1 with a 422 written. */
static int bars_range(struct request *rq, struct reply *rp, int64_t *from, int64_t *to)
{
    static const char *const keys[] = {"from", "to", "cursor"};
    int64_t v[3] = {INT64_MIN, INT64_MAX, INT64_MIN};
    int given = 0;
    for (int k = 0; k < 3; k++) {
        const char *text = rq_param(rq, keys[k]);
        if (text == NULL)
            continue;
        given = 1;
        int bad = k == 2 ? strspn(text, "0123456789") != strlen(text) || strlen(text) > 12
                         : 0;
        if (bad || decode_time(text, &v[k]) != 0) {
            char msg[160];
            snprintf(msg, sizeof msg, "query parameter '%s' must be %s", keys[k],
                     k == 2 ? "the next_cursor of a previous page"
                            : "RFC 3339 (2022-10-10T00:00:00Z) or epoch seconds");
            reply_error(rp, 422, "invalid_parameter", msg,
                        json_pack("{s:s}", "parameter", keys[k]));
            return -1;
        }
    }
    *from = v[2] > v[0] ? v[2] : v[0];
    *to = v[1];
    return given ? 0 : 1;
}

void bars_get(struct request *rq, struct reply *rp)
{
    const char *sym = rq_param(rq, "symbol");
    long limit = (long)rq_param_number(rq, "limit", BARS_DEFAULT_LIMIT);
    int64_t from = 0, to = 0, next = -1;
    int latest = bars_range(rq, rp, &from, &to);
    if (latest < 0 || reply_unless_readable(rq, rp, sym) != 0)
        return;
    struct symbol_state *s = state_find(&rq->app->st, sym);
    struct bar *bars = NULL;
    size_t n = 0;
    enum timeframe tf = TF_M15;
    int rc = 0;
    if (s != NULL && latest)
        rc = state_recent_bars(s, (size_t)limit, &bars, &n, &tf);
    else if (s != NULL)
        rc = state_range_bars(s, from, to, (size_t)limit, &bars, &n, &tf, &next);
    if (rc == -2) { /* the stored bars could not be read: 503 + Retry-After */
        reply_status(rq, rp, LIQ_UNAVAILABLE, &(struct status_reply){.symbol = sym});
        return;
    }
    if (rc != 0) {
        reply_oom(rp);
        return;
    }
    if (s == NULL || (latest && n == 0)) {
        reply_status(rq, rp, LIQ_UNKNOWN_SYMBOL, &(struct status_reply){.symbol = sym});
        return;
    }
    struct textbuf tb = {0};
    render_bars(&tb, s->name, tf, bars, n, next);
    free(bars);
    reply_textbuf(rp, 200, "application/json", &tb);
}
