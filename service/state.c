/*
 * state.c - symbol registry, snapshots, ingest and the rebuild at start.
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
#include <time.h>

#include "domain/instrument.h"
#include "service/ownership.h"
#include "service/write_metrics.h"
#include "storage/stores.h"

static uint64_t hash_symbol(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

int state_init(struct state *st, const struct app_config *cfg)
{
    memset(st, 0, sizeof *st);
    st->cfg = *cfg;
    atomic_init(&st->live, &st->cfg);
    st->persist = cfg->params.liquidity_db_persist;
    pthread_mutex_init(&st->reg.create_lock, NULL);
    return 0;
}

static void symbol_free(struct symbol_state *s)
{
    engine_free(s->eng);
    free(s->log);
    if (s->snap != NULL)
        snapshot_release(s->snap);
    pthread_mutex_destroy(&s->write_lock);
    pthread_mutex_destroy(&s->snap_lock);
    free(s);
}

void state_free(struct state *st)
{
    for (size_t i = 0; i < REGISTRY_SLOTS; i++) {
        struct symbol_state *s = atomic_load(&st->reg.slots[i]);
        if (s != NULL)
            symbol_free(s);
    }
    pthread_mutex_destroy(&st->reg.create_lock);
}

struct symbol_state *state_find(struct state *st, const char *symbol)
{
    size_t mask = REGISTRY_SLOTS - 1;
    for (size_t i = hash_symbol(symbol) & mask, probes = 0; probes < REGISTRY_SLOTS;
         i = (i + 1) & mask, probes++) {
        struct symbol_state *s = atomic_load_explicit(&st->reg.slots[i], memory_order_acquire);
        if (s == NULL)
            return NULL;
        if (strcmp(s->name, symbol) == 0)
            return s;
    }
    return NULL;
}

void state_each(struct state *st, void (*fn)(void *ctx, struct symbol_state *s), void *ctx)
{
    for (size_t i = 0; i < REGISTRY_SLOTS; i++) {
        struct symbol_state *s = atomic_load_explicit(&st->reg.slots[i], memory_order_acquire);
        if (s != NULL)
            fn(ctx, s);
    }
}

static struct zone_snapshot *snapshot_build(const struct engine *e, int64_t first_ts)
{
    size_t n = engine_zone_count(e);
    struct zone_snapshot *snap =
        malloc(sizeof *snap + n * sizeof(struct zone) + n * sizeof(_Atomic(char *)));
    if (snap == NULL)
        return NULL;
    snap->json = (_Atomic(char *) *)(void *)&snap->zones[n];
    for (size_t i = 0; i < n; i++)
        atomic_init(&snap->json[i], NULL);
    atomic_init(&snap->refs, 1);
    atomic_init(&snap->answer, NULL);
    snap->first_ts = first_ts;
    snap->last_ts = engine_last_ts(e);
    snap->last_close = engine_last_close(e);
    snap->bar_count = engine_bar_count(e);
    snap->n = n;
    snap->nactive = 0;
    for (size_t i = 0; i < n; i++) {
        snap->zones[i] = *engine_zone_sorted(e, i);
        snap->nactive += snap->zones[i].active;
    }
    return snap;
}

struct zone_snapshot *snapshot_acquire(struct symbol_state *s)
{
    pthread_mutex_lock(&s->snap_lock);
    struct zone_snapshot *snap = s->snap;
    if (snap != NULL)
        atomic_fetch_add(&snap->refs, 1);
    pthread_mutex_unlock(&s->snap_lock);
    return snap;
}

void snapshot_release(struct zone_snapshot *snap)
{
    if (snap == NULL || atomic_fetch_sub(&snap->refs, 1) != 1)
        return;
    for (size_t i = 0; i < snap->n; i++)
        free(atomic_load_explicit(&snap->json[i], memory_order_relaxed));
    free(atomic_load_explicit(&snap->answer, memory_order_relaxed));
    free(snap);
}

/* Publishes a snapshot of the engine; on allocation failure the old one stays. */
static int publish(struct symbol_state *s)
{
    struct zone_snapshot *snap = snapshot_build(s->eng, s->nlog ? s->log[0].ts : 0);
    if (snap == NULL)
        return -1;
    if (s->versions == 0) { /* seeded by the clock: a restart never reuses a version */
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        s->versions = (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
    }
    snap->version = ++s->versions;
    pthread_mutex_lock(&s->snap_lock);
    struct zone_snapshot *old = s->snap;
    s->snap = snap;
    pthread_mutex_unlock(&s->snap_lock);
    snapshot_release(old);
    return 0;
}

/* The instrument configured for symbol (or for the instrument a broker's variant of it
 * names: XAUUSDm -> XAUUSD), NULL if none. */
static const struct instrument *instrument_of(const struct state *st, const char *symbol)
{
    for (int i = 0; i < st->cfg.ninstruments; i++)
        if (strcmp(st->cfg.instruments[i].symbol, symbol) == 0)
            return &st->cfg.instruments[i];
    for (int i = 0; i < st->cfg.ninstruments; i++)
        if (instrument_broker_variant(st->cfg.instruments[i].symbol, symbol))
            return &st->cfg.instruments[i];
    return NULL;
}

/* A zone engine for symbol: the configured parameters, with the instrument's own round
 * number step when it has one (NIFTY: 50 points, not round_level_step pips). */
static struct engine *engine_for(const struct state *st, const char *symbol, double pip,
                                 enum timeframe tf)
{
    struct liq_params p = st->cfg.params;
    const struct instrument *in = instrument_of(st, symbol);
    if (in != NULL && in->round_step > 0 && pip > 0)
        p.round_level_step = in->round_step / pip;
    return engine_new(&p, pip, tf);
}

static double pip_for(const struct state *st, const char *symbol, double price, int *inferred)
{
    /* a broker's variant (XAUUSDm, USDJPY.r) trades in its instrument's units */
    const struct instrument *in = instrument_of(st, symbol);
    *inferred = in == NULL;
    return in != NULL ? in->pip_size : instrument_infer_pip(price);
}

/* Finds or creates the symbol. Creation is in memory only; the row is written with the
 * first committed bars. */
static struct symbol_state *symbol_get_or_create(struct state *st, const char *symbol,
                                                 enum timeframe tf, double price,
                                                 enum ingest_status *why)
{
    struct symbol_state *s = state_find(st, symbol);
    if (s != NULL)
        return s;
    pthread_mutex_lock(&st->reg.create_lock);
    s = state_find(st, symbol);
    if (s != NULL)
        goto out;
    *why = INGEST_FULL;
    if (atomic_load(&st->reg.count) >= REGISTRY_SLOTS / 2)
        goto out;
    *why = INGEST_NOMEM;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        goto out;
    snprintf(s->name, sizeof s->name, "%s", symbol);
    s->tf = tf;
    s->pip = pip_for(st, symbol, price, &s->pip_inferred);
    s->eng = engine_for(st, s->name, s->pip, tf);
    pthread_mutex_init(&s->write_lock, NULL);
    pthread_mutex_init(&s->snap_lock, NULL);
    if (s->eng == NULL || publish(s) != 0) {
        symbol_free(s);
        s = NULL;
        goto out;
    }
    size_t mask = REGISTRY_SLOTS - 1;
    size_t i = hash_symbol(symbol) & mask;
    while (atomic_load(&st->reg.slots[i]) != NULL)
        i = (i + 1) & mask;
    atomic_store_explicit(&st->reg.slots[i], s, memory_order_release);
    atomic_fetch_add(&st->reg.count, 1);
out:
    pthread_mutex_unlock(&st->reg.create_lock);
    return s;
}

/* An empty engine for s with timeframe tf (pip from the configuration or price), its
 * empty snapshot published; s->log emptied. Under s->write_lock. 0, or -1 out of memory
 * (s unchanged). */
static int symbol_renew(struct state *st, struct symbol_state *s, enum timeframe tf,
                        double price)
{
    int inferred = 0;
    double pip = pip_for(st, s->name, price, &inferred);
    struct engine *e = engine_for(st, s->name, pip, tf);
    if (e == NULL)
        return -1;
    struct engine *old = s->eng;
    s->eng = e;
    size_t nlog = s->nlog;
    s->nlog = 0;
    if (publish(s) != 0) {
        s->eng = old;
        s->nlog = nlog;
        engine_free(e);
        return -1;
    }
    engine_free(old);
    s->tf = tf;
    s->pip = pip;
    s->pip_inferred = inferred;
    return 0;
}

static enum delete_status delete_owned(struct state *st, struct symbol_state *s,
                                       const struct delete_hooks *h, int force,
                                       struct symbol_deleted *out, const struct own_claim *cl);

enum delete_status state_delete_symbol(struct state *st, struct symbol_state *s,
                                       const struct delete_hooks *h, int force,
                                       struct symbol_deleted *out)
{
    memset(out, 0, sizeof *out);
    struct own_claim cl;
    char owner[160];
    enum own_verdict v = own_begin(st->own, s->name, OWN_WRITE, &cl, owner, sizeof owner);
    if (v == OWN_MISDIRECTED)
        return DELETE_MISDIRECTED;
    if (v == OWN_MOVING)
        return DELETE_MOVING;
    if (v != OWN_OK && v != OWN_UNKNOWN)
        return v == OWN_NOMEM ? DELETE_NOMEM : DELETE_UNAVAILABLE;
    enum delete_status rc = delete_owned(st, s, h, force, out, &cl);
    int lost = pg_take_fence_lost();
    own_end(st->own, &cl, lost);
    return lost && rc == DELETE_UNAVAILABLE ? DELETE_MISDIRECTED : rc;
}

static enum delete_status delete_owned(struct state *st, struct symbol_state *s,
                                       const struct delete_hooks *h, int force,
                                       struct symbol_deleted *out, const struct own_claim *cl)
{
    pthread_mutex_lock(&s->write_lock);
    enum delete_status rc = DELETE_OK;
    long open = h->open_trades(h->ctx, s->name);
    if (open > 0 && !force) {
        out->trades = open;
        rc = DELETE_OPEN_TRADES;
        goto out;
    }
    if (st->persist) {
        long counts[4] = {0};
        PGconn *c = pg_conn();
        if (c == NULL || pg_command(c, "BEGIN") != 0 ||
            symbols_store_delete(c, s->name, counts) != 0 || own_fence(st->own, c, cl) != 0 ||
            idem_before_commit(c, counts[0], 0) != 0 || pg_command(c, "COMMIT") != 0) {
            if (c != NULL)
                PQclear(PQexec(c, "ROLLBACK"));
            rc = DELETE_UNAVAILABLE;
            goto out;
        }
        *out = (struct symbol_deleted){counts[0], counts[1], counts[2], counts[3]};
    } else {
        out->bars = (long)s->nlog;
    }
    /* committed: the memory follows (an empty engine of the same timeframe) */
    if (symbol_renew(st, s, s->tf, s->nlog ? s->log[0].close : 1.0) != 0) {
        rc = DELETE_NOMEM;
        goto out;
    }
    s->persisted = 0;
    atomic_store(&s->duplicates, 0);
    h->forget(h->ctx, s->name);
out:
    pthread_mutex_unlock(&s->write_lock);
    return rc;
}

static int log_append(struct symbol_state *s, const struct bar *bars, size_t n)
{
    if (s->nlog + n > s->caplog) {
        size_t cap = s->caplog ? s->caplog : 1024;
        while (cap < s->nlog + n)
            cap *= 2;
        struct bar *log = realloc(s->log, cap * sizeof *log);
        if (log == NULL)
            return -1;
        s->log = log;
        s->caplog = cap;
    }
    memcpy(s->log + s->nlog, bars, n * sizeof *bars);
    s->nlog += n;
    return 0;
}

static int log_contains(const struct symbol_state *s, int64_t ts)
{
    size_t lo = 0, hi = s->nlog;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->log[mid].ts < ts)
            lo = mid + 1;
        else
            hi = mid;
    }
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
                                           size_t duplicates, const struct own_claim *cl)
{
    struct zone_events ev = {0};
    PGconn *c = NULL;
    int moved = 0, ok = 0, copying = 0;
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
        /* the request's Idempotency-Key, if any, commits with the bars (api/idempotency.h) */
        /* the lease fence last: its row lock is held for the shortest time */
        if (rc != 0 || zone_events_store_insert(c, s->name, ev.v, ev.n) != 0 ||
            own_fence(st->own, c, cl) != 0 ||
            idem_before_commit(c, (int64_t)n, (int64_t)duplicates) != 0 ||
            pg_command(c, "COMMIT") != 0)
            goto fail;
        s->persisted = 1;
    }
    ok = 1;
fail:
    zone_events_free(&ev);
    if (ok) {
        if (log_append(s, bars, n) == 0)
            return INGEST_OK;
        /* committed but the log could not grow: rebuild everything from the database
         * at the next start; refuse further writes to this symbol now */
        return INGEST_NOMEM;
    }
    if (copying)
        (void)bars_store_finish(c); /* the COPY's outcome, whatever it is, before ROLLBACK */
    if (c != NULL)
        PQclear(PQexec(c, "ROLLBACK"));
    if (moved && rebuild(st, s) != 0)
        return INGEST_NOMEM;
    return st->persist ? INGEST_UNAVAILABLE : INGEST_NOMEM;
}

static enum ingest_status ingest_owned(struct state *st, const char *symbol,
                                       enum timeframe tf, const struct bar *bars, size_t n,
                                       int replace, struct ingest_result *out,
                                       const struct own_claim *cl);

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
                                             struct ingest_result *out)
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
                  zone_events_store_insert(c, s->name, ev.v, ev.n) != 0 ||
                  own_fence(st->own, c, cl) != 0 ||
                  idem_before_commit(c, (int64_t)n, 0) != 0 || pg_command(c, "COMMIT") != 0;
        free(zones);
        if (bad) {
            if (c != NULL)
                PQclear(PQexec(c, "ROLLBACK"));
            goto out;
        }
    }
    /* committed: memory follows (the log keeps its prefix, then the new bars) */
    size_t keep = s->nlog;
    s->nlog = cut;
    if (log_append(s, bars, n) != 0) {
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
                                const struct bar *bars, size_t n, struct ingest_result *out)
{
    return state_ingest_mode(st, symbol, tf, bars, n, 0, out);
}

enum ingest_status state_ingest_mode(struct state *st, const char *symbol, enum timeframe tf,
                                     const struct bar *bars, size_t n, int replace,
                                     struct ingest_result *out)
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
    enum ingest_status rc = ingest_owned(st, symbol, tf, bars, n, replace, out, &cl);
    int lost = pg_take_fence_lost();
    own_end(st->own, &cl, lost);
    if (lost && rc == INGEST_UNAVAILABLE)
        rc = INGEST_MISDIRECTED;
    return rc;
}

static enum ingest_status ingest_owned(struct state *st, const char *symbol,
                                       enum timeframe tf, const struct bar *bars, size_t n,
                                       int replace, struct ingest_result *out,
                                       const struct own_claim *cl)
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
            rc = replace_and_commit(st, s, bars, n, cl, out);
            write_metrics_observe(write_metrics_now_ns() - t0, rc == INGEST_OK);
        }
        if (rc == INGEST_OK) {
            atomic_fetch_add(&st->bars_ingested, n);
            publish(s);
        }
        pthread_mutex_unlock(&s->write_lock);
        free(fresh);
        return rc;
    }
    if (rc == INGEST_OK)
        rc = classify(s, bars, n, fresh, &nfresh, out);
    if (rc == INGEST_OK && nfresh > 0) {
        uint64_t t0 = write_metrics_now_ns();
        rc = apply_and_commit(st, s, fresh, nfresh, out->duplicates, cl);
        write_metrics_observe(write_metrics_now_ns() - t0, rc == INGEST_OK || idem_lost());
    }
    if (rc == INGEST_OK) {
        out->accepted = nfresh;
        atomic_fetch_add(&s->duplicates, out->duplicates);
        atomic_fetch_add(&st->bars_ingested, nfresh);
        if (nfresh > 0)
            publish(s);
    } else {
        out->duplicates = 0;
    }
    pthread_mutex_unlock(&s->write_lock);
    free(fresh);
    return rc;
}

/* --- a symbol taken over or given up (service/ownership.c) -------------------------- */

struct load_ctx {
    struct state *st;
    struct symbol_state *s;
};

static int load_bar(void *ctx, const struct bar *b)
{
    struct load_ctx *lc = ctx;
    if (log_append(lc->s, b, 1) != 0)
        return -1;
    return engine_push(lc->s->eng, b, NULL) == PUSH_NOMEM ? -1 : 0;
}

/* Replaces the (empty) log and engine of s with the stored bars; under s->write_lock. */
static int load_bars_locked(struct state *st, PGconn *c, struct symbol_state *s,
                            const struct symbol_row *row)
{
    s->pip = row->pip_size;
    s->pip_inferred = row->pip_inferred;
    s->persisted = 1;
    s->nlog = 0;
    struct engine *e = engine_for(st, s->name, s->pip, s->tf);
    if (e == NULL)
        return -1;
    engine_free(s->eng);
    s->eng = e;
    struct load_ctx lc = {.st = st, .s = s};
    if (bars_store_each(c, row->symbol, row->tf, load_bar, &lc) != 0)
        return -1;
    return publish(s);
}

int state_load_symbol(struct state *st, PGconn *c, const char *symbol, char *err,
                      size_t errlen)
{
    struct symbol_row row;
    int stored = symbols_store_get(c, symbol, &row);
    if (stored <= 0) {
        snprintf(err, errlen, stored < 0 ? "cannot read symbol %s" : "no symbol %s", symbol);
        return stored < 0 ? -1 : 0;
    }
    enum ingest_status why;
    struct symbol_state *s = symbol_get_or_create(st, row.symbol, row.tf, 1.0, &why);
    if (s == NULL) {
        snprintf(err, errlen, "cannot create symbol %s", symbol);
        return -1;
    }
    pthread_mutex_lock(&s->write_lock);
    int rc = load_bars_locked(st, c, s, &row);
    pthread_mutex_unlock(&s->write_lock);
    if (rc != 0)
        snprintf(err, errlen, "cannot load the bars of %s", symbol);
    return rc;
}

void state_drop_symbol(struct state *st, const char *symbol)
{
    struct symbol_state *s = state_find(st, symbol);
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->write_lock);
    free(s->log);
    s->log = NULL;
    s->nlog = s->caplog = 0;
    atomic_store(&s->duplicates, 0);
    struct engine *e = engine_for(st, s->name, s->pip, s->tf);
    if (e != NULL) {
        engine_free(s->eng);
        s->eng = e;
        (void)publish(s); /* empty: /symbols and reads no longer show the symbol */
    }
    pthread_mutex_unlock(&s->write_lock);
}
