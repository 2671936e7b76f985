/*
 * trading.h - setups, open trades and the learner, as use cases of the service.
 *
 * The one idea: a trade changes like the zone map does in state.c. Updates of one trade
 * are serialised (a lock stripe per trade id; closes of a symbol also take its
 * write_lock, which guards the symbol's learner table); setups need no symbol lock, they
 * read the published zone snapshot. The update is computed on a COPY of the trade, written in one transaction
 * (liquidity_trades with the whole struct as jsonb, trade_events, runner_events, and on
 * close liquidity_level_stats), committed, and only then does the copy replace the trade
 * in memory. A failure anywhere leaves memory as it was (503): nothing is half-applied.
 *
 * Open trades and each symbol's learner table live here, restored at start from
 * liquidity_trades (status 'open') and liquidity_level_stats. Closed trades leave memory;
 * the API reads their history from the database.
 *
 * Lock order: trade stripe, then symbol write_lock, then the trading lock (held for
 * copies only).
 */
#ifndef LIQ_TRADING_H
#define LIQ_TRADING_H

#include <stddef.h>
#include <stdint.h>

#include "domain/learner.h"
#include "domain/setup.h"
#include "domain/trade.h"
#include "service/state.h"
#include "service/status.h"

struct trading;
struct idem_pending;

/* Every function below answers a status (service/status.h); msg gets the use case's words
 * for LIQ_INVALID / LIQ_REFUSED and the holder's name, when known, for LIQ_MISDIRECTED /
 * LIQ_MOVING. A trade that is not open answers LIQ_CLOSED when it is stored (409), else
 * LIQ_NOT_FOUND (404). */

/* NULL when out of memory. */
struct trading *trading_new(void);
void trading_free(struct trading *tr);

/* Restores the open trades and the learner table of symbol from the database on c (its
 * lease was just taken: service/ownership.c). 0 or -1. */
int trading_load_symbol(struct trading *tr, struct pg_conn *c, const char *symbol);
/* Forgets the open trades and learner table of symbol (its lease is gone). */
void trading_drop_symbol(struct trading *tr, const char *symbol);

/*
 * Builds a setup for symbol from the current zone snapshot (ACTIVE zones sorted by price,
 * strengths adjusted by the learner when liquidity_learning_enabled). With dry_run nothing
 * is stored. Otherwise an accepted setup opens a trade: liquidity_trades, stop_decisions,
 * target_selections and an "opened" trade_events row in one commit; *trade_id gets its id.
 * LIQ_REFUSED: out->reasons[0] explains; nothing stored; LIQ_UNKNOWN_SYMBOL: no bars. idem (NULL: no key) is the
 * request's Idempotency-Key, whose row commits with the trade (service/idempotency.h).
 */
enum liq_status trading_setup(struct state *st, struct trading *tr, const char *symbol,
                                  const struct setup_request *req, int dry_run,
                                  struct idem_pending *idem, struct setup_result *out,
                                  uint64_t *trade_id, char *msg, size_t msglen);

/* The outcome of a trail or close: the trade after it and the events it produced. */
struct trading_update {
    char symbol[33];
    struct trade trade;
    struct trail_events ev;
    int duplicate;          /* ts <= last update: nothing changed, no events */
};

/*
 * One trail update (trade_trail) of open trade id; ts TRADE_TS_NONE when not given.
 * Example: a BUY whose TP1 is reached -> events tp1_hit (fraction 0.5), maybe stop_moved;
 * trade.remaining 0.5. A close (stop hit, targets done) also feeds the learner. idem (NULL:
 * no key) is the request's Idempotency-Key, whose row commits with the update; its answer
 * is rendered from *out, which holds the update (and out->symbol the trade's symbol) by
 * then. A duplicate (ts not after the last update) commits nothing: the caller stores the
 * key (api/idempotency.h).
 */
enum liq_status trading_trail(struct state *st, struct trading *tr, uint64_t id,
                                  double price, double high, double low, int64_t ts,
                                  struct idem_pending *idem, struct trading_update *out,
                                  char *msg, size_t msglen);

/* Manual close of every open leg at price (trade_close); feeds the learner. idem: as for
 * trading_trail. */
enum liq_status trading_close(struct state *st, struct trading *tr, uint64_t id,
                                  double price, int64_t ts, struct idem_pending *idem,
                                  struct trading_update *out, char *msg, size_t msglen);

/* A copy of open trade id and its symbol: 0, or -1 when it is not open in memory. */
int trading_get_open(struct trading *tr, uint64_t id, char *symbol, size_t symlen,
                     struct trade *out);
size_t trading_open_count(struct trading *tr);
/* Open trades of symbol (ctx is the struct trading: symbol_delete's hook). */
long trading_open_of(void *ctx, const char *symbol);
/* Drops the open trades and the learner table of symbol from memory (ctx is the struct
 * trading), once symbol_delete has deleted their rows. */
void trading_forget_symbol(void *ctx, const char *symbol);

#endif
