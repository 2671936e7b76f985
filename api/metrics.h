/*
 * metrics.h - the HTTP counters of GET /metrics: requests by route and status, latency
 * histograms by route, and the two pieces of daemon state that ride along (the request
 * sequence for generated X-Request-Ids, the database up/down flag of the logs).
 *
 * Lock-free: every field is an atomic, bumped by the MHD threads in api/http.c.
 */
#ifndef LIQ_METRICS_H
#define LIQ_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

#include "api/http.h"
#include "base/textbuf.h"

#define LATENCY_BUCKETS 12
#define STATUS_SLOTS 16

struct route_metrics {
    atomic_uint_fast64_t by_status[STATUS_SLOTS + 1]; /* last: any other status */
    atomic_uint_fast64_t buckets[LATENCY_BUCKETS + 1]; /* last: +Inf */
    atomic_uint_fast64_t sum_us;
};

struct http_metrics {
    struct route_metrics routes[ROUTE_SLOTS]; /* ROUTE_COUNT of them, then "unmatched" */
    atomic_uint_fast64_t request_seq;
    atomic_int db_down;              /* 1 after a 503 for the database, until a success */
};

/* Counts one reply of route (-1: unmatched) with status, which took ns. */
void http_metrics_record(struct http_metrics *m, int route, int status, uint64_t ns);

/* Writes the HTTP metrics (requests, latency histograms) in Prometheus text. */
void http_metrics_write(const struct http_metrics *m, struct textbuf *tb);

#endif
