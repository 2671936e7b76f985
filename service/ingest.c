/*
 * ingest.c - POST /bars as a use case (state_ingest in state.h).
 *
 * Ingest order of a request: check every bar against the symbol's log (duplicate, new
 * or out of order) before anything changes; then, with persistence on, BEGIN, COPY the
 * new bars, push them through the engine, upsert the zones they changed, COMMIT. Only
 * after the commit are the bars appended to the log and a new snapshot published. If
 * anything fails after the engine moved, the engine is rebuilt from the log, which does
 * not hold the failed bars: memory never runs ahead of the database.
 */
#include "service/state.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/instrument.h"
#include "service/idempotency.h"
#include "service/ownership.h"
#include "service/state_internal.h"
#include "service/write_metrics.h"
#include "storage/stores.h"
#include "base/lower_bound.h"

static int log_contains(const struct symbol_state *s, int64_t ts)
{
    size_t lo = s->nlog ? lower_bound_i64(&s->log[0].ts, s->nlog, sizeof s->log[0], ts) : 0;
    return lo < s->nlog && s->log[lo].ts == ts;
}

/* Replays the log into a fresh engine (after a failed write, or at start). */
static int rebuild(struct state *st, struct symbol_state *s)
{
    struct engine *e = engine_for(st, s->name, s->pip, s->tf);
    if (e == NULL)
        return -1;
    for (size_t i = 0; i < s->nlog; i++) {
        if (engine_push(e, &s->log[i], NULL) == PUSH_NOMEM) {
            engine_free(e);
            return -1;
        }
    }
    engine_free(s->eng);
    s->eng = e;
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The zones named by events, each once. */
static int changed_zones(const struct engine *e, const struct zone_events *ev,
                         const struct zone ***out, size_t *nout)
{
    *out = NULL;
    *nout = 0;
    if (ev->n == 0)
        return 0;
    uint32_t *ids = malloc(ev->n * sizeof *ids);
    const struct zone **zones = malloc(ev->n * sizeof *zones);
    if (ids == NULL || zones == NULL) {
        free(ids);
        free(zones);
        return -1;
    }
    for (size_t i = 0; i < ev->n; i++)
        ids[i] = ev->v[i].zone_id;
    qsort(ids, ev->n, sizeof *ids, cmp_u32);
    size_t n = 0;
    for (size_t i = 0; i < ev->n; i++) {
        if (i > 0 && ids[i] == ids[i - 1])
            continue;
        const struct zone *z = engine_zone_get(e, ids[i]);
        if (z != NULL)
            zones[n++] = z;
    }
    free(ids);
    *out = zones;
    *nout = n;
    return 0;
}

/* A symbol created by a request whose bars were all refused has no bar yet: its inferred
 * pip follows the first bar that is offered now, not the refused one (a first bar at 1e11
 * must not fix the scale of every later bar). Called with write_lock held. */
static enum ingest_status rescale_unfed(struct state *st, struct symbol_state *s, double price)
{
    if (s->nlog > 0 || !s->pip_inferred || s->pip == instrument_infer_pip(price))
        return INGEST_OK;
    s->pip = instrument_infer_pip(price);
    return rebuild(st, s) == 0 ? INGEST_OK : INGEST_NOMEM;
}

/* Splits the request into new bars and duplicates; fills item errors. */
static enum ingest_status classify(struct symbol_state *s, const struct bar *bars, size_t n,
                                   struct bar *fresh, size_t *nfresh,
                                   struct ingest_result *out)
{
    int64_t last = s->nlog ? s->log[s->nlog - 1].ts : INT64_MIN;
    *nfresh = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t ts = bars[i].ts;
        const char *off_scale = bar_check_scale(&bars[i], s->pip);
        if (off_scale != NULL) {
            if (out->nerrors < 16)
                out->errors[out->nerrors] = (struct ingest_item_error){i, off_scale};
            out->nerrors++;
        } else if (ts > last) {
            fresh[(*nfresh)++] = bars[i];
            last = ts;
        } else if (ts == last || log_contains(s, ts)) {
            out->duplicates++;
        } else {
            if (out->nerrors < 16)
                out->errors[out->nerrors] = (struct ingest_item_error){
                    i, "ts is older than the last bar of this symbol and timeframe"};
            out->nerrors++;
        }
    }
    return out->nerrors ? INGEST_INVALID : INGEST_OK;
}

/* Pushes bars into the engine and writes bars, zones and events in one transaction. */
static enum ingest_status apply_and_commit(struct state *st, struct symbol_state *s,
                                           const struct bar *bars, size_t n,
                                           size_t duplicates, const struct own_claim *cl,
                                           struct idem_pending *idem)
{
    struct zone_events ev = {0};
    PGconn *c = NULL;
    int moved = 0, ok = 0, copying = 0, fence = PG_OK;
    if (st->persist) {
        c = pg_conn();
        if (c == NULL)
            return INGEST_UNAVAILABLE;
        /* one message opens the transaction and the bars' COPY; PostgreSQL inserts them
         * while the engine runs, the outcome is read after the loop (the year's import:
         * ~12 ms of engine hidden behind the COPY) */
        assert(n > 0);
        copying = 1;
        if (bars_store_send(c, s->name, s->tf, bars, n, 1) != 0)
            goto fail;
    }
    moved = 1;
    for (size_t i = 0; i < n; i++)
        if (engine_push(s->eng, &bars[i], st->persist ? &ev : NULL) == PUSH_NOMEM)
            goto fail;
    /* probabilities and strength from every outcome resolved so far (engine.h), before
     * the zones are stored */
    if (engine_refresh(s->eng) != 0)
        goto fail;
    if (st->persist) {
        copying = 0;
        if (bars_store_finish(c) != 0)
            goto fail;
        /* the symbol's row after its bars, same transaction: since migration 004 no
         * foreign key orders them, and liquidity_levels' key on symbols comes next */
        struct symbol_row row = {.pip_size = s->pip, .pip_inferred = s->pip_inferred,
                                 .tf = s->tf};
        snprintf(row.symbol, sizeof row.symbol, "%s", s->name);
        if (!s->persisted && symbols_store_insert(c, &row) != 0)
            goto fail;
        const struct zone **zones = NULL;
        size_t nz = 0;
        if (changed_zones(s->eng, &ev, &zones, &nz) != 0)
            goto fail;
        int rc = zones_store_upsert(c, s->name, zones, nz);
        free(zones);
        /* the request's Idempotency-Key, if any, commits with the bars; the lease fence
         * last: its row lock is held for the shortest time */
        if (rc != 0 || zone_events_store_insert(c, s->name, ev.v, ev.n) != 0)
            goto fail;
        fence = own_fence(st->own, c, cl);
        if (fence != PG_OK ||
            idem_before_commit(c, idem, (int64_t)n, (int64_t)duplicates) != 0 ||
            pg_command(c, "COMMIT") != 0)
            goto fail;
        s->persisted = 1;
    }
    ok = 1;
fail:
    zone_events_free(&ev);
    if (ok) {
        if (symbol_log_append(s, bars, n) == 0)
            return INGEST_OK;
        /* committed but the log could not grow: rebuild everything from the database
         * at the next start; refuse further writes to this symbol now */
        return INGEST_NOMEM;
    }
    if (copying)
        (void)bars_store_finish(c); /* the COPY's outcome, whatever it is, before ROLLBACK */
    if (c != NULL)
        pg_rollback(c);
    if (moved && rebuild(st, s) != 0)
        return INGEST_NOMEM;
    if (fence == PG_FENCED)
        return INGEST_MISDIRECTED; /* the lease was lost: 421 */
    return st->persist ? INGEST_UNAVAILABLE : INGEST_NOMEM;
}

static enum ingest_status ingest_owned(struct state *st, const char *symbol,
                                       enum timeframe tf, const struct bar *bars, size_t n,
                                       int replace, struct ingest_result *out,
                                       const struct own_claim *cl, struct idem_pending *idem);

/* INGEST_OK when bars are strictly ascending, else INGEST_INVALID naming the first that
 * is not (a replace has no stored bars to classify against). */
static enum ingest_status ascending(const struct bar *bars, size_t n, struct ingest_result *out)
{
    for (size_t i = 1; i < n; i++) {
        if (bars[i].ts <= bars[i - 1].ts) {
            out->errors[0] = (struct ingest_item_error){i, "not after the previous bar"};
            out->nerrors = 1;
            return INGEST_INVALID;
        }
    }
    return INGEST_OK;
}

/* All zones of e as pointers (malloc'd), for rewriting liquidity_levels after a replace. */
static const struct zone **all_zones(const struct engine *e, size_t *n)
{
    *n = engine_zone_count(e);
    const struct zone **v = malloc((*n ? *n : 1) * sizeof *v);
    if (v != NULL)
        for (size_t i = 0; i < *n; i++)
            v[i] = engine_zone_sorted(e, i);
    return v;
}

/*
 * The replace of a corrected file: the stored bars from bars[0].ts on give way to bars
 * (ascending); the engine is rebuilt from the first bar over the kept prefix and the new
 * bars, and, with persistence, the bars from that ts, every zone row and zone event of the
 * symbol are rewritten in one transaction. Under s->write_lock. On failure nothing changed.
 */
static enum ingest_status replace_and_commit(struct state *st, struct symbol_state *s,
                                             const struct bar *bars, size_t n,
                                             const struct own_claim *cl,
                                             struct idem_pending *idem, struct ingest_result *out)
{
    size_t cut = 0;
    while (cut < s->nlog && s->log[cut].ts < bars[0].ts)
        cut++;
    struct engine *e = engine_for(st, s->name, s->pip, s->tf);
    struct zone_events ev = {0};
    if (e == NULL)
        return INGEST_NOMEM;
    enum ingest_status rc = INGEST_NOMEM;
    for (size_t i = 0; i < cut + n; i++) {
        const struct bar *b = i < cut ? &s->log[i] : &bars[i - cut];
        if (engine_push(e, b, st->persist ? &ev : NULL) == PUSH_NOMEM)
            goto out;
    }
    if (engine_refresh(e) != 0) /* before the zones are stored (engine.h) */
        goto out;
    long gone = (long)(s->nlog - cut);
    if (st->persist) {
        rc = INGEST_UNAVAILABLE;
        PGconn *c = pg_conn();
        size_t nz = 0;
        const struct zone **zones = c ? all_zones(e, &nz) : NULL;
        int bad = zones == NULL || pg_command(c, "BEGIN") != 0 ||
                  bars_store_delete_from(c, s->name, bars[0].ts, &gone) != 0 ||
                  bars_store_insert(c, s->name, s->tf, bars, n) != 0 ||
                  zones_store_upsert(c, s->name, zones, nz) != 0 ||
                  zone_events_store_insert(c, s->name, ev.v, ev.n) != 0;
        int fence = bad ? PG_ERROR : own_fence(st->own, c, cl);
        bad = bad || fence != PG_OK || idem_before_commit(c, idem, (int64_t)n, 0) != 0 ||
              pg_command(c, "COMMIT") != 0;
        free(zones);
        if (bad) {
            if (c != NULL)
                pg_rollback(c);
            if (fence == PG_FENCED)
                rc = INGEST_MISDIRECTED; /* the lease was lost: 421 */
            goto out;
        }
    }
    /* committed: memory follows (the log keeps its prefix, then the new bars) */
    size_t keep = s->nlog;
    s->nlog = cut;
    if (symbol_log_append(s, bars, n) != 0) {
        s->nlog = keep; /* the rows are committed: the next start rebuilds them */
        rc = INGEST_NOMEM;
        goto out;
    }
    engine_free(s->eng);
    s->eng = e;
    e = NULL;
    out->accepted = n;
    out->replaced = (size_t)gone;
    rc = INGEST_OK;
out:
    zone_events_free(&ev);
    engine_free(e);
    return rc;
}

enum ingest_status state_ingest(struct state *st, const char *symbol, enum timeframe tf,
                                const struct bar *bars, size_t n, struct idem_pending *idem,
                                struct ingest_result *out)
{
    return state_ingest_mode(st, symbol, tf, bars, n, 0, idem, out);
}

enum ingest_status state_ingest_mode(struct state *st, const char *symbol, enum timeframe tf,
                                     const struct bar *bars, size_t n, int replace,
                                     struct idem_pending *idem, struct ingest_result *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0)
        return INGEST_OK;
    struct own_claim cl;
    enum own_verdict v = own_begin(st->own, symbol, OWN_INGEST, &cl, out->owner,
                                   sizeof out->owner);
    if (v != OWN_OK)
        return v == OWN_MISDIRECTED ? INGEST_MISDIRECTED
               : v == OWN_NOMEM     ? INGEST_NOMEM
               : v == OWN_MOVING    ? INGEST_MOVING
                                    : INGEST_UNAVAILABLE;
    enum ingest_status rc = ingest_owned(st, symbol, tf, bars, n, replace, out, &cl, idem);
    /* INGEST_MISDIRECTED from a claimed write: the lease fence refused it (lease lost) */
    own_end(st->own, &cl, rc == INGEST_MISDIRECTED);
    return rc;
}

static enum ingest_status ingest_owned(struct state *st, const char *symbol,
                                       enum timeframe tf, const struct bar *bars, size_t n,
                                       int replace, struct ingest_result *out,
                                       const struct own_claim *cl, struct idem_pending *idem)
{
    enum ingest_status why = INGEST_NOMEM;
    struct symbol_state *s = symbol_get_or_create(st, symbol, tf, bars[0].close, &why);
    if (s == NULL)
        return why;
    struct bar *fresh = malloc(n * sizeof *fresh);
    if (fresh == NULL)
        return INGEST_NOMEM;
    pthread_mutex_lock(&s->write_lock);
    /* a symbol emptied by DELETE /symbols starts again with the timeframe it is sent */
    if (s->tf != tf && s->nlog == 0 && !s->persisted &&
        symbol_renew(st, s, tf, bars[0].close) != 0) {
        pthread_mutex_unlock(&s->write_lock);
        free(fresh);
        return INGEST_NOMEM;
    }
    if (s->tf != tf) {
        snprintf(out->message, sizeof out->message,
                 "symbol %s is fed with %s bars; send %s bars or use another symbol name",
                 symbol, tf_name(s->tf), tf_name(s->tf));
        pthread_mutex_unlock(&s->write_lock);
        free(fresh);
        return INGEST_CONFLICT;
    }
    size_t nfresh = 0;
    enum ingest_status rc = rescale_unfed(st, s, bars[0].close);
    if (rc == INGEST_OK && replace && s->nlog > 0 && bars[0].ts <= s->log[s->nlog - 1].ts) {
        rc = ascending(bars, n, out);
        if (rc == INGEST_OK) {
            uint64_t t0 = write_metrics_now_ns();
            rc = replace_and_commit(st, s, bars, n, cl, idem, out);
            write_metrics_observe(write_metrics_now_ns() - t0, rc == INGEST_OK);
        }
        if (rc == INGEST_OK) {
            atomic_fetch_add(&st->bars_ingested, n);
            symbol_publish(s);
        }
        pthread_mutex_unlock(&s->write_lock);
        free(fresh);
        return rc;
    }
    if (rc == INGEST_OK)
        rc = classify(s, bars, n, fresh, &nfresh, out);
    if (rc == INGEST_OK && nfresh > 0) {
        uint64_t t0 = write_metrics_now_ns();
        rc = apply_and_commit(st, s, fresh, nfresh, out->duplicates, cl, idem);
        /* a lost Idempotency-Key race rolled back by rule: no write failure */
        write_metrics_observe(write_metrics_now_ns() - t0,
                              rc == INGEST_OK || (idem != NULL && idem->taken));
    }
    if (rc == INGEST_OK) {
        out->accepted = nfresh;
        atomic_fetch_add(&s->duplicates, out->duplicates);
        atomic_fetch_add(&st->bars_ingested, nfresh);
        if (nfresh > 0)
            symbol_publish(s);
    } else {
        out->duplicates = 0;
    }
    pthread_mutex_unlock(&s->write_lock);
    free(fresh);
    return rc;
}
