/*
 * bars_get.c - GET /bars?symbol=&limit=: the latest bars of a symbol, oldest first, in
 * the wire format POST /bars takes. The dashboard draws its candles from this.
 *
 * The bars are copied out of the symbol's log under its write lock
 * (service/bars_query.c) and rendered after the lock is released.
 */
#include <stdio.h>
#include <stdlib.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/render.h"
#include "domain/instrument.h"
#include "service/bars_query.h"

#define BARS_DEFAULT_LIMIT 500
#define BARS_MAX_LIMIT 100000

static void render_bars(struct textbuf *tb, const char *symbol, enum timeframe tf,
                        const struct bar *bars, size_t n)
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
    textbuf_append(tb, "]}", 2);
}

void bars_get(struct request *rq, struct reply *rp)
{
    const char *sym = rq_query(rq, "symbol");
    if (sym == NULL || !instrument_valid_symbol(sym)) {
        reply_error(rp, 422, "invalid_parameter",
                    "query parameter 'symbol' must match " INSTRUMENT_SYMBOL_RULE,
                    json_pack("{s:s}", "parameter", "symbol"));
        return;
    }
    long limit = BARS_DEFAULT_LIMIT;
    if (rq_query_long(rq, rp, "limit", 1, BARS_MAX_LIMIT, &limit) < 0)
        return;
    struct symbol_state *s = state_find(&rq->app->st, sym);
    struct bar *bars = NULL;
    size_t n = 0;
    enum timeframe tf = TF_M15;
    if (s != NULL && state_recent_bars(s, (size_t)limit, &bars, &n, &tf) != 0) {
        reply_oom(rp);
        return;
    }
    if (s == NULL || n == 0) {
        reply_error(rp, 404, "unknown_symbol", "no bars were received for this symbol",
                    json_pack("{s:s}", "symbol", sym));
        return;
    }
    struct textbuf tb = {0};
    render_bars(&tb, s->name, tf, bars, n);
    free(bars);
    reply_textbuf(rp, 200, "application/json", &tb);
}
