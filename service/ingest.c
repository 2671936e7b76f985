/*
 * ingest.c - POST /bars as a use case (state_ingest in state.h): its steps for the one
 * write path (service/write.h).
 *
 * prepare: check every bar against the symbol's log (duplicate, new or out of order)
 * before anything changes. rows: with persistence on, BEGIN and the COPY of the new bars
 * go out together, the bars go through the engine while PostgreSQL inserts, then the
 * zones they changed are upserted. write_run adds the fence, the key's row and COMMIT.
 * done: only after the commit are the bars appended to the log and a new snapshot
 * published. If anything fails after the engine moved, the engine is rebuilt without the
 * failed bars (from PostgreSQL before the next write, or from the log with persistence
 * off): memory never runs ahead of the database. Every checkpoint_every_bars bars the
 * engine's checkpoint joins the transaction (service/checkpoint.h).
 */
#include "service/state.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/instrument.h"
#include "service/checkpoint.h"
#include "service/ownership.h"
#include "service/state_internal.h"
#include "service/write.h"
#include "storage/stores.h"
#include "base/lower_bound.h"

/* Whether ts is one of v[0..n) (ascending, stride bytes apart). */
static int ts_in(const int64_t *v, size_t n, size_t stride, int64_t ts)
{
    size_t lo = n ? lower_bound_i64(v, n, stride, ts) : 0;
    return lo < n && *(const int64_t *)((const char *)v + lo * stride) == ts;
}

/* Whether ts is a bar of the log (persistence on: of its latest bars). */
static int log_contains(const struct symbol_state *s, int64_t ts)
{
    return s->nlog > 0 && ts_in(&s->log[0].ts, s->nlog, sizeof s->log[0], ts);
}

/* After a write that did not commit moved the engine: with persistence on it is marked
 * stale and rebuilt from PostgreSQL (its checkpoint and the bars after it) before the next
 * write; the published snapshot, the committed state, stays. With persistence off the log
 * is replayed into a fresh engine. */
static int rebuild(struct state *st, struct symbol_state *s)
{
    if (st->persist) {
        s->stale = 1;
        s->unconfirmed = 1;
        return 0;
    }
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
static enum liq_status rescale_unfed(struct state *st, struct symbol_state *s, double price)
{
    if (engine_bar_count(s->eng) > 0 || !s->pip_inferred || s->pip == instrument_infer_pip(price))
        return LIQ_OK;
    s->pip = instrument_infer_pip(price);
    struct engine *e = engine_for(st, s->name, s->pip, s->tf);
    if (e == NULL)
        return LIQ_NOMEM;
    engine_free(s->eng);
    s->eng = e;
    return LIQ_OK;
}

/* The stored ts among the request's bars older than the log's first (persistence on: the
 * log holds only the latest bars), ascending in *v: LIQ_OK, or LIQ_UNAVAILABLE / LIQ_NOMEM. */
static enum liq_status stored_older(const struct symbol_state *s, const struct bar *bars,
                                    size_t n, int64_t last, int64_t **v, size_t *nv)
{
    *v = NULL;
    *nv = 0;
    int64_t *ts = malloc((n ? n : 1) * sizeof *ts);
    if (ts == NULL)
        return LIQ_NOMEM;
    size_t k = 0;
    int64_t tail = s->nlog ? s->log[0].ts : last; /* from it on the log knows */
    for (size_t i = 0; i < n; i++)
        if (bars[i].ts < tail)
            ts[k++] = bars[i].ts;
    enum liq_status rc = LIQ_OK;
    if (k > 0) {
        PGconn *c = pg_conn();
        rc = c != NULL && bars_store_existing(c, s->name, s->tf, ts, k, v, nv) == 0
                 ? LIQ_OK
                 : LIQ_UNAVAILABLE;
    }
    free(ts);
    return rc;
}

/* Splits the request into new bars and duplicates; fills item errors. */
static enum liq_status classify(struct symbol_state *s,
                                const struct bar *bars, size_t n, struct bar *fresh,
                                size_t *nfresh, struct ingest_result *out)
{
    int64_t last = engine_last_ts(s->eng);
    *nfresh = 0;
    /* the stored ts a bar older than the last may repeat: the log, or PostgreSQL's */
    int64_t *older = NULL;
    size_t nolder = 0;
    if (!symbol_log_whole(s)) {
        enum liq_status rc = stored_older(s, bars, n, last, &older, &nolder);
        if (rc != LIQ_OK)
            return rc;
    }
    for (size_t i = 0; i < n; i++) {
        int64_t ts = bars[i].ts;
        const char *why = bar_check_scale(&bars[i], s->pip);
        if (why == NULL && ts > last) {
            fresh[(*nfresh)++] = bars[i];
            last = ts;
            continue;
        }
        if (why == NULL && *nfresh > 0 && ts == fresh[*nfresh - 1].ts)
            why = "ts repeats an earlier bar of this request"; /* which is meant? never guess */
        else if (why == NULL &&
                 (ts == last || log_contains(s, ts) || ts_in(older, nolder, sizeof *older, ts))) {
            out->duplicates++;
            continue;
        } else if (why == NULL)
            why = "ts is older than the last bar of this symbol and timeframe";
        if (out->nerrors < 16)
            out->errors[out->nerrors] = (struct ingest_item_error){i, why};
        out->nerrors++;
    }
    free(older);
    return out->nerrors ? LIQ_INVALID_BARS : LIQ_OK;
}

/* LIQ_OK when bars are strictly ascending, else LIQ_INVALID_BARS naming the first that is
 * not (a replace has no stored bars to classify against). */
static enum liq_status ascending(const struct bar *bars, size_t n, struct ingest_result *out)
{
    for (size_t i = 1; i < n; i++) {
        if (bars[i].ts <= bars[i - 1].ts) {
            out->errors[0] = (struct ingest_item_error){i, "not after the previous bar"};
            out->nerrors = 1;
            return LIQ_INVALID_BARS;
        }
    }
    return LIQ_OK;
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

/* One POST /bars: the request, what prepare found, and what the steps hold. */
struct ingest_op {
    struct state *st;
    const char *symbol;
    enum timeframe tf;
    const struct bar *bars;
    size_t n;
    int replace;                  /* ?replace=true */
    struct ingest_result *out;
    struct symbol_state *held;    /* symbol_claim's hold, given back by done */
    struct symbol_state *s;       /* its write_lock held once prepare took it */
    struct bar *fresh;            /* the new bars (not a replace) */
    size_t nfresh;
    int moved;                    /* the engine moved: rebuild it if nothing commits */
    /* a replace: the stored bars from bars[0].ts on give way to bars */
    int replacing;
    size_t cut;                   /* persistence off: the log's bars before bars[0].ts, kept */
    struct engine *e;             /* the engine rebuilt over the kept prefix and bars */
    int64_t events_after;         /* the zone events kept: those up to the checkpoint the
                                   * replace rewound to (INT64_MIN: none kept) */
    uint64_t ckpt_base;           /* that checkpoint's bar count (0: none) */
    uint64_t ckpt_written;        /* a checkpoint written with the rows: its bar count */
    struct zone_events ev;
    long gone;                    /* stored bars removed */
};

/* The replace's engine, built on the side from the kept prefix and the new bars. */
static enum liq_status replace_prepare(struct ingest_op *io)
{
    struct symbol_state *s = io->s;
    enum liq_status rc = ascending(io->bars, io->n, io->out);
    if (rc != LIQ_OK)
        return rc;
    io->events_after = INT64_MIN;
    if (io->st->persist) {
        /* rewound to the newest checkpoint before the first bar, the stored bars after it
         * replayed (their events rewritten) */
        PGconn *c = pg_conn();
        struct rebuild_info info;
        if (c == NULL || ckpt_rebuild(io->st, c, s, io->bars[0].ts, &io->ev, &io->e, &info) != 0)
            return LIQ_UNAVAILABLE;
        io->events_after = info.checkpoint_ts;
        io->ckpt_base = info.checkpoint_bars;
    } else {
        while (io->cut < s->nlog && s->log[io->cut].ts < io->bars[0].ts)
            io->cut++;
        io->e = engine_for(io->st, s->name, s->pip, s->tf);
        if (io->e == NULL)
            return LIQ_NOMEM;
        for (size_t i = 0; i < io->cut; i++)
            if (engine_push(io->e, &s->log[i], NULL) == PUSH_NOMEM)
                return LIQ_NOMEM;
        io->gone = (long)(s->nlog - io->cut);
    }
    for (size_t i = 0; i < io->n; i++)
        if (engine_push(io->e, &io->bars[i], io->st->persist ? &io->ev : NULL) == PUSH_NOMEM)
            return LIQ_NOMEM;
    /* before the zones are stored (engine.h) */
    return engine_refresh(io->e) == 0 ? LIQ_OK : LIQ_NOMEM;
}

/* Under the symbol's write_lock: which bars are new, or the replace computed aside. */
static enum liq_status ingest_prepare(struct write_op *op)
{
    struct ingest_op *io = op->ctx;
    enum liq_status why = LIQ_NOMEM;
    struct symbol_state *s = symbol_claim(io->st, io->symbol, io->tf, io->bars[0].close, &why);
    if (s == NULL)
        return why;
    io->held = s;
    io->fresh = malloc(io->n * sizeof *io->fresh);
    if (io->fresh == NULL)
        return LIQ_NOMEM;
    pthread_mutex_lock(&s->write_lock);
    io->s = s;
    enum liq_status rc = ckpt_refresh_stale(io->st, s);
    if (rc != LIQ_OK)
        return rc;
    /* a symbol emptied by DELETE /symbols starts again with the timeframe it is sent */
    if (s->tf != io->tf && engine_bar_count(s->eng) == 0 && !s->persisted &&
        symbol_renew(io->st, s, io->tf, io->bars[0].close) != 0)
        return LIQ_NOMEM;
    if (s->tf != io->tf) {
        snprintf(io->out->message, sizeof io->out->message,
                 "symbol %s is fed with %s bars; send %s bars or use another symbol name",
                 io->symbol, tf_name(s->tf), tf_name(s->tf));
        return LIQ_CONFLICT;
    }
    rc = rescale_unfed(io->st, s, io->bars[0].close);
    if (rc != LIQ_OK)
        return rc;
    if (io->replace && engine_bar_count(s->eng) > 0 && io->bars[0].ts <= engine_last_ts(s->eng)) {
        io->replacing = 1;
        op->txn = WRITE_PLAIN;
        op->idem_a = (int64_t)io->n;
        return replace_prepare(io);
    }
    rc = classify(s, io->bars, io->n, io->fresh, &io->nfresh, io->out);
    op->idle = rc == LIQ_OK && io->nfresh == 0; /* duplicates only: nothing to write */
    op->idem_a = (int64_t)io->nfresh;
    op->idem_b = (int64_t)io->out->duplicates;
    return rc;
}

/* The new bars: BEGIN and their COPY in one message (c NULL: persistence off), the engine
 * while PostgreSQL inserts (the year's import: ~12 ms of engine hidden behind the COPY),
 * then the symbol's row, the zones the events name and the events. */
static int apply_rows(struct ingest_op *io, PGconn *c)
{
    struct symbol_state *s = io->s;
    struct zone_events ev = {0};
    int copying = c != NULL, rc = PG_ERROR;
    assert(io->nfresh > 0);
    if (c != NULL && bars_store_send(c, s->name, s->tf, io->fresh, io->nfresh, 1) != 0)
        goto out;
    io->moved = 1;
    for (size_t i = 0; i < io->nfresh; i++)
        if (engine_push(s->eng, &io->fresh[i], c != NULL ? &ev : NULL) == PUSH_NOMEM)
            goto out;
    /* probabilities and strength from every outcome resolved so far (engine.h), before
     * the zones are stored */
    if (engine_refresh(s->eng) != 0)
        goto out;
    if (c != NULL) {
        copying = 0;
        if (bars_store_finish(c) != 0)
            goto out;
        /* the symbol's row after its bars, same transaction: since migration 004 no
         * foreign key orders them, and liquidity_levels' key on symbols comes next */
        struct symbol_row row = {.pip_size = s->pip, .pip_inferred = s->pip_inferred,
                                 .tf = s->tf};
        snprintf(row.symbol, sizeof row.symbol, "%s", s->name);
        if (!s->persisted && symbols_store_insert(c, &row) != 0)
            goto out;
        const struct zone **zones = NULL;
        size_t nz = 0;
        if (changed_zones(s->eng, &ev, &zones, &nz) != 0)
            goto out;
        int bad = zones_store_upsert(c, s->name, zones, nz);
        free(zones);
        if (bad != 0 || zone_events_store_insert(c, s->name, ev.v, ev.n) != 0)
            goto out;
        /* the checkpoint, when due, in the transaction of the bars it holds */
        if (ckpt_write_due(io->st, c, s->name, s->ckpt_bars, s->eng, 0, &io->ckpt_written) !=
            PG_OK)
            goto out;
    }
    rc = PG_OK;
out:
    zone_events_free(&ev);
    if (copying)
        (void)bars_store_finish(c); /* the COPY's outcome, whatever it is, before ROLLBACK */
    return rc;
}

/* A replace: the bars from bars[0].ts, every zone row and zone event rewritten. */
static int replace_rows(struct ingest_op *io, PGconn *c)
{
    if (c == NULL)
        return PG_OK;
    size_t nz = 0;
    const struct zone **zones = all_zones(io->e, &nz);
    const char *name = io->s->name;
    int bad = zones == NULL ||
              bars_store_delete_from(c, name, io->bars[0].ts, io->events_after, &io->gone) != 0 ||
              bars_store_insert(c, name, io->s->tf, io->bars, io->n) != 0 ||
              zones_store_upsert(c, name, zones, nz) != 0 ||
              zone_events_store_insert(c, name, io->ev.v, io->ev.n) != 0 ||
              ckpt_write_due(io->st, c, name, io->ckpt_base, io->e, 0, &io->ckpt_written) != PG_OK;
    free(zones);
    return bad ? PG_ERROR : PG_OK;
}

static int ingest_rows(struct write_op *op, PGconn *c)
{
    struct ingest_op *io = op->ctx;
    return io->replacing ? replace_rows(io, c) : apply_rows(io, c);
}

/* Committed: the log follows (its prefix, then the new bars) and the new engine. */
static enum liq_status replace_done(struct ingest_op *io, enum liq_status rc)
{
    struct symbol_state *s = io->s;
    if (rc == LIQ_OK) {
        size_t keep = s->nlog;
        s->nlog = io->cut;
        /* persistence on: the kept tail before the first bar, if any, then the bars */
        if (io->st->persist)
            while (io->cut < keep && s->log[io->cut].ts < io->bars[0].ts)
                io->cut++;
        s->nlog = io->cut;
        if ((io->st->persist ? symbol_tail_append(s, io->bars, io->n)
                             : symbol_log_append(s, io->bars, io->n)) != 0) {
            s->nlog = keep; /* the rows are committed: the next start rebuilds them */
            rc = LIQ_NOMEM;
        } else {
            if (s->first_ts == TS_NONE || io->bars[0].ts <= s->first_ts)
                s->first_ts = io->bars[0].ts;
            s->ckpt_bars = io->ckpt_written ? io->ckpt_written : io->ckpt_base;
            engine_free(s->eng);
            s->eng = io->e;
            io->e = NULL;
            io->out->accepted = io->n;
            io->out->replaced = (size_t)io->gone;
            atomic_fetch_add(&io->st->bars_ingested, io->n);
            symbol_publish(s);
        }
    }
    engine_free(io->e);
    return rc;
}

static enum liq_status apply_done(struct write_op *op, struct ingest_op *io,
                                  enum liq_status rc)
{
    struct symbol_state *s = io->s;
    /* duplicates only, after a write of unknown outcome: what they repeat may be committed
     * but not durable yet (service/checkpoint.h ckpt_confirm) */
    if (rc == LIQ_OK && op->idle && io->st->persist && s->unconfirmed)
        rc = ckpt_confirm(s);
    if (rc == LIQ_OK && !op->idle) {
        s->unconfirmed = 0; /* its commit waited for everything before it */
        if (io->st->persist)
            s->persisted = 1;
        if (s->first_ts == TS_NONE)
            s->first_ts = io->fresh[0].ts;
        if (io->ckpt_written)
            s->ckpt_bars = io->ckpt_written;
        /* committed but the log could not grow: refuse further writes to this symbol now
         * (persistence off: the log is every bar; on: the next start rebuilds it) */
        if ((io->st->persist ? symbol_tail_append(s, io->fresh, io->nfresh)
                             : symbol_log_append(s, io->fresh, io->nfresh)) != 0)
            rc = LIQ_NOMEM;
    } else if (rc != LIQ_OK && io->moved && rebuild(io->st, s) != 0) {
        rc = LIQ_NOMEM;
    }
    if (rc == LIQ_OK) {
        io->out->accepted = io->nfresh;
        atomic_fetch_add(&s->duplicates, io->out->duplicates);
        atomic_fetch_add(&io->st->bars_ingested, io->nfresh);
        if (io->nfresh > 0)
            symbol_publish(s);
    } else {
        io->out->duplicates = 0;
    }
    return rc;
}

static enum liq_status ingest_done(struct write_op *op, enum liq_status rc)
{
    struct ingest_op *io = op->ctx;
    int committed = rc == LIQ_OK && !op->idle; /* the rows are in, whatever memory does */
    if (io->s != NULL) {
        rc = io->replacing ? replace_done(io, rc) : apply_done(op, io, rc);
        pthread_mutex_unlock(&io->s->write_lock);
    }
    /* a new symbol exists once something of it committed; else it leaves no trace */
    if (io->held != NULL)
        symbol_settle(io->st, io->held, committed);
    zone_events_free(&io->ev);
    free(io->fresh);
    return rc;
}

enum liq_status state_ingest(struct state *st, const char *symbol, enum timeframe tf,
                             const struct bar *bars, size_t n, struct idem_pending *idem,
                             struct ingest_result *out)
{
    return state_ingest_mode(st, symbol, tf, bars, n, 0, idem, out);
}

enum liq_status state_ingest_mode(struct state *st, const char *symbol, enum timeframe tf,
                                  const struct bar *bars, size_t n, int replace,
                                  struct idem_pending *idem, struct ingest_result *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0)
        return LIQ_OK;
    struct ingest_op io = {.st = st, .symbol = symbol, .tf = tf, .bars = bars, .n = n,
                           .replace = replace, .out = out};
    struct write_op op = {.symbol = symbol, .mode = OWN_INGEST, .txn = WRITE_OPENED,
                          .timed = 1, .ctx = &io, .prepare = ingest_prepare,
                          .rows = ingest_rows, .done = ingest_done, .idem = idem};
    enum liq_status rc = write_run(st, &op);
    snprintf(out->owner, sizeof out->owner, "%s", op.owner);
    return rc;
}
