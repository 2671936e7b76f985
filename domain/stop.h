/*
 * stop.h - where a new trade's protective stop goes.
 *
 * The one idea: a stop belongs behind liquidity, not at an arbitrary distance. Resting
 * orders in a strong zone on the stop side (below entry for a BUY) absorb a pull-back,
 * so the stop sits just beyond that zone's far edge plus a buffer. Only zones that are
 * strong enough, not worn out by tests and not absurdly far away qualify; of those the
 * strongest wins. With none, a fixed fallback distance is used and flagged.
 *
 * This header also owns the two small vocabularies every trading decision shares: the
 * side of a trade and the regime the caller says the market is in.
 *
 * Pure computation: no I/O, no clock, no globals. All functions are deterministic.
 */
#ifndef LIQ_STOP_H
#define LIQ_STOP_H

#include <stddef.h>
#include <stdint.h>

#include "params.h"
#include "zone.h"

/* The sign is the direction of profit: (exit - entry) * side > 0 is a gain. */
enum trade_side { SIDE_BUY = 1, SIDE_SELL = -1 };

enum regime_mode { REGIME_NORMAL = 0, REGIME_TRANSITION = 1, REGIME_CHAOTIC = 2 };

/* "BUY" / "SELL"; "NORMAL" / "TRANSITION" / "CHAOTIC". Parsers return 0, or -1 if unknown. */
const char *side_name(enum trade_side s);
int side_parse(const char *name, enum trade_side *out);
const char *regime_name(enum regime_mode r);
int regime_parse(const char *name, enum regime_mode *out);

/*
 * A stop or a zone target price on the instrument's tick (instrument_tick: pip / 10): a
 * BUY's rounds down, a SELL's up. A stop lies behind entry, so that is away from entry
 * (never tighter than computed); a zone target lies ahead, so toward entry (never past the
 * front of its zone; its rr is then computed from the rounded price and checked against
 * min_rr_ratio). A target placed at an R multiple rounds the other way (target.h
 * target_at_rr). Trailed stops the same. Example: BUY, pip 0.0001: 0.998646072 -> 0.99864;
 * SELL: 1.1030400001 -> 1.10305. docs/trading.md "Prices on the tick".
 */
double side_round_to_tick(enum trade_side side, double price, double pip);

/* A zone only qualifies for the stop when its stop price lies within this many
 * fallback distances of entry: stop_select never places a stop further than
 * STOP_MAX_FALLBACK_MULTIPLE x the fallback distance (3 ATR14 with the defaults). */
#define STOP_MAX_FALLBACK_MULTIPLE 3.0

#define LIQ_REASON_LEN 256

struct stop_decision {
    double price;        /* the stop price */
    uint32_t zone_id;    /* the zone it sits behind, 0 when fallback */
    double zone_lo, zone_hi; /* that zone's band (0, 0 when fallback) */
    float zone_strength; /* that zone's strength (0 when fallback) */
    double buffer_pips;  /* buffer beyond the far edge (also kept with a fallback stop) */
    double distance_pips;/* |entry - price| / pip */
    int fallback;        /* 1 when no zone qualified */
    int qualifying;      /* how many zones passed every filter */
    char reason[LIQ_REASON_LEN];
};

/*
 * The buffer in pips for a regime:
 *   NORMAL / CHAOTIC: default_buffer_pips
 *   TRANSITION:       default_buffer_pips x (1 + (transition_buffer_factor - 1) x s)
 * where s = regime_transition_strength clamped to 0..1.
 * Example: defaults (20 pips, factor 1.5), TRANSITION, s = 0.5 -> 20 x 1.25 = 25 pips.
 */
double stop_buffer_pips(const struct liq_params *p, enum regime_mode regime,
                        double transition_strength);

/*
 * Distances that scale with volatility where pips do not fit (one set of defaults for
 * EURUSD, USDJPY, gold, an index and BTC): with atr > 0 and buffer_atr > 0 the buffer is
 * buffer_atr x atr (x the TRANSITION factor as above), else default_buffer_pips x pip;
 * with atr > 0 and fallback_stop_atr > 0 the fallback stop is fallback_stop_atr x atr,
 * else fallback_stop_pips x pip. Price units. Example: NIFTY, pip 0.05, ATR14 30 points:
 * buffer 3 points, fallback 30 points (not 1 and 1.5 points).
 */
double stop_buffer_price(const struct liq_params *p, double pip, double atr,
                         enum regime_mode regime, double transition_strength);
double stop_fallback_price(const struct liq_params *p, double pip, double atr);

/* The fewest resolved holds and sweeps a symbol's sweep depth is used from (below it the
 * fixed buffer_atr alone): about a month of an H1 file, a week or two of M15. */
#define STOP_SWEEP_MIN_TESTS 50u

/*
 * *out = *p with buffer_atr widened to sweep_atr (the symbol's measured sweep depth in ATR,
 * engine_stop_sweep_atr; < 0: unknown) when that is larger and buffer_atr > 0 (the ATR
 * distances are on). The stop then lies beyond the depth the symbol's bounces reached; only
 * the stop uses it (targets keep their front offset). Example: buffer_atr 0.1, sweep 0.55 ->
 * buffer_atr 0.55; sweep -1 or 0.05 -> 0.1.
 */
void stop_params_for_sweep(const struct liq_params *p, double sweep_atr, struct liq_params *out);

/*
 * Chooses the stop for a trade entered at entry. zones: ACTIVE zones sorted by price
 * ascending (inactive ones are skipped anyway). pip: price units per pip (> 0); atr: the
 * symbol's ATR14 (0 when unknown: pip distances), see stop_buffer_price.
 * A zone qualifies when it lies wholly on the stop side (BUY: hi < entry; SELL: lo > entry),
 * strength >= min_liquidity_strength, tests <= max_level_touches and its stop price is within
 * STOP_MAX_FALLBACK_MULTIPLE x the fallback distance of entry. The strongest qualifying zone
 * wins, ties going to the one nearer entry. Stop = lo - buffer (BUY) / hi + buffer (SELL).
 * None qualifies: entry -/+ the fallback distance, fallback = 1. The price is then put on
 * the tick away from entry (side_round_to_tick); distance_pips is measured to that price.
 * Example: BUY at 1.1000, pip 0.0001, zone [1.0950, 1.0960] strength 0.8, buffer 20 pips
 * -> stop 1.0930, zone_id of that zone, distance 70 pips.
 * Never fails; always fills *out.
 */
void stop_select(const struct zone *zones, size_t n, const struct liq_params *p, double pip,
                 double atr, enum trade_side side, double entry, enum regime_mode regime,
                 double transition_strength, struct stop_decision *out);

#endif
