/*
 * bars_query.h - read access to a symbol's bar log (the candles GET /bars and the
 * dashboard draw).
 *
 * The log lives under the symbol's write_lock (service/state.h); this module takes that
 * lock only for the memcpy of the requested tail, so a reader waits at most for one
 * ingest transaction and never sees bars that were not committed.
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
 * or -1 when out of memory. *tf receives the symbol's base timeframe when tf != NULL.
 */
int state_recent_bars(struct symbol_state *s, size_t limit, struct bar **out, size_t *n,
                      enum timeframe *tf);

#endif
