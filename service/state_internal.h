/*
 * state_internal.h - what state.c shares with ingest.c (service/ only): a symbol's
 * creation and renewal, its bar log, and publishing its snapshot. The caller holds the
 * symbol's write_lock for all but symbol_claim, symbol_settle and symbol_get_or_create.
 */
#ifndef LIQ_STATE_INTERNAL_H
#define LIQ_STATE_INTERNAL_H

#include "service/state.h"

/* The engine parameters of symbol (what engine_for uses) in *p. */
void params_for(const struct state *st, const char *symbol, double pip, struct liq_params *p);
/* A zone engine for symbol: the configured parameters, with the instrument's own round
 * number step when it has one (NIFTY: 50 points, not round_level_step pips). NULL when out
 * of memory. */
struct engine *engine_for(const struct state *st, const char *symbol, double pip,
                          enum timeframe tf);
/* Publishes a snapshot of the engine; on allocation failure the old one stays (-1). */
int symbol_publish(struct symbol_state *s);
/* A writer's hold on symbol: the registered one, else a provisional one (created here, or
 * the one another writer of its first bars holds), fed with tf, its pip from the
 * configuration or price. NULL with *why (LIQ_FULL: max_symbols, LIQ_NOMEM). Every non-NULL
 * return is given back with symbol_settle, after the symbol's write_lock is released. */
struct symbol_state *symbol_claim(struct state *st, const char *symbol, enum timeframe tf,
                                  double price, enum liq_status *why);
/* The stored symbol (its row read from the database: a start, a lease taken), registered at
 * once (a provisional one of the same name joins the registry). NULL with *why. */
struct symbol_state *symbol_get_or_create(struct state *st, const char *symbol,
                                          enum timeframe tf, double price,
                                          enum liq_status *why);
/* Gives back symbol_claim's hold. committed: something of the symbol committed, so a
 * provisional symbol joins the registry; the last hold on one that never committed frees
 * it (nothing of it was ever visible to a reader). Not under s->write_lock. */
void symbol_settle(struct state *st, struct symbol_state *s, int committed);
/* An empty engine for s with timeframe tf (pip from the configuration or price): 0 or -1. */
int symbol_renew(struct state *st, struct symbol_state *s, enum timeframe tf, double price);
/* Appends n bars to s's log: 0, or -1 out of memory (the log unchanged). */
int symbol_log_append(struct symbol_state *s, const struct bar *bars, size_t n);
/* The same keeping only the latest bars (persistence on: STATE_TAIL_BARS to twice that). */
int symbol_tail_append(struct symbol_state *s, const struct bar *bars, size_t n);

#endif
