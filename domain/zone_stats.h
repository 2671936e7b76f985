/*
 * zone_stats.h - what price does at each zone, bar by bar, and the strength it earns.
 *
 * Seen from the side price came from (the close before the test began):
 *   touch  the bar's range enters the band [lo, hi]; every such bar counts one touch;
 *   test   starts at a touch while not in a test, and lasts until a bar stays at least
 *          the band's width (hi - lo) away from it;
 *   hold   a touching bar closes back on the approach side;
 *   sweep  a touching bar's wick crosses the far edge and it closes on the approach side;
 *   break  a touching bar closes beyond the far edge; role becomes what the new side makes
 *          it (broken from above: resistance; from below: support) and the approach flips.
 * Each test has one outcome, which only upgrades: none < hold < sweep < break (a hold then
 * a break in the same test counts as one break). prob_X = (X + 1) / (tests + 2), the
 * Laplace-smoothed frequency of outcome X over tests; strength = base(sources) x prob_hold
 * x decay(tests).
 */
#ifndef LIQ_ZONE_STATS_H
#define LIQ_ZONE_STATS_H

#include "bar.h"
#include "engine.h"
#include "zone_map.h"

/* 1 - prod(1 - w_s) over the zone's sources: one ROUND level 0.40, ROUND + HIGH_DAILY
 * 1 - 0.6 * 0.45 = 0.73. Weights: docs/sources.md. */
double zone_base_strength(uint32_t sources);
/* 1.0 below 3 tests, 0.9 from 3 to max_touches, then 0.5 + 0.4 exp(-(tests - max) / max). */
double zone_decay(uint32_t tests, int max_touches);
/* Recomputes prob_* and strength from the counters and sources. */
void zone_stats_refresh(struct zone *z, int max_touches);

/*
 * Applies bar b to every active zone it reaches and ends the tests price has left.
 * prev_close is the close before b. Appends events to ev (may be NULL). -1 on ENOMEM.
 */
int zone_stats_bar(struct zone_map *m, const struct bar *b, double prev_close,
                   int max_touches, struct zone_events *ev);

/* Appends one event (engine.c and zone_stats.c share it). -1 on ENOMEM. */
int zone_events_grow(struct zone_events *ev);
static inline int zone_emit(struct zone_events *ev, uint32_t id, uint32_t other, int64_t ts,
                            double price, enum zone_event_kind kind)
{
    if (ev == NULL)
        return 0;
    if (ev->n == ev->cap && zone_events_grow(ev) != 0)
        return -1;
    ev->v[ev->n++] = (struct zone_event){
        .zone_id = id, .other_id = other, .ts = ts, .price = price, .kind = (uint8_t)kind};
    return 0;
}

#endif
