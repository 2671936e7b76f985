/*
 * trading.c - see trading.h. Setups, trail updates and closes: compute on a copy, commit,
 * then publish the copy.
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

/* --- zones ------------------------------------------------------------------------- */

/* The snapshot's ACTIVE zones, sorted by price as the snapshot is (malloc'd; *n may be
 * 0). -1 when out of memory. */
/* The active zones of the published snapshot (a copy) and, when mkt_geo is not NULL, its
 * ATR and geometry. */
static int active_zones(struct symbol_state *s, struct zone **out, size_t *n,
                        int64_t *last_ts, double *atr, struct geo_book *mkt_geo)
{
    struct zone_snapshot *snap = snapshot_acquire(s);
    *out = NULL;
    *n = 0;
    if (snap == NULL)
        return -1;
    *last_ts = snap->last_ts;
    if (mkt_geo != NULL) {
        *atr = snap->atr;
        *mkt_geo = snap->geo;
    }
    struct zone *z = malloc((snap->nactive ? snap->nactive : 1) * sizeof *z);
    if (z == NULL) {
        snapshot_release(snap);
        return -1;
    }
    for (size_t i = 0; i < snap->n; i++)
        if (snap->zones[i].active)
            z[(*n)++] = snap->zones[i];
    snapshot_release(snap);
    *out = z;
    return 0;
}

/* The time of the symbol's last bar as its published snapshot has it (0 without one). */
static int64_t last_bar_ts(struct symbol_state *s)
{
    struct zone_snapshot *snap = snapshot_acquire(s);
    int64_t ts = snap != NULL ? snap->last_ts : 0;
    snapshot_release(snap);
    return ts;
}

static int symbol_has_bars(struct symbol_state *s)
{
    struct zone_snapshot *snap = snapshot_acquire(s);
    int has = snap != NULL && snap->bar_count > 0;
    snapshot_release(snap);
    return has;
}

/* --- setups ------------------------------------------------------------------------ */

/* Takes an id (nextval: a sequence is not transactional, so it can precede BEGIN), then
 * sends BEGIN and the trade's rows in one pipeline (storage/trades_store.c). Without an
 * Idempotency-Key COMMIT rides in the same pipeline (*committed = 1): two round trips in
 * all. With one, the transaction is left open for idem_before_commit and COMMIT. */
static int persist_open(PGconn *c, struct ownership *own, const struct own_claim *cl,
                        const char *symbol, const struct setup_result *res, struct trade *t,
                        int64_t opened_ts, int with_key, int *committed)
{
    uint64_t id = 0;
    *committed = 0;
    if (trades_store_next_id(c, &id) != 0 || trade_open(t, id, res, opened_ts) != 0)
        return -1;
    if (pg_pipeline_begin(c) != 0)
        return -1;
    int commit = !with_key;
    int queued = own_fence(own, c, cl) == 0 && trades_store_insert(c, symbol, t) == 0 &&
                 decisions_store_insert(c, symbol, id, res) == 0 &&
                 trade_events_store_insert(c, symbol, id, opened_ts, "opened", t->entry,
                                           t->stop, t->stop_zone_id, 0.0, 1.0) == 0;
    if (pg_pipeline_end(c, queued && commit) != 0 || !queued)
        return -1;
    *committed = commit;
    return 0;
}

static enum trading_status setup_owned(struct state *st, struct trading *tr,
                                       const char *symbol, const struct setup_request *req,
                                       int dry_run, struct setup_result *out,
                                       uint64_t *trade_id, char *msg, size_t msglen,
                                       const struct own_claim *cl,
                                       struct idem_pending *idem);

/* The ownership verdict as a trading status; msg gets the owner when known. */
static enum trading_status own_status(enum own_verdict v, const char *owner, char *msg,
                                      size_t msglen)
{
    snprintf(msg, msglen, "%s", owner);
    switch (v) {
    case OWN_OK:
    case OWN_UNKNOWN: return TRADING_OK;
    case OWN_MISDIRECTED: return TRADING_MISDIRECTED;
    case OWN_MOVING: return TRADING_MOVING;
    case OWN_UNAVAILABLE: return TRADING_UNAVAILABLE;
    case OWN_NOMEM: break;
    }
    return TRADING_NOMEM;
}

/* After a write under cl: gives the claim back; a write refused by the lease fence is
 * misdirected (421), not a database outage. */
static enum trading_status own_finish(struct state *st, struct own_claim *cl,
                                      enum trading_status rc)
{
    int lost = pg_take_fence_lost();
    own_end(st->own, cl, lost);
    return lost && rc == TRADING_UNAVAILABLE ? TRADING_MISDIRECTED : rc;
}

enum trading_status trading_setup(struct state *st, struct trading *tr, const char *symbol,
                                  const struct setup_request *req, int dry_run,
                                  struct idem_pending *idem, struct setup_result *out,
                                  uint64_t *trade_id, char *msg, size_t msglen)
{
    *trade_id = 0;
    struct own_claim cl;
    char owner[160];
    enum own_verdict v = own_begin(st->own, symbol, OWN_WRITE, &cl, owner, sizeof owner);
    if (v != OWN_OK && v != OWN_UNKNOWN)
        return own_status(v, owner, msg, msglen);
    enum trading_status rc =
        setup_owned(st, tr, symbol, req, dry_run, out, trade_id, msg, msglen, &cl, idem);
    return own_finish(st, &cl, rc);
}

static enum trading_status setup_owned(struct state *st, struct trading *tr,
                                       const char *symbol, const struct setup_request *req,
                                       int dry_run, struct setup_result *out,
                                       uint64_t *trade_id, char *msg, size_t msglen,
                                       const struct own_claim *cl,
                                       struct idem_pending *idem)
{
    struct symbol_state *s = state_find(st, symbol);
    if (s == NULL || !symbol_has_bars(s))
        return TRADING_UNKNOWN_SYMBOL;
    const char *why = setup_validate(req, s->pip);
    if (why != NULL) {
        snprintf(msg, msglen, "%s", why);
        return TRADING_INVALID;
    }
    enum trading_status rc = TRADING_NOMEM;
    int reserved = 0;
    struct zone *zones = NULL;
    size_t nz = 0;
    int64_t last_ts = 0;
    struct geo_book *geo = malloc(sizeof *geo);
    struct setup_market mkt = {.geo = geo};
    if (geo == NULL || active_zones(s, &zones, &nz, &last_ts, &mkt.atr, geo) != 0)
        goto out;
    const struct liq_params *params = &state_live(st)->params; /* one version per setup */
    pthread_mutex_lock(&tr->lock);
    for (size_t i = 0; i < tr->nlearn; i++)
        if (strcmp(tr->learn[i].symbol, symbol) == 0)
            learner_apply(&tr->learn[i].tab, params, zones, nz);
    pthread_mutex_unlock(&tr->lock);
    enum setup_status ss = setup_build(req, zones, nz, params, s->pip, &mkt, out);
    if (ss != SETUP_OK) {
        snprintf(msg, msglen, "%s", out->n_reasons ? out->reasons[0] : "setup refused");
        rc = ss == SETUP_INVALID ? TRADING_INVALID : TRADING_REFUSED;
        goto out;
    }
    if (dry_run) {
        rc = TRADING_OK;
        goto out;
    }
    /* room for the trade before the commit: after it, publishing cannot fail */
    pthread_mutex_lock(&tr->lock);
    reserved = book_reserve(tr) == 0;
    tr->pending += (size_t)reserved;
    pthread_mutex_unlock(&tr->lock);
    if (!reserved)
        goto out;
    struct trade t;
    if (st->persist) {
        PGconn *c = pg_conn();
        rc = TRADING_UNAVAILABLE;
        if (c == NULL)
            goto out;
        /* the request's Idempotency-Key, if any, commits with the trade */
        int committed = 0;
        if (persist_open(c, st->own, cl, symbol, out, &t, last_ts, idem != NULL,
                         &committed) != 0 ||
            (!committed && (idem_before_commit(c, idem, (int64_t)t.id, 0) != 0 ||
                            pg_command(c, "COMMIT") != 0))) {
            pg_rollback(c);
            goto out;
        }
    } else {
        pthread_mutex_lock(&tr->lock);
        uint64_t id = tr->next_id++;
        pthread_mutex_unlock(&tr->lock);
        if (trade_open(&t, id, out, last_ts) != 0)
            goto out;
    }
    pthread_mutex_lock(&tr->lock);
    tr->pending--;
    reserved = 0;
    book_add(tr, symbol, &t);
    pthread_mutex_unlock(&tr->lock);
    *trade_id = t.id;
    rc = TRADING_OK;
out:
    if (reserved) {
        pthread_mutex_lock(&tr->lock);
        tr->pending--;
        pthread_mutex_unlock(&tr->lock);
    }
    free(zones);
    free(geo);
    return rc;
}

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
        int ok = c != NULL && pg_pipeline_begin(c) == 0;
        if (ok) {
            int queued = own_fence(st->own, c, cl) == 0 &&
                         persist_update(c, out->symbol, before, after, &out->ev, ev_ts,
                                        &learned, outcomes, nout) == 0;
            if (pg_pipeline_end(c, queued) != 0 || !queued) {
                pg_rollback(c);
                ok = 0;
            }
        }
        if (!ok) {
            free(learned.rows);
            return TRADING_UNAVAILABLE;
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
    return own_status(own_begin(st->own, symbol, OWN_WRITE, cl, owner, sizeof owner), owner,
                      msg, msglen);
}

static enum trading_status trail_owned(struct state *st, struct trading *tr, uint64_t id,
                                       double price, double high, double low, int64_t ts,
                                       struct trading_update *out, char *msg, size_t msglen,
                                       const struct own_claim *cl);
static enum trading_status close_owned(struct state *st, struct trading *tr, uint64_t id,
                                       double price, int64_t ts, struct trading_update *out,
                                       char *msg, size_t msglen, const struct own_claim *cl);

enum trading_status trading_trail(struct state *st, struct trading *tr, uint64_t id,
                                  double price, double high, double low, int64_t ts,
                                  struct trading_update *out, char *msg, size_t msglen)
{
    memset(out, 0, sizeof *out);
    const char *bad_ts = trade_check_ts(ts, (int64_t)time(NULL));
    if (bad_ts != NULL) {
        snprintf(msg, msglen, "%s", bad_ts);
        return TRADING_INVALID;
    }
    struct own_claim cl;
    enum trading_status rc = own_trade(st, tr, id, &cl, msg, msglen);
    if (rc != TRADING_OK)
        return rc;
    rc = trail_owned(st, tr, id, price, high, low, ts, out, msg, msglen, &cl);
    return own_finish(st, &cl, rc);
}

enum trading_status trading_close(struct state *st, struct trading *tr, uint64_t id,
                                  double price, int64_t ts, struct trading_update *out,
                                  char *msg, size_t msglen)
{
    memset(out, 0, sizeof *out);
    const char *bad_ts = trade_check_ts(ts, (int64_t)time(NULL));
    if (bad_ts != NULL) {
        snprintf(msg, msglen, "%s", bad_ts);
        return TRADING_INVALID;
    }
    struct own_claim cl;
    enum trading_status rc = own_trade(st, tr, id, &cl, msg, msglen);
    if (rc != TRADING_OK)
        return rc;
    rc = close_owned(st, tr, id, price, ts, out, msg, msglen, &cl);
    return own_finish(st, &cl, rc);
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
    int64_t bar_ts = last_bar_ts(s);
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
