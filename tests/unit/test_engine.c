/*
 * test_engine.c - the engine over the whole EURUSD year: every source produces zones,
 * statistics are sane, the M15 bars re-aggregated from M5 are the originals, and the
 * replay cost is printed (not asserted).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "domain/engine.h"
#include "tests/support/eurusd.h"

static struct bar *load_eurusd(size_t *n)
{
    struct bar *v = eurusd_load(n);
    cr_assert_not_null(v, "cannot read %s", EURUSD_CSV);
    return v;
}

static struct bar *split_m5(const struct bar *m15, size_t n)
{
    struct bar *v = eurusd_split_m5(m15, n);
    cr_assert_not_null(v);
    return v;
}

Test(engine, eurusd_year_all_sources_produce_zones_with_sane_statistics)
{
    size_t n;
    struct bar *bars = load_eurusd(&n);
    struct bar *m5 = split_m5(bars, n);
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = SRC_ALL;
    struct engine *e = engine_new(&p, 0.0001, TF_M5);
    cr_assert_not_null(e);
    cr_assert_eq(engine_active_sources(e), SRC_ALL);
    size_t m15_checked = 0;
    for (size_t i = 0; i < 3 * n; i++) {
        cr_assert_eq(engine_push(e, &m5[i], NULL), PUSH_OK);
        struct bar c;
        if (i % 3 == 2 && engine_last_closed(e, TF_M15, &c) == 0) {
            const struct bar *o = &bars[i / 3];
            cr_assert(c.ts == o->ts && c.open == o->open && c.high == o->high &&
                      c.low == o->low && c.close == o->close);
            m15_checked++;
        }
    }
    cr_assert_eq(m15_checked, n);
    unsigned per_src[SRC_COUNT] = {0};
    unsigned long holds = 0, breaks = 0, sweeps = 0, active = 0;
    for (uint32_t id = 1; id <= engine_zone_max_id(e); id++) {
        const struct zone *z = engine_zone_get(e, id);
        for (int s = 0; s < SRC_COUNT; s++)
            per_src[s] += (z->sources >> s) & 1u;
        cr_assert(z->strength >= 0 && z->strength <= 1, "zone %u strength %f", id, z->strength);
        cr_assert(z->lo <= z->price && z->price <= z->hi);
        cr_assert_leq(z->holds + z->breaks + z->sweeps, z->tests);
        holds += z->holds;
        breaks += z->breaks;
        sweeps += z->sweeps;
        active += z->active;
    }
    printf("eurusd year (M5 split): %zu M5 bars, %u zones ever, %zu in the map, %lu active; "
           "holds %lu breaks %lu sweeps %lu\n", 3 * n, engine_zone_max_id(e),
           engine_zone_count(e), active, holds, breaks, sweeps);
    for (int s = 0; s < SRC_COUNT; s++) {
        printf("  %-15s %u zones\n", source_name((enum liq_source)s), per_src[s]);
        cr_assert_gt(per_src[s], 0, "%s produced no zone", source_name((enum liq_source)s));
    }
    cr_assert(holds > 0 && breaks > 0 && sweeps > 0);
    for (size_t i = 1; i < engine_zone_count(e); i++)
        cr_assert_leq(engine_zone_sorted(e, i - 1)->price, engine_zone_sorted(e, i)->price);
    engine_free(e);
    free(m5);
    free(bars);
}

Test(engine, same_bars_give_same_zones_and_ids)
{
    size_t n;
    struct bar *bars = load_eurusd(&n);
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = SRC_ALL;
    struct engine *a = engine_new(&p, 0.0001, TF_M15), *b = engine_new(&p, 0.0001, TF_M15);
    for (size_t i = 0; i < n; i++) {
        engine_push(a, &bars[i], NULL);
        engine_push(b, &bars[i], NULL);
    }
    cr_assert_eq(engine_zone_max_id(a), engine_zone_max_id(b));
    for (uint32_t id = 1; id <= engine_zone_max_id(a); id++) {
        const struct zone *x = engine_zone_get(a, id), *y = engine_zone_get(b, id);
        cr_assert(x->price == y->price && x->sources == y->sources && x->tests == y->tests &&
                  x->strength == y->strength && x->active == y->active);
    }
    struct bar dup = bars[n - 1];
    cr_assert_eq(engine_push(a, &dup, NULL), PUSH_DUPLICATE);
    cr_assert_eq(engine_push(a, &bars[0], NULL), PUSH_OUT_OF_ORDER);
    engine_free(a);
    engine_free(b);
    free(bars);
}
