/*
 * write.c - see write.h: the one write path. The claim, the transaction, the fence, the
 * key's row and the outcome are here once; the use cases bring their steps.
 */
#include "service/write.h"

#include "service/idempotency.h"
#include "service/state.h"
#include "service/write_metrics.h"
#include "storage/stores.h"

/* The fence (when it was not pipelined), the key's row and COMMIT of an open transaction. */
static int commit_plain(struct state *st, struct write_op *op, PGconn *c,
                        const struct own_claim *cl, int fence)
{
    int r = fence ? own_fence(st->own, c, cl) : PG_OK;
    if (r == PG_OK && (idem_before_commit(c, op->idem, op->idem_a, op->idem_b) != 0 ||
                       pg_commit(c) != 0))
        r = PG_ERROR;
    return r;
}

/* Steps 3 to 8 of write.h: PG_OK committed, else rolled back (PG_FENCED: by the fence). */
static int transact(struct state *st, struct write_op *op, PGconn *c,
                    const struct own_claim *cl)
{
    if (op->before != NULL && op->before(op, c) != 0)
        return PG_ERROR;
    int r = PG_ERROR;
    if (op->txn == WRITE_PIPELINE) {
        if (pg_pipeline_begin(c) == 0) {
            /* the fence first: it goes out in the same round trip as the rows */
            int queued = own_fence(st->own, c, cl) == PG_OK && op->rows(op, c) == PG_OK;
            int commit = queued && op->idem == NULL;
            r = pg_pipeline_end(c, commit);
            if (r == PG_OK && !queued)
                r = PG_ERROR;
            if (r == PG_OK && !commit)
                r = commit_plain(st, op, c, cl, 0);
        }
    } else if (op->txn == WRITE_OPENED || pg_begin(c) == 0) {
        r = op->rows(op, c);
        /* the fence last: its row lock is held for the shortest time */
        if (r == PG_OK)
            r = commit_plain(st, op, c, cl, 1);
    }
    if (r != PG_OK)
        pg_rollback(c);
    return r == PG_FENCED ? PG_FENCED : r == PG_OK ? PG_OK : PG_ERROR;
}

enum liq_status write_run(struct state *st, struct write_op *op)
{
    struct own_claim cl = {.lease = NULL};
    op->owner[0] = '\0';
    op->idle = 0;
    if (op->symbol != NULL) {
        /* LIQ_UNKNOWN_SYMBOL: stored nowhere; the steps answer it as they would (404) */
        enum liq_status v = own_begin(st->own, op->symbol, op->mode, &cl, op->owner,
                                      sizeof op->owner);
        if (v != LIQ_OK && v != LIQ_UNKNOWN_SYMBOL)
            return v;
    }
    int fenced = 0;
    enum liq_status rc = op->prepare != NULL ? op->prepare(op) : LIQ_OK;
    if (rc == LIQ_OK && !op->idle) {
        uint64_t t0 = write_metrics_now_ns();
        if (!st->persist) {
            rc = op->rows(op, NULL) == PG_OK ? LIQ_OK : LIQ_NOMEM;
        } else {
            PGconn *c = pg_conn();
            int r = c != NULL ? transact(st, op, c, &cl) : PG_ERROR;
            fenced = r == PG_FENCED;
            if (r == PG_OK) /* a new symbol's lease is its lease from its first commit */
                own_commit(st->own, &cl);
            /* refused by the lease fence: the lease was lost (421), not an outage */
            rc = r == PG_OK ? LIQ_OK : fenced ? LIQ_MISDIRECTED : LIQ_UNAVAILABLE;
        }
        /* a lost Idempotency-Key race rolled back by rule: no write failure */
        if (op->timed)
            write_metrics_observe(write_metrics_now_ns() - t0,
                                  rc == LIQ_OK || (op->idem != NULL && op->idem->taken));
    }
    if (op->done != NULL)
        rc = op->done(op, rc);
    own_end(st->own, &cl, fenced);
    return rc;
}
