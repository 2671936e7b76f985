/*
 * round.c - ROUND: round numbers every round_level_step pips, the nearest few each side.
 *
 * Levels k*step are made once; as price travels, the missing ones at the edge are added.
 * A round level is never removed: it deactivates like any zone when price stays away.
 */
#include "sources.h"

#include <math.h>

void round_update(struct round_levels *r, double close, double step, int each_side, int64_t ts,
                  struct levels *out)
{
    if (!(step > 0) || each_side < 1)
        return;
    int64_t k = floor_i64(close / step);
    int64_t want_lo = k - each_side + 1;
    int64_t want_hi = k + each_side;
    if (want_lo < 1)
        want_lo = 1;
    if (!r->have) {
        r->have = 1;
        r->kmin = want_lo;
        r->kmax = want_lo - 1;
    }
    /* a gap bigger than the buffer would allow is filled over the next bars */
    while (r->kmin > want_lo && out->n < LEVELS_MAX - 8) {
        r->kmin--;
        levels_add(out, SRC_ROUND, (double)r->kmin * step, ts);
    }
    while (r->kmax < want_hi && out->n < LEVELS_MAX - 8) {
        r->kmax++;
        levels_add(out, SRC_ROUND, (double)r->kmax * step, ts);
    }
}
