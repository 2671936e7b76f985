/*
 * trade.h - an open trade and the state machine that trails it zone to zone.
 *
 * The one idea: a stop only ever moves towards profit, and only to places liquidity
 * justifies - break-even, behind a zone that held, behind TP1's zone, behind a zone price
 * broke and held beyond - never to the last candle's low. Each update (price/high/low, or a
 * bar) is judged conservatively: when one bar reaches both the stop and a target, the stop
 * is taken to have come first, because the bar's path inside is unknown.
 *
 * struct trade is plain data (numbers, flags, fixed arrays, one short string) so the
 * storage layer can persist every field as a column and a restart can continue a trade
 * exactly. While open, the trade also records what price did at every zone it used or
 * crossed (struct trade_zone); the learner reads that on close.
 *
 * Pure computation: no I/O, no clock, no globals. Not thread-safe: the caller serialises
 * updates of one trade.
 */
#ifndef LIQ_TRADE_H
#define LIQ_TRADE_H

#include <stddef.h>
#include <stdint.h>

#include "bar.h"
#include "params.h"
#include "risk.h"
#include "setup.h"
#include "zone.h"

/* ts argument meaning "no timestamp given": the update is applied, last_update_ts kept. */
#define TRADE_TS_NONE TS_NONE
#define TRADE_MAX_ZONES 16
#define TRADE_CLOSE_REASON_LEN 24

enum trade_status { TRADE_OPEN = 0, TRADE_CLOSED = 1 };

/* Why a zone is in trade.zones (bitmask). */
enum trade_zone_role {
    TZ_STOP = 1,     /* the initial stop sits behind it */
    TZ_TP1 = 2,
    TZ_TP2 = 4,
    TZ_CROSSED = 8,  /* price reached it while the trade was open */
};

/* What the trade saw price do at one zone, seen from the side price approached from. */
struct trade_zone {
    uint32_t zone_id;
    uint8_t roles;         /* enum trade_zone_role bits */
    int8_t approach;       /* +1: price came from above (zone below), -1: from below */
    uint8_t touched;       /* some update's [low, high] entered the band */
    uint8_t pierced;       /* some update's low (high) went beyond the far edge */
    uint8_t closed_beyond; /* some update's price was beyond the far edge */
    uint8_t closed_back;   /* after a touch, an update's price was outside the band on the
                              approach side */
    double lo, hi;         /* the band when the trade first saw it */
};

struct trade {
    uint64_t id;               /* set by the caller */
    int8_t side;               /* enum trade_side */
    uint8_t status;            /* enum trade_status */
    double pip;
    double entry;
    double initial_stop;
    double stop;               /* current stop; moves only in the trade's favour */
    uint32_t stop_zone_id;     /* zone the current stop sits behind, 0 = none/break-even */
    double buffer_pips;        /* distance kept behind zones when trailing */
    double tp1, tp2;           /* tp2 = 0 when the setup has none */
    uint32_t tp1_zone_id, tp2_zone_id;
    double tp1_zone_lo, tp1_zone_hi;
    double leg[LEG_COUNT];     /* fractions tp1/tp2/runner, sum 1 */
    uint8_t leg_closed[LEG_COUNT];
    double leg_exit[LEG_COUNT];/* exit price of each closed leg */
    double leg_r[LEG_COUNT];   /* realised R of each leg, already weighted by its fraction */
    double remaining;          /* sum of the open legs' fractions */
    uint8_t tp1_hit, tp2_hit, runner_active;
    int64_t opened_ts, last_update_ts, closed_ts; /* TRADE_TS_NONE when unknown */
    uint32_t updates;          /* applied trail updates */
    double last_price;         /* price of the last applied update (entry at open) */
    double close_price;        /* price of the final exit */
    double realised_r;         /* sum of leg_r; R = |entry - initial_stop| */
    char close_reason[TRADE_CLOSE_REASON_LEN]; /* "stop_hit", "targets_done", "manual" */
    uint8_t n_zones;
    uint32_t zones_dropped;    /* zones not recorded because zones[] was full */
    struct trade_zone zones[TRADE_MAX_ZONES];
};

enum trail_event_type {
    TEV_TP1_HIT, TEV_TP2_HIT, TEV_RUNNER_ACTIVATED, TEV_STOP_MOVED, TEV_STOP_HIT, TEV_CLOSED,
    TEV_COUNT
};

/* "tp1_hit", "tp2_hit", "runner_activated", "stop_moved", "stop_hit", "closed" */
const char *trail_event_name(enum trail_event_type t);

struct trail_event {
    uint8_t type;         /* enum trail_event_type */
    double price;         /* fill price, new stop price, or confirming price */
    double fraction;      /* fraction of the trade closed by this event (0 if none) */
    uint32_t zone_id;     /* zone involved (TP zone, zone the stop moved behind), 0 if none */
};

#define TRAIL_MAX_EVENTS 8

enum trail_status {
    TRAIL_OK = 0,
    TRAIL_DUPLICATE = 1,   /* ts <= last_update_ts: nothing changed */
    TRAIL_CLOSED = 2,      /* the trade was already closed: nothing changed */
    TRAIL_INVALID = -1,    /* bad numbers: nothing changed, out->note says why */
};

struct trail_events {
    size_t n;
    struct trail_event ev[TRAIL_MAX_EVENTS];
    double stop;          /* the stop after the update */
    double remaining;     /* remaining fraction after the update */
    uint8_t status;       /* trade status after the update */
    char note[LIQ_REASON_LEN]; /* why nothing changed, when nothing changed */
};

/*
 * Opens a trade from an accepted setup (s->status == SETUP_OK). Returns 0, or -1 when the
 * setup was not accepted. The stop, TP1 and TP2 zones are recorded in t->zones.
 * Example: trade_open(&t, 7, &setup, 1665360000) -> t.status TRADE_OPEN, t.remaining 1.
 */
int trade_open(struct trade *t, uint64_t id, const struct setup_result *s, int64_t ts);

/*
 * Applies one update: the last price and the high/low since the previous update.
 * zones: ACTIVE zones sorted by price ascending. ts: TRADE_TS_NONE or epoch seconds; with a
 * ts <= last_update_ts the call is a no-op reported as TRAIL_DUPLICATE. Rules, in order:
 *   1. record zone observations (touch / pierce / close beyond / close back);
 *   2. stop reached (BUY: low <= stop) -> every open leg closes at the stop (or at price if
 *      the whole range is beyond it), events stop_hit + closed; targets of this update are
 *      ignored (conservative intrabar rule);
 *   3. TP1 reached -> its leg closes at TP1; TP2 reached after TP1 -> its leg closes at TP2;
 *      no leg left -> closed ("targets_done");
 *   4. runner activates when TP1's zone is broken with confirmation: price beyond its far
 *      edge by at least its width (min one pip);
 *   5. stop ratchet to the most favourable valid candidate (strictly beyond this update's
 *      low for a BUY): after TP1 break-even and behind the nearest held zone; after TP2
 *      behind TP1's zone; with an active runner behind the furthest zone price broke and
 *      held beyond. -> stop_moved.
 * price, high and low must lie within 1 to 1e8 pips (instrument_price_in_scale).
 * bar_ts: the symbol's last bar time, the date of an update without ts (trade_update_time).
 * Returns enum trail_status; *out always gets the stop/remaining/status after the call.
 */
enum trail_status trade_trail(struct trade *t, const struct zone *zones, size_t n,
                              const struct liq_params *p, double pip, double price, double high,
                              double low, int64_t ts, int64_t bar_ts, struct trail_events *out);

/*
 * Manual close of every open leg at price. Returns TRAIL_OK, TRAIL_CLOSED (already closed,
 * nothing changed) or TRAIL_INVALID (price not finite, not within 1 to 1e8 pips, or ts older
 * than the last update). close_reason becomes "manual"; closed_ts is
 * trade_update_time(t, ts, bar_ts).
 */
enum trail_status trade_close(struct trade *t, double price, int64_t ts, int64_t bar_ts);

/*
 * One clock per trade: the bar time of its symbol. The time an update of t is dated with
 * (its events, closed_ts): ts when given, else the symbol's last bar time bar_ts - never
 * before the trade's last update, never the wall clock.
 * trade_update_time(t, TRADE_TS_NONE, 1665360900) == 1665360900 (last_update_ts earlier).
 */
int64_t trade_update_time(const struct trade *t, int64_t ts, int64_t bar_ts);

/*
 * The rule POST /bars applies to a bar's time, for a trade update's ts: NULL when ts is
 * TRADE_TS_NONE or within [0, now + BAR_MAX_FUTURE_S], else the reason for a refusal.
 * now is the caller's wall clock (the domain has none).
 * trade_check_ts(4102358400, 1700000000) -> "ts is in the future (...)" (2099-12-31).
 */
const char *trade_check_ts(int64_t ts, int64_t now);

/* Sum of the open legs' fractions, computed from the legs (t->remaining must equal it). */
double trade_open_fraction(const struct trade *t);

#endif
