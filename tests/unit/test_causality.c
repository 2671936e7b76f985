/*
 * test_causality.c - a zone exists only from bars already seen: on the real EURUSD year,
 * the zones, their hidden control levels and the outcome tally after bar k are identical
 * whether the stream stops at k or continues.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/engine.h"
#include "tests/support/eurusd.h"

static struct bar *load_eurusd(size_t *n)
{
    struct bar *v = eurusd_load(n);
    cr_assert_not_null(v, "cannot read %s", EURUSD_CSV);
    return v;
}

static int same_zone(const struct zone *x, const struct zone *y)
{
    return x->id == y->id && x->merged_into == y->merged_into && x->sources == y->sources &&
           x->price == y->price && x->lo == y->lo && x->hi == y->hi &&
           x->created_ts == y->created_ts && x->origin_ts == y->origin_ts &&
           x->last_touch_ts == y->last_touch_ts && x->tests == y->tests &&
           x->touches == y->touches && x->holds == y->holds && x->breaks == y->breaks &&
           x->sweeps == y->sweeps && x->role == y->role && x->active == y->active &&
           x->timeouts == y->timeouts && x->trk.state == y->trk.state &&
           x->trk.approach == y->trk.approach && x->trk.left == y->trk.left &&
           x->trk.atr == y->trk.atr && x->trk.swept == y->trk.swept &&
           x->trk.last == y->trk.last &&
           x->strength == y->strength && x->prob_hold == y->prob_hold &&
           x->prob_break == y->prob_break && x->prob_sweep == y->prob_sweep &&
           x->prob_timeout == y->prob_timeout &&
           x->alive_ts == y->alive_ts && x->flags == y->flags;
}

static int same_control(const struct control *x, const struct control *y)
{
    return x->price == y->price && x->lo == y->lo && x->hi == y->hi && x->tests == y->tests &&
           x->holds == y->holds && x->sweeps == y->sweeps && x->breaks == y->breaks &&
           x->timeouts == y->timeouts && x->trk.state == y->trk.state &&
           x->trk.approach == y->trk.approach && x->trk.left == y->trk.left;
}

Test(causality, zones_after_bar_k_do_not_depend_on_later_bars)
{
    size_t n;
    struct bar *bars = load_eurusd(&n);
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = SRC_ALL;
    const size_t ks[] = {100, 2000, 7777, 15000, 24000};
    struct engine *full = engine_new(&p, 0.0001, TF_M15);
    size_t next = 0, zones_compared = 0;
    for (size_t i = 0; i < n && next < sizeof ks / sizeof ks[0]; i++) {
        engine_push(full, &bars[i], NULL);
        if (i + 1 != ks[next])
            continue;
        /* the stream that stops at k */
        struct engine *cut = engine_new(&p, 0.0001, TF_M15);
        for (size_t j = 0; j <= i; j++)
            engine_push(cut, &bars[j], NULL);
        /* probabilities and strength are read after a refresh (engine.h) */
        cr_assert_eq(engine_refresh(cut), 0);
        cr_assert_eq(engine_refresh(full), 0);
        cr_assert_eq(engine_zone_max_id(cut), engine_zone_max_id(full));
        cr_assert_eq(memcmp(engine_tally(cut), engine_tally(full), sizeof(struct zone_tally)),
                     0, "the zone / control tally differs at k = %zu", ks[next]);
        cr_assert_eq(engine_zone_count(cut), engine_zone_count(full));
        for (uint32_t id = 1; id <= engine_zone_max_id(cut); id++)
        {
            cr_assert(same_zone(engine_zone_get(cut, id), engine_zone_get(full, id)),
                      "zone %u differs at k = %zu", id, ks[next]);
            cr_assert(same_control(engine_control(cut, id), engine_control(full, id)),
                      "control of zone %u differs at k = %zu", id, ks[next]);
        }
        for (size_t s = 0; s < engine_zone_count(cut); s++)
            cr_assert_eq(engine_zone_sorted(cut, s)->id, engine_zone_sorted(full, s)->id);
        zones_compared += engine_zone_max_id(cut);
        engine_free(cut);
        next++;
    }
    printf("causality: %zu cut points, %zu zones compared field by field\n", next,
           zones_compared);
    cr_assert_eq(next, sizeof ks / sizeof ks[0]);
    engine_free(full);
    free(bars);
}
