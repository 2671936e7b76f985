/*
 * engine.c - the per-symbol zone engine (walking-skeleton version).
 *
 * Zones are kept in a pool indexed by id - 1 (ids never move) plus an index of
 * ids sorted by zone price, so a bar finds the zones it reaches by binary search
 * and a zone is found by id in O(1). This version runs the daily sources
 * (HIGH_DAILY, LOW_DAILY, PREVIOUS_CLOSE) and ROUND; the others arrive in step 2.
 */
#include "engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct day_agg {
    int64_t start;  /* INT64_MIN: no bar yet */
    double high, low, close;
};

struct engine {
    struct liq_params p;
    double pip;
    enum timeframe base_tf;
    uint64_t bars;
    int64_t last_ts;
    double last_close;
    double atr;          /* Wilder ATR14 on the base timeframe */
    int atr_n;
    struct day_agg day;
    int round_have;      /* round levels [round_kmin, round_kmax] exist */
    int64_t round_kmin, round_kmax;
    struct zone *pool;   /* pool[id - 1] */
    uint32_t nzones, cap;
    uint32_t *sorted;    /* ids of live (not merged-away) zones by price */
    uint32_t nsorted;
};

static const char *const EVENT_NAMES[ZEV_COUNT] = {
    [ZEV_CREATED] = "created", [ZEV_TOUCH] = "touch",   [ZEV_HOLD] = "hold",
    [ZEV_BREAK] = "break",     [ZEV_SWEEP] = "sweep",   [ZEV_MERGED] = "merged",
    [ZEV_DEACTIVATED] = "deactivated", [ZEV_MOVED] = "moved",
};

const char *zone_event_name(enum zone_event_kind k)
{
    return k < ZEV_COUNT ? EVENT_NAMES[k] : "unknown";
}

void zone_events_free(struct zone_events *ev)
{
    free(ev->v);
    ev->v = NULL;
    ev->n = ev->cap = 0;
}

static int emit(struct zone_events *ev, uint32_t id, uint32_t other, int64_t ts, double price,
                enum zone_event_kind kind)
{
    if (ev == NULL)
        return 0;
    if (ev->n == ev->cap) {
        size_t cap = ev->cap ? ev->cap * 2 : 64;
        struct zone_event *v = realloc(ev->v, cap * sizeof *v);
        if (v == NULL)
            return -1;
        ev->v = v;
        ev->cap = cap;
    }
    ev->v[ev->n++] = (struct zone_event){
        .zone_id = id, .other_id = other, .ts = ts, .price = price, .kind = (uint8_t)kind};
    return 0;
}

struct engine *engine_new(const struct liq_params *params, double pip, enum timeframe base_tf)
{
    struct engine *e = calloc(1, sizeof *e);
    if (e == NULL)
        return NULL;
    e->p = *params;
    e->pip = pip;
    e->base_tf = base_tf;
    e->last_ts = INT64_MIN;
    e->day.start = INT64_MIN;
    return e;
}

void engine_free(struct engine *e)
{
    if (e == NULL)
        return;
    free(e->pool);
    free(e->sorted);
    free(e);
}

enum timeframe engine_base_tf(const struct engine *e) { return e->base_tf; }
double engine_pip(const struct engine *e) { return e->pip; }
uint64_t engine_bar_count(const struct engine *e) { return e->bars; }
int64_t engine_last_ts(const struct engine *e) { return e->last_ts; }
double engine_last_close(const struct engine *e) { return e->last_close; }
double engine_atr(const struct engine *e) { return e->atr; }
size_t engine_zone_count(const struct engine *e) { return e->nsorted; }
uint32_t engine_zone_max_id(const struct engine *e) { return e->nzones; }

const struct zone *engine_zone_sorted(const struct engine *e, size_t i)
{
    return &e->pool[e->sorted[i] - 1];
}

const struct zone *engine_zone_get(const struct engine *e, uint32_t id)
{
    if (id == 0 || id > e->nzones)
        return NULL;
    return &e->pool[id - 1];
}

size_t engine_zone_lower_bound(const struct engine *e, double price)
{
    size_t lo = 0, hi = e->nsorted;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (e->pool[e->sorted[mid] - 1].price < price)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static double half_width(const struct engine *e)
{
    return fmax(e->p.zone_min_width_pips * e->pip, 0.1 * e->atr);
}

/* Base strength of a set of sources: 0.5 for one, +0.1 per extra source, capped at 1. */
static float base_strength(uint32_t sources)
{
    int n = __builtin_popcount(sources);
    return (float)fmin(1.0, 0.5 + 0.1 * (n - 1));
}

static int grow(struct engine *e)
{
    uint32_t cap = e->cap ? e->cap * 2 : 64;
    struct zone *pool = realloc(e->pool, (size_t)cap * sizeof *pool);
    if (pool == NULL)
        return -1;
    e->pool = pool;
    uint32_t *sorted = realloc(e->sorted, (size_t)cap * sizeof *sorted);
    if (sorted == NULL)
        return -1;
    e->sorted = sorted;
    e->cap = cap;
    return 0;
}

/*
 * Adds a level from source src. A live zone whose band overlaps the new band or lies within
 * merge_distance_pips takes the source instead of a new zone being made.
 */
static int add_level(struct engine *e, enum liq_source src, double price, int64_t origin_ts,
                     int64_t ts, struct zone_events *ev)
{
    double hw = half_width(e);
    double reach = hw + e->p.merge_distance_pips * e->pip;
    size_t i = engine_zone_lower_bound(e, price - reach - hw);
    for (; i < e->nsorted; i++) {
        struct zone *z = &e->pool[e->sorted[i] - 1];
        if (z->lo > price + reach)
            break;
        if (z->hi >= price - reach && z->active) {
            z->sources |= 1u << src;
            z->strength = base_strength(z->sources);
            return emit(ev, z->id, 0, ts, price, ZEV_MOVED);
        }
    }
    if (e->nzones == e->cap && grow(e) != 0)
        return -1;
    uint32_t id = ++e->nzones;
    e->pool[id - 1] = (struct zone){
        .id = id, .sources = 1u << src, .price = price, .lo = price - hw, .hi = price + hw,
        .created_ts = ts, .origin_ts = origin_ts, .active = 1,
        .role = price <= e->last_close ? ROLE_SUPPORT : ROLE_RESISTANCE,
        .prob_hold = 1.0f / 3, .prob_break = 1.0f / 3, .prob_sweep = 1.0f / 3,
    };
    e->pool[id - 1].strength = base_strength(1u << src);
    size_t at = engine_zone_lower_bound(e, price);
    memmove(&e->sorted[at + 1], &e->sorted[at], (e->nsorted - at) * sizeof *e->sorted);
    e->sorted[at] = id;
    e->nsorted++;
    return emit(ev, id, 0, ts, price, ZEV_CREATED);
}

static int enabled(const struct engine *e, enum liq_source s)
{
    return (e->p.liquidity_sources >> s) & 1u;
}

/* The previous day is finished when a bar of a later day arrives. */
static int finish_day(struct engine *e, int64_t ts, struct zone_events *ev)
{
    const struct day_agg *d = &e->day;
    int rc = 0;
    if (enabled(e, SRC_HIGH_DAILY))
        rc |= add_level(e, SRC_HIGH_DAILY, d->high, d->start, ts, ev);
    if (enabled(e, SRC_LOW_DAILY))
        rc |= add_level(e, SRC_LOW_DAILY, d->low, d->start, ts, ev);
    if (enabled(e, SRC_PREVIOUS_CLOSE))
        rc |= add_level(e, SRC_PREVIOUS_CLOSE, d->close, d->start, ts, ev);
    return rc;
}

/* Round levels every round_level_step pips, round_levels_each_side of them around close. */
static int update_round(struct engine *e, const struct bar *b, struct zone_events *ev)
{
    double step = e->p.round_level_step * e->pip;
    if (!(step > 0))
        return 0;
    int64_t k = (int64_t)floor(b->close / step);
    int64_t want_lo = k - e->p.round_levels_each_side + 1;
    int64_t want_hi = k + e->p.round_levels_each_side;
    if (want_lo < 1)
        want_lo = 1;
    if (!e->round_have) {
        for (int64_t j = want_lo; j <= want_hi; j++)
            if (add_level(e, SRC_ROUND, (double)j * step, b->ts, b->ts, ev) != 0)
                return -1;
        e->round_have = 1;
        e->round_kmin = want_lo;
        e->round_kmax = want_hi;
        return 0;
    }
    for (int64_t j = e->round_kmin - 1; j >= want_lo; j--, e->round_kmin--)
        if (add_level(e, SRC_ROUND, (double)j * step, b->ts, b->ts, ev) != 0)
            return -1;
    for (int64_t j = e->round_kmax + 1; j <= want_hi; j++, e->round_kmax++)
        if (add_level(e, SRC_ROUND, (double)j * step, b->ts, b->ts, ev) != 0)
            return -1;
    return 0;
}

static void update_atr(struct engine *e, const struct bar *b)
{
    double tr = b->high - b->low;
    if (e->bars > 0)
        tr = fmax(tr, fmax(fabs(b->high - e->last_close), fabs(b->low - e->last_close)));
    if (e->atr_n < 14) {
        e->atr = (e->atr * e->atr_n + tr) / (e->atr_n + 1);
        e->atr_n++;
    } else {
        e->atr = (e->atr * 13 + tr) / 14;
    }
}

enum engine_push_result engine_push(struct engine *e, const struct bar *b,
                                    struct zone_events *ev)
{
    if (e->bars > 0 && b->ts == e->last_ts)
        return PUSH_DUPLICATE;
    if (e->bars > 0 && b->ts < e->last_ts)
        return PUSH_OUT_OF_ORDER;
    int64_t day = day_start(b->ts);
    if (e->day.start != INT64_MIN && day != e->day.start && finish_day(e, b->ts, ev) != 0)
        return PUSH_NOMEM;
    if (day != e->day.start) {
        e->day = (struct day_agg){.start = day, .high = b->high, .low = b->low};
    } else {
        e->day.high = fmax(e->day.high, b->high);
        e->day.low = fmin(e->day.low, b->low);
    }
    e->day.close = b->close;
    update_atr(e, b);
    e->bars++;
    e->last_ts = b->ts;
    e->last_close = b->close;
    if (enabled(e, SRC_ROUND) && update_round(e, b, ev) != 0)
        return PUSH_NOMEM;
    return PUSH_OK;
}
