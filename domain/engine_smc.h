/*
 * engine_smc.h - the drawn sources inside the engine (engine.c calls these; nothing else).
 *
 * The pure generators live in sources/smc.h; this keeps their state per symbol, turns what
 * they report into zones of their own (ZONE_F_DRAWN: the band drawn, never merged) and ends
 * those zones when the source says they stopped standing: an FVG filled to fvg_mitigation,
 * an order block traded through, a STRUCTURE / PREMIUM_DISCOUNT / session level replaced by
 * the next one. A zone in the middle of a test is ended when the test resolves, so every
 * test it started is counted (docs/sources.md "Drawn sources").
 */
#ifndef LIQ_ENGINE_SMC_H
#define LIQ_ENGINE_SMC_H

#include <stdint.h>

#include "bar.h"
#include "params.h"
#include "zone.h"
#include "zone_events.h"

struct engine;
struct smc_state;

/* The timeframe the FVG / order-block / structure sources read: smc_timeframe_minutes
 * (below 60: M15, below 240: H1, else H4), never below the base. */
enum timeframe smc_timeframe(const struct liq_params *p, enum timeframe base_tf);

/* NULL when none of SRC_DRAWN is in active (nothing to keep) or on ENOMEM (*oom = 1). */
struct smc_state *smc_new(const struct liq_params *p, enum timeframe base_tf, uint32_t active,
                          int *oom);
void smc_free(struct smc_state *s);
enum timeframe smc_tf(const struct smc_state *s);

/* Every base bar, after the statistics of the zones that existed before it: the boxes it
 * mitigates, the ends that waited for a test, the sessions it finishes. 0 or -1 (ENOMEM). */
int smc_base_bar(struct smc_state *s, struct engine *e, const struct bar *b,
                 struct zone_events *ev);
/* A closed bar c of smc_tf, closed by the base bar at ts. 0 or -1 (ENOMEM). */
int smc_closed(struct smc_state *s, struct engine *e, const struct bar *c, int64_t ts,
               struct zone_events *ev);

/* engine.c, for the above only. A drawn zone of src over [lo, hi] at price (lo == hi: a
 * point level, band = the engine's level half-width), made at bar time ts: its id, 0 on
 * ENOMEM. */
uint32_t engine_drawn_add(struct engine *e, enum liq_source src, double lo, double hi,
                          double price, int64_t origin_ts, enum drawn_kind kind,
                          float vol_share, int64_t ts, struct zone_events *ev);
/* Ends drawn zone id at bar time ts (mitigated_ts; deactivated, ZEV_DEACTIVATED): 0 done,
 * 1 when it is in a test (mitigated_ts set; call again on a later bar), -1 ENOMEM. */
int engine_drawn_end(struct engine *e, uint32_t id, int64_t ts, struct zone_events *ev);

#endif
