/*
 * symbols.c - DELETE /symbols/{symbol}[?force=true]: everything of a symbol gone in one
 * transaction (bars, zones and their events, trades and their decisions and events,
 * learner statistics, reports), so a wrong upload is never permanent. Open trades make it
 * a 409 unless forced. The answer says what was removed.
 *
 * An Idempotency-Key's row commits in the same transaction, after the symbol's own keys
 * are deleted, and names no symbol: a later DELETE of the symbol does not forget it, so a
 * late retry replays the first answer instead of deleting what was uploaded since.
 */
#include <stdio.h>
#include <string.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/idempotency.h"
#include "api/reply_status.h"
#include "domain/instrument.h"
#include "service/symbol_delete.h"
#include "service/trading.h"

/* The 200 answer: what was removed. */
struct delete_answer {
    const char *name;
    struct symbol_deleted *d;     /* filled by the service before its COMMIT */
};

static json_t *deleted_json(const struct delete_answer *x)
{
    return json_pack("{s:s, s:I, s:I, s:I, s:I}", "deleted", x->name, "bars",
                     (json_int_t)x->d->bars, "zones", (json_int_t)x->d->zones, "trades",
                     (json_int_t)x->d->trades, "other_rows", (json_int_t)x->d->other_rows);
}

/* What an Idempotency-Key stores: the answer, from the counts the transaction deleted. */
static int render_deleted(void *ctx, int64_t unused_a, int64_t unused_b, int *status,
                          char **body)
{
    (void)unused_a;
    (void)unused_b;
    return idem_render_json(deleted_json(ctx), 200, status, body);
}

/* The delete itself: 421, 404, 409 or its answer written to rp; the status. */
static enum liq_status delete_symbol(struct request *rq, struct reply *rp,
                                     struct delete_answer *answer, struct idem_pending *idem)
{
    const char *sym = rq->params[0];
    /* another instance's symbol: 421 naming it (docs/scaling.md) */
    if (instrument_valid_symbol(sym) && reply_unless_readable(rq, rp, sym) != 0)
        return LIQ_MISDIRECTED;
    struct symbol_state *s = instrument_valid_symbol(sym) ? state_find(&rq->app->st, sym) : NULL;
    struct zone_snapshot *snap = s ? snapshot_acquire(s) : NULL;
    int empty = snap == NULL || snap->bar_count == 0;
    snapshot_release(snap);
    if (empty) {
        reply_status(rq, rp, LIQ_UNKNOWN_SYMBOL, &(struct status_reply){.symbol = sym});
        return LIQ_UNKNOWN_SYMBOL;
    }
    answer->name = s->name;
    struct delete_hooks h = {trading_open_of, trading_forget_symbol, rq->app->trading};
    struct symbol_deleted *d = answer->d;
    char owner[160];
    enum liq_status st = symbol_delete(&rq->app->st, s, &h, rq_param_is(rq, "force", "true"),
                                       idem, d, owner, sizeof owner);
    if (st != LIQ_OK)
        reply_status(rq, rp, st, &(struct status_reply){.symbol = s->name, .owner = owner,
                                                        .count = d->trades});
    else
        reply_json(rp, 200, deleted_json(answer));
    return st;
}

void symbols_delete(struct request *rq, struct reply *rp)
{
    struct symbol_deleted d;
    struct delete_answer answer = {rq->params[0], &d};
    struct idem key;
    /* before the 404: a retry of a committed delete finds the symbol empty and is
     * answered the delete's answer */
    if (idem_begin(rq, rp, "symbols/delete", NULL, render_deleted, &answer, &key) != 0)
        return;
    enum liq_status st = delete_symbol(rq, rp, &answer, idem_pending(&key));
    idem_end(rq, rp, &key, st == LIQ_OK);
}
