/*
 * bars_query.h - read access to a symbol's bar log (the candles GET /bars and the
 * dashboard draw).
 *
 * With persistence off the log lives under the symbol's write_lock (service/state.h); this
 * module takes that lock only for the memcpy of the requested tail, so a reader waits at
 * most for one ingest transaction and never sees bars that were not committed. With
 * persistence on only the latest bars are in memory (STATE_TAIL_BARS or more): a range
 * or a tail reaching further back is read from PostgreSQL.
 */
#ifndef LIQ_BARS_QUERY_H
#define LIQ_BARS_QUERY_H

#include <stddef.h>

#include "domain/bar.h"
#include "service/state.h"

/*
 * Copies the latest min(limit, bars stored) bars of s, oldest first, into a malloc'd
 * array: with 24424 bars stored, state_recent_bars(s, 500, &out, &n) gives n == 500 and
 * out[499] is the last bar ingested. Returns 0 (out may be NULL when n == 0; free it),
 * -1 when out of memory, or -2 when the database cannot answer. *tf receives the symbol's base timeframe when tf != NULL.
 */
int state_recent_bars(struct symbol_state *s, size_t limit, struct bar **out, size_t *n,
                      enum timeframe *tf);

/*
 * Copies up to limit bars of s with from <= ts < to, oldest first (a page of a range):
 * *next_ts is the ts of the first bar after the page that is still < to, or -1 when the
 * page reaches the end of the range. With bars every 900 s from 0, from 900, to 4500,
 * limit 2 gives the bars at 900 and 1800 and *next_ts == 2700. Same returns as
 * state_recent_bars.
 */
int state_range_bars(struct symbol_state *s, int64_t from, int64_t to, size_t limit,
                     struct bar **out, size_t *n, enum timeframe *tf, int64_t *next_ts);

#endif
