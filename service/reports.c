/*
 * reports.c - see reports.h. Orchestration only: read the counts, score them with the
 * domain rule, store the returned rows in one transaction (the one write path,
 * service/write.h).
 */
#include "service/reports.h"

#include <stdlib.h>
#include <string.h>

#include "service/write.h"
#include "storage/stores.h"

struct report_op {
    const char *symbol, *period;
    long limit;
    struct report_row *all;
    size_t nall, from;
};

/* Before the transaction: the counts per period, the most recent `limit` scored. */
static int report_before(struct write_op *op, PGconn *c)
{
    struct report_op *r = op->ctx;
    const char *unit = strcmp(r->period, "daily") == 0 ? "day" : "week";
    if (reports_store_collect(c, r->symbol, unit, &r->all, &r->nall) != 0)
        return -1;
    /* the most recent `limit` periods, oldest first */
    r->from = r->nall > (size_t)r->limit ? r->nall - (size_t)r->limit : 0;
    for (size_t i = r->from; i < r->nall; i++)
        liquidity_report_score(&r->all[i]);
    return 0;
}

static int report_rows(struct write_op *op, PGconn *c)
{
    struct report_op *r = op->ctx;
    if (c == NULL)
        return PG_ERROR; /* computed from the database only */
    for (size_t i = r->from; i < r->nall; i++)
        if (reports_store_upsert(c, r->symbol, r->period, &r->all[i]) != 0)
            return PG_ERROR;
    return PG_OK;
}

enum liq_status reports_liquidity_run(struct state *st, const char *symbol,
                                      const char *period, long limit,
                                      struct report_row **rows, size_t *n)
{
    *rows = NULL;
    *n = 0;
    struct report_op r = {.symbol = symbol, .period = period, .limit = limit};
    /* no claim: the handler asked the owner first (a read of the symbol) */
    struct write_op op = {.txn = WRITE_PLAIN, .ctx = &r, .before = report_before,
                          .rows = report_rows};
    enum liq_status rc = write_run(st, &op);
    if (rc != LIQ_OK) {
        free(r.all);
        return rc;
    }
    if (r.from > 0)
        memmove(r.all, r.all + r.from, (r.nall - r.from) * sizeof *r.all);
    *rows = r.all;
    *n = r.nall - r.from;
    return LIQ_OK;
}
