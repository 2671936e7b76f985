/*
 * write_metrics.h - how long the ingest commit path takes (service/state.c: engine push,
 * COPY, zone upserts, COMMIT), as a Prometheus histogram for GET /metrics.
 *
 * Process-wide like the database counters of storage/pg.c: two app instances in one
 * process (the tests do that) add into the same histogram.
 */
#ifndef LIQ_WRITE_METRICS_H
#define LIQ_WRITE_METRICS_H

#include <stdint.h>

#include "base/textbuf.h"

/* Monotonic clock in nanoseconds, for the caller's start time. */
uint64_t write_metrics_now_ns(void);
/* Records one commit attempt that took ns; ok = 0 for one that failed (rolled back). */
void write_metrics_observe(uint64_t ns, int ok);
/* Appends liq_write_duration_seconds (histogram) and liq_write_failures_total. */
void write_metrics_render(struct textbuf *tb);

#endif
