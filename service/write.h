/*
 * write.h - the one write path of the service. A write use case (POST /bars and its
 * replace, DELETE /symbols, POST /setups, a trail, a close, the report's rows) is a
 * struct write_op holding its own steps, and one call to write_run, which owns the order:
 *
 *   1. lease claim      own_begin(op->symbol)           421 misdirected / 503 moving
 *   2. prepare          op->prepare: the use case's locks (s->write_lock, a trade's
 *                       stripe), its checks, computing on copies; LIQ_OK or the answer
 *   3. before           op->before(c): reads on the connection outside the transaction
 *   4. transaction      storage opens it: pg_begin, or a pipeline (pg_pipeline_begin)
 *   5. rows             op->rows(c): the use case's rows (c NULL: persistence is off)
 *   6. fence            own_fence: refused -> LIQ_MISDIRECTED and the lease marked lost
 *   7. idempotency      idem_before_commit(op->idem, op->idem_a, op->idem_b)
 *   8. commit           pg_commit (or the pipeline's COMMIT); ROLLBACK on any failure
 *   9. outcome          op->done(rc): memory follows the commit, or is put back, and the
 *                       use case's locks are released; then the claim is given back
 *
 * Adding a write is writing its steps. Every step but rows is optional.
 */
#ifndef LIQ_SERVICE_WRITE_H
#define LIQ_SERVICE_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "service/ownership.h"
#include "service/status.h"

struct state;
struct idem_pending;
struct pg_conn; /* libpq's PGconn */

enum write_txn {
    WRITE_PLAIN,     /* BEGIN, the rows (run), the fence, the key's row, COMMIT */
    WRITE_PIPELINE,  /* BEGIN, the fence and the rows queued in one libpq pipeline with
                      * COMMIT (no key) - one round trip; with a key, its row and COMMIT
                      * follow the pipeline. rows may only queue (pg_exec_or_queue). */
    WRITE_OPENED,    /* rows opens the transaction itself through storage (BEGIN sent with
                      * the bars' COPY, so the engine computes while PostgreSQL inserts) */
};

struct write_op {
    /* the claim: NULL claims nothing (the report: its handler checked the owner) */
    const char *symbol;
    enum own_mode mode;
    enum write_txn txn;
    int timed;               /* observed in the write latency histogram (write_metrics.h) */
    void *ctx;               /* the use case's */
    enum liq_status (*prepare)(struct write_op *op);
    int (*before)(struct write_op *op, struct pg_conn *c);      /* 0 or -1 */
    int (*rows)(struct write_op *op, struct pg_conn *c);        /* PG_OK/_ERROR/_FENCED */
    /* the outcome: runs whenever prepare ran (rc: its answer, or the transaction's, or
     * LIQ_OK when idle); publishes or puts memory back, releases what prepare took */
    enum liq_status (*done)(struct write_op *op, enum liq_status rc);
    /* the idempotency reply: stored right before COMMIT with (idem_a, idem_b) as the rows
     * step left them (NULL: no key) */
    struct idem_pending *idem;
    int64_t idem_a, idem_b;
    int idle;                /* set by prepare: nothing to write (a dry run, duplicates) */
    char owner[160];         /* out: LIQ_MISDIRECTED / LIQ_MOVING: the holder, if known */
};

/* Runs op in the order above; the answer. */
enum liq_status write_run(struct state *st, struct write_op *op);

#endif
