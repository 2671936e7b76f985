/*
 * engine.h - the per-symbol zone engine: bars in, a live zone map out.
 *
 * One engine per symbol, fed with bars of one base timeframe in time order. It
 * aggregates them to the higher timeframes its sources need, runs the enabled
 * liquidity sources, merges nearby levels into zones and updates each zone's
 * statistics with every bar. It does no I/O and reads no clock: the same bars
 * give the same zones, ids included, which is how the service rebuilds its state
 * after a restart and how tests and benchmarks drive it without HTTP.
 *
 * Not thread-safe: the caller serialises writes and reads of one engine.
 */
#ifndef LIQ_ENGINE_H
#define LIQ_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "bar.h"
#include "evidence.h"
#include "exit_record.h"
#include "geometry.h"
#include "params.h"
#include "zone.h"
#include "zone_events.h"
#include "zone_map.h"

enum engine_push_result {
    PUSH_OK = 0,
    PUSH_DUPLICATE = 1,     /* same ts as the last bar: ignored */
    PUSH_OUT_OF_ORDER = -1, /* older than the last bar: rejected, nothing changed */
    PUSH_NOMEM = -2,        /* allocation failed: engine state is unspecified, rebuild it */
};

struct engine;

/* A new engine for bars of base_tf with pip size pip (0.0001 for EURUSD). NULL if out of
 * memory. params is copied. */
struct engine *engine_new(const struct liq_params *params, double pip, enum timeframe base_tf);
void engine_free(struct engine *e);

/*
 * Feeds one validated bar (bar_validate() == NULL). Appends what happened to zones to ev
 * (ev may be NULL). Example: with M15 bars, pushing the 23:45 bar of 2022-10-10 finishes
 * that day (a day also finishes at the first bar of a later day when its last bars are
 * missing) and creates its HIGH_DAILY, LOW_DAILY, PREVIOUS_CLOSE and floor-pivot zones,
 * reported as ZEV_CREATED (or ZEV_MERGED with other_id 0 when a level joins a zone).
 * Zones made by a bar get statistics from the next bar on.
 */
enum engine_push_result engine_push(struct engine *e, const struct bar *b,
                                    struct zone_events *ev);

enum timeframe engine_base_tf(const struct engine *e);
double engine_pip(const struct engine *e);
uint64_t engine_bar_count(const struct engine *e);
int64_t engine_last_ts(const struct engine *e);   /* ts of the last bar, INT64_MIN if none */
double engine_last_close(const struct engine *e);
double engine_atr(const struct engine *e);        /* ATR14 on M15 (or base tf), 0 if unknown */

/* The sources that run: params.liquidity_sources minus those needing a timeframe below the
 * base (PIVOT_M5 needs base <= M5; PIVOT_M15, GANN, EQUAL_LEVELS need base <= M15; the daily
 * ones need base <= D1). Example: all 15 enabled, base M15 -> all but PIVOT_M5. */
uint32_t engine_active_sources(const struct engine *e);

/* The last closed bar of tf (M5, M15, H1, D1, W1 or the base tf, tf >= base) in *out:
 * 0, or -1 when none has closed yet or tf is not aggregated. After the 23:45 M15 bar of a
 * day, engine_last_closed(e, TF_D1, &d) gives that day. */
int engine_last_closed(const struct engine *e, enum timeframe tf, struct bar *out);

/* Adds a level of source src at price as if a source had made it at bar time ts (merging
 * into a zone within reach). Returns the zone id, 0 on ENOMEM. For seeding benchmarks and
 * tests; cheapest in ascending price order. Invalidates zone pointers. */
uint32_t engine_add_zone(struct engine *e, enum liq_source src, double price, int64_t ts);

/* Zones currently in a test (zone_stats.h). */
size_t engine_zones_in_test(const struct engine *e);

/*
 * Recomputes every zone's prob_* and strength from the resolved tests so far (zone_stats.h).
 * The pushes only count outcomes; call this before reading probabilities or strength (the
 * service does after every batch of bars). The result depends only on the bars pushed, not
 * on when earlier refreshes happened. 0, or -1 on ENOMEM (values then unchanged).
 */
int engine_refresh(struct engine *e);

/* The outcome tally at zones and at their control levels (evidence.h). */
const struct zone_tally *engine_tally(const struct engine *e);

/* The target-before-stop history behind p_tp1_first (geometry.h). */
const struct geo_book *engine_geometry(const struct engine *e);

/* The symbol's sweep depth for zone stops: zone_stats_pierce_quantile at the engine's
 * stop_sweep_quantile over its zones' resolved holds and sweeps, in ATR; -1 while that
 * setting is 0 or fewer than STOP_SWEEP_MIN_TESTS have resolved. *tests (may be NULL): how
 * many have. What setup_market.sweep_atr carries and the record's zone exits use. */
double engine_stop_sweep_atr(const struct engine *e, uint32_t *tests);

/* The depths past the far edge of the zones' resolved holds and sweeps (zone_map.h). */
const struct pierce_book *engine_pierce(const struct engine *e);

/* The symbol's stall distance for targets: stall_quantile at the engine's
 * target_stall_quantile over the turns short of zones (stall.h), in ATR; -1 while that
 * setting is 0 (the turns are then not even counted: they cost about 100 instructions a
 * bar) or fewer than STALL_MIN_TURNS turns were counted. *turns (may be NULL): how many
 * were. What setup_market.stall_atr carries and the record's zone targets use. */
double engine_target_stall_atr(const struct engine *e, uint32_t *turns);

/* The turns short of zones counted so far (stall.h). */
struct stall_book;
const struct stall_book *engine_stall(const struct engine *e);

/* The record of zone exits against geometry exits so far (exit_record.h): what exit_method
 * auto decides on and GET /symbols/{symbol}/evidence serves as "exits". */
void engine_exit_record(const struct engine *e, struct exit_record *out);

/* The ids of the active zones, in no particular order, into out (room for
 * engine_zone_max_id ids): what a trial of the record ranks strength among. The count. */
size_t engine_active_zone_ids(const struct engine *e, uint32_t *out);

/* The hidden control level of zone id of placement kind (evidence.h: CTL_MIRROR mirrored
 * through the close, CTL_SIDE same side at a jittered distance), NULL if unknown. Never a
 * zone. */
const struct control *engine_control(const struct engine *e, uint32_t id, enum ctl_kind kind);

/* The same-side control's distance factor for zone id: in [0.75, 1.25), deterministic. */
double engine_control_jitter(uint32_t id);

/* The horizon H of a test in base bars: test_horizon_bars over the base timeframe, >= 1. */
unsigned engine_test_horizon(const struct engine *e);

/* Zones (active and inactive, not merged-away; ended drawn zones included) sorted by price
 * ascending, ties by id. Valid until the next engine_push. The listing is built on the first
 * call after a push (zone_map_listing): an engine is read by one thread at a time. */
size_t engine_zone_count(const struct engine *e);
const struct zone *engine_zone_sorted(const struct engine *e, size_t i);
/* Any zone ever created, by id, merged-away ones included; NULL if unknown. */
const struct zone *engine_zone_get(const struct engine *e, uint32_t id);
uint32_t engine_zone_max_id(const struct engine *e);

#endif
