/*
 * sources.h - the liquidity source families: pure level generators.
 *
 * Each family turns closed bars into levels (a price, the source, the bar it comes from).
 * None of them knows about zones: domain/engine.c feeds them the series they need and
 * hands every level to the zone map, which merges it into a zone. Keeping sources free of
 * zone bookkeeping is what lets each one be tested with a handful of bars.
 * Formulas and parameters: docs/sources.md.
 */
#ifndef LIQ_SOURCES_H
#define LIQ_SOURCES_H

#include <stddef.h>
#include <stdint.h>

#include "domain/bar.h"
#include "domain/zone.h"
#include "window.h"

struct level {
    double price;
    int64_t origin_ts;  /* the bar (or period start) the level comes from */
    uint8_t src;        /* enum liq_source */
};

#define LEVELS_MAX 48
/* The levels produced by one call; fixed capacity, no allocation. */
struct levels {
    struct level v[LEVELS_MAX];
    int n;
};
void levels_add(struct levels *out, enum liq_source src, double price, int64_t origin_ts);

/* (int64_t)floor(x) for finite x within int64 range, without the libm call: truncation
 * rounds towards zero, so one step down when it rounded up (negative non-integers). */
static inline int64_t floor_i64(double x)
{
    int64_t t = (int64_t)x;
    return (double)t > x ? t - 1 : t;
}

/* ---- VWAP (vwap.c): sum(typical * volume) / sum(volume) since the anchor ---- */
struct vwap {
    enum timeframe anchor;  /* TF_D1 or TF_W1 */
    int64_t start;          /* current period start, INT64_MIN before the first bar */
    int64_t end;            /* its end */
    double pv, v, p_sum;    /* sum of typical*volume, volume, typical (for zero volume) */
    uint64_t n;
};
void vwap_init(struct vwap *w, enum timeframe anchor);
/* Adds one base bar; returns 1 when the bar starts a new period (the old sums were reset). */
int vwap_push(struct vwap *w, const struct bar *b);
/* Resets w to the period containing ts (vwap_push_tp's rare path). */
void vwap_reset(struct vwap *w, int64_t ts);
/* vwap_push with the bar's typical price (H+L+C)/3.0 already computed by the caller (the
 * engine computes it once for both anchors): the same operations in the same order. */
static inline int vwap_push_tp(struct vwap *w, const struct bar *b, double tp)
{
    int fresh = w->start == INT64_MIN || b->ts < w->start || b->ts >= w->end;
    if (fresh)
        vwap_reset(w, b->ts);
    w->pv += tp * b->volume;
    w->v += b->volume;
    w->p_sum += tp;
    w->n++;
    return fresh;
}
/* Current value: vwap_value after bars {H1.2 L1.0 C1.1 vol 1} and {H1.4 L1.2 C1.3 vol 3}
 * is (1.1*1 + 1.3*3) / 4 = 1.25. With zero total volume, the mean typical price. */
double vwap_value(const struct vwap *w);

/* ---- swing pivots (swing.c): smartmoneyconcepts swing_highs_lows, streaming ---- */
#define SWING_MAX_LENGTH 32
struct swing_detector {
    int len;                /* swing_length L */
    uint64_t n;             /* bars pushed */
    size_t slot;            /* n % (2L): where the next bar goes */
    double hi[2 * SWING_MAX_LENGTH], lo[2 * SWING_MAX_LENGTH];
    int64_t ts[2 * SWING_MAX_LENGTH];
    struct window_extreme max_hi, min_lo;   /* over the last 2L bars */
    int last_kind;          /* +1 high, -1 low, 0 none: the last surviving pivot */
    double last_level;
    uint64_t last_idx;
    int64_t last_ts;
};
struct swing_event {
    int kind;               /* +1 swing high, -1 swing low */
    uint64_t idx;           /* bar index of the pivot (0-based over the series) */
    int64_t ts;             /* ts of the pivot bar */
    double level;           /* its high (low) */
    int dropped;            /* 1: consecutive same-kind pivot not more extreme: no pivot */
    int supersedes;         /* 1: the previous same-kind pivot (below) no longer survives */
    uint64_t superseded_idx;
    int64_t superseded_ts;
};
/* L in 1..SWING_MAX_LENGTH. */
void swing_init(struct swing_detector *sd, int len);
/*
 * Adds bar j of the series; when j >= 3L-1 it decides bar i = j-L: a swing high when high[i]
 * is the maximum of high[i-L+1 .. i+L] (ties count), else a swing low by the same rule on
 * lows. Returns 1 and fills *ev when bar i is a pivot candidate, else 0. Among consecutive
 * same-kind candidates only the most extreme survives (the earlier on a tie): a candidate
 * that is not strictly more extreme than the surviving one is reported with dropped = 1; one
 * that is reports supersedes = 1 and the earlier pivot it removes.
 */
int swing_push(struct swing_detector *sd, int64_t ts, double high, double low,
               struct swing_event *ev);

/* ---- period levels (periods.c): previous day / week ---- */
/* A finished day: HIGH_DAILY, LOW_DAILY, PREVIOUS_CLOSE and the floor pivots P, R1, S1, R2,
 * S2, each enabled by mask (bitmask of 1u << enum liq_source). */
void periods_day_levels(const struct bar *day, uint32_t mask, struct levels *out);
/* A finished week: HIGH_WEEKLY, LOW_WEEKLY. */
void periods_week_levels(const struct bar *week, uint32_t mask, struct levels *out);

/* ---- ROUND (round.c): every step around price ---- */
struct round_levels {
    int have;
    int64_t kmin, kmax;     /* levels k*step for k in [kmin, kmax] exist */
};
/* Adds the round levels not yet made among the `each_side` nearest below and above close.
 * step 0.0050, close 1.0712, each_side 2 -> first call 1.0650 1.0700 1.0750 1.0800. */
void round_update(struct round_levels *r, double close, double step, int each_side, int64_t ts,
                  struct levels *out);

/* ---- GANN (gann.c): Square of Nine around a swing ---- */
/* (sqrt(p) +- k/4)^2 for k = 1..n, p = level / pip. */
void gann_levels(double level, double pip, int n, int64_t origin_ts, struct levels *out);

/* ---- EQUAL_LEVELS (equal_levels.c) ---- */
#define EQUAL_MAX_LOOKBACK 32
struct equal_levels {
    int lookback;
    double highs[EQUAL_MAX_LOOKBACK], lows[EQUAL_MAX_LOOKBACK];
    int nh, nl, ih, il;     /* ring fill and next slot */
};
void equal_init(struct equal_levels *q, int lookback);
/* A confirmed swing (kind +1 high / -1 low). When one of the last `lookback` swings of the
 * same kind lies within tol, one level at the extreme of the pair (max of highs, min of
 * lows) - where the stops above equal highs rest. Highs 1.1000 then 1.1002, tol 0.0003 ->
 * level 1.1002. */
void equal_push(struct equal_levels *q, int kind, double level, double tol, int64_t origin_ts,
                struct levels *out);

/* ---- WYCKOFF (wyckoff.c): trading ranges ---- */
#define WYCKOFF_MAX_BARS 256
struct wyckoff {
    int min_bars;
    int64_t ts[WYCKOFF_MAX_BARS];
    struct window_extreme max_hi, min_lo;   /* over the last min_bars bars */
    uint64_t n;
    size_t slot;            /* n % min_bars: where the next bar goes, the oldest bar */
    int in_range;
};
void wyckoff_init(struct wyckoff *w, int min_bars);
/* A closed bar and the current ATR: when the last min_bars bars' high-low span first fits
 * within k*atr, the range high and low become levels (origin: the range's first bar). */
void wyckoff_push(struct wyckoff *w, const struct bar *b, double atr, double k,
                  struct levels *out);

/* ---- CLUSTER (cluster.c): rolling volume profile ---- */
struct cluster {
    int64_t window;         /* seconds: zone_history_hours */
    /* bin: floor(price / bin_size), computed once when the bar arrives */
    struct cluster_pt { int64_t ts; double price, vol; int64_t bin; } *ring;
    size_t cap, head, n;    /* ring buffer of base bars in the window */
    double *bins;
    size_t nbins_cap;
    int64_t last_slot;      /* last recompute slot (ts / interval) */
};
/* 0, or -1 when out of memory. cap_bars: base bars in one window. */
int cluster_init(struct cluster *c, int64_t window, size_t cap_bars);
void cluster_free(struct cluster *c);
/* Adds a base bar (its volume at its typical price; volume 0 counts as 1). Every `interval`
 * seconds of bar time it builds the window's profile with bins of bin_size and emits the
 * point of control and the value area (share va of the volume) high and low. -1 on ENOMEM.
 * bin_size must be the same at every call (each bar's bin is computed once, on arrival). */
int cluster_push(struct cluster *c, const struct bar *b, int64_t interval, double bin_size,
                 double va, struct levels *out);

#endif
