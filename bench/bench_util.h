/*
 * bench_util.h - what every benchmark program needs: the EURUSD file as bars, a monotonic
 * clock, the resident set size, and one line per figure in a fixed format that bench/run
 * collects ("FIGURE <name> <value> <unit> goal <op> <value>").
 *
 * Header-only on purpose: each bench program is one .c file and includes this once.
 */
#ifndef LIQ_BENCH_UTIL_H
#define LIQ_BENCH_UTIL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domain/bar.h"

static inline double bench_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Resident bytes of this process (second field of /proc/self/statm x page size). */
static inline long bench_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &res) != 2)
        res = -1;
    fclose(f);
    return res < 0 ? -1 : res * sysconf(_SC_PAGESIZE);
}

static inline int64_t bench_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The whole file as a malloc'd string (NUL-terminated); *len without the NUL. */
static inline char *bench_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s != NULL && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    fclose(f);
    if (s != NULL) {
        s[n] = '\0';
        *len = (size_t)n;
    }
    return s;
}

/* EURUSD_15M.csv (Date,Open,High,Low,Close,Tickvol,...) as bars; exits on error. */
static inline struct bar *bench_load_eurusd(size_t *n)
{
    FILE *f = fopen(LIQ_DATA_DIR "/EURUSD_15M.csv", "r");
    if (f == NULL) {
        perror(LIQ_DATA_DIR "/EURUSD_15M.csv");
        exit(1);
    }
    char line[256];
    size_t cap = 32768, k = 0;
    struct bar *v = malloc(cap * sizeof *v);
    if (v == NULL || fgets(line, sizeof line, f) == NULL)
        exit(1);
    while (fgets(line, sizeof line, f) != NULL) {
        int y, mo, d, h, mi, s;
        double o, hi, lo, c, tv;
        if (sscanf(line, "%d.%d.%d %d:%d:%d,%lf,%lf,%lf,%lf,%lf", &y, &mo, &d, &h, &mi, &s,
                   &o, &hi, &lo, &c, &tv) != 11)
            continue;
        if (k == cap) {
            cap *= 2;
            v = realloc(v, cap * sizeof *v);
            if (v == NULL)
                exit(1);
        }
        v[k++] = (struct bar){bench_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s,
                              o, hi, lo, c, tv};
    }
    fclose(f);
    *n = k;
    return v;
}

/* Each M15 bar as three M5 bars open -> extreme -> extreme -> close (as tests/unit do):
 * aggregating them gives the M15 bar back, so PIVOT_M5 runs too (all 15 sources). */
static inline struct bar *bench_split_m5(const struct bar *m15, size_t n)
{
    struct bar *v = malloc(3 * n * sizeof *v);
    if (v == NULL)
        exit(1);
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

/* One machine-readable figure line; bench/run greps "^FIGURE". */
static inline void bench_figure(const char *name, double value, const char *unit,
                                const char *op, double goal)
{
    int ok = (op[0] == '<') ? value <= goal : value >= goal;
    printf("FIGURE %-34s %12.3f %-8s goal %s %g  %s\n", name, value, unit, op, goal,
           ok ? "MET" : "MISSED");
    fflush(stdout);
}

static inline void bench_info(const char *name, double value, const char *unit)
{
    printf("INFO   %-34s %12.3f %s\n", name, value, unit);
    fflush(stdout);
}

#endif
