/*
 * eurusd.h - the shared reader of ../shared/data/EURUSD_15M.csv (MT5 export:
 * Date,Open,High,Low,Close,Tickvol,Volume,Spread; dates "YYYY.MM.DD HH:MM:SS" in UTC;
 * Tickvol is the volume) for unit tests and benchmarks that link only the domain library.
 * Header-only so that a Criterion test or a bench program needs no extra object file.
 */
#ifndef LIQ_TESTS_EURUSD_H
#define LIQ_TESTS_EURUSD_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "domain/bar.h"

#define EURUSD_CSV LIQ_DATA_DIR "/EURUSD_15M.csv"

/* All bars of the file (malloc'd, caller frees), or NULL when it cannot be read. */
static inline struct bar *eurusd_load(size_t *n)
{
    FILE *f = fopen(EURUSD_CSV, "r");
    if (f == NULL)
        return NULL;
    char line[256];
    size_t cap = 32768, k = 0;
    struct bar *v = malloc(cap * sizeof *v);
    if (v == NULL || fgets(line, sizeof line, f) == NULL) {
        free(v);
        fclose(f);
        return NULL;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        int y, mo, d, h, mi, s;
        double o, hi, lo, c, tv;
        if (sscanf(line, "%d.%d.%d %d:%d:%d,%lf,%lf,%lf,%lf,%lf", &y, &mo, &d, &h, &mi, &s, &o,
                   &hi, &lo, &c, &tv) != 11)
            continue;
        if (k == cap) {
            cap *= 2;
            struct bar *w = realloc(v, cap * sizeof *v);
            if (w == NULL) {
                free(v);
                fclose(f);
                return NULL;
            }
            v = w;
        }
        v[k++] = (struct bar){days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s,
                              o, hi, lo, c, tv};
    }
    fclose(f);
    *n = k;
    return v;
}

/*
 * The file has M15 bars only; PIVOT_M5 needs M5. Each M15 bar becomes three M5 bars
 * open -> first extreme -> other extreme -> close (low first on an up bar), a third of the
 * volume each: aggregating them back gives the original M15 bar exactly. NULL when out of
 * memory; the caller frees.
 */
static inline struct bar *eurusd_split_m5(const struct bar *m15, size_t n)
{
    struct bar *v = malloc(3 * n * sizeof *v);
    if (v == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const struct bar *b = &m15[i];
        double x1 = b->close >= b->open ? b->low : b->high;
        double x2 = b->close >= b->open ? b->high : b->low;
        double p[4] = {b->open, x1, x2, b->close};
        for (int k = 0; k < 3; k++)
            v[3 * i + k] = (struct bar){b->ts + 300 * k, p[k], fmax(p[k], p[k + 1]),
                                        fmin(p[k], p[k + 1]), p[k + 1], b->volume / 3};
    }
    return v;
}

#endif
