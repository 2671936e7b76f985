/*
 * state.h - the live per-symbol state and the use cases that change it.
 *
 * One struct symbol_state per symbol: its zone engine and the last published zone
 * snapshot, and a log of the bars it has been given: every one with persistence off (to
 * roll back a failed write, replace and draw candles); with persistence on only the latest
 * (STATE_TAIL_BARS to twice that, for GET /bars and the duplicate check without a query):
 * PostgreSQL holds them all, a rebuild replays them from the newest engine checkpoint
 * (service/checkpoint.h), and GET /bars reads an older range there. Writers of a symbol are serialised by its write_lock and hold
 * it across the database transaction; readers never take it: they take a reference to
 * the immutable snapshot published after the last commit (RCU-style), so a slow write
 * never blocks GET /zones and a reader never sees a write that was not committed.
 *
 * The symbol table is append-only: lookups are lock-free atomic loads; only creating a
 * symbol takes the registry mutex.
 */
#ifndef LIQ_STATE_H
#define LIQ_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "base/symtab.h"
#include "domain/bar.h"
#include "domain/engine.h"
#include "domain/stall.h"
#include "service/config.h"
#include "service/status.h"

struct idem_pending;
struct pg_conn; /* libpq's PGconn */

/* What a reader derives from a snapshot and keeps with it (api/zones.c: the zones'
 * rendered JSON), installed once by snapshot_attach and freed with the snapshot by its
 * own free function. The service never looks inside. */
struct snapshot_extra {
    void (*free)(struct snapshot_extra *x);
};

struct zone_snapshot {
    atomic_int refs;
    /* changes with every publish and across restarts: GET /zones' ETag */
    uint64_t version;
    int64_t first_ts, last_ts;
    double last_close;
    double atr;                   /* engine_atr: scales setup distances */
    double tick;                  /* instrument_tick(pip): zone prices are shown on it */
    struct geo_book geo;          /* engine_geometry: behind p_tp1_first */
    struct zone_tally tally;      /* engine_tally: GET /symbols/{symbol}/evidence */
    struct exit_record exits;     /* engine_exit_record: its "exits", exit_method auto */
    double sweep_atr;             /* engine_stop_sweep_atr: the zone stop's buffer, ATR */
    struct pierce_book pierce;    /* engine_pierce: the evidence's "sweep_depth" */
    double stall_atr;             /* engine_target_stall_atr: the targets' front offset, ATR */
    struct stall_book stall;      /* engine_stall: the evidence's "stall_distance" */
    uint64_t bar_count;
    size_t nactive;
    size_t n;
    _Atomic(struct snapshot_extra *) extra; /* NULL until a reader attaches one */
    struct zone zones[]; /* live zones (active and inactive), sorted by price */
};

struct symbol_state {
    char name[33];
    double pip;
    int pip_inferred;
    enum timeframe tf;
    int persisted;                /* the symbols row is committed */
    pthread_mutex_t write_lock;   /* serialises writers of this symbol */
    struct engine *eng;           /* only under write_lock */
    struct bar *log;              /* every applied bar in order (persistence on: the latest
                                   * ones, from log[0]); only under write_lock */
    size_t nlog, caplog;
    int64_t first_ts;             /* the first bar's ts, TS_NONE when none; under write_lock */
    uint64_t ckpt_bars;           /* bar count of the newest stored checkpoint (0: none) */
    int stale;                    /* the engine ran ahead of a write that did not commit:
                                   * rebuilt from PostgreSQL before the next write */
    int unconfirmed;              /* since a write whose outcome is unknown: what PostgreSQL
                                   * shows may be committed but not durable (a synchronous
                                   * standby's wait cancelled), so a write of duplicates only
                                   * is acknowledged after a durability barrier */
    pthread_mutex_t snap_lock;    /* guards the snapshot pointer swap, held for nanoseconds */
    struct zone_snapshot *snap;
    uint64_t versions;            /* the last snapshot's version; only under write_lock */
    atomic_uint_fast64_t duplicates;
    /* a symbol whose first write is in flight is provisional: in reg.pending, never in
     * reg.tab, so no reader sees it; the writers holding it are counted (both under
     * reg.create_lock). It joins reg.tab when something of it commits; the last writer of
     * one that never did frees it (service/state.c symbol_settle) */
    int provisional;
    int claims;
    struct symbol_state *next_pending;
};

/* With persistence on, a symbol keeps at least this many of its latest bars in memory. */
#define STATE_TAIL_BARS 2048

/* Whether s's log holds every bar of s (persistence off, or few bars). Under write_lock. */
static inline int symbol_log_whole(const struct symbol_state *s)
{
    return s->nlog == 0 ? s->first_ts == INT64_MIN : s->log[0].ts <= s->first_ts;
}

#define REGISTRY_SLOTS 4096 /* power of two; symbols beyond REGISTRY_SLOTS/2 are refused */

struct registry {
    struct symtab tab;            /* name -> struct symbol_state (base/symtab.h): the
                                   * symbols something of which is committed */
    pthread_mutex_t create_lock;
    struct symbol_state *pending; /* the provisional ones, under create_lock */
    size_t npending;
};

struct ownership;

struct state {
    struct ownership *own;        /* which symbols this instance writes (ownership.h) */
    struct app_config cfg;        /* as started; the live part may be newer: state_live() */
    /* the settings SIGHUP can change (config_apply_live), published whole by app_reload;
     * readers load the pointer once per request and never see half a reload */
    _Atomic(const struct app_config *) live;
    struct registry reg;
    int persist;                  /* cfg.params.liquidity_db_persist */
    atomic_uint_fast64_t bars_ingested;
};

int state_init(struct state *st, const struct app_config *cfg);
void state_free(struct state *st);

/* The current live settings (api_key, log_level, setup parameters, ...). Lock-free. */
static inline const struct app_config *state_live(struct state *st)
{
    return atomic_load_explicit(&st->live, memory_order_acquire);
}

/* NULL if unknown. Lock-free. */
struct symbol_state *state_find(struct state *st, const char *symbol);
/* Calls fn for every symbol (in creation order). */
void state_each(struct state *st, void (*fn)(void *ctx, struct symbol_state *s), void *ctx);

/* A reference to the symbol's current snapshot; release it with snapshot_release. */
struct zone_snapshot *snapshot_acquire(struct symbol_state *s);
void snapshot_release(struct zone_snapshot *snap);
/* Installs mine as snap's extra unless one is there already; returns the one installed
 * (when it is not mine, the caller frees mine). Lock-free. */
struct snapshot_extra *snapshot_attach(struct zone_snapshot *snap,
                                       struct snapshot_extra *mine);

/* Rebuilds symbol from its stored bars (its lease was just taken: service/ownership.c),
 * on connection c. 0 (also when it is not stored) or -1 with err. */
int state_load_symbol(struct state *st, struct pg_conn *c, const char *symbol, char *err,
                      size_t errlen);

/* Frees the bars and zones of symbol (its lease is gone); it reads as empty until loaded
 * again. The registry entry stays (entries are never removed). */
void state_drop_symbol(struct state *st, const char *symbol);


struct ingest_item_error {
    size_t index;
    const char *reason;
};

struct ingest_result {
    size_t accepted, duplicates;
    size_t replaced;     /* stored bars a replace removed */
    struct ingest_item_error errors[16];
    size_t nerrors;      /* may exceed 16: only the first 16 are kept */
    char message[160];
    char owner[160];     /* LIQ_MISDIRECTED / LIQ_MOVING: the lease holder, if known */
};

/*
 * Applies validated bars of one symbol and timeframe, in order: each is new (applied),
 * a duplicate (same ts as one already stored: ignored, counted) or older than the last
 * bar and unknown (LIQ_INVALID_BARS: nothing is applied). With persistence on, bars and
 * the zones they change are committed in one transaction before this returns OK, with
 * idem's key row when idem is not NULL (service/idempotency.h).
 */
enum liq_status state_ingest(struct state *st, const char *symbol, enum timeframe tf,
                                const struct bar *bars, size_t n, struct idem_pending *idem,
                                struct ingest_result *out);
/*
 * state_ingest, or with replace != 0 (POST /bars?replace=true, a corrected file): when
 * bars start at or before the last stored bar, the stored bars from bars[0].ts on are
 * replaced by bars (strictly ascending), the zone engine is rebuilt from there and the
 * symbol's bars, zones and zone events are rewritten in one transaction (with idem's key
 * row); out->replaced says how many stored bars went. Otherwise as state_ingest.
 */
enum liq_status state_ingest_mode(struct state *st, const char *symbol, enum timeframe tf,
                                     const struct bar *bars, size_t n, int replace,
                                     struct idem_pending *idem, struct ingest_result *out);

#endif
