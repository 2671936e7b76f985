/*
 * gann.c - GANN: Square-of-Nine levels around the last confirmed M15 swing.
 *
 * With p the swing price in pips, the levels are (sqrt(p) + k/4)^2 and (sqrt(p) - k/4)^2
 * for k = 1..n, converted back to price. A quarter turn of the square per k.
 */
#include "sources.h"

#include <math.h>

void gann_levels(double level, double pip, int n, int64_t origin_ts, struct levels *out)
{
    if (!(pip > 0) || !(level > 0))
        return;
    if (n > 8)
        n = 8;
    double root = sqrt(level / pip);
    for (int k = 1; k <= n; k++) {
        double up = root + k / 4.0, down = root - k / 4.0;
        levels_add(out, SRC_GANN, up * up * pip, origin_ts);
        if (down > 0)
            levels_add(out, SRC_GANN, down * down * pip, origin_ts);
    }
}
