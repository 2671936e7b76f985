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
#include "api/reply_status.h"
#include "domain/instrument.h"
#include "service/symbol_delete.h"
#include "service/trading.h"

void symbols_delete(struct request *rq, struct reply *rp)
{
    const char *sym = rq->params[0];
    /* another instance's symbol: 421 naming it (docs/scaling.md) */
    if (instrument_valid_symbol(sym) && reply_unless_readable(rq, rp, sym) != 0)
        return;
    struct symbol_state *s = instrument_valid_symbol(sym) ? state_find(&rq->app->st, sym) : NULL;
    struct zone_snapshot *snap = s ? snapshot_acquire(s) : NULL;
    int empty = snap == NULL || snap->bar_count == 0;
    snapshot_release(snap);
    if (empty) {
        reply_status(rq, rp, LIQ_UNKNOWN_SYMBOL, &(struct status_reply){.symbol = sym});
        return;
    }
    struct delete_hooks h = {trading_open_of, trading_forget_symbol, rq->app->trading};
    struct symbol_deleted d;
    char owner[160];
    /* no Idempotency-Key on DELETE: a repeat finds nothing (404) */
    enum liq_status st = symbol_delete(&rq->app->st, s, &h,
                                       rq_param_is(rq, "force", "true"), NULL, &d,
                                       owner, sizeof owner);
    if (st != LIQ_OK) {
        reply_status(rq, rp, st, &(struct status_reply){.symbol = s->name, .owner = owner,
                                                        .count = d.trades});
        return;
    }
    reply_json(rp, 200, json_pack("{s:s, s:I, s:I, s:I, s:I}", "deleted", s->name, "bars",
                                  (json_int_t)d.bars, "zones", (json_int_t)d.zones, "trades",
                                  (json_int_t)d.trades, "other_rows", (json_int_t)d.other_rows));
}
