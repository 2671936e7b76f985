/*
 * metrics.c - the HTTP counters (see metrics.h) and their Prometheus text exposition.
 */
#include "api/metrics.h"

static const double LATENCY_BOUNDS[LATENCY_BUCKETS] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0};
/* every status the API sends (openapi.yaml), each counted under its own label */
static const int TRACKED_STATUS[STATUS_SLOTS] = {200, 201, 204, 304, 400, 401, 404, 405,
                                                 409, 413, 415, 422, 429, 500, 503, 507};

void http_metrics_record(struct http_metrics *hm, int route, int status, uint64_t ns)
{
    struct route_metrics *m = &hm->routes[route < 0 ? ROUTE_COUNT : route];
    int slot = STATUS_SLOTS;
    for (int i = 0; i < STATUS_SLOTS; i++)
        if (TRACKED_STATUS[i] == status)
            slot = i;
    atomic_fetch_add(&m->by_status[slot], 1);
    double s = (double)ns / 1e9;
    int b = 0;
    while (b < LATENCY_BUCKETS && s > LATENCY_BOUNDS[b])
        b++;
    atomic_fetch_add(&m->buckets[b], 1);
    atomic_fetch_add(&m->sum_us, ns / 1000);
}

void http_metrics_write(const struct http_metrics *hm, struct textbuf *tb)
{
    textbuf_printf(tb, "# HELP liq_http_requests_total HTTP requests by route and status.\n"
                       "# TYPE liq_http_requests_total counter\n");
    for (int r = 0; r <= ROUTE_COUNT; r++) {
        const struct route_metrics *m = &hm->routes[r];
        const char *name = r < ROUTE_COUNT ? ROUTES[r].name : "unmatched";
        for (int s = 0; s <= STATUS_SLOTS; s++) {
            uint64_t v = atomic_load(&m->by_status[s]);
            if (v == 0)
                continue;
            if (s < STATUS_SLOTS)
                textbuf_printf(tb, "liq_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                               name, TRACKED_STATUS[s], (unsigned long long)v);
            else
                textbuf_printf(tb, "liq_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
                               name, (unsigned long long)v);
        }
    }
    textbuf_printf(tb, "# HELP liq_http_request_duration_seconds Request latency by route.\n"
                       "# TYPE liq_http_request_duration_seconds histogram\n");
    for (int r = 0; r <= ROUTE_COUNT; r++) {
        const struct route_metrics *m = &hm->routes[r];
        const char *name = r < ROUTE_COUNT ? ROUTES[r].name : "unmatched";
        uint64_t cum = 0;
        for (int b = 0; b <= LATENCY_BUCKETS; b++) {
            cum += atomic_load(&m->buckets[b]);
            if (b < LATENCY_BUCKETS)
                textbuf_printf(tb,
                               "liq_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} "
                               "%llu\n", name, LATENCY_BOUNDS[b], (unsigned long long)cum);
            else
                textbuf_printf(tb,
                               "liq_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} "
                               "%llu\n", name, (unsigned long long)cum);
        }
        textbuf_printf(tb, "liq_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", name,
                       (double)atomic_load(&m->sum_us) / 1e6);
        textbuf_printf(tb, "liq_http_request_duration_seconds_count{route=\"%s\"} %llu\n", name,
                       (unsigned long long)cum);
    }
}
