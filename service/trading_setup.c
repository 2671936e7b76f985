/*
 * trading_setup.c - POST /setups as a use case (trading_setup in trading.h): the setup is
 * built from the published zone snapshot (domain/setup.c, zones adjusted by the learner)
 * and, unless a dry run, opens a trade in one pipelined transaction with its decisions,
 * its "opened" event, the lease fence and the request's Idempotency-Key; the trade joins
 * the book only after the commit.
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

/* The active zones of the published snapshot (a copy) and, when mkt_geo is not NULL, its
 * ATR, last close and geometry. */
static int active_zones(struct symbol_state *s, struct zone **out, size_t *n,
                        int64_t *last_ts, struct setup_market *mkt, struct geo_book *mkt_geo)
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
    int end = pg_pipeline_end(c, queued && commit);
    if (end != PG_OK || !queued)
        return end == PG_FENCED ? PG_FENCED : PG_ERROR;
    *committed = commit;
    return 0;
}

static enum trading_status setup_owned(struct state *st, struct trading *tr,
                                       const char *symbol, const struct setup_request *req,
                                       int dry_run, struct setup_result *out,
                                       uint64_t *trade_id, char *msg, size_t msglen,
                                       const struct own_claim *cl,
                                       struct idem_pending *idem);

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
        return trading_own_status(v, owner, msg, msglen);
    enum trading_status rc =
        setup_owned(st, tr, symbol, req, dry_run, out, trade_id, msg, msglen, &cl, idem);
    return trading_own_finish(st, &cl, rc);
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
    if (geo == NULL || active_zones(s, &zones, &nz, &last_ts, &mkt, geo) != 0)
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
        int wrote = persist_open(c, st->own, cl, symbol, out, &t, last_ts, idem != NULL,
                                 &committed);
        if (wrote != PG_OK ||
            (!committed && (idem_before_commit(c, idem, (int64_t)t.id, 0) != 0 ||
                            pg_command(c, "COMMIT") != 0))) {
            pg_rollback(c);
            if (wrote == PG_FENCED)
                rc = TRADING_MISDIRECTED; /* the lease was lost: 421 */
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
