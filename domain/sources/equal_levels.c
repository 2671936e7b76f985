/*
 * equal_levels.c - EQUAL_LEVELS: two or more confirmed swing highs (lows) within a
 * tolerance. Stops of everyone who sold the double top rest just above it, so the level
 * is the higher of the equal highs (the lower of the equal lows).
 */
#include "sources.h"

#include <math.h>

void equal_init(struct equal_levels *q, int lookback)
{
    if (lookback < 1)
        lookback = 1;
    if (lookback > EQUAL_MAX_LOOKBACK)
        lookback = EQUAL_MAX_LOOKBACK;
    *q = (struct equal_levels){.lookback = lookback};
}

void equal_push(struct equal_levels *q, int kind, double level, double tol, int64_t origin_ts,
                struct levels *out)
{
    double *ring = kind > 0 ? q->highs : q->lows;
    int *fill = kind > 0 ? &q->nh : &q->nl;
    int *next = kind > 0 ? &q->ih : &q->il;
    double best = 0;
    int found = 0;
    /* the nearest match decides the level, so one swing makes at most one level */
    for (int k = 0; k < *fill; k++) {
        double d = fabs(ring[k] - level);
        if (d <= tol && (!found || d < fabs(best - level))) {
            best = ring[k];
            found = 1;
        }
    }
    if (found) {
        double px = kind > 0 ? fmax(best, level) : fmin(best, level);
        levels_add(out, SRC_EQUAL_LEVELS, px, origin_ts);
    }
    ring[*next] = level;
    *next = (*next + 1) % q->lookback;
    if (*fill < q->lookback)
        (*fill)++;
}
