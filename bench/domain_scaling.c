/*
 * domain_scaling.c - does the per-bar cost depend on how many zones a symbol holds?
 *
 * The EURUSD M15 year (14 sources + statistics) replayed on an engine seeded first with
 * 1,000 and then with 100,000 extra active zones; goal: ns/bar(100k) / ns/bar(1k) <= 2.
 * The seeded zones sit every 5 pips (just beyond merge reach, so each stays its own zone)
 * from 0.85 upwards: both runs have the same zones around the year's prices
 * (0.95..1.13); the 100k run has 99,000 more above them (up to ~50.9). What grows is the
 * structure (sorted index, deadline wheel, pool), not the zones a bar touches, which is
 * the property the goal asks about. Seeds are stamped with the year's last bar time so
 * they stay active throughout (zone_history_hours would otherwise retire them a day in).
 */
#include "bench/bench_util.h"
#include "domain/engine.h"

static double run(const struct bar *bars, size_t n, uint32_t seeds, int reps)
{
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = SRC_ALL;
    struct zone_events ev = {0};
    double best = INFINITY;
    for (int r = 0; r < reps; r++) {
        struct engine *e = engine_new(&p, 0.0001, TF_M15);
        if (e == NULL)
            exit(1);
        for (uint32_t k = 0; k < seeds; k++)
            if (engine_add_zone(e, SRC_ROUND, 0.85 + 0.0005 * k, bars[n - 1].ts) == 0)
                exit(1);
        if (engine_zone_count(e) != seeds) {
            fprintf(stderr, "seeding merged zones: %zu of %u\n", engine_zone_count(e), seeds);
            exit(1);
        }
        double t0 = bench_now_ns();
        for (size_t i = 0; i < n; i++) {
            if (engine_push(e, &bars[i], &ev) != PUSH_OK)
                exit(1);
            if (ev.n > 4096)
                ev.n = 0;
        }
        best = fmin(best, bench_now_ns() - t0);
        ev.n = 0;
        engine_free(e);
    }
    zone_events_free(&ev);
    return best / (double)n;
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 5;
    size_t n;
    struct bar *bars = bench_load_eurusd(&n);
    double small = run(bars, n, 1000, reps);
    double big = run(bars, n, 100000, reps);
    printf("M15 year with 1k seeded zones: %.1f ns/bar; with 100k: %.1f ns/bar (best of %d)\n",
           small, big, reps);
    bench_info("scaling_1k_ns_per_bar", small, "ns/bar");
    bench_info("scaling_100k_ns_per_bar", big, "ns/bar");
    bench_figure("scaling_100k_over_1k", big / small, "ratio", "<=", 2);
    free(bars);
    return 0;
}
