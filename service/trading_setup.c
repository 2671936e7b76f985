/*
 * trading_setup.c - POST /setups as a use case (trading_setup in trading.h), as steps of
 * the one write path (service/write.h): the setup is built from the published zone
 * snapshot (domain/setup.c, zones adjusted by the learner) and, unless a dry run, opens a
 * trade in one pipelined transaction with its decisions, its "opened" event, the lease
 * fence and the request's Idempotency-Key; the trade joins the book only after the commit.
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
#include "service/trading_book.h"
#include "service/write.h"
#include "storage/stores.h"

/* --- zones ------------------------------------------------------------------------- */

/* The active zones of the published snapshot (a copy) and, when mkt_geo is not NULL, its
 * ATR, last close, geometry and record of exits (into *mkt_exits, which mkt then names). */
static int active_zones(struct symbol_state *s, struct zone **out, size_t *n,
                        int64_t *last_ts, struct setup_market *mkt, struct geo_book *mkt_geo,
                        struct exit_record *mkt_exits)
{
    struct zone_snapshot *snap = snapshot_acquire(s);
    *out = NULL;
    *n = 0;
    if (snap == NULL)
        return -1;
    *last_ts = snap->last_ts;
    if (mkt_geo != NULL) {
        mkt->atr = snap->atr;
        mkt->last_close = snap->last_close;
        *mkt_geo = snap->geo;
        *mkt_exits = snap->exits;
        mkt->exits = mkt_exits;
        mkt->sweep_atr = snap->sweep_atr;
        mkt->sweep_tests = snap->pierce.n;
        mkt->stall_atr = snap->stall_atr;
        mkt->stall_turns = snap->stall.n;
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

static int symbol_has_bars(struct symbol_state *s)
{
    struct zone_snapshot *snap = snapshot_acquire(s);
    int has = snap != NULL && snap->bar_count > 0;
    snapshot_release(snap);
    return has;
}

/* --- setups ------------------------------------------------------------------------ */

/* One POST /setups and what its steps hold. */
struct setup_op {
    struct state *st;
    struct trading *tr;
    const char *symbol;
    const struct setup_request *req;
    int dry_run;
    struct setup_result *out;
    char *msg;
    size_t msglen;
    struct zone *zones;           /* the active zones, adjusted by the learner */
    size_t nz;
    int64_t last_ts;
    struct geo_book *geo;
    struct exit_record exits;     /* the symbol's record of exits (exit_method auto) */
    int reserved;                 /* a slot of the book is promised to this trade */
    struct trade t;
};

/* The setup, computed from the published snapshot; room in the book for its trade. */
static enum liq_status setup_prepare(struct write_op *op)
{
    struct setup_op *so = op->ctx;
    struct trading *tr = so->tr;
    struct symbol_state *s = state_find(so->st, so->symbol);
    if (s == NULL || !symbol_has_bars(s))
        return LIQ_UNKNOWN_SYMBOL;
    const char *why = setup_validate(so->req, s->pip);
    if (why != NULL) {
        snprintf(so->msg, so->msglen, "%s", why);
        return LIQ_INVALID;
    }
    so->geo = malloc(sizeof *so->geo);
    struct setup_market mkt = {.geo = so->geo};
    if (so->geo == NULL ||
        active_zones(s, &so->zones, &so->nz, &so->last_ts, &mkt, so->geo, &so->exits) != 0)
        return LIQ_NOMEM;
    const struct liq_params *params = &state_live(so->st)->params; /* one version per setup */
    pthread_mutex_lock(&tr->lock);
    for (size_t i = 0; i < tr->nlearn; i++)
        if (strcmp(tr->learn[i].symbol, so->symbol) == 0)
            learner_apply(&tr->learn[i].tab, params, so->zones, so->nz);
    pthread_mutex_unlock(&tr->lock);
    struct setup_result *out = so->out;
    enum setup_status ss = setup_build(so->req, so->zones, so->nz, params, s->pip, &mkt, out);
    if (ss != SETUP_OK) {
        snprintf(so->msg, so->msglen, "%s", out->n_reasons ? out->reasons[0] : "setup refused");
        return ss == SETUP_INVALID ? LIQ_INVALID : LIQ_REFUSED;
    }
    if (so->dry_run) {
        op->idle = 1; /* nothing stored */
        return LIQ_OK;
    }
    /* room for the trade before the commit: after it, publishing cannot fail */
    pthread_mutex_lock(&tr->lock);
    so->reserved = book_reserve(tr) == 0;
    tr->pending += (size_t)so->reserved;
    pthread_mutex_unlock(&tr->lock);
    return so->reserved ? LIQ_OK : LIQ_NOMEM;
}

/* Before the transaction: the trade's id (nextval: a sequence is not transactional). */
static int setup_before(struct write_op *op, PGconn *c)
{
    struct setup_op *so = op->ctx;
    uint64_t id = 0;
    if (trades_store_next_id(c, &id) != 0 || trade_open(&so->t, id, so->out, so->last_ts) != 0)
        return -1;
    op->idem_a = (int64_t)id;
    return 0;
}

/* The trade's rows, queued in the pipeline (storage/trades_store.c); without persistence
 * only its id. */
static int setup_rows(struct write_op *op, PGconn *c)
{
    struct setup_op *so = op->ctx;
    struct trade *t = &so->t;
    if (c == NULL) {
        pthread_mutex_lock(&so->tr->lock);
        uint64_t id = so->tr->next_id++;
        pthread_mutex_unlock(&so->tr->lock);
        return trade_open(t, id, so->out, so->last_ts) == 0 ? PG_OK : PG_ERROR;
    }
    const char *sym = so->symbol;
    int bad = trades_store_insert(c, sym, t) != 0 ||
              decisions_store_insert(c, sym, t->id, so->out) != 0 ||
              trade_events_store_insert(c, sym, t->id, so->last_ts, "opened", t->entry, t->stop,
                                        t->stop_zone_id, 0.0, 1.0) != 0;
    return bad ? PG_ERROR : PG_OK;
}

/* Committed: the trade joins the book in the slot reserved for it. */
static enum liq_status setup_done(struct write_op *op, enum liq_status rc)
{
    struct setup_op *so = op->ctx;
    struct trading *tr = so->tr;
    if (so->reserved) {
        pthread_mutex_lock(&tr->lock);
        tr->pending--;
        if (rc == LIQ_OK)
            book_add(tr, so->symbol, &so->t);
        pthread_mutex_unlock(&tr->lock);
    }
    free(so->zones);
    free(so->geo);
    return rc;
}

enum liq_status trading_setup(struct state *st, struct trading *tr, const char *symbol,
                              const struct setup_request *req, int dry_run,
                              struct idem_pending *idem, struct setup_result *out,
                              uint64_t *trade_id, char *msg, size_t msglen)
{
    struct setup_op so = {.st = st, .tr = tr, .symbol = symbol, .req = req,
                          .dry_run = dry_run, .out = out, .msg = msg, .msglen = msglen};
    struct write_op op = {.symbol = symbol, .mode = OWN_WRITE, .txn = WRITE_PIPELINE,
                          .ctx = &so, .prepare = setup_prepare, .before = setup_before,
                          .rows = setup_rows, .done = setup_done, .idem = idem};
    enum liq_status rc = write_run(st, &op);
    if (rc == LIQ_MISDIRECTED || rc == LIQ_MOVING)
        snprintf(msg, msglen, "%s", op.owner);
    *trade_id = rc == LIQ_OK && so.reserved ? so.t.id : 0;
    return rc;
}
