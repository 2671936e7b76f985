/*
 * bins.c - a quantile of equal bins (bins.h).
 */
#include "bins.h"

double bins_quantile(const uint32_t *bin, int nbins, uint32_t n, double q, uint32_t min_n,
                     double width)
{
    if (n == 0 || n < min_n || !(q > 0.0) || !(q <= 1.0))
        return -1.0;
    double need = q * (double)n, seen = 0.0;
    int k = 0;
    for (; k < nbins - 1; k++) {
        seen += bin[k];
        if (seen >= need)
            break;
    }
    return (double)(k + 1) * width;
}
