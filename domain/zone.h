/*
 * zone.h - a liquidity zone: a price band where resting orders cluster, with
 * the sources that put it there and what price has done at it so far.
 *
 * Zones live in a zone map sorted by price (zone_map.h). Their ids are a
 * per-symbol sequence assigned in creation order, so a replay of the same bars
 * yields the same ids.
 */
#ifndef LIQ_ZONE_H
#define LIQ_ZONE_H

#include <stdint.h>

enum liq_source {
    SRC_VWAP_DAILY, SRC_VWAP_WEEKLY, SRC_PIVOT_M5, SRC_PIVOT_M15, SRC_FLOOR_PIVOT,
    SRC_HIGH_DAILY, SRC_LOW_DAILY, SRC_HIGH_WEEKLY, SRC_LOW_WEEKLY, SRC_PREVIOUS_CLOSE,
    SRC_ROUND, SRC_GANN, SRC_WYCKOFF, SRC_CLUSTER, SRC_EQUAL_LEVELS,
    /* the drawn (SMC) sources, domain/sources/smc.h: each level is a zone of its own */
    SRC_ORDER_BLOCK, SRC_FVG, SRC_STRUCTURE, SRC_SESSION_HIGH, SRC_SESSION_LOW,
    SRC_PREMIUM_DISCOUNT, SRC_COUNT
};

/* The drawn sources: their levels never merge (ZONE_F_DRAWN). */
#define SRC_DRAWN ((1u << SRC_ORDER_BLOCK) | (1u << SRC_FVG) | (1u << SRC_STRUCTURE) | \
                   (1u << SRC_SESSION_HIGH) | (1u << SRC_SESSION_LOW) |                 \
                   (1u << SRC_PREMIUM_DISCOUNT))

#define SRC_ALL ((1u << SRC_COUNT) - 1u)

/* "HIGH_DAILY" <-> SRC_HIGH_DAILY. source_parse returns 0, or -1 when unknown. */
const char *source_name(enum liq_source s);
int source_parse(const char *name, enum liq_source *out);

/* What a drawn zone is (zone.kind); "bullish", ... on the wire (drawn_kind_name). */
enum drawn_kind {
    DK_NONE, DK_BULLISH, DK_BEARISH, DK_BOS_UP, DK_BOS_DOWN, DK_CHOCH_UP, DK_CHOCH_DOWN,
    DK_ASIA, DK_LONDON, DK_NEW_YORK, DK_EQUILIBRIUM, DK_COUNT
};
const char *drawn_kind_name(enum drawn_kind k);

enum zone_role { ROLE_RESISTANCE = -1, ROLE_NONE = 0, ROLE_SUPPORT = 1 };

/* Where a level stands in its test cycle (zone_stats.h): a test starts only at an armed level. */
enum test_state { TS_DISARMED = 0, TS_ARMED = 1, TS_IN_TEST = 2 };

/* How a test ended: mutually exclusive, so the four probabilities sum to 1. */
enum zone_outcome { OUTCOME_NONE, OUTCOME_HOLD, OUTCOME_SWEEP, OUTCOME_BREAK, OUTCOME_TIMEOUT,
                    OUTCOME_COUNT };

/*
 * The transient state of a test, the same for a zone and for its hidden control level:
 * where the level is in its cycle, the side price came from, the barrier unit (ATR when the
 * test started), the bars left in the horizon and whether price crossed the far edge.
 */
struct test_track {
    double atr;             /* ATR at the touch that started the test: the barrier unit */
    uint16_t left;          /* bars of the horizon left */
    uint8_t state;          /* enum test_state */
    int8_t approach;        /* +1 came from above, -1 from below (set when armed) */
    uint8_t swept;          /* the test crossed the far edge */
    uint8_t last;           /* enum zone_outcome of the last resolved test */
    uint8_t watched;        /* in the zone map's watch set */
    uint8_t pierce;         /* zones: the deepest reach past the far edge in this test, in
                             * 1/PIERCE_PER_ATR of the barrier unit (ceiling, capped 255) */
};

/* What the per-bar scans read (id, band, state, test cycle) fills the first 64 bytes; the
 * counts, times and published numbers follow. */
struct zone {
    uint32_t id;            /* per-symbol sequence, 1, 2, ... */
    uint32_t merged_into;   /* id of the zone that absorbed this one, 0 if none */
    uint32_t sources;       /* bitmask of 1u << enum liq_source */
    float p0;               /* the uncorrected prob_hold at the start of the current test */
    double price;           /* the level */
    double lo, hi;          /* the band: lo <= every level the zone carries <= hi */
    int8_t role;            /* enum zone_role, flips on a break */
    uint8_t active;         /* 0 after zone_history_hours without a touch */
    uint8_t flags;          /* ZONE_F_* */
    uint8_t kind;           /* enum drawn_kind (drawn zones only) */
    struct test_track trk;
    int64_t alive_clock;    /* market clock (zone_map.mclock) of the last creation, touch, new
                             * source or revival: the deactivation clock */
    int64_t last_touch_ts;  /* 0 = never touched */
    int64_t created_ts;     /* ts of the bar whose close made the zone known */
    int64_t origin_ts;      /* ts of the bar the level comes from (pivot bar, day start) */
    uint32_t tests, touches, holds, breaks, sweeps, timeouts; /* resolved outcomes */
    /* Calibrated, causal (zone_stats.h); as of the last engine_refresh(): */
    float strength;         /* share of the symbol's active zones whose P(bounce) <= this one's */
    float prob_hold, prob_break, prob_sweep, prob_timeout; /* partition: sum 1 */
    float vol_share;        /* ORDER_BLOCK: the candle's share of the volume through the break */
    /* Drawn zones (ZONE_F_DRAWN) only; created_ts is their confirmed_ts (the bar whose close
     * made them known), origin_ts the bar they are drawn from. */
    int64_t mitigated_ts;   /* the bar that mitigated / replaced it, TS_NONE while it
                             * stands */
};

/* zone.flags */
enum {
    ZONE_F_LIVE = 1u,       /* a moving level (today's / this week's VWAP): never a merge target */
    ZONE_F_DRAWN = 2u,      /* a drawn zone (SRC_DRAWN): its own band, never merged, never
                             * a merge target, never revived */
};

#endif
