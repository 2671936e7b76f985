/*
 * reply_status.c - see reply_status.h.
 */
#include "api/reply_status.h"

#include <stdio.h>

#include "api/app.h"
#include "service/ownership.h"

static json_t *owner_details(const char *symbol, const char *owner)
{
    return json_pack("{s:s?, s:s?}", "symbol", symbol, "owner",
                     owner != NULL && owner[0] ? owner : NULL);
}

static json_t *items_json(const struct status_reply *r)
{
    json_t *items = json_array();
    size_t shown = r->nitems < 16 ? r->nitems : 16;
    for (size_t i = 0; items && i < shown; i++)
        json_array_append_new(items, json_pack("{s:I, s:s}", r->where ? r->where : "index",
                                               (json_int_t)r->items[i].index, "reason",
                                               r->items[i].reason));
    return json_pack("{s:o, s:I}", "items", items ? items : json_array(), "invalid",
                     (json_int_t)r->nitems);
}

void reply_status(struct request *rq, struct reply *rp, enum liq_status st,
                  const struct status_reply *r)
{
    static const struct status_reply none = {0};
    if (r == NULL)
        r = &none;
    json_t *details = r->details;
    const char *msg = r->message != NULL ? r->message : "";
    json_t *trade = json_pack("{s:I}", "trade_id", (json_int_t)r->trade_id);
    char text[160];
    switch (st) {
    case LIQ_INVALID:
        reply_error(rp, 422, "invalid_request", msg, NULL);
        break;
    case LIQ_INVALID_BARS:
        /* the same shape as a decode error's (api/bars.c): each item says why */
        snprintf(text, sizeof text, "%zu invalid bar(s); nothing was applied", r->nitems);
        reply_error(rp, 422, "invalid_bars", text, items_json(r));
        break;
    case LIQ_REFUSED:
        reply_error(rp, 422, "setup_refused", msg, details);
        details = NULL;
        break;
    case LIQ_UNKNOWN_SYMBOL:
        reply_error(rp, 404, "unknown_symbol", "no bars were received for this symbol",
                    json_pack("{s:s?}", "symbol", r->symbol));
        break;
    case LIQ_NOT_FOUND:
        reply_error(rp, 404, "not_found", "no such trade", trade);
        trade = NULL;
        break;
    case LIQ_CLOSED:
        reply_error(rp, 409, "trade_closed", "the trade is closed; nothing was changed", trade);
        trade = NULL;
        break;
    case LIQ_CONFLICT:
        reply_error(rp, 409, "timeframe_conflict", msg, NULL);
        break;
    case LIQ_OPEN_TRADES:
        snprintf(text, sizeof text, "%s has %ld open trade(s); close them or pass ?force=true",
                 r->symbol ? r->symbol : "the symbol", r->count);
        reply_error(rp, 409, "open_trades", text,
                    json_pack("{s:I}", "open_trades", (json_int_t)r->count));
        break;
    case LIQ_MISDIRECTED:
        reply_error(rp, 421, "misdirected",
                    "this instance does not own the symbol; nothing was changed - send it to "
                    "the owner (the proxy routes by symbol)",
                    owner_details(r->symbol, r->owner));
        break;
    case LIQ_MOVING:
        reply_error(rp, 503, "symbol_moving",
                    "the symbol is being handed over between instances; nothing was changed, "
                    "retry after Retry-After",
                    owner_details(r->symbol, r->owner));
        rp->retry_after = state_live(&rq->app->st)->retry_after_s;
        rp->symbol_moving = 1; /* not a database outage (api/http.c note_database) */
        break;
    case LIQ_UNAVAILABLE:
        reply_unavailable(rp, rq);
        break;
    case LIQ_FULL:
        reply_error(rp, 507, "too_many_symbols",
                    "no room for another symbol: the setting max_symbols is reached", NULL);
        break;
    case LIQ_OK:    /* not an error: the handler renders its own answer */
    case LIQ_NOMEM:
        reply_oom(rp);
        break;
    }
    json_decref(details);
    json_decref(trade);
}

int reply_unless_readable(struct request *rq, struct reply *rp, const char *symbol)
{
    char owner[160];
    enum liq_status st = own_read(rq->app->st.own, symbol, owner, sizeof owner);
    if (st == LIQ_OK || st == LIQ_UNKNOWN_SYMBOL)
        return 0;
    reply_status(rq, rp, st, &(struct status_reply){.symbol = symbol, .owner = owner});
    return -1;
}
