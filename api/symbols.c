/*
 * symbols.c - DELETE /symbols/{symbol}[?force=true]: everything of a symbol gone in one
 * transaction (bars, zones and their events, trades and their decisions and events,
 * learner statistics, reports), so a wrong upload is never permanent. Open trades make it
 * a 409 unless forced. The answer says what was removed.
 */
#include <stdio.h>
#include <string.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/owner_reply.h"
#include "domain/instrument.h"
#include "service/trading.h"

void symbols_delete(struct request *rq, struct reply *rp)
{
    const char *sym = rq->params[0];
    const char *force = rq_query(rq, "force");
    if (force != NULL && strcmp(force, "true") != 0 && strcmp(force, "false") != 0) {
        reply_bad_query(rp, "force", "must be true or false");
        return;
    }
    /* another instance's symbol: 421 naming it (docs/scaling.md) */
    if (instrument_valid_symbol(sym) && reply_unless_readable(rq, rp, sym) != 0)
        return;
    struct symbol_state *s = instrument_valid_symbol(sym) ? state_find(&rq->app->st, sym) : NULL;
    struct zone_snapshot *snap = s ? snapshot_acquire(s) : NULL;
    int empty = snap == NULL || snap->bar_count == 0;
    snapshot_release(snap);
    if (empty) {
        reply_error(rp, 404, "unknown_symbol", "no bars were received for this symbol",
                    json_pack("{s:s}", "symbol", sym));
        return;
    }
    struct delete_hooks h = {trading_open_of, trading_forget_symbol, rq->app->trading};
    struct symbol_deleted d;
    /* no Idempotency-Key on DELETE: a repeat finds nothing (404) */
    enum delete_status st = state_delete_symbol(&rq->app->st, s, &h,
                                                force != NULL && strcmp(force, "true") == 0,
                                                NULL, &d);
    switch (st) {
    case DELETE_OK:
        reply_json(rp, 200, json_pack("{s:s, s:I, s:I, s:I, s:I}", "deleted", s->name, "bars",
                                      (json_int_t)d.bars, "zones", (json_int_t)d.zones,
                                      "trades", (json_int_t)d.trades, "other_rows",
                                      (json_int_t)d.other_rows));
        return;
    case DELETE_OPEN_TRADES: {
        char msg[160];
        snprintf(msg, sizeof msg, "%s has %ld open trade(s); close them or pass ?force=true",
                 s->name, d.trades);
        reply_error(rp, 409, "open_trades", msg, json_pack("{s:I}", "open_trades",
                                                           (json_int_t)d.trades));
        return;
    }
    case DELETE_UNAVAILABLE:
        reply_unavailable(rp, rq->app);
        return;
    case DELETE_MISDIRECTED:
        reply_misdirected(rp, s->name, NULL);
        return;
    case DELETE_MOVING:
        reply_moving(rp, rq->app, s->name, NULL);
        return;
    case DELETE_NOMEM:
        break;
    }
    reply_oom(rp);
}
