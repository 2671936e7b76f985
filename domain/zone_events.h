/*
 * zone_events.h - what happened to zones at one bar: the event list the engine appends to.
 *
 * Shared by the engine (creation, merging, deactivation) and the zone statistics (touches
 * and test outcomes), and read by the service (persisted history) and the report. Kept
 * apart from engine.h so the statistics do not depend on the orchestrator.
 */
#ifndef LIQ_ZONE_EVENTS_H
#define LIQ_ZONE_EVENTS_H

#include <stddef.h>
#include <stdint.h>

/*
 * ZEV_HOLD / ZEV_SWEEP / ZEV_BREAK / ZEV_TIMEOUT: a test resolved (zone_stats.h), reported
 * at the bar that resolved it. ZEV_TEST: a test started (the touching bar).
 */
enum zone_event_kind {
    ZEV_CREATED, ZEV_TOUCH, ZEV_HOLD, ZEV_BREAK, ZEV_SWEEP, ZEV_MERGED, ZEV_DEACTIVATED,
    ZEV_MOVED, ZEV_SOURCE_REMOVED, ZEV_TEST, ZEV_TIMEOUT, ZEV_COUNT
};

/*
 * What happened to one zone at one bar. For ZEV_MERGED, zone_id was absorbed into other_id;
 * with other_id 0 a new level joined the existing zone zone_id (price: the level's price).
 * ZEV_MOVED: a live VWAP zone followed its VWAP to price. ZEV_SOURCE_REMOVED: a swing pivot
 * superseded by a more extreme one of the same kind took its source bit off the zone (a zone
 * left with no other source is deactivated instead, ZEV_DEACTIVATED).
 */
struct zone_event {
    uint32_t zone_id;
    uint32_t other_id;
    int64_t ts;
    double price;
    uint8_t kind; /* enum zone_event_kind */
};

/* A growable list the caller owns; the engine appends. zone_events_free releases it. */
struct zone_events {
    struct zone_event *v;
    size_t n, cap;
};

/* "created", "touch", "hold", ... ("unknown" out of range). */
const char *zone_event_name(enum zone_event_kind k);
void zone_events_free(struct zone_events *ev);

/* Doubles the capacity. -1 on ENOMEM. */
int zone_events_grow(struct zone_events *ev);

/* Appends one event (a no-op when ev is NULL). -1 on ENOMEM. */
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
