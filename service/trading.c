/*
 * trading.c - see trading.h. Setups, trail updates and closes: compute on a copy, commit,
 * then publish the copy. This file: trail updates and closes; setups are
 * service/trading_setup.c.
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
#include "service/idempotency.h"
#include "service/ownership.h"
#include "service/trading_book.h"
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

/* Finds open trade id, takes its lock stripe and copies it. On TRADING_OK the caller holds
 * book_stripe(tr, id). */
static enum trading_status lock_trade(struct state *st, struct trading *tr, uint64_t id,
                                      struct symbol_state **s, struct trading_update *out)
{
    if (trading_get_open(tr, id, out->symbol, sizeof out->symbol, &out->trade) != 0)
        return TRADING_NOT_FOUND;
    *s = state_find(st, out->symbol);
    if (*s == NULL)
        return TRADING_NOT_FOUND;
    pthread_mutex_lock(book_stripe(tr, id));
    /* another writer may have closed it while we waited */
    if (trading_get_open(tr, id, out->symbol, sizeof out->symbol, &out->trade) != 0) {
        pthread_mutex_unlock(book_stripe(tr, id));
        return TRADING_CLOSED;
    }
    return TRADING_OK;
}

static enum trading_status commit_locked(struct state *st, struct trading *tr,
                                         const struct trade *before, struct trading_update *out,
                                         int64_t ts, int64_t bar_ts,
                                         const struct own_claim *cl);

/* Commits the update in out (applied to a copy of before), then publishes it. Called with
 * the trade's stripe held; a close also takes the symbol's write_lock, which serialises
 * the learner table of the symbol. */
static enum trading_status commit_update(struct state *st, struct trading *tr,
                                         struct symbol_state *s, const struct trade *before,
                                         struct trading_update *out, int64_t ts,
                                         int64_t bar_ts, const struct own_claim *cl)
{
    int closing = out->trade.status == TRADE_CLOSED;
    if (closing)
        pthread_mutex_lock(&s->write_lock);
    enum trading_status rc = commit_locked(st, tr, before, out, ts, bar_ts, cl);
    if (closing)
        pthread_mutex_unlock(&s->write_lock);
    return rc;
}

static enum trading_status commit_locked(struct state *st, struct trading *tr,
                                         const struct trade *before, struct trading_update *out,
                                         int64_t ts, int64_t bar_ts,
                                         const struct own_claim *cl)
{
    const struct trade *after = &out->trade;
    struct learner_table learned = {0};
    struct learner_outcome outcomes[TRADE_MAX_ZONES];
    size_t nout = 0;
    int closing = after->status == TRADE_CLOSED;
    pthread_mutex_lock(&tr->lock);
    struct symbol_learning *sl = closing ? book_learning(tr, out->symbol) : NULL;
    int oom = closing && (sl == NULL || learner_copy_for_trade(&sl->tab, &learned) != 0);
    pthread_mutex_unlock(&tr->lock);
    if (oom)
        return TRADING_NOMEM;
    if (closing)
        learner_learn(&learned, after, outcomes, TRADE_MAX_ZONES, &nout);
    if (st->persist) {
        PGconn *c = pg_conn();
        /* one clock per trade: bar time, never the wall clock (trade_update_time) */
        int64_t ev_ts = trade_update_time(before, ts, bar_ts);
        /* BEGIN, the rows and COMMIT in one pipeline: one round trip */
        int end = c != NULL && pg_pipeline_begin(c) == 0 ? PG_OK : PG_ERROR;
        if (end == PG_OK) {
            int queued = own_fence(st->own, c, cl) == 0 &&
                         persist_update(c, out->symbol, before, after, &out->ev, ev_ts,
                                        &learned, outcomes, nout) == 0;
            end = pg_pipeline_end(c, queued);
            if (end != PG_OK || !queued) {
                pg_rollback(c);
                end = end == PG_FENCED ? PG_FENCED : PG_ERROR;
            }
        }
        if (end != PG_OK) {
            free(learned.rows);
            /* refused by the lease fence: the lease was lost (421), not an outage */
            return end == PG_FENCED ? TRADING_MISDIRECTED : TRADING_UNAVAILABLE;
        }
    }
    pthread_mutex_lock(&tr->lock);
    long i = book_find(tr, after->id);
    assert(i >= 0); /* only writers of this trade remove it, and we hold its stripe */
    if (closing) {
        book_remove(tr, (size_t)i);
        sl = book_learning(tr, out->symbol); /* exists: created above, never removed */
        free(sl->tab.rows);
        sl->tab = learned;
    } else {
        tr->open[i].t = *after;
    }
    pthread_mutex_unlock(&tr->lock);
    return TRADING_OK;
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

/* own_begin for the symbol of trade id: TRADING_OK with *cl held (also when the trade is
 * unknown: the caller then answers 404 as before), else why not. */
static enum trading_status own_trade(struct state *st, struct trading *tr, uint64_t id,
                                     struct own_claim *cl, char *msg, size_t msglen)
{
    char symbol[33], owner[160];
    cl->lease = NULL;
    int found = trade_symbol(st, tr, id, symbol, sizeof symbol);
    if (found < 0)
        return TRADING_UNAVAILABLE;
    if (found == 0)
        return TRADING_OK;
    enum own_verdict v = own_begin(st->own, symbol, OWN_WRITE, cl, owner, sizeof owner);
    return trading_own_status(v, owner, msg, msglen);
}

static enum trading_status trail_owned(struct state *st, struct trading *tr, uint64_t id,
                                       double price, double high, double low, int64_t ts,
                                       struct trading_update *out, char *msg, size_t msglen,
                                       const struct own_claim *cl);
static enum trading_status close_owned(struct state *st, struct trading *tr, uint64_t id,
                                       double price, int64_t ts, struct trading_update *out,
                                       char *msg, size_t msglen, const struct own_claim *cl);

/* One trail (close = 0: price, high, low) or manual close (close = 1: price) of a trade. */
struct update_request {
    int close;
    double price, high, low;
    int64_t ts;
};

/* The ts check, then the trade's symbol claimed from its owner for the update. */
static enum trading_status update_trade(struct state *st, struct trading *tr, uint64_t id,
                                        const struct update_request *u,
                                        struct trading_update *out, char *msg, size_t msglen)
{
    memset(out, 0, sizeof *out);
    const char *bad_ts = trade_check_ts(u->ts, (int64_t)time(NULL));
    if (bad_ts != NULL) {
        snprintf(msg, msglen, "%s", bad_ts);
        return TRADING_INVALID;
    }
    struct own_claim cl;
    enum trading_status rc = own_trade(st, tr, id, &cl, msg, msglen);
    if (rc != TRADING_OK)
        return rc;
    rc = u->close ? close_owned(st, tr, id, u->price, u->ts, out, msg, msglen, &cl)
                  : trail_owned(st, tr, id, u->price, u->high, u->low, u->ts, out, msg, msglen,
                                &cl);
    return trading_own_finish(st, &cl, rc);
}

enum trading_status trading_trail(struct state *st, struct trading *tr, uint64_t id,
                                  double price, double high, double low, int64_t ts,
                                  struct trading_update *out, char *msg, size_t msglen)
{
    struct update_request u = {.price = price, .high = high, .low = low, .ts = ts};
    return update_trade(st, tr, id, &u, out, msg, msglen);
}

enum trading_status trading_close(struct state *st, struct trading *tr, uint64_t id,
                                  double price, int64_t ts, struct trading_update *out,
                                  char *msg, size_t msglen)
{
    struct update_request u = {.close = 1, .price = price, .ts = ts};
    return update_trade(st, tr, id, &u, out, msg, msglen);
}

static enum trading_status trail_owned(struct state *st, struct trading *tr, uint64_t id,
                                       double price, double high, double low, int64_t ts,
                                       struct trading_update *out, char *msg, size_t msglen,
                                       const struct own_claim *cl)
{
    struct symbol_state *s = NULL;
    enum trading_status rc = lock_trade(st, tr, id, &s, out);
    if (rc != TRADING_OK)
        return rc;
    struct trade before = out->trade;
    /* the snapshot's zones as they are, no copy: trade_trail skips inactive zones in each
     * of its walks (domain/trade.c), so active and inactive together give the same result
     * as the active ones alone; the reference keeps them alive until the end */
    struct zone_snapshot *snap = snapshot_acquire(s);
    rc = TRADING_NOMEM;
    if (snap == NULL)
        goto out;
    enum trail_status ts_rc = trade_trail(&out->trade, snap->zones, snap->n,
                                          &state_live(st)->params, before.pip, price, high,
                                          low, ts, snap->last_ts, &out->ev);
    if (ts_rc == TRAIL_INVALID) {
        snprintf(msg, msglen, "%s", out->ev.note);
        rc = TRADING_INVALID;
    } else if (ts_rc == TRAIL_DUPLICATE) {
        out->trade = before;
        out->ev.n = 0;
        out->duplicate = 1;
        rc = TRADING_OK;
    } else if (ts_rc == TRAIL_CLOSED) {
        rc = TRADING_CLOSED;
    } else {
        assert((before.stop - out->trade.stop) * before.side <= 1e-12);
        rc = commit_update(st, tr, s, &before, out, ts, snap->last_ts, cl);
    }
out:
    pthread_mutex_unlock(book_stripe(tr, id));
    snapshot_release(snap);
    return rc;
}

static enum trading_status close_owned(struct state *st, struct trading *tr, uint64_t id,
                                       double price, int64_t ts, struct trading_update *out,
                                       char *msg, size_t msglen, const struct own_claim *cl)
{
    struct symbol_state *s = NULL;
    enum trading_status rc = lock_trade(st, tr, id, &s, out);
    if (rc != TRADING_OK)
        return rc;
    struct trade before = out->trade;
    int64_t bar_ts = trading_last_bar_ts(s);
    enum trail_status cs = trade_close_update(&out->trade, price, ts, bar_ts, &out->ev);
    if (cs == TRAIL_INVALID) {
        snprintf(msg, msglen, "price must be a finite number within 1 to 1e8 pips of the "
                              "symbol and ts not older than the trade's last update");
        rc = TRADING_INVALID;
    } else if (cs != TRAIL_OK) {
        rc = TRADING_CLOSED;
    } else {
        rc = commit_update(st, tr, s, &before, out, ts, bar_ts, cl);
    }
    pthread_mutex_unlock(book_stripe(tr, id));
    return rc;
}
