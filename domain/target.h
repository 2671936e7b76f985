/*
 * target.h - where a new trade takes profit.
 *
 * The one idea: price tends to stall in front of liquidity, so a take-profit sits just in
 * front of the next zone ahead that is strong enough to stop price and far enough away to
 * pay for the risk. TP1 is the first such zone, TP2 the next one when the trend is strong,
 * and a runner rides on when the zones beyond are too weak to stop a trend.
 *
 * Pure computation: no I/O, no clock, no globals.
 */
#ifndef LIQ_TARGET_H
#define LIQ_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "params.h"
#include "stop.h"
#include "zone.h"

/* A target sits in front of its zone by TARGET_FRONT_FRACTION x the stop buffer
 * (stop_buffer_price: 0.01 ATR14 with the defaults, 2 pips without an ATR):
 * BUY target = zone.lo - offset, SELL target = zone.hi + offset, then put on the tick toward
 * entry (side_round_to_tick); rr is computed from that price. */
#define TARGET_FRONT_FRACTION 0.1
/* TP2 is only chosen when trend_score is above this. */
#define TARGET_TP2_MIN_TREND 0.55
/* The runner needs the zones beyond the last target to be weak: mean strength below this,
 * over at most TARGET_RUNNER_LOOKAHEAD zones (no zone beyond counts as weak: open space). */
#define TARGET_RUNNER_WEAK_MEAN 0.60
#define TARGET_RUNNER_LOOKAHEAD 3

struct target_level {
    int present;         /* 0: no such target */
    double price;
    uint32_t zone_id;
    double zone_lo, zone_hi;
    float zone_strength;
    double rr;           /* |price - entry| / |entry - stop| */
    char reason[LIQ_REASON_LEN];
};

struct target_decision {
    struct target_level tp1, tp2;
    int runner;          /* 1: the runner leg is enabled */
    double runner_beyond_mean; /* mean strength of the zones beyond the last target */
    int qualifying;      /* zones ahead with strength and RR good enough */
    char runner_reason[LIQ_REASON_LEN];
    char reason[LIQ_REASON_LEN]; /* refusal reason when tp1 is absent */
};

/* front offset in price units: target_front_offset(&defaults, 0.0001, 0) == 0.0002 */
double target_front_offset(const struct liq_params *p, double pip, double atr);

/*
 * The front offset with the symbol's stall distance stall_atr (ATR, engine_target_stall_atr;
 * < 0 unknown): stall_atr x atr when that is larger than target_front_offset and atr > 0,
 * else target_front_offset. Price units. Example: EURUSD, ATR 0.0010, stall 0.3 -> 0.0003
 * (the fixed offset is 0.00001).
 */
double target_front_for_stall(const struct liq_params *p, double pip, double atr,
                              double stall_atr);

/*
 * Chooses the targets of a trade entered at entry with its stop at stop (on the other side).
 * zones: ACTIVE zones sorted by price ascending. Zones ahead (BUY: lo > entry) are walked
 * nearest first; a zone qualifies when strength >= min_liquidity_strength and its target
 * price gives RR >= min_rr_ratio. TP1 = first qualifying, TP2 = the next qualifying one
 * whose price lies beyond TP1, when trend_score > TARGET_TP2_MIN_TREND. Runner as described above, when runner_enabled and
 * trend_score > runner_min_confidence.
 * atr: as for stop_select (the front offset scales with it).
 * Returns 0 with tp1 present, or -1 when no zone qualifies: out->reason names the setting
 * and value that blocked the best candidates and the value that would let one through
 * ("min_rr_ratio <= 1.20 would take zone 12"), or says that no active zone lies ahead.
 * Example: BUY 1.1000, stop 1.0970 (30 pips), zone [1.1060, 1.1070] strength 0.7
 * -> tp1 1.1058, rr 58/30 = 1.93.
 */
int target_select(const struct zone *zones, size_t n, const struct liq_params *p, double pip,
                  double atr, enum trade_side side, double entry, double stop, double trend_score,
                  struct target_decision *out);

/*
 * The nearest price on the tick at or beyond rr R from entry, R measured to the stop as
 * published (on the tick: |entry - stop|): entry + side x rr x |entry - stop|, rounded away
 * from entry (a BUY's up, a SELL's down), so |target - entry| / |entry - stop| >= rr on the
 * prices the client sees. Rounding toward entry, as side_round_to_tick does, would leave it
 * up to a tick short of rr R. The doubles' error (a decimal price is not a binary one) may
 * put the ratio a hair below rr; a target whose ratio falls more than TARGET_RR_SLACK short
 * is moved one tick further, so the ratio computed from the returned price is always
 * >= rr - TARGET_RR_SLACK. entry need not lie on the tick; stop must lie behind it.
 * Example: BUY 1.05697, stop 1.05643 (54 ticks), rr 1.5 -> 1.05778 (81 ticks, rr 1.5);
 * SELL 1.05697, stop 1.05751 -> 1.05616; BUY 1.05697, stop 1.05640 (57 ticks) -> 1.05783
 * (85.5 ticks rounded up to 86: rr 1.5088).
 */
#define TARGET_RR_SLACK 1e-12
double target_at_rr(enum trade_side side, double entry, double stop, double rr, double pip);

/* target_select with the front offset given (price units, target_front_for_stall). */
int target_select_at(const struct zone *zones, size_t n, const struct liq_params *p, double pip,
                     enum trade_side side, double entry, double stop, double trend_score,
                     double front, struct target_decision *out);

#endif
