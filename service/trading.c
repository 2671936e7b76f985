/*
 * trading.c - see trading.h. Setups, trail updates and closes: compute on a copy, commit,
 * then publish the copy. This file: trail updates and closes, as steps of the one write
 * path (service/write.h); setups are service/trading_setup.c.
 *
 * Locking: a setup reads the symbol's published zone snapshot and inserts a new trade, so
 * it needs no lock of the symbol: setups of one symbol commit in parallel. Updates of one
 * trade are serialised by a lock stripe chosen by the trade id (updates of different
 * trades run in parallel). A close also changes the symbol's learner table, so closes of
 * one symbol are serialised by the symbol's write_lock, always taken after the stripe.
 * The book (open trades by id, learner tables, stripes) is service/trading_book.c.
 */
#include "service/trading.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/trade_update.h"
#include "service/reads.h"
#include "service/trading_book.h"
#include "service/write.h"
#include "storage/stores.h"

/* --- trail and close ---------------------------------------------------------------- */

/* Writes one applied update: the trade row, its events, runner events, learner rows. */
static int persist_update(PGconn *c, const char *symbol, const struct trade *before,
                          const struct trade *after, const struct trail_events *ev,
                          int64_t ev_ts, const struct learner_table *learned,
                          const struct learner_outcome *outcomes, size_t nout)
{
    if (trades_store_update(c, after) != 0)
        return -1;
    struct trade_event_fact facts[TRAIL_MAX_EVENTS];
    trade_update_facts(before, after, ev, facts);
    for (size_t i = 0; i < ev->n; i++) {
        const struct trail_event *e = &ev->ev[i];
        const struct trade_event_fact *f = &facts[i];
        if (trade_events_store_insert(c, symbol, after->id, ev_ts, f->kind, e->price, f->stop,
                                      e->zone_id, e->fraction, f->remaining) != 0)
            return -1;
        if (f->runner_kind != NULL &&
            runner_events_store_insert(c, symbol, after->id, ev_ts, f->runner_kind, e->price,
                                       e->zone_id) != 0)
            return -1;
    }
    for (size_t i = 0; i < nout; i++) {
        const struct level_stat *row =
            learner_find(learned, outcomes[i].zone_id, (enum zone_action)outcomes[i].action);
        if (row != NULL && level_stats_store_upsert(c, symbol, row) != 0)
            return -1;
    }
    return 0;
}

/* One trail (close = 0: price, high, low) or manual close (close = 1: price) of a trade,
 * and what its steps hold. */
struct update_op {
    struct state *st;
    struct trading *tr;
    uint64_t id;
    int close;
    double price, high, low;
    int64_t ts;
    struct trading_update *out;
    struct idem_pending *idem;    /* the request's Idempotency-Key (NULL: none) */
    char *msg;
    size_t msglen;
    struct symbol_state *s;
    int striped;                  /* the trade's lock stripe is held */
    int closing;                  /* the update closes it: the symbol's write_lock is held */
    struct trade before;
    int64_t bar_ts;               /* the symbol's last bar when the update was computed */
    struct zone_snapshot *snap;   /* a trail's zones, kept alive until done */
    struct learner_table learned; /* a close: the symbol's learner table after it */
    struct learner_outcome outcomes[TRADE_MAX_ZONES];
    size_t nout;
};

/* The time of the symbol's last bar as its published snapshot has it (TS_NONE without). */
static int64_t last_bar_ts(struct symbol_state *s)
{
    struct zone_snapshot *snap = snapshot_acquire(s);
    int64_t ts = snap != NULL ? snap->last_ts : TS_NONE;
    snapshot_release(snap);
    return ts;
}

/* Finds open trade id, takes its lock stripe and copies it. */
static enum liq_status lock_trade(struct update_op *u)
{
    struct trading_update *out = u->out;
    if (trading_get_open(u->tr, u->id, out->symbol, sizeof out->symbol, &out->trade) != 0)
        return LIQ_NOT_FOUND;
    u->s = state_find(u->st, out->symbol);
    if (u->s == NULL)
        return LIQ_NOT_FOUND;
    pthread_mutex_lock(book_stripe(u->tr, u->id));
    u->striped = 1;
    /* another writer may have closed it while we waited */
    if (trading_get_open(u->tr, u->id, out->symbol, sizeof out->symbol, &out->trade) != 0)
        return LIQ_CLOSED;
    u->before = out->trade;
    return LIQ_OK;
}

/* The trail rule (domain/trade.c) on a copy of the trade: the update, or why none. */
static enum liq_status trail_compute(struct update_op *u, struct write_op *op)
{
    struct trading_update *out = u->out;
    /* the snapshot's zones as they are, no copy: trade_trail skips inactive zones in each
     * of its walks (domain/trade.c), so active and inactive together give the same result
     * as the active ones alone; the reference keeps them alive until done */
    u->snap = snapshot_acquire(u->s);
    if (u->snap == NULL)
        return LIQ_NOMEM;
    u->bar_ts = u->snap->last_ts;
    enum trail_status ts_rc = trade_trail(&out->trade, u->snap->zones, u->snap->n,
                                          &state_live(u->st)->params, u->before.pip, u->price,
                                          u->high, u->low, u->ts, u->snap->last_ts, &out->ev);
    if (ts_rc == TRAIL_INVALID) {
        snprintf(u->msg, u->msglen, "%s", out->ev.note);
        return LIQ_INVALID;
    }
    if (ts_rc == TRAIL_DUPLICATE) {
        out->trade = u->before;
        out->ev.n = 0;
        out->duplicate = 1;
        op->idle = 1;
        return LIQ_OK;
    }
    if (ts_rc == TRAIL_CLOSED)
        return LIQ_CLOSED;
    assert((u->before.stop - out->trade.stop) * u->before.side <= 1e-12);
    return LIQ_OK;
}

/* A manual close of every open leg (domain/trade.c) on a copy of the trade. */
static enum liq_status close_compute(struct update_op *u)
{
    u->bar_ts = last_bar_ts(u->s);
    enum trail_status cs = trade_close_update(&u->out->trade, u->price, u->ts, u->bar_ts,
                                              &u->out->ev);
    if (cs == TRAIL_INVALID) {
        snprintf(u->msg, u->msglen, "price must be a finite number within 1 to 1e8 pips of "
                                    "the symbol and ts not older than the trade's last update");
        return LIQ_INVALID;
    }
    return cs == TRAIL_OK ? LIQ_OK : LIQ_CLOSED;
}

/* Under the trade's stripe: the update computed on a copy; a close also takes the symbol's
 * write_lock, which serialises the learner table of the symbol, and learns on a copy. */
static enum liq_status update_prepare(struct write_op *op)
{
    struct update_op *u = op->ctx;
    enum liq_status rc = lock_trade(u);
    if (rc == LIQ_OK)
        rc = u->close ? close_compute(u) : trail_compute(u, op);
    if (rc != LIQ_OK || op->idle || u->out->trade.status != TRADE_CLOSED)
        return rc;
    u->closing = 1;
    pthread_mutex_lock(&u->s->write_lock);
    struct trading *tr = u->tr;
    pthread_mutex_lock(&tr->lock);
    struct symbol_learning *sl = book_learning(tr, u->out->symbol);
    int oom = sl == NULL || learner_copy_for_trade(&sl->tab, &u->learned) != 0;
    pthread_mutex_unlock(&tr->lock);
    if (oom)
        return LIQ_NOMEM;
    learner_learn(&u->learned, &u->out->trade, u->outcomes, TRADE_MAX_ZONES, &u->nout);
    return LIQ_OK;
}

/* The trade row, its events, runner events and learner rows (queued in the pipeline). */
static int update_rows(struct write_op *op, PGconn *c)
{
    struct update_op *u = op->ctx;
    if (c == NULL)
        return PG_OK;
    /* one clock per trade: bar time, never the wall clock (trade_update_time) */
    int64_t ev_ts = trade_update_time(&u->before, u->ts, u->bar_ts);
    return persist_update(c, u->out->symbol, &u->before, &u->out->trade, &u->out->ev, ev_ts,
                          &u->learned, u->outcomes, u->nout) == 0
               ? PG_OK
               : PG_ERROR;
}

/* Committed: the copy replaces the trade (a closed one leaves the book, its symbol's
 * learner table is the copy that learned from it). Then the locks, in reverse. */
static enum liq_status update_done(struct write_op *op, enum liq_status rc)
{
    struct update_op *u = op->ctx;
    struct trading *tr = u->tr;
    if (rc == LIQ_OK && !op->idle) {
        pthread_mutex_lock(&tr->lock);
        long i = book_find(tr, u->out->trade.id);
        assert(i >= 0); /* only writers of this trade remove it, and we hold its stripe */
        if (u->closing) {
            book_remove(tr, (size_t)i);
            /* exists: created in prepare, never removed */
            struct symbol_learning *sl = book_learning(tr, u->out->symbol);
            free(sl->tab.rows);
            sl->tab = u->learned;
            u->learned.rows = NULL;
        } else {
            tr->open[i].t = u->out->trade;
        }
        pthread_mutex_unlock(&tr->lock);
    }
    free(u->learned.rows);
    if (u->closing)
        pthread_mutex_unlock(&u->s->write_lock);
    if (u->striped)
        pthread_mutex_unlock(book_stripe(tr, u->id));
    snapshot_release(u->snap);
    return rc;
}

/* The symbol of trade id: from memory, else from the database (a trade of a symbol this
 * instance does not hold). 1 found, 0 no such trade, -1 database error. */
static int trade_symbol(struct state *st, struct trading *tr, uint64_t id, char *symbol,
                        size_t len)
{
    struct trade t;
    if (trading_get_open(tr, id, symbol, len, &t) == 0)
        return 1;
    if (!st->persist)
        return 0;
    PGconn *c = pg_conn();
    return c != NULL ? trades_store_symbol_of(c, id, symbol, len) : -1;
}

/* The ts check, the trade's symbol claimed from its owner, then the steps above. A trade
 * that is not open in memory is told apart here: closed (409) or unknown (404). */
static enum liq_status update_trade(struct state *st, struct trading *tr,
                                    struct update_op *u)
{
    memset(u->out, 0, sizeof *u->out);
    const char *bad_ts = trade_check_ts(u->ts, (int64_t)time(NULL));
    if (bad_ts != NULL) {
        snprintf(u->msg, u->msglen, "%s", bad_ts);
        return LIQ_INVALID;
    }
    char symbol[33];
    int found = trade_symbol(st, tr, u->id, symbol, sizeof symbol);
    if (found < 0)
        return LIQ_UNAVAILABLE;
    u->st = st;
    u->tr = tr;
    /* a trade unknown everywhere claims nothing: it is answered 404 below */
    struct write_op op = {.symbol = found ? symbol : NULL, .mode = OWN_WRITE,
                          .txn = WRITE_PIPELINE, .ctx = u, .prepare = update_prepare,
                          .rows = update_rows, .done = update_done, .idem = u->idem};
    enum liq_status rc = write_run(st, &op);
    if (rc == LIQ_MISDIRECTED || rc == LIQ_MOVING)
        snprintf(u->msg, u->msglen, "%s", op.owner);
    if (rc == LIQ_NOT_FOUND || rc == LIQ_CLOSED) {
        enum liq_status stored = reads_trade_exists(st, u->id);
        rc = stored == LIQ_OK ? LIQ_CLOSED : stored;
    }
    return rc;
}

enum liq_status trading_trail(struct state *st, struct trading *tr, uint64_t id,
                              double price, double high, double low, int64_t ts,
                              struct idem_pending *idem, struct trading_update *out,
                              char *msg, size_t msglen)
{
    struct update_op u = {.id = id, .price = price, .high = high, .low = low, .ts = ts,
                          .out = out, .idem = idem, .msg = msg, .msglen = msglen};
    return update_trade(st, tr, &u);
}

enum liq_status trading_close(struct state *st, struct trading *tr, uint64_t id,
                              double price, int64_t ts, struct idem_pending *idem,
                              struct trading_update *out, char *msg, size_t msglen)
{
    struct update_op u = {.id = id, .close = 1, .price = price, .ts = ts, .out = out,
                          .idem = idem, .msg = msg, .msglen = msglen};
    return update_trade(st, tr, &u);
}
