/*
 * swing.c - PIVOT_M5 / PIVOT_M15: confirmed swing highs and lows, streaming.
 *
 * The rule is smartmoneyconcepts' swing_highs_lows(df, L), read from its code: bar i is a
 * swing high when high[i] is the maximum of the 2L-bar window high[i-L+1 .. i+L] (L-1 bars
 * before, L after, ties count, only for i >= 2L-1), else a swing low by the same rule on
 * lows; then of consecutive same-kind pivots only the most extreme survives, the earlier
 * on a tie. Streaming, bar i is decided when bar i+L arrives (the last bar of its window);
 * the consecutive rule is applied at that moment against the last surviving pivot, which
 * gives exactly the library's survivors once the stream is complete.
 */
#include "sources.h"

#include <assert.h>

void swing_init(struct swing_detector *sd, int len)
{
    assert(len >= 1 && len <= SWING_MAX_LENGTH);
    if (len < 1)
        len = 1;
    if (len > SWING_MAX_LENGTH)
        len = SWING_MAX_LENGTH;
    *sd = (struct swing_detector){.len = len};
}

int swing_push(struct swing_detector *sd, int64_t ts, double high, double low,
               struct swing_event *ev)
{
    int w = 2 * sd->len;
    uint64_t j = sd->n++;
    size_t slot = sd->slot; /* == j % w, kept instead of divided */
    sd->slot = slot + 1 == (size_t)w ? 0 : slot + 1;
    sd->hi[slot] = high;
    sd->lo[slot] = low;
    sd->ts[slot] = ts;
    window_push(&sd->max_hi, j, high, 1, (uint32_t)w);
    window_push(&sd->min_lo, j, low, -1, (uint32_t)w);
    if (j < (uint64_t)(3 * sd->len - 1))
        return 0;
    uint64_t i = j - (uint64_t)sd->len;
    size_t at = slot >= (size_t)sd->len ? slot - (size_t)sd->len : slot + (size_t)sd->len;
    double mx = window_extreme(&sd->max_hi), mn = window_extreme(&sd->min_lo);
    int kind = 0;
    double level = 0;
    if (sd->hi[at] == mx) {
        kind = 1;
        level = sd->hi[at];
    } else if (sd->lo[at] == mn) {
        kind = -1;
        level = sd->lo[at];
    } else {
        return 0;
    }
    *ev = (struct swing_event){.kind = kind, .idx = i, .ts = sd->ts[at], .level = level};
    if (sd->last_kind == kind) {
        int more = kind > 0 ? level > sd->last_level : level < sd->last_level;
        if (!more) {
            ev->dropped = 1;
            return 1;
        }
        ev->supersedes = 1;
        ev->superseded_idx = sd->last_idx;
        ev->superseded_ts = sd->last_ts;
    }
    sd->last_kind = kind;
    sd->last_level = level;
    sd->last_idx = i;
    sd->last_ts = ev->ts;
    return 1;
}
