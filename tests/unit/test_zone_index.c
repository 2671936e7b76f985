/*
 * test_zone_index.c - the zone map's indexes against the simple versions they replace
 * (zone_map.h): the level index, the drawn index (active drawn zones only) and the ended
 * drawn zones, walked by the bar's scan as two merged walks with their own reaches and
 * listed back as one array by price.
 *
 * Properties, on the EURUSD year with every source on (the drawn ones make wide bands and
 * end by the thousand):
 *  - the listing holds every zone not merged away exactly once (ended drawn zones too),
 *    by price, ties by id (zones that never moved);
 *  - the zones a bar touches (ZEV_TOUCH, in order) are exactly the active zones whose band
 *    the bar overlaps, found by brute force over the pool, in listing order;
 *  - the sorted indexes with room on both sides (zone_map.c: slack) equal plain sorted
 *    arrays after every insert, merge, deactivation and revival.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/engine.h"
#include "domain/zone_map.h"
#include "tests/support/eurusd.h"

#define PIP 0.0001
#define VWAPS ((1u << SRC_VWAP_DAILY) | (1u << SRC_VWAP_WEEKLY))

static const struct engine *cmp_e;

/* by price, ties by id: what the listing promises for zones that never moved */
static int by_price_id(const void *a, const void *b)
{
    const struct zone *x = engine_zone_get(cmp_e, *(const uint32_t *)a);
    const struct zone *y = engine_zone_get(cmp_e, *(const uint32_t *)b);
    if (x->price != y->price)
        return x->price < y->price ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

/* The listing against the pool: each zone not merged away once, by price, ties by id. */
static void check_listing(const struct engine *e, const char *when)
{
    uint32_t max = engine_zone_max_id(e);
    unsigned char *seen = calloc(max + 1, 1);
    cr_assert_not_null(seen);
    size_t want = 0;
    for (uint32_t id = 1; id <= max; id++)
        want += engine_zone_get(e, id)->merged_into == 0;
    cr_assert_eq(engine_zone_count(e), want, "%s: listed %zu, not merged %zu", when,
                 engine_zone_count(e), want);
    for (size_t i = 0; i < engine_zone_count(e); i++) {
        const struct zone *z = engine_zone_sorted(e, i);
        cr_assert_eq(z->merged_into, 0u, "%s: zone %u merged away but listed", when, z->id);
        cr_assert_eq(seen[z->id], 0, "%s: zone %u listed twice", when, z->id);
        seen[z->id] = 1;
        if (i == 0)
            continue;
        const struct zone *p = engine_zone_sorted(e, i - 1);
        cr_assert_leq(p->price, z->price, "%s: %u before %u", when, p->id, z->id);
        if (p->price == z->price && !((p->sources | z->sources) & VWAPS))
            cr_assert_lt(p->id, z->id, "%s: equal prices by id", when);
    }
    free(seen);
}

Test(zone_index, listing_holds_every_zone_by_price_ended_drawn_ones_included, .timeout = 240)
{
    size_t n;
    struct bar *bars = eurusd_load(&n);
    cr_assert_not_null(bars, "cannot read %s", EURUSD_CSV);
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = SRC_ALL;
    struct engine *e = engine_new(&p, PIP, TF_M15);
    cr_assert_not_null(e);
    size_t ended = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(engine_push(e, &bars[i], NULL), PUSH_OK);
        if (i % 997 == 0 || i + 1 == n) {
            char when[64];
            snprintf(when, sizeof when, "after bar %zu", i);
            check_listing(e, when);
        }
    }
    for (uint32_t id = 1; id <= engine_zone_max_id(e); id++) {
        const struct zone *z = engine_zone_get(e, id);
        ended += (z->flags & ZONE_F_DRAWN) && !z->active;
    }
    cr_assert_gt(ended, 1000, "the year ends many drawn zones (%zu)", ended);
    engine_free(e);
    free(bars);
}

Test(zone_index, a_bar_touches_exactly_the_active_zones_it_overlaps_in_listing_order,
     .timeout = 240)
{
    size_t n;
    struct bar *bars = eurusd_load(&n);
    cr_assert_not_null(bars, "cannot read %s", EURUSD_CSV);
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = SRC_ALL;
    struct engine *e = engine_new(&p, PIP, TF_M15);
    cr_assert_not_null(e);
    cmp_e = e;
    struct zone_events ev = {0};
    uint32_t *want = NULL;
    size_t cap = 0, touches = 0, drawn_touches = 0;
    for (size_t i = 0; i < n; i++) {
        const struct bar *b = &bars[i];
        size_t nw = 0;
        if (engine_bar_count(e) > 0) { /* the brute force: every active zone of the pool */
            for (uint32_t id = 1; id <= engine_zone_max_id(e); id++) {
                const struct zone *z = engine_zone_get(e, id);
                if (!z->active || z->merged_into != 0 || b->low > z->hi || b->high < z->lo)
                    continue;
                if (nw == cap) {
                    cap = cap ? 2 * cap : 64;
                    want = realloc(want, cap * sizeof *want);
                    cr_assert_not_null(want);
                }
                want[nw++] = id;
            }
            qsort(want, nw, sizeof *want, by_price_id);
        }
        ev.n = 0;
        cr_assert_eq(engine_push(e, b, &ev), PUSH_OK);
        size_t k = 0;
        for (size_t j = 0; j < ev.n; j++) {
            if (ev.v[j].kind != ZEV_TOUCH)
                continue;
            cr_assert_lt(k, nw, "bar %zu: touch of zone %u not expected", i, ev.v[j].zone_id);
            cr_assert_eq(ev.v[j].zone_id, want[k], "bar %zu: touch %zu is zone %u, want %u", i,
                         k, ev.v[j].zone_id, want[k]);
            drawn_touches += (engine_zone_get(e, want[k])->flags & ZONE_F_DRAWN) != 0;
            k++;
        }
        cr_assert_eq(k, nw, "bar %zu: %zu touches, want %zu", i, k, nw);
        touches += k;
    }
    cr_assert_gt(drawn_touches, 1000, "drawn zones are touched (%zu of %zu)", drawn_touches,
                 touches);
    cr_assert_gt(touches - drawn_touches, 1000, "level zones are touched");
    free(want);
    zone_events_free(&ev);
    engine_free(e);
    free(bars);
}

/* The simple version of a sorted index: insert after equal prices, remove by id. */
struct naive {
    uint32_t id[8192];
    double price[8192];
    size_t n;
};

static void naive_insert(struct naive *v, uint32_t id, double price)
{
    size_t at = 0;
    while (at < v->n && v->price[at] <= price)
        at++;
    memmove(&v->id[at + 1], &v->id[at], (v->n - at) * sizeof v->id[0]);
    memmove(&v->price[at + 1], &v->price[at], (v->n - at) * sizeof v->price[0]);
    v->id[at] = id;
    v->price[at] = price;
    v->n++;
}

static void naive_remove(struct naive *v, uint32_t id)
{
    size_t at = 0;
    while (v->id[at] != id)
        at++;
    memmove(&v->id[at], &v->id[at + 1], (v->n - at - 1) * sizeof v->id[0]);
    memmove(&v->price[at], &v->price[at + 1], (v->n - at - 1) * sizeof v->price[0]);
    v->n--;
}

static void same_index(const uint32_t *ids, const double *prices, size_t n,
                       const struct naive *v, const char *what, int step)
{
    cr_assert_eq(n, v->n, "%s step %d: %zu entries, want %zu", what, step, n, v->n);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(ids[i], v->id[i], "%s step %d: entry %zu", what, step, i);
        cr_assert_eq(prices[i], v->price[i], "%s step %d: price %zu", what, step, i);
    }
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

/* Inserts (most near one price, some far above and below, many equal prices), merges
 * (unlink) and deactivations / revivals (controls out of and back into their index) in a
 * seeded random order: the level index and a control index equal the simple version after
 * every step, through the pool's growth and every recentring of the room. */
Test(zone_index, slack_indexes_equal_the_simple_sorted_arrays)
{
    static struct naive lv, cv;
    struct zone_map m;
    zone_map_init(&m);
    cr_assert_eq(zone_map_deadlines(&m, 900, 86400), 0);
    uint64_t seed = 42;
    int inserts = 0, removes = 0, toggles = 0;
    for (int step = 0; step < 6000; step++) {
        uint64_t r = lcg(&seed) % 100;
        if (r < 55 || m.n == 0) {
            uint64_t where = lcg(&seed) % 10;
            double price = where < 7 ? 1.1000 + 0.0001 * (double)(lcg(&seed) % 40)
                           : where < 9 ? 5.0 + 0.01 * (double)(lcg(&seed) % 500)
                                       : 0.5 - 0.0001 * (double)(lcg(&seed) % 100);
            struct zone z = {.price = price, .lo = price - 0.0001, .hi = price + 0.0001,
                             .active = 1};
            double ctl[CTL_KINDS] = {2.2 - price, price + 0.0003};
            uint32_t id = zone_map_insert(&m, &z, ctl);
            cr_assert_neq(id, 0u);
            naive_insert(&lv, id, price);
            naive_insert(&cv, id, ctl[CTL_MIRROR]);
            inserts++;
        } else {
            uint32_t id = (uint32_t)(lcg(&seed) % m.n) + 1;
            struct zone *z = &m.pool[id - 1];
            if (z->merged_into != 0)
                continue;
            if (r < 75) { /* merged away: out of every index */
                if (z->active) {
                    z->active = 0;
                    zone_map_place_controls(&m, id, 0);
                    naive_remove(&cv, id);
                }
                z->merged_into = id == 1 ? 2 : 1;
                zone_map_unlink(&m, id);
                naive_remove(&lv, id);
                removes++;
            } else { /* deactivated or revived: its controls leave or rejoin */
                z->active = !z->active;
                zone_map_place_controls(&m, id, z->active);
                if (z->active)
                    naive_insert(&cv, id, m.cs[CTL_MIRROR].v[id - 1].price);
                else
                    naive_remove(&cv, id);
                toggles++;
            }
        }
        same_index(m.sorted, m.sprice, m.nsorted, &lv, "zones", step);
        same_index(m.cs[CTL_MIRROR].sorted, m.cs[CTL_MIRROR].price, m.cs[CTL_MIRROR].n, &cv,
                   "controls", step);
        cr_assert(m.sorted >= m.sorted_mem && m.sorted + m.nsorted <= m.sorted_mem + m.cap);
    }
    cr_assert_gt(inserts, 2000);
    cr_assert_gt(removes, 500);
    cr_assert_gt(toggles, 500);
    zone_map_free(&m);
}
