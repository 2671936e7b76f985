/*
 * wyckoff.c - WYCKOFF: trading-range boundaries.
 *
 * A trading range is min_bars consecutive closed bars whose high-low span stays within
 * k x ATR14. When the last min_bars bars first satisfy that, their high and low become
 * levels; no new range is reported until the span has exceeded the limit again. A later
 * spring (wick below the range low, close back inside) or upthrust is what the zone
 * statistics record as a sweep of those zones.
 */
#include "sources.h"

#include <assert.h>

void wyckoff_init(struct wyckoff *w, int min_bars)
{
    if (min_bars < 2)
        min_bars = 2;
    if (min_bars > WYCKOFF_MAX_BARS)
        min_bars = WYCKOFF_MAX_BARS;
    *w = (struct wyckoff){.min_bars = min_bars};
}

void wyckoff_push(struct wyckoff *w, const struct bar *b, double atr, double k,
                  struct levels *out)
{
    size_t at = w->slot;
    w->ts[at] = b->ts;
    window_push(&w->max_hi, w->n, b->high, 1, (uint32_t)w->min_bars);
    window_push(&w->min_lo, w->n, b->low, -1, (uint32_t)w->min_bars);
    w->n++;
    w->slot = at + 1 == (size_t)w->min_bars ? 0 : at + 1;
    if (w->n < (uint64_t)w->min_bars || !(atr > 0))
        return;
    double hi = window_extreme(&w->max_hi), lo = window_extreme(&w->min_lo);
    int fits = hi - lo <= k * atr;
    if (fits && !w->in_range) {
        int64_t first = w->ts[w->slot];
        levels_add(out, SRC_WYCKOFF, hi, first);
        levels_add(out, SRC_WYCKOFF, lo, first);
    }
    w->in_range = fits;
}
