/*
 * bins.h - a quantile of a histogram of equal bins: the sweep depth (zone_stats.h) and the
 * stall distance (stall.h) are kept as counts in such bins.
 */
#ifndef LIQ_BINS_H
#define LIQ_BINS_H

#include <stdint.h>

/*
 * The upper edge (k + 1) x width of the first bin k where the cumulative count reaches q x n
 * (bin[0 .. nbins), n their sum): at least a share q of the counts lie at or below it. -1 when
 * n is 0 or below min_n, or q is not in (0, 1]. The last bin stops the walk (it holds anything
 * beyond). Example: bins {60, 0, 40}, width 0.025: q 0.5 -> 0.025, q 0.8 -> 0.075.
 */
double bins_quantile(const uint32_t *bin, int nbins, uint32_t n, double q, uint32_t min_n,
                     double width);

#endif
