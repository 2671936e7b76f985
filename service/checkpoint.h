/*
 * checkpoint.h - a symbol's engine saved in PostgreSQL and rebuilt from it (service/ only).
 *
 * The one idea: the bars stay the truth (docs/architecture.md); a checkpoint only saves the
 * replay of those up to its last bar. A start, a lease taken over, a failed write's rebuild
 * and a replace's rewind load the newest checkpoint before the point they need
 * (domain/engine_snap.h) and replay only the stored bars after it; with none usable (none
 * written yet, another format version, other parameters, damaged, or its last bar no longer
 * the stored one) every stored bar is replayed, as before checkpoints existed.
 * A checkpoint is written every checkpoint_every_bars bars in the transaction of the bars
 * that make it due (so it never claims a bar that did not commit), and at shutdown through
 * the write path (the lease fence: an instance that lost the symbol writes none).
 */
#ifndef LIQ_SERVICE_CHECKPOINT_H
#define LIQ_SERVICE_CHECKPOINT_H

#include <stdint.h>

#include "service/state.h"

/* How an engine was rebuilt (logged at start). */
struct rebuild_info {
    int from_checkpoint;          /* 1: a checkpoint was used */
    int64_t checkpoint_ts;        /* its last bar (INT64_MIN: none) */
    uint64_t checkpoint_bars;     /* its bar count (0: none) */
    const char *ignored;          /* why a checkpoint found was not used, NULL if none was */
    size_t replayed, skipped;     /* stored bars pushed after it; left out (off bounds) */
};

/*
 * The engine of s over its stored bars with ts < before (INT64_MAX: all), from the newest
 * checkpoint before `before` and the bars after it, in *out (the caller frees it); the
 * events of the bars replayed go to ev (NULL: none; emptied when a checkpoint turns out
 * stale and every bar is replayed, so they are always those after info->checkpoint_ts).
 * s's pip and tf are the symbol's. 0, or -1 on a database error or out of memory.
 */
int ckpt_rebuild(struct state *st, struct pg_conn *c, const struct symbol_state *s,
                 int64_t before, struct zone_events *ev, struct engine **out,
                 struct rebuild_info *info);

/* In the caller's transaction: writes e as symbol's checkpoint when checkpoint_every_bars
 * bars were pushed since its last one of base_bars bars (with force: any bar since). PG_OK
 * (*written: the bar count written, 0 when none was due) or PG_ERROR. */
int ckpt_write_due(struct state *st, struct pg_conn *c, const char *symbol, uint64_t base_bars,
                   const struct engine *e, int force, uint64_t *written);

/* Under s's write_lock, before a write: a stale engine (a write that moved it did not
 * commit) rebuilt from PostgreSQL. LIQ_OK, or LIQ_UNAVAILABLE. */
enum liq_status ckpt_refresh_stale(struct state *st, struct symbol_state *s);
/* A write of duplicates only on a symbol marked unconfirmed (a write of unknown outcome since
 * the last commit): the bars it repeats may be committed on the primary but not on its
 * synchronous standby (PostgreSQL shows a commit whose wait for the standby was cancelled).
 * A barrier commit, which waits for the flush and the standby up to it, makes them durable:
 * LIQ_OK (and s no longer unconfirmed), or LIQ_UNAVAILABLE (503: not acknowledged). */
enum liq_status ckpt_confirm(struct symbol_state *s);

/* At shutdown: every symbol with bars since its last checkpoint gets one (write_run, one
 * transaction each). Returns how many were written. */
int state_checkpoint_all(struct state *st);

#endif
