/*
 * eurusd.h - the shared EURUSD M15 year (../shared/data/EURUSD_15M.csv) for tests and
 * benchmarks, read by the one bar-file reader (research/barfile.h). Header-only so a test
 * or a bench program needs no extra object file; it links liqresearch.
 */
#ifndef LIQ_TESTS_EURUSD_H
#define LIQ_TESTS_EURUSD_H

#include <stddef.h>

#include "research/barfile.h"

#define EURUSD_CSV LIQ_DATA_DIR "/EURUSD_15M.csv"

/* All bars of the file (malloc'd, caller frees), or NULL when it cannot be read. */
static inline struct bar *eurusd_load(size_t *n)
{
    struct barfile bf;
    *n = 0;
    if (barfile_load(EURUSD_CSV, &bf) != 0)
        return NULL;
    *n = bf.n;
    return bf.bars;
}

/* The M15 bars as M5 bars (see barfile_split_m5); NULL when out of memory, caller frees. */
static inline struct bar *eurusd_split_m5(const struct bar *m15, size_t n)
{
    return barfile_split_m5(m15, n);
}

#endif
