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

#include "tests/support/eurusd.h"
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

/* EURUSD_15M.csv as bars (tests/support/eurusd.h); exits on error. */
static inline struct bar *bench_load_eurusd(size_t *n)
{
    struct bar *v = eurusd_load(n);
    if (v == NULL) {
        perror(EURUSD_CSV);
        exit(1);
    }
    return v;
}

/* Each M15 bar as three M5 bars (tests/support/eurusd.h), so PIVOT_M5 runs too; exits when
 * out of memory. */
static inline struct bar *bench_split_m5(const struct bar *m15, size_t n)
{
    struct bar *v = eurusd_split_m5(m15, n);
    if (v == NULL)
        exit(1);
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
