/*
 * reports_store.c - the raw counts behind GET /reports/liquidity and its stored rows.
 *
 * Two grouped queries give, per UTC day or ISO week (Monday 00:00 UTC), the zone outcomes
 * recorded in zone_events and the trades closed in liquidity_trades; the service turns
 * them into a score (docs/trading.md section 8) and upserts one liquidity_reports row per
 * period.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/stores.h"
#include "base/grow.h"

/* Finds or appends the row of period p in a list sorted by period_start. */
static struct report_row *row_for(struct report_row **rows, size_t *n, size_t *cap, int64_t p)
{
    for (size_t i = 0; i < *n; i++)
        if ((*rows)[i].period_start == p)
            return &(*rows)[i];
    struct report_row *nr = grow_array(*rows, cap, *n + 1, sizeof *nr, 64);
    if (nr == NULL)
        return NULL;
    *rows = nr;
    size_t at = *n;
    while (at > 0 && (*rows)[at - 1].period_start > p)
        at--;
    memmove(&(*rows)[at + 1], &(*rows)[at], (*n - at) * sizeof **rows);
    (*n)++;
    (*rows)[at] = (struct report_row){.period_start = p};
    return &(*rows)[at];
}

int reports_store_collect(PGconn *c, const char *symbol, const char *unit,
                          struct report_row **rows, size_t *n)
{
    *rows = NULL;
    *n = 0;
    size_t cap = 0;
    const char *v[2] = {symbol, unit};
    PGresult *z = pg_exec(c, "report_zone_periods", 2, v);
    if (z == NULL)
        return -1;
    PGresult *t = pg_exec(c, "report_trade_periods", 2, v);
    if (t == NULL) {
        PQclear(z);
        return -1;
    }
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(z); i++) {
        struct report_row *r = row_for(rows, n, &cap, pg_get_int64(z, i, 0));
        if (r == NULL) {
            rc = -1;
            break;
        }
        r->holds = (long)pg_get_int64(z, i, 1);
        r->breaks = (long)pg_get_int64(z, i, 2);
        r->sweeps = (long)pg_get_int64(z, i, 3);
        r->created = (long)pg_get_int64(z, i, 4);
        r->held_zones = (long)pg_get_int64(z, i, 5);
    }
    for (int i = 0; rc == 0 && i < PQntuples(t); i++) {
        struct report_row *r = row_for(rows, n, &cap, pg_get_int64(t, i, 0));
        if (r == NULL) {
            rc = -1;
            break;
        }
        r->trades_closed = (long)pg_get_int64(t, i, 1);
        r->trades_r = pg_get_double(t, i, 2);
        r->trades_won = (long)pg_get_int64(t, i, 3);
    }
    PQclear(z);
    PQclear(t);
    if (rc != 0) {
        free(*rows);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

int reports_store_upsert(PGconn *c, const char *symbol, const char *period,
                         const struct report_row *r)
{
    json_t *comp = json_pack("{s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:f, s:I, s:I, s:f}",
                             "holds", (json_int_t)r->holds, "breaks", (json_int_t)r->breaks,
                             "sweeps", (json_int_t)r->sweeps, "created", (json_int_t)r->created,
                             "held_zones", (json_int_t)r->held_zones, "hold_rate", r->hold_rate,
                             "sweep_share", r->sweep_share, "coverage", r->coverage,
                             "trades_closed", (json_int_t)r->trades_closed, "trades_won",
                             (json_int_t)r->trades_won, "trades_r", r->trades_r);
    char *cj = comp ? json_dumps(comp, JSON_COMPACT) : NULL;
    json_decref(comp);
    if (cj == NULL)
        return -1;
    char start[32], score[32];
    pg_format_ts(r->period_start, start);
    snprintf(score, sizeof score, "%.17g", r->score);
    const char *v[5] = {symbol, period, start, score, cj};
    PGresult *res = pg_exec(c, "report_upsert", 5, v);
    PQclear(res);
    free(cj);
    return res ? 0 : -1;
}
