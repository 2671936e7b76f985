/*
 * stall.h - how far short of a zone price turns: the distance behind a target's front
 * offset (docs/trading.md "Targets").
 *
 * A turn is a bar whose high is above the highs of the STALL_K bars before it and not below
 * those of the STALL_K after it (a turn down; a turn up the same with lows), known once those
 * STALL_K later bars are seen. At that moment the turn's extreme is set against the active
 * level zones then known: inside a zone's band it reached the zone (distance 0); else the
 * distance to the near edge of the nearest zone ahead of it (above a high, below a low), in
 * ATR14 at the turn. A turn with no zone within STALL_MAX_ATR ahead turned in open space and
 * is not counted. Counts go to 1/40-ATR bins over [0, STALL_MAX_ATR).
 *
 * Pure, causal (only bars seen and zones known), fixed memory: the ring of the last 2 K + 1
 * bars and the bins live in the engine (carried by its checkpoint as bytes).
 */
#ifndef LIQ_STALL_H
#define LIQ_STALL_H

#include <stdint.h>

#include "bar.h"
#include "zone_map.h"

#define STALL_K 5
#define STALL_RING (2 * STALL_K + 1)
#define STALL_MAX_ATR 1.0
#define STALL_BINS 40        /* 1/40 ATR each */
#define STALL_MIN_TURNS 50u  /* fewer: the front offset stays the fixed one */

struct stall_book {
    uint32_t n;                  /* turns within STALL_MAX_ATR of a zone ahead */
    uint32_t bin[STALL_BINS];
    uint64_t seen;               /* bars pushed */
    uint32_t pos;                /* where the next bar is written, 0 .. STALL_RING - 1 */
    /* the ring, each bar written twice (at pos and pos + STALL_RING): the last STALL_RING bars
     * are [pos, pos + STALL_RING) after the advance, oldest first, without a wrap */
    double high[2 * STALL_RING], low[2 * STALL_RING], atr[2 * STALL_RING];
};

/* Bar b (atr: ATR14 known at it, 0 when none) enters; the bar STALL_K back is judged as a
 * turn against the active level zones of m. */
void stall_bar(struct stall_book *sb, const struct zone_map *m, const struct bar *b, double atr);

/* The distance, in ATR, that a share q (0 < q <= 1) of the counted turns stopped within
 * (upper edge of the bin where the count reaches q x n); -1 with fewer than min_turns or q
 * out of range. */
double stall_quantile(const struct stall_book *sb, double q, uint32_t min_turns);

#endif
