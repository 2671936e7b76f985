/*
 * state.c - the symbol registry, snapshots, a symbol's creation and renewal, and its load
 * at start or on a lease taken over. The writes are service/ingest.c (POST /bars) and
 * service/symbol_delete.c (DELETE /symbols/{symbol}).
 */
#include "service/state.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <time.h>

#include "base/grow.h"
#include "base/log.h"
#include "domain/instrument.h"
#include "service/state_internal.h"
#include "storage/stores.h"

int state_init(struct state *st, const struct app_config *cfg)
{
    memset(st, 0, sizeof *st);
    st->cfg = *cfg;
    atomic_init(&st->live, &st->cfg);
    st->persist = cfg->params.liquidity_db_persist;
    pthread_mutex_init(&st->reg.create_lock, NULL);
    return symtab_init(&st->reg.tab, REGISTRY_SLOTS, offsetof(struct symbol_state, name));
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
    for (size_t i = 0; i < st->reg.tab.cap; i++) {
        struct symbol_state *s = symtab_slot(&st->reg.tab, i);
        if (s != NULL)
            symbol_free(s);
    }
    while (st->reg.pending != NULL) { /* none once the requests are drained */
        struct symbol_state *s = st->reg.pending;
        st->reg.pending = s->next_pending;
        symbol_free(s);
    }
    symtab_free(&st->reg.tab);
    pthread_mutex_destroy(&st->reg.create_lock);
}

struct symbol_state *state_find(struct state *st, const char *symbol)
{
    return symtab_find(&st->reg.tab, symbol);
}

void state_each(struct state *st, void (*fn)(void *ctx, struct symbol_state *s), void *ctx)
{
    for (size_t i = 0; i < st->reg.tab.cap; i++) {
        struct symbol_state *s = symtab_slot(&st->reg.tab, i);
        if (s != NULL)
            fn(ctx, s);
    }
}

static struct zone_snapshot *snapshot_build(const struct engine *e, int64_t first_ts)
{
    size_t n = engine_zone_count(e);
    struct zone_snapshot *snap = malloc(sizeof *snap + n * sizeof(struct zone));
    if (snap == NULL)
        return NULL;
    atomic_init(&snap->extra, NULL);
    atomic_init(&snap->refs, 1);
    snap->first_ts = first_ts;
    snap->last_ts = engine_last_ts(e);
    snap->last_close = engine_last_close(e);
    snap->atr = engine_atr(e);
    snap->tick = instrument_tick(engine_pip(e));
    snap->geo = *engine_geometry(e);
    snap->tally = *engine_tally(e);
    engine_exit_record(e, &snap->exits);
    snap->sweep_atr = engine_stop_sweep_atr(e, NULL);
    snap->pierce = *engine_pierce(e);
    snap->stall_atr = engine_target_stall_atr(e, NULL);
    snap->stall = *engine_stall(e);
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
    struct snapshot_extra *x = atomic_load_explicit(&snap->extra, memory_order_acquire);
    if (x != NULL)
        x->free(x);
    free(snap);
}

struct snapshot_extra *snapshot_attach(struct zone_snapshot *snap,
                                       struct snapshot_extra *mine)
{
    struct snapshot_extra *expected = NULL;
    if (atomic_compare_exchange_strong_explicit(&snap->extra, &expected, mine,
                                                memory_order_acq_rel, memory_order_acquire))
        return mine;
    return expected;
}

/* Publishes a snapshot of the engine; on allocation failure the old one stays. */
int symbol_publish(struct symbol_state *s)
{
    /* every published snapshot carries probabilities and strength from all the outcomes
     * resolved so far, whichever path built the engine (a no-op cost-wise: O(zones)) */
    if (engine_refresh(s->eng) != 0)
        return -1;
    struct zone_snapshot *snap = snapshot_build(s->eng, engine_bar_count(s->eng) ? s->first_ts
                                                                                 : TS_NONE);
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
void params_for(const struct state *st, const char *symbol, double pip, struct liq_params *p)
{
    *p = st->cfg.params;
    const struct instrument *in = instrument_of(st, symbol);
    if (in != NULL && in->round_step > 0 && pip > 0)
        p->round_level_step = in->round_step / pip;
}

struct engine *engine_for(const struct state *st, const char *symbol, double pip,
                          enum timeframe tf)
{
    struct liq_params p;
    params_for(st, symbol, pip, &p);
    return engine_new(&p, pip, tf);
}

static double pip_for(const struct state *st, const char *symbol, double price, int *inferred)
{
    /* a broker's variant (XAUUSDm, USDJPY.r) trades in its instrument's units */
    const struct instrument *in = instrument_of(st, symbol);
    *inferred = in == NULL;
    return in != NULL ? in->pip_size : instrument_infer_pip(price);
}

/* A new symbol in memory, not in any list yet. NULL out of memory. */
static struct symbol_state *symbol_new(struct state *st, const char *symbol,
                                       enum timeframe tf, double price)
{
    struct symbol_state *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    snprintf(s->name, sizeof s->name, "%s", symbol);
    s->first_ts = TS_NONE;
    s->tf = tf;
    s->pip = pip_for(st, symbol, price, &s->pip_inferred);
    s->eng = engine_for(st, s->name, s->pip, tf);
    pthread_mutex_init(&s->write_lock, NULL);
    pthread_mutex_init(&s->snap_lock, NULL);
    if (s->eng == NULL || symbol_publish(s) != 0) {
        symbol_free(s);
        return NULL;
    }
    return s;
}

/* Under create_lock: the provisional symbol named symbol, or NULL. */
static struct symbol_state *pending_find(struct registry *reg, const char *symbol)
{
    for (struct symbol_state *p = reg->pending; p != NULL; p = p->next_pending)
        if (strcmp(p->name, symbol) == 0)
            return p;
    return NULL;
}

/* Under create_lock: takes s out of the provisional list. */
static void pending_unlink(struct registry *reg, struct symbol_state *s)
{
    for (struct symbol_state **pp = &reg->pending; *pp != NULL; pp = &(*pp)->next_pending)
        if (*pp == s) {
            *pp = s->next_pending;
            reg->npending--;
            break;
        }
    s->next_pending = NULL;
    s->provisional = 0;
}

/* Under create_lock: no room for one more symbol (max_symbols counts the provisional ones:
 * a symbol whose first write is in flight may commit). */
static int registry_full(const struct state *st)
{
    return symtab_full(&st->reg.tab) ||
           symtab_count(&st->reg.tab) + st->reg.npending >= (size_t)st->cfg.max_symbols;
}

/* Under create_lock: s (provisional) joins the registry: readers see it from here on. */
static void promote(struct state *st, struct symbol_state *s)
{
    pending_unlink(&st->reg, s);
    (void)symtab_add(&st->reg.tab, s); /* room: counted while provisional */
}

struct symbol_state *symbol_claim(struct state *st, const char *symbol, enum timeframe tf,
                                  double price, enum liq_status *why)
{
    struct symbol_state *s = state_find(st, symbol);
    if (s != NULL)
        return s;
    pthread_mutex_lock(&st->reg.create_lock);
    s = state_find(st, symbol);
    if (s == NULL && (s = pending_find(&st->reg, symbol)) != NULL)
        s->claims++; /* another writer's first write is in flight: wait for it on write_lock */
    if (s != NULL)
        goto out;
    *why = LIQ_FULL;
    if (registry_full(st))
        goto out;
    *why = LIQ_NOMEM;
    s = symbol_new(st, symbol, tf, price);
    if (s == NULL)
        goto out;
    s->provisional = 1;
    s->claims = 1;
    s->next_pending = st->reg.pending;
    st->reg.pending = s;
    st->reg.npending++;
out:
    pthread_mutex_unlock(&st->reg.create_lock);
    return s;
}

void symbol_settle(struct state *st, struct symbol_state *s, int committed)
{
    int gone = 0;
    pthread_mutex_lock(&st->reg.create_lock);
    /* once registered a symbol stays (readers hold it without a lock); while provisional
     * every hold on it was counted by symbol_claim */
    if (s->provisional) {
        if (committed)
            promote(st, s);
        else if (--s->claims == 0) {
            pending_unlink(&st->reg, s);
            gone = 1;
        }
    }
    pthread_mutex_unlock(&st->reg.create_lock);
    if (gone)
        symbol_free(s);
}

struct symbol_state *symbol_get_or_create(struct state *st, const char *symbol,
                                          enum timeframe tf, double price,
                                          enum liq_status *why)
{
    pthread_mutex_lock(&st->reg.create_lock);
    struct symbol_state *s = state_find(st, symbol);
    if (s == NULL && (s = pending_find(&st->reg, symbol)) != NULL)
        promote(st, s);
    if (s != NULL)
        goto out;
    *why = LIQ_FULL;
    if (registry_full(st))
        goto out;
    *why = LIQ_NOMEM;
    s = symbol_new(st, symbol, tf, price);
    if (s != NULL)
        (void)symtab_add(&st->reg.tab, s); /* not full: checked above, under create_lock */
out:
    pthread_mutex_unlock(&st->reg.create_lock);
    return s;
}

/* An empty engine for s with timeframe tf (pip from the configuration or price), its
 * empty snapshot published; s->log emptied. Under s->write_lock. 0, or -1 out of memory
 * (s unchanged). */
int symbol_renew(struct state *st, struct symbol_state *s, enum timeframe tf, double price)
{
    int inferred = 0;
    double pip = pip_for(st, s->name, price, &inferred);
    struct engine *e = engine_for(st, s->name, pip, tf);
    if (e == NULL)
        return -1;
    struct engine *old = s->eng;
    s->eng = e;
    size_t nlog = s->nlog;
    int64_t first = s->first_ts;
    s->nlog = 0;
    s->first_ts = TS_NONE;
    if (symbol_publish(s) != 0) {
        s->eng = old;
        s->nlog = nlog;
        s->first_ts = first;
        engine_free(e);
        return -1;
    }
    engine_free(old);
    s->ckpt_bars = 0;
    s->stale = 0;
    s->tf = tf;
    s->pip = pip;
    s->pip_inferred = inferred;
    return 0;
}

int symbol_tail_append(struct symbol_state *s, const struct bar *bars, size_t n)
{
    if (n >= STATE_TAIL_BARS) { /* only the latest of a long batch */
        bars += n - STATE_TAIL_BARS;
        n = STATE_TAIL_BARS;
        s->nlog = 0;
    }
    if (s->nlog + n > 2 * STATE_TAIL_BARS) {
        size_t keep = STATE_TAIL_BARS - n;
        memmove(s->log, s->log + s->nlog - keep, keep * sizeof *s->log);
        s->nlog = keep;
    }
    return symbol_log_append(s, bars, n);
}

int symbol_log_append(struct symbol_state *s, const struct bar *bars, size_t n)
{
    struct bar *log = grow_array(s->log, &s->caplog, s->nlog + n, sizeof *log, 1024);
    if (log == NULL)
        return -1;
    s->log = log;
    memcpy(s->log + s->nlog, bars, n * sizeof *bars);
    s->nlog += n;
    return 0;
}

/* --- a symbol taken over or given up (service/ownership.c) -------------------------- */

void state_drop_symbol(struct state *st, const char *symbol)
{
    struct symbol_state *s = state_find(st, symbol);
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->write_lock);
    free(s->log);
    s->log = NULL;
    s->nlog = s->caplog = 0;
    s->first_ts = TS_NONE;
    s->ckpt_bars = 0;
    s->stale = 0;
    atomic_store(&s->duplicates, 0);
    struct engine *e = engine_for(st, s->name, s->pip, s->tf);
    if (e != NULL) {
        engine_free(s->eng);
        s->eng = e;
        (void)symbol_publish(s); /* empty: /symbols and reads no longer show the symbol */
    }
    pthread_mutex_unlock(&s->write_lock);
}
