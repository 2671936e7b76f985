/*
 * domain_memory.c - resident bytes per active zone at 1M zones (goal <= 160).
 *
 * RSS (/proc/self/statm) before and after adding 1,000,000 zones to one engine with
 * engine_add_zone (distinct levels 5 pips apart, all active). The delta covers everything
 * the zone map keeps per zone: the pool entry, the sorted index, the deadline wheel, and
 * the slack of amortised growth that has been touched.
 */
#include "bench/bench_util.h"
#include "domain/engine.h"

int main(void)
{
    const uint32_t N = 1000000;
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = SRC_ALL;
    struct engine *e = engine_new(&p, 0.0001, TF_M15);
    if (e == NULL)
        return 1;
    long before = bench_rss_bytes();
    double t0 = bench_now_ns();
    for (uint32_t k = 0; k < N; k++)
        if (engine_add_zone(e, SRC_ROUND, 0.5 + 0.0005 * k, 1700000000) == 0)
            return 1;
    double dt = bench_now_ns() - t0;
    long after = bench_rss_bytes();
    if (engine_zone_count(e) != N) {
        fprintf(stderr, "zones merged: %zu of %u\n", engine_zone_count(e), N);
        return 1;
    }
    printf("1M zones: RSS %.1f MB -> %.1f MB, added in %.0f ms (%.0f ns/zone), "
           "sizeof(struct zone) = %zu\n", before / 1e6, after / 1e6, dt / 1e6, dt / N,
           sizeof(struct zone));
    bench_figure("memory_bytes_per_zone_1M", (double)(after - before) / N, "B/zone", "<=", 160);
    engine_free(e);
    return 0;
}
