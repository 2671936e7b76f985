/*
 * window.h - sliding maximum / minimum over the last `width` values in O(1) amortised.
 *
 * The one idea (the monotonic deque): a value that is beaten by a newer one can never be the
 * extreme of any later window, so it is dropped when the newer one arrives. What stays is a
 * run of values in decreasing (for a maximum) order with increasing positions; the front is
 * the extreme of the window, and it leaves when its position falls out of the window. Each
 * value enters and leaves once. The extreme is the same value a scan would find (a max of
 * doubles is exact), so swing and Wyckoff results do not change.
 *
 * Example, width 3, maximum: push 2, 5, 1 -> 5; push 0 -> 5; push 0 -> 1 (5 left the window).
 */
#ifndef LIQ_SOURCES_WINDOW_H
#define LIQ_SOURCES_WINDOW_H

#include <assert.h>
#include <stdint.h>

#define WINDOW_MAX 256

struct window_extreme {
    uint64_t pos[WINDOW_MAX];   /* positions of the kept values (ring of WINDOW_MAX) */
    double v[WINDOW_MAX];
    uint32_t head, n;
};

static inline void window_reset(struct window_extreme *w)
{
    w->head = 0;
    w->n = 0;
}

/* Adds value x at position pos (positions increase by one per push) to a window of the last
 * `width` positions (1..WINDOW_MAX); sign +1 tracks the maximum, -1 the minimum. */
static inline void window_push(struct window_extreme *w, uint64_t pos, double x, int sign,
                               uint32_t width)
{
    assert(width >= 1 && width <= WINDOW_MAX);
    while (w->n > 0) {
        uint32_t back = (w->head + w->n - 1) & (WINDOW_MAX - 1);
        if (sign > 0 ? w->v[back] > x : w->v[back] < x)
            break;
        w->n--;
    }
    uint32_t at = (w->head + w->n) & (WINDOW_MAX - 1);
    w->pos[at] = pos;
    w->v[at] = x;
    w->n++;
    while (w->pos[w->head] + width <= pos) {
        w->head = (w->head + 1) & (WINDOW_MAX - 1);
        w->n--;
    }
}

/* The extreme of the window; defined after at least one push. */
static inline double window_extreme(const struct window_extreme *w)
{
    return w->v[w->head];
}

#endif
