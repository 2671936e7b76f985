/*
 * write_metrics.c - see write_metrics.h. Lock-free: one atomic add per bucket hit.
 * Buckets span a single-bar commit on a local socket (~0.5 ms) to a year of M15 bars in
 * one COPY (seconds).
 */
#include "service/write_metrics.h"

#include <stdatomic.h>
#include <time.h>

#define WRITE_BUCKETS 13
static const double WRITE_BOUNDS[WRITE_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                   0.05,   0.1,   0.25,   0.5,   1.0,  2.5,
                                                   10.0};

static atomic_uint_fast64_t g_buckets[WRITE_BUCKETS + 1]; /* last: +Inf */
static atomic_uint_fast64_t g_sum_us;
static atomic_uint_fast64_t g_failures;

uint64_t write_metrics_now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

void write_metrics_observe(uint64_t ns, int ok)
{
    double s = (double)ns / 1e9;
    int b = 0;
    while (b < WRITE_BUCKETS && s > WRITE_BOUNDS[b])
        b++;
    atomic_fetch_add(&g_buckets[b], 1);
    atomic_fetch_add(&g_sum_us, ns / 1000);
    if (!ok)
        atomic_fetch_add(&g_failures, 1);
}

void write_metrics_render(struct textbuf *tb)
{
    textbuf_printf(tb, "# HELP liq_write_duration_seconds Time of the ingest commit path "
                       "(engine, COPY, zone upserts, COMMIT).\n"
                       "# TYPE liq_write_duration_seconds histogram\n");
    uint64_t cum = 0;
    for (int b = 0; b <= WRITE_BUCKETS; b++) {
        cum += atomic_load(&g_buckets[b]);
        if (b < WRITE_BUCKETS)
            textbuf_printf(tb, "liq_write_duration_seconds_bucket{le=\"%g\"} %llu\n",
                           WRITE_BOUNDS[b], (unsigned long long)cum);
        else
            textbuf_printf(tb, "liq_write_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                           (unsigned long long)cum);
    }
    textbuf_printf(tb, "liq_write_duration_seconds_sum %.6f\nliq_write_duration_seconds_count %llu\n",
                   (double)atomic_load(&g_sum_us) / 1e6, (unsigned long long)cum);
    textbuf_printf(tb, "# HELP liq_write_failures_total Ingest commits that failed and were "
                       "rolled back.\n# TYPE liq_write_failures_total counter\n"
                       "liq_write_failures_total %llu\n",
                   (unsigned long long)atomic_load(&g_failures));
}
