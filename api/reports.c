/*
 * reports.c - GET /reports/liquidity?symbol=&period=daily|weekly&limit=.
 *
 * A liquidity quality score per UTC day (or week starting Monday) from what the zones did
 * in it (zone_events: holds, breaks, sweeps, new zones) and, as context, the trades
 * closed in it. The formula is docs/trading.md section 8:
 *   hold_rate   = (holds + 1) / (holds + breaks + sweeps + 2)
 *   sweep_share = sweeps / (holds + breaks + sweeps + 2)
 *   coverage    = min(1, distinct zones that held / 5)
 *   score       = 100 x (0.5 hold_rate + 0.2 (1 - sweep_share) + 0.3 coverage)
 * Each returned period is upserted into liquidity_reports in one transaction before the
 * answer, so the stored rows are exactly what was returned.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/handlers.h"
#include "api/render.h"
#include "domain/instrument.h"
#include "service/app.h"
#include "storage/stores.h"

#define REPORT_COVERAGE_ZONES 5.0

/* Fills the derived fields of r from its counts. */
static void report_score(struct report_row *r)
{
    double outcomes = (double)(r->holds + r->breaks + r->sweeps);
    r->hold_rate = ((double)r->holds + 1.0) / (outcomes + 2.0);
    r->sweep_share = (double)r->sweeps / (outcomes + 2.0);
    r->coverage = fmin(1.0, (double)r->held_zones / REPORT_COVERAGE_ZONES);
    double s = 100.0 * (0.5 * r->hold_rate + 0.2 * (1.0 - r->sweep_share) + 0.3 * r->coverage);
    r->score = round(s * 100.0) / 100.0;
}

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

static int store_rows(PGconn *c, const char *symbol, const char *period,
                      const struct report_row *rows, size_t n)
{
    if (pg_command(c, "BEGIN") != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (reports_store_upsert(c, symbol, period, &rows[i]) != 0) {
            PQclear(PQexec(c, "ROLLBACK"));
            return -1;
        }
    }
    if (pg_command(c, "COMMIT") != 0) {
        PQclear(PQexec(c, "ROLLBACK"));
        return -1;
    }
    return 0;
}

void reports_liquidity(struct request *rq, struct reply *rp)
{
    const char *symbol = rq_query(rq, "symbol");
    const char *period = rq_query(rq, "period");
    long limit = 400;
    if (symbol == NULL || !instrument_valid_symbol(symbol)) {
        reply_error(rp, 422, "invalid_parameter",
                    "query parameter 'symbol' must match " INSTRUMENT_SYMBOL_RULE,
                    json_pack("{s:s}", "parameter", "symbol"));
        return;
    }
    if (period == NULL || (strcmp(period, "daily") != 0 && strcmp(period, "weekly") != 0)) {
        reply_error(rp, 422, "invalid_parameter",
                    "query parameter 'period' must be daily or weekly",
                    json_pack("{s:s}", "parameter", "period"));
        return;
    }
    if (rq_query_long(rq, rp, "limit", 1, 10000, &limit) < 0)
        return;
    struct symbol_state *s = state_find(&rq->app->st, symbol);
    struct zone_snapshot *snap = s ? snapshot_acquire(s) : NULL;
    int known = snap != NULL && snap->bar_count > 0;
    snapshot_release(snap);
    if (!known) {
        reply_error(rp, 404, "unknown_symbol", "no bars were received for this symbol",
                    json_pack("{s:s}", "symbol", symbol));
        return;
    }
    if (!rq->app->st.persist) {
        reply_error(rp, 503, "persistence_off",
                    "reports are computed from the database; liquidity_db_persist is off", NULL);
        return;
    }
    PGconn *c = pg_conn();
    struct report_row *rows = NULL;
    size_t n = 0;
    const char *unit = strcmp(period, "daily") == 0 ? "day" : "week";
    if (c == NULL || reports_store_collect(c, symbol, unit, &rows, &n) != 0) {
        reply_unavailable(rp, rq->app);
        return;
    }
    /* the most recent `limit` periods, oldest first */
    size_t from = n > (size_t)limit ? n - (size_t)limit : 0;
    for (size_t i = from; i < n; i++)
        report_score(&rows[i]);
    if (store_rows(c, symbol, period, rows + from, n - from) != 0) {
        free(rows);
        reply_unavailable(rp, rq->app);
        return;
    }
    json_t *list = json_array();
    for (size_t i = from; list && i < n; i++)
        json_array_append_new(list, row_json(&rows[i]));
    free(rows);
    reply_json(rp, 200, json_pack("{s:s, s:s, s:o, s:I}", "symbol", symbol, "period", period,
                                  "reports", list ? list : json_array(), "count",
                                  (json_int_t)(n - from)));
}
