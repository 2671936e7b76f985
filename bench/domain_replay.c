/*
 * domain_replay.c - the EURUSD year through the zone engine, in-process, no I/O.
 *
 * Two replays, best of several runs each (the first run also warms the caches):
 *  - the file's 24,424 M15 bars on an M15 engine: every source that can run on M15 (all
 *    but PIVOT_M5, 14) plus zone statistics;
 *  - the same year split into 73,272 M5 bars (bench_split_m5) on an M5 engine: all 15
 *    sources. This is the goal figure: ns per pushed bar, goal <= 200.
 * Events are collected into one reused list, as the service does per request.
 * "All sources" is SRC_ALL: the 15 level sources and the 6 drawn ones (docs/sources.md);
 * `domain_replay RUNS levels` runs the 15 level sources only, to see what the drawn add.
 */
#include "bench/bench_util.h"
#include "domain/engine.h"
#include "tests/support/fingerprint.h"

static uint32_t all_sources = SRC_ALL; /* SRC_ALL, or without SRC_DRAWN ("levels") */

/* The whole replay with event hashing (not timed): the results to compare. */
static uint64_t check_replay(const struct bar *bars, size_t n, enum timeframe tf, int all)
{
    struct liq_params p;
    params_defaults(&p);
    if (all)
        p.liquidity_sources = all_sources;
    struct zone_events ev = {0};
    uint64_t nevents = 0, evh = FP_BASIS;
    struct engine *e = engine_new(&p, 0.0001, tf);
    if (e == NULL)
        exit(1);
    for (size_t i = 0; i < n; i++) {
        if (engine_push(e, &bars[i], &ev) != PUSH_OK)
            exit(1);
        evh = fp_events(evh, &ev);
        nevents += ev.n;
        ev.n = 0;
    }
    uint64_t fp = fp_engine(e, nevents, evh);
    engine_free(e);
    zone_events_free(&ev);
    return fp;
}

static double replay(const struct bar *bars, size_t n, enum timeframe tf, int runs,
                     size_t *zones_out)
{
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = all_sources;
    struct zone_events ev = {0};
    double best = INFINITY;
    for (int r = 0; r < runs; r++) {
        struct engine *e = engine_new(&p, 0.0001, tf);
        if (e == NULL)
            exit(1);
        double t0 = bench_now_ns();
        for (size_t i = 0; i < n; i++) {
            if (engine_push(e, &bars[i], &ev) != PUSH_OK) {
                fprintf(stderr, "push %zu failed\n", i);
                exit(1);
            }
            if (ev.n > 4096) /* a request's worth: the service empties it per request */
                ev.n = 0;
        }
        double dt = bench_now_ns() - t0;
        ev.n = 0;
        best = fmin(best, dt);
        *zones_out = engine_zone_max_id(e);
        engine_free(e);
    }
    zone_events_free(&ev);
    return best / (double)n;
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 7;
    if (argc > 2 && strcmp(argv[2], "levels") == 0)
        all_sources = SRC_ALL & ~SRC_DRAWN;
    size_t n, zones;
    struct bar *m15 = bench_load_eurusd(&n);
    struct bar *m5 = bench_split_m5(m15, n);
    uint64_t fp15 = check_replay(m15, n, TF_M15, 1), fp5 = check_replay(m5, 3 * n, TF_M5, 1);
    printf("results (zones + every event): all sources M15 %016llx M5 %016llx, "
           "default sources M15 %016llx M5 %016llx\n", (unsigned long long)fp15,
           (unsigned long long)fp5, (unsigned long long)check_replay(m15, n, TF_M15, 0),
           (unsigned long long)check_replay(m5, 3 * n, TF_M5, 0));

    double ns15 = replay(m15, n, TF_M15, runs, &zones);
    printf("M15 replay: %zu bars, %zu zones ever, best of %d: %.1f ns/bar, year %.2f ms\n", n,
           zones, runs, ns15, ns15 * (double)n / 1e6);
    double ns5 = replay(m5, 3 * n, TF_M5, runs, &zones);
    printf("M5 replay:  %zu bars, %zu zones ever, best of %d: %.1f ns/bar, year %.2f ms\n",
           3 * n, zones, runs, ns5, ns5 * (double)(3 * n) / 1e6);
    if (all_sources == SRC_ALL) { /* the 21: what the drawn sources add (no goal of their own) */
        bench_info("replay_all21_m5_ns_per_bar", ns5, "ns/bar");
        bench_info("replay_all21_m15_ns_per_bar", ns15, "ns/bar");
        bench_info("replay_all21_m15_year_ms", ns15 * (double)n / 1e6, "ms");
    } else { /* the level sources: what issue 24's goals were set on */
        bench_figure("replay_all15_m5_ns_per_bar", ns5, "ns/bar", "<=", 200);
        bench_info("replay_all15_m5_year_ms", ns5 * (double)(3 * n) / 1e6, "ms");
        bench_figure("replay_14src_m15_ns_per_bar", ns15, "ns/bar", "<=", 250);
        bench_info("replay_14src_m15_year_ms", ns15 * (double)n / 1e6, "ms");
    }
    free(m5);
    free(m15);
    return 0;
}
