/*
 * stores.h - what the service persists and reloads, one function per operation.
 *
 * Every function takes the calling thread's connection and runs inside the caller's
 * transaction (the caller BEGINs and COMMITs, so one request is one commit). Return 0 on
 * success, -1 on a database error (logged and counted by pg.c). All SQL lives in
 * storage/statements.c as prepared statements or COPY commands: no SQL is built from
 * strings at run time.
 */
#ifndef LIQ_STORES_H
#define LIQ_STORES_H

#include <libpq-fe.h>
#include <stddef.h>

#include "domain/bar.h"
#include "domain/engine.h"
#include "domain/history.h"
#include "domain/learner.h"
#include "domain/liquidity_report.h"
#include "domain/setup.h"
#include "domain/trade.h"
#include "base/textbuf.h"
#include "storage/pg.h"

extern const struct pg_stmt STORE_STATEMENTS[];
extern const size_t STORE_STATEMENT_COUNT;
/* COPY commands (text format) used by the stores. */
extern const char COPY_BARS[];
extern const char BEGIN_COPY_BARS[];
extern const char COPY_ZONE_STAGE[];
extern const char COPY_ZONE_EVENTS[];

struct symbol_row {
    char symbol[33];
    double pip_size;
    int pip_inferred;
    enum timeframe tf;
};

int symbols_store_insert(PGconn *c, const struct symbol_row *s);
/* Deletes the bars of symbol from ts on, all its liquidity_levels rows, its zone_events
 * after events_after (INT64_MIN: all) and its checkpoints holding a bar from ts on, for a
 * replace that rewrites them; *bars gets how many bars went. */
int bars_store_delete_from(PGconn *c, const char *symbol, int64_t ts, int64_t events_after,
                           long *bars);
/* Deletes every row of symbol (bars, zones and their events, trades with their decisions
 * and events, learner statistics, reports, the symbols row) in one statement; counts[]
 * gets the bars, zones, trades and all other rows removed. */
int symbols_store_delete(PGconn *c, const char *symbol, long counts[4]);
/* Calls fn for each stored symbol; stops and returns fn's non-zero value. */
int symbols_store_each(PGconn *c, int (*fn)(void *ctx, const struct symbol_row *s), void *ctx);
/* The stored row of symbol: 1 found (*out filled), 0 not stored, -1 database error. */
int symbols_store_get(PGconn *c, const char *symbol, struct symbol_row *out);

int bars_store_insert(PGconn *c, const char *symbol, enum timeframe tf, const struct bar *bars,
                      size_t n);
/* bars_store_insert in two halves, so the caller can work while PostgreSQL inserts: _send
 * streams the COPY and ends it without waiting for the outcome (n > 0); with begin != 0
 * the same message opens the transaction (BEGIN; COPY ..). _finish waits and reads it (0
 * inserted, -1 error). Nothing else may be sent on c in between, and every _send with
 * n > 0 must be followed by _finish, even after an error. */
int bars_store_send(PGconn *c, const char *symbol, enum timeframe tf, const struct bar *bars,
                    size_t n, int begin);
int bars_store_finish(PGconn *c);
/* Streams the bars of symbol with from <= ts < to (INT64_MIN, INT64_MAX: unbounded), at most
 * limit (0: all), oldest first or newest_first, to fn; fn's non-zero value stops it and is
 * returned. -1 on a database error. */
int bars_store_range(PGconn *c, const char *symbol, enum timeframe tf, int64_t from, int64_t to,
                     size_t limit, int newest_first,
                     int (*fn)(void *ctx, const struct bar *b), void *ctx);
/* Which of ts[0..n) are stored bars of symbol: their ts ascending in *found (malloc'd, the
 * caller frees; NULL when none), *nfound of them. 0, or -1 (database, memory). */
int bars_store_existing(PGconn *c, const char *symbol, enum timeframe tf, const int64_t *ts,
                        size_t n, int64_t **found, size_t *nfound);
/* The ts of symbol's first stored bar in *ts (INT64_MIN when none): 0, or -1. */
int bars_store_first_ts(PGconn *c, const char *symbol, enum timeframe tf, int64_t *ts);

/* --- engine checkpoints (storage/checkpoint_store.c, migrations/011) ------------------ */

/* A checkpoint as stored: the engine's bytes (domain/engine_snap.h), the last bar it holds. */
struct checkpoint_row {
    int64_t last_ts;
    uint64_t bar_count;
    int version;
    uint8_t *state;          /* malloc'd by checkpoint_store_before; the caller frees */
    size_t len;
};
/* Writes symbol's checkpoint (replacing one at the same last_ts) and deletes its older ones
 * beyond the newest keep (>= 1), in the caller's transaction: PG_OK or PG_ERROR. */
int checkpoint_store_put(PGconn *c, const char *symbol, const struct checkpoint_row *row,
                         int keep);
/* The newest checkpoint of symbol with last_ts < before (INT64_MAX: any): 1 found (*out
 * filled, out->state to free), 0 none, -1 database error or out of memory. */
int checkpoint_store_before(PGconn *c, const char *symbol, int64_t before,
                            struct checkpoint_row *out);

/* Upserts the given zones (pointers into the engine) into liquidity_levels. */
int zones_store_upsert(PGconn *c, const char *symbol, const struct zone *const *zones,
                       size_t n);
/* Appends zone events (created, hold, break, sweep, merged, deactivated) to zone_events. */
int zone_events_store_insert(PGconn *c, const char *symbol, const struct zone_event *ev,
                             size_t n);

/* --- trades (storage/trades_store.c) ------------------------------------------------- */

/* The whole struct trade as JSON text (malloc'd, NULL when out of memory): every field, so
 * trade_state_decode gives back the same struct bit for bit (doubles with 17 digits). */
char *trade_state_encode(const struct trade *t);
/* 0, or -1 when the text is not a trade written by trade_state_encode. */
int trade_state_decode(const char *json, struct trade *t);

/* A fresh trade id from the liquidity_trades sequence, in *id. */
int trades_store_next_id(PGconn *c, uint64_t *id);
int trades_store_insert(PGconn *c, const char *symbol, const struct trade *t);
/* Rewrites the row of t (status, stop, remaining, realised R, closed_at, state). */
int trades_store_update(PGconn *c, const struct trade *t);
/* One trade_events row; ts TRADE_TS_NONE stores NULL. */
int trade_events_store_insert(PGconn *c, const char *symbol, uint64_t trade_id, int64_t ts,
                              const char *kind, double price, double stop, uint32_t zone_id,
                              double fraction, double remaining);
int runner_events_store_insert(PGconn *c, const char *symbol, uint64_t trade_id, int64_t ts,
                               const char *kind, double price, uint32_t zone_id);
/* The stop_decisions and target_selections rows of an opened setup. */
int decisions_store_insert(PGconn *c, const char *symbol, uint64_t trade_id,
                           const struct setup_result *s);
/* The symbol of trade id: 1 found, 0 no such trade, -1 database error. */
int trades_store_symbol_of(PGconn *c, uint64_t id, char *symbol, size_t len);
/* Calls fn for every open trade of symbol (NULL: of every symbol). */
int trades_store_each_open(PGconn *c, const char *symbol,
                           int (*fn)(void *ctx, const char *symbol, const struct trade *t),
                           void *ctx);
int level_stats_store_upsert(PGconn *c, const char *symbol, const struct level_stat *row);
/* Calls fn for every learner row of symbol (NULL: of every symbol). */
int level_stats_store_each(PGconn *c, const char *symbol,
                           int (*fn)(void *ctx, const char *symbol, const struct level_stat *r),
                           void *ctx);

/* --- symbol leases (storage/lease_store.c, migrations/006_symbol_leases.sql) ---------- */

enum lease_take {
    LEASE_TAKEN,        /* *token is ours now */
    LEASE_HELD,         /* another instance holds an unexpired lease: owner[] names it */
    LEASE_ERROR,        /* database error */
};

/* Takes symbol's lease for owner when it is absent, released or expired: a fresh token
 * (lease_token_seq) and a lease_log row, expiring ttl_ms from now. */
enum lease_take lease_store_take(PGconn *c, const char *symbol, const char *owner,
                                 long ttl_ms, int64_t *token, char *other, size_t otherlen);
/* Extends every lease of owner by ttl_ms; calls fn(symbol, token, wanted) for each one
 * still held (wanted: another instance asked for it in the last 10 s). 0 or -1. */
int lease_store_renew(PGconn *c, const char *owner, long ttl_ms,
                      void (*fn)(void *ctx, const char *symbol, int64_t token, int wanted),
                      void *ctx);
/* Gives the lease up at once (expires_at = -infinity) if token is still owner's; records
 * released_at in lease_log. 0 or -1. */
int lease_store_release(PGconn *c, const char *symbol, const char *owner, int64_t token);
/* Deletes owner's lease of symbol (token), with its lease_log row, when nothing of the
 * symbol is stored (a failed first write leaves no lease); else releases it. 0 or -1. */
int lease_store_forget(PGconn *c, const char *symbol, const char *owner, int64_t token);
/* Asks the holder of symbol to hand it over to wanter (see renew). 0 or -1. */
int lease_store_want(PGconn *c, const char *symbol, const char *wanter);
/* The current holder of symbol's lease: 1 (other filled, *live: unexpired), 0 none, -1. */
int lease_store_owner(PGconn *c, const char *symbol, char *other, size_t otherlen,
                      int *live);
/* Queues (pipeline mode) or runs the fence: liq_lease_fence(symbol, owner, token) inside
 * the caller's open transaction. Run: PG_OK, PG_ERROR, or PG_FENCED when the lease is lost
 * (PG_SQLSTATE_LEASE_LOST); queued: PG_OK, and pg_pipeline_end gives the verdict. */
int lease_store_fence(PGconn *c, const char *symbol, const char *owner, int64_t token);

/* --- reports (storage/reports_store.c) ------------------------------------------------ */

/* The zone outcomes and closed trades of symbol per period ("day" or "week"), oldest first,
 * in *rows (malloc'd) and *n. */
int reports_store_collect(PGconn *c, const char *symbol, const char *unit,
                          struct report_row **rows, size_t *n);
/* Upserts one computed row of liquidity_reports (period "daily" or "weekly"). */
int reports_store_upsert(PGconn *c, const char *symbol, const char *period,
                         const struct report_row *r);

/* --- idempotency keys (storage/idempotency_store.c) ---------------------------------- */

struct idem_row {
    char request_hash[65];
    int status;
    char *body;             /* malloc'd; the caller frees it */
};

/* 1 with *out filled when key is stored (under any route), 0 when not, -1 on a database
 * error. */
int idem_store_get(PGconn *c, const char *key, struct idem_row *out);
/* Stores the first answer of key (sent to route, writing symbol): 0 stored by this call, 1
 * the key was already taken (nothing written; a concurrent request won it), -1 database
 * error. */
int idem_store_put(PGconn *c, const char *route, const char *key, const char *symbol,
                   const char *request_hash, int status, const char *body);

/* --- reads behind GET /trades, GET /zones/{id} (storage/reads_store.c) ---------------- */

/* Trade id: 1 with *out filled, 0 when there is no such trade, -1 database error (or a
 * state that does not decode). */
int trades_store_get(PGconn *c, uint64_t id, struct trade_record *out);
/* 1 when trade id has a row, 0 when not, -1 database error. */
int trades_store_exists(PGconn *c, uint64_t id);
/* The newest `limit` trades, optionally of one symbol and one status ("open"/"closed"),
 * newest first, in *rows (malloc'd) and *n; rows whose state does not decode are left
 * out. 0 or -1. */
int trades_store_list(PGconn *c, const char *symbol, const char *status, long limit,
                      struct trade_record **rows, size_t *n);
/* Trade id's events in *rows (malloc'd) and *n. 0 or -1. */
int trade_events_store_of(PGconn *c, uint64_t id, struct trade_event_record **rows, size_t *n);
/* The first `limit` events of zone (symbol, id) in *rows (malloc'd) and *n. 0 or -1. */
int zone_events_store_of(PGconn *c, const char *symbol, uint32_t id, long limit,
                         struct zone_event_record **rows, size_t *n);

#endif
