/*
 * fingerprint.h - the engine's results as one number: bench/domain_replay.c prints it (equal
 * before and after a performance change means the change kept the results bit for bit) and
 * tests/unit/test_engine_snap.c compares a checkpoint's engine with a full replay by it.
 * Header-only; domain/ only.
 */
#ifndef LIQ_TESTS_FINGERPRINT_H
#define LIQ_TESTS_FINGERPRINT_H

#include <stdint.h>
#include <string.h>

#include "domain/engine.h"

#define FP_BASIS 1469598103934665603ull
#define FP_MIX(x) do { uint64_t v_; memcpy(&v_, &(double){(double)(x)}, 8); \
        h = (h ^ v_) * 1099511628211ull; } while (0)

/* FNV-1a over every event (zone, other, ts, price, kind), in order, continuing from h. */
static inline uint64_t fp_events(uint64_t h, const struct zone_events *ev)
{
    for (size_t i = 0; i < ev->n; i++) {
        const struct zone_event *x = &ev->v[i];
        FP_MIX(x->zone_id); FP_MIX(x->other_id); FP_MIX(x->ts); FP_MIX(x->price);
        FP_MIX(x->kind);
    }
    return h;
}

/* FNV-1a over every zone's fields, the event count and the events' hash. */
static inline uint64_t fp_engine(const struct engine *e, uint64_t nevents, uint64_t evhash)
{
    uint64_t h = FP_BASIS;
    FP_MIX(nevents);
    FP_MIX(evhash);
    for (uint32_t id = 1; id <= engine_zone_max_id(e); id++) {
        const struct zone *z = engine_zone_get(e, id);
        FP_MIX(z->merged_into); FP_MIX(z->sources); FP_MIX(z->price); FP_MIX(z->lo);
        FP_MIX(z->hi); FP_MIX(z->created_ts); FP_MIX(z->origin_ts); FP_MIX(z->last_touch_ts);
        FP_MIX(z->tests); FP_MIX(z->touches); FP_MIX(z->holds); FP_MIX(z->breaks);
        FP_MIX(z->sweeps); FP_MIX(z->role); FP_MIX(z->active); FP_MIX(z->trk.state);
        FP_MIX(z->timeouts); FP_MIX(z->strength); FP_MIX(z->prob_hold); FP_MIX(z->prob_break);
        FP_MIX(z->prob_sweep); FP_MIX(z->alive_clock);
    }
    for (size_t i = 0; i < engine_zone_count(e); i++)
        FP_MIX(engine_zone_sorted(e, i)->id);
    return h;
}

#endif
