/*
 * symbol_delete.c - see symbol_delete.h: the steps of DELETE /symbols/{symbol}.
 */
#include "service/symbol_delete.h"

#include <stdio.h>
#include <string.h>

#include "service/state_internal.h"
#include "service/write.h"
#include "storage/stores.h"

struct delete_op {
    struct state *st;
    struct symbol_state *s;
    const struct delete_hooks *h;
    int force;
    struct symbol_deleted *out;   /* what the transaction deleted, from its rows on */
};

static enum liq_status delete_prepare(struct write_op *op)
{
    struct delete_op *d = op->ctx;
    pthread_mutex_lock(&d->s->write_lock);
    long open = d->h->open_trades(d->h->ctx, d->s->name);
    if (open > 0 && !d->force) {
        d->out->trades = open;
        return LIQ_OPEN_TRADES;
    }
    return LIQ_OK;
}

static int delete_rows(struct write_op *op, PGconn *c)
{
    struct delete_op *d = op->ctx;
    if (c == NULL) {
        d->out->bars = (long)d->s->nlog; /* persistence off: the log is every bar */
        return PG_OK;
    }
    long counts[4] = {0};
    if (symbols_store_delete(c, d->s->name, counts) != 0)
        return PG_ERROR;
    /* filled before the COMMIT: an Idempotency-Key's answer is rendered from it */
    *d->out = (struct symbol_deleted){counts[0], counts[1], counts[2], counts[3]};
    op->idem_a = counts[0];
    return PG_OK;
}

/* Committed: the memory follows (an empty engine of the same timeframe). */
static enum liq_status delete_done(struct write_op *op, enum liq_status rc)
{
    struct delete_op *d = op->ctx;
    struct symbol_state *s = d->s;
    if (rc != LIQ_OK && rc != LIQ_OPEN_TRADES) /* rolled back: nothing was deleted */
        memset(d->out, 0, sizeof *d->out);
    if (rc == LIQ_OK) {
        /* the price only infers a pip for a symbol without an instrument, and the first bar
         * sent next infers it again (ingest.c rescale_unfed) */
        double price = engine_bar_count(s->eng) ? engine_last_close(s->eng) : 1.0;
        if (symbol_renew(d->st, s, s->tf, price) != 0) {
            rc = LIQ_NOMEM;
        } else {
            s->persisted = 0;
            atomic_store(&s->duplicates, 0);
            d->h->forget(d->h->ctx, s->name);
        }
    }
    pthread_mutex_unlock(&s->write_lock);
    return rc;
}

enum liq_status symbol_delete(struct state *st, struct symbol_state *s,
                              const struct delete_hooks *h, int force,
                              struct idem_pending *idem, struct symbol_deleted *out,
                              char *owner, size_t ownerlen)
{
    memset(out, 0, sizeof *out);
    struct delete_op d = {.st = st, .s = s, .h = h, .force = force, .out = out};
    struct write_op op = {.symbol = s->name, .mode = OWN_WRITE, .txn = WRITE_PLAIN,
                          .ctx = &d, .prepare = delete_prepare, .rows = delete_rows,
                          .done = delete_done, .idem = idem};
    enum liq_status rc = write_run(st, &op);
    snprintf(owner, ownerlen, "%s", op.owner);
    return rc;
}
