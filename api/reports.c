/*
 * reports.c - GET /reports/liquidity?symbol=&period=daily|weekly&limit=.
 *
 * A liquidity quality score per UTC day (or week starting Monday) from what the zones did
 * in it (zone_events: holds, breaks, sweeps, new zones) and, as context, the trades
 * closed in it. The formula (docs/trading.md section 8) is domain/liquidity_report.c; the
 * use case (read, score, store the returned periods in one transaction before the answer,
 * so the stored rows are exactly what was returned) is service/reports.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/reply_status.h"
#include "api/render.h"
#include "domain/instrument.h"
#include "service/reports.h"

static json_t *row_json(const struct report_row *r)
{
    char ts[24];
    render_ts(r->period_start, ts);
    return json_pack("{s:s, s:f, s:{s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:I, s:I, s:f}}",
                     "period_start", ts, "score", r->score, "components", "holds",
                     (json_int_t)r->holds, "breaks", (json_int_t)r->breaks, "sweeps",
                     (json_int_t)r->sweeps, "created", (json_int_t)r->created, "held_zones",
                     (json_int_t)r->held_zones, "hold_rate", r->hold_rate, "sweep_share",
                     r->sweep_share, "coverage", r->coverage, "trades_closed",
                     (json_int_t)r->trades_closed, "trades_won", (json_int_t)r->trades_won,
                     "trades_r", r->trades_r);
}

void reports_liquidity(struct request *rq, struct reply *rp)
{
    const char *symbol = rq_param(rq, "symbol");
    const char *period = rq_param(rq, "period");
    long limit = (long)rq_param_number(rq, "limit", 400);
    /* the report is computed and stored by the symbol's owner (docs/scaling.md) */
    if (reply_unless_readable(rq, rp, symbol) != 0)
        return;
    struct symbol_state *s = state_find(&rq->app->st, symbol);
    struct zone_snapshot *snap = s ? snapshot_acquire(s) : NULL;
    int known = snap != NULL && snap->bar_count > 0;
    snapshot_release(snap);
    if (!known) {
        reply_status(rq, rp, LIQ_UNKNOWN_SYMBOL, &(struct status_reply){.symbol = symbol});
        return;
    }
    if (!rq->app->st.persist) {
        reply_error(rp, 503, "persistence_off",
                    "reports are computed from the database; liquidity_db_persist is off", NULL);
        return;
    }
    struct report_row *rows = NULL;
    size_t n = 0;
    enum liq_status st = reports_liquidity_run(&rq->app->st, symbol, period, limit, &rows, &n);
    if (st != LIQ_OK) {
        reply_status(rq, rp, st, &(struct status_reply){.symbol = symbol});
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; list && i < n; i++)
        json_array_append_new(list, row_json(&rows[i]));
    free(rows);
    reply_json(rp, 200, json_pack("{s:s, s:s, s:o, s:I}", "symbol", symbol, "period", period,
                                  "reports", list ? list : json_array(), "count",
                                  (json_int_t)n));
}
