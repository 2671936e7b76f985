/*
 * levels.c - the fixed-capacity level list every source family writes into.
 */
#include "sources.h"

#include <assert.h>

void levels_add(struct levels *out, enum liq_source src, double price, int64_t origin_ts)
{
    assert(out->n < LEVELS_MAX);
    if (out->n >= LEVELS_MAX)
        return;
    out->v[out->n++] = (struct level){.price = price, .origin_ts = origin_ts,
                                      .src = (uint8_t)src};
}
