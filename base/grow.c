/*
 * grow.c - see grow.h.
 */
#include "base/grow.h"

#include <stdint.h>
#include <stdlib.h>

void *grow_array_slow(void *v, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap)
        return v;
    size_t c = *cap ? *cap : first;
    while (c < need) {
        if (c > SIZE_MAX / 2)
            return NULL;
        c *= 2;
    }
    if (elem != 0 && c > SIZE_MAX / elem)
        return NULL;
    void *g = realloc(v, c * elem);
    if (g == NULL)
        return NULL;
    *cap = c;
    return g;
}
