/*
 * reports.c - see reports.h. Orchestration only: read the counts, score them with the
 * domain rule, store the returned rows in one transaction.
 */
#include "service/reports.h"

#include <stdlib.h>
#include <string.h>

#include "storage/stores.h"

static int store_rows(PGconn *c, const char *symbol, const char *period,
                      const struct report_row *rows, size_t n)
{
    if (pg_command(c, "BEGIN") != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (reports_store_upsert(c, symbol, period, &rows[i]) != 0) {
            pg_rollback(c);
            return -1;
        }
    }
    if (pg_command(c, "COMMIT") != 0) {
        pg_rollback(c);
        return -1;
    }
    return 0;
}

int reports_liquidity_run(const char *symbol, const char *period, long limit,
                          struct report_row **rows, size_t *n)
{
    PGconn *c = pg_conn();
    *rows = NULL;
    *n = 0;
    const char *unit = strcmp(period, "daily") == 0 ? "day" : "week";
    struct report_row *all = NULL;
    size_t nall = 0;
    if (c == NULL || reports_store_collect(c, symbol, unit, &all, &nall) != 0)
        return -1;
    /* the most recent `limit` periods, oldest first */
    size_t from = nall > (size_t)limit ? nall - (size_t)limit : 0;
    for (size_t i = from; i < nall; i++)
        liquidity_report_score(&all[i]);
    if (store_rows(c, symbol, period, all + from, nall - from) != 0) {
        free(all);
        return -1;
    }
    if (from > 0)
        memmove(all, all + from, (nall - from) * sizeof *all);
    *rows = all;
    *n = nall - from;
    return 0;
}
