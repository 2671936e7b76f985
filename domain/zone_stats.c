/*
 * zone_stats.c - touches, tests, holds, breaks, sweeps, and strength (see zone_stats.h).
 *
 * Per bar the work is a binary search to the first zone the bar can reach, the zones in its
 * range, and the small set of zones still in a test; it does not grow with the number of
 * zones elsewhere on the price axis.
 */
#include "zone_stats.h"

#include <math.h>
#include <stdlib.h>

static const double SOURCE_WEIGHT[SRC_COUNT] = {
    [SRC_VWAP_DAILY] = 0.45,  [SRC_VWAP_WEEKLY] = 0.55, [SRC_PIVOT_M5] = 0.35,
    [SRC_PIVOT_M15] = 0.45,   [SRC_FLOOR_PIVOT] = 0.40, [SRC_HIGH_DAILY] = 0.55,
    [SRC_LOW_DAILY] = 0.55,   [SRC_HIGH_WEEKLY] = 0.65, [SRC_LOW_WEEKLY] = 0.65,
    [SRC_PREVIOUS_CLOSE] = 0.40, [SRC_ROUND] = 0.40,    [SRC_GANN] = 0.30,
    [SRC_WYCKOFF] = 0.50,     [SRC_CLUSTER] = 0.50,     [SRC_EQUAL_LEVELS] = 0.55,
};

double zone_base_strength(uint32_t sources)
{
    double miss = 1.0;
    for (uint32_t left = sources & SRC_ALL; left != 0; left &= left - 1)
        miss *= 1.0 - SOURCE_WEIGHT[__builtin_ctz(left)];
    return 1.0 - miss;
}

double zone_decay(uint32_t tests, int max_touches)
{
    int m = max_touches < 3 ? 3 : max_touches;
    if (tests < 3)
        return 1.0;
    if ((int64_t)tests <= m)
        return 0.9;
    return 0.5 + 0.4 * exp(-((double)tests - m) / m);
}

void zone_stats_refresh(struct zone *z, int max_touches)
{
    double t = (double)z->tests + 2.0;
    z->prob_hold = (float)((z->holds + 1.0) / t);
    z->prob_break = (float)((z->breaks + 1.0) / t);
    z->prob_sweep = (float)((z->sweeps + 1.0) / t);
    z->strength = (float)(zone_base_strength(z->sources) * z->prob_hold *
                          zone_decay(z->tests, max_touches));
}

int zone_events_grow(struct zone_events *ev)
{
    size_t cap = ev->cap ? ev->cap * 2 : 64;
    struct zone_event *v = realloc(ev->v, cap * sizeof *v);
    if (v == NULL)
        return -1;
    ev->v = v;
    ev->cap = cap;
    return 0;
}

/* What this bar shows at z, approached from z->approach. */
static enum zone_outcome classify(const struct zone *z, const struct bar *b)
{
    if (z->approach > 0) { /* from above: the zone is support, far edge lo */
        if (b->close < z->lo)
            return OUTCOME_BREAK;
        if (b->close > z->hi)
            return b->low < z->lo ? OUTCOME_SWEEP : OUTCOME_HOLD;
        return OUTCOME_NONE;
    }
    if (b->close > z->hi)
        return OUTCOME_BREAK;
    if (b->close < z->lo)
        return b->high > z->hi ? OUTCOME_SWEEP : OUTCOME_HOLD;
    return OUTCOME_NONE;
}

static uint32_t *counter(struct zone *z, enum zone_outcome o)
{
    return o == OUTCOME_HOLD ? &z->holds : o == OUTCOME_SWEEP ? &z->sweeps : &z->breaks;
}

/* Returns 0 or -1 (ENOMEM); *counted says whether tests or an outcome counter changed, the
 * only inputs of probabilities and strength besides the sources. */
static int touch(struct zone_map *m, struct zone *z, const struct bar *b, double prev_close,
                 struct zone_events *ev, int *counted)
{
    int rc = 0;
    *counted = 0;
    if (!z->in_test) {
        *counted = 1;
        z->in_test = 1;
        z->outcome = OUTCOME_NONE;
        z->tests++;
        if (prev_close != z->price)
            z->approach = prev_close > z->price ? 1 : -1;
        else
            z->approach = z->role == ROLE_RESISTANCE ? -1 : 1;
        if (z->role == ROLE_NONE) /* made before any bar: the first approach decides */
            z->role = z->approach > 0 ? ROLE_SUPPORT : ROLE_RESISTANCE;
        rc |= zone_map_test_add(m, z->id);
    }
    z->touches++;
    z->last_touch_ts = b->ts;
    z->alive_ts = b->ts;
    rc |= zone_emit(ev, z->id, 0, b->ts, b->close, ZEV_TOUCH);
    enum zone_outcome o = classify(z, b);
    if (o <= z->outcome)
        return rc;
    *counted = 1;
    if (z->outcome != OUTCOME_NONE)
        (*counter(z, z->outcome))--;
    (*counter(z, o))++;
    z->outcome = (uint8_t)o;
    static const uint8_t KIND[] = {[OUTCOME_HOLD] = ZEV_HOLD, [OUTCOME_SWEEP] = ZEV_SWEEP,
                                   [OUTCOME_BREAK] = ZEV_BREAK};
    if (o == OUTCOME_BREAK) {
        z->role = z->approach > 0 ? ROLE_RESISTANCE : ROLE_SUPPORT;
        z->approach = (int8_t)-z->approach;
    }
    rc |= zone_emit(ev, z->id, 0, b->ts, b->close, (enum zone_event_kind)KIND[o]);
    return rc;
}

int zone_stats_bar(struct zone_map *m, const struct bar *b, double prev_close,
                   int max_touches, struct zone_events *ev)
{
    int rc = 0;
    size_t i = zone_map_lower_bound_from(m, b->low - m->max_half, m->scan_hint);
    m->scan_hint = i;
    for (; i < m->nsorted; i++) {
        if (m->sprice[i] - m->max_half > b->high)
            break;
        struct zone *z = &m->pool[m->sorted[i] - 1];
        if (!z->active || b->low > z->hi || b->high < z->lo)
            continue;
        int counted;
        rc |= touch(m, z, b, prev_close, ev, &counted);
        if (counted) /* a touch inside a test with no new outcome changes no probability */
            zone_stats_refresh(z, max_touches);
    }
    /* end the tests price has left by the band's width; compact the set in place */
    size_t keep = 0;
    for (size_t k = 0; k < m->n_in_test; k++) {
        struct zone *z = &m->pool[m->in_test[k] - 1];
        if (!z->in_test)
            continue;
        if (!z->active || z->merged_into != 0) {
            z->in_test = 0;
            continue;
        }
        double w = z->hi - z->lo;
        if (z->last_touch_ts != b->ts && (b->low >= z->hi + w || b->high <= z->lo - w)) {
            z->in_test = 0;
            z->outcome = OUTCOME_NONE;
            continue;
        }
        m->in_test[keep++] = z->id;
    }
    m->n_in_test = keep;
    return rc;
}
