/*
 * setup.h - one trading decision: stop + targets + legs + risk, or a refusal with reasons.
 *
 * The one idea: a setup is the composition of three independent selectors (stop.h,
 * target.h, risk.h) in a fixed order - the stop first, because targets are measured in
 * multiples of the risk it defines, then the targets, then the size. Every step leaves a
 * reason, so the answer explains itself whether it is accepted or refused.
 *
 * Pure computation: no I/O, no clock, no globals. Persisting the decision
 * (stop_decisions, target_selections) and opening a trade are the caller's business.
 */
#ifndef LIQ_SETUP_H
#define LIQ_SETUP_H

#include <stddef.h>

#include "exits.h"
#include "geometry.h"
#include "params.h"
#include "risk.h"
#include "stop.h"
#include "target.h"
#include "zone.h"

struct setup_request {
    enum trade_side side;
    double entry;
    double trend_score;             /* 0..1 */
    enum regime_mode regime;
    double transition_strength;     /* regime_transition_strength, 0..1 */
    int has_qty;
    double qty;                     /* > 0 when has_qty */
    int has_risk_amount;
    double risk_amount;             /* > 0 when has_risk_amount; qty wins when both given */
};

enum setup_status {
    SETUP_OK = 0,
    SETUP_INVALID = -1,   /* the request itself is wrong (422: invalid values) */
    SETUP_REFUSED = -2,   /* valid, but no trade should be opened (CHAOTIC, no RR) */
};

#define SETUP_MAX_REASONS 8
#define SETUP_REASON_LEN (LIQ_REASON_LEN + 16) /* a selector's reason plus a "stop: " label */

/* What the engine knows about the symbol's market beyond its zones (NULL: nothing). */
struct setup_market {
    double atr;                   /* ATR14 (engine_atr), 0 when unknown */
    const struct geo_book *geo;   /* engine_geometry, NULL when none */
    double last_close;            /* engine_last_close, 0 when unknown (no distance check) */
    const struct exit_record *exits; /* the symbol's record of exits, NULL when none */
    double sweep_atr;             /* engine_stop_sweep_atr: the zone stop's buffer is at least
                                   * this x ATR14 (<= 0: buffer_atr alone) */
    uint32_t sweep_tests;         /* the resolved holds and sweeps it comes from */
    double stall_atr;             /* engine_target_stall_atr: a zone target sits at least this
                                   * x ATR14 in front of its zone (<= 0: the fixed offset) */
    uint32_t stall_turns;         /* the turns it comes from */
};

struct setup_result {
    enum setup_status status;
    struct setup_request req;     /* a copy of what was asked */
    double pip;
    struct stop_decision stop;
    struct target_decision targets; /* tp1, tp2 (present = 0 when none), runner */
    double legs[LEG_COUNT];       /* fractions tp1/tp2/runner, sum 1 */
    struct risk_decision risk;
    struct risk_size size;        /* sized = 0 without qty or risk amount */
    /* What the setup is worth (docs/trading.md "What a setup is worth"): */
    double p_tp1_first;           /* P(TP1 before the stop), geo_p_first on the ATR distances */
    double p_tp2_after_tp1;       /* P(TP2 before back to entry | TP1 reached), 0 without TP2 */
    double expected_r;            /* of the whole position, legs weighted, see setup_build */
    enum exit_method exit_method; /* the exit given: EXIT_ZONES or EXIT_GEOMETRY */
    size_t n_reasons;
    char reasons[SETUP_MAX_REASONS][SETUP_REASON_LEN]; /* first one explains a refusal */
};

/*
 * Checks a request. Returns NULL when valid, else a static reason such as
 * "trend_score must be a number in 0..1". Checks: side BUY/SELL, entry finite > 0 and
 * within 1 to 1e8 pips (instrument_price_in_scale), trend_score and transition_strength
 * finite in 0..1, regime known, qty / risk_amount in (0, SETUP_MAX_AMOUNT] when given,
 * pip finite > 0. With these bounds every size and R the setup computes is finite.
 */
#define SETUP_MAX_AMOUNT 1e12
const char *setup_validate(const struct setup_request *req, double pip);

/*
 * Builds the decision. zones: ACTIVE zones sorted by price ascending. mkt (may be NULL): the
 * ATR that scales the stop buffer, the fallback stop and the target offset (stop.h), and
 * the geometry behind p_tp1_first.
 * Returns SETUP_OK, SETUP_INVALID (reasons[0] names the bad field) or SETUP_REFUSED
 * (CHAOTIC regime, or no target meets min_rr_ratio; reasons[0] says which). out->status
 * holds the same value. On refusal the stop (and targets) computed so far are left in out
 * for logging.
 * Example: BUY 1.1000 NORMAL trend 0.5, zone [1.0950, 1.0960] 0.8 below, zone
 * [1.1150, 1.1160] 0.8 above, defaults, no ATR -> stop 1.0930, tp1 1.1148 (RR 2.11),
 * no tp2, legs {1, 0, 0}, multiplier 1.
 * p_tp1_first = geo_p_first(side, |tp1 - entry| / atr, |entry - stop| / atr) (without an ATR
 * or book: the random walk's |entry - stop| / (|entry - stop| + |tp1 - entry|)).
 * expected_r, in R of the stop distance, with leg fractions f and p = p_tp1_first:
 *   tp1 leg    f1 (p rr1 - (1 - p))
 *   tp2 leg    f2 (p q rr2 - (1 - p)), q = p_tp2_after_tp1 (else back to break-even: 0)
 *   runner     f3 (-(1 - p)): counted as stopped at break-even after TP1 (conservative)
 */
enum setup_status setup_build(const struct setup_request *req, const struct zone *zones,
                              size_t n, const struct liq_params *p, double pip,
                              const struct setup_market *mkt, struct setup_result *out);

#endif
