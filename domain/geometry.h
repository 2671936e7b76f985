/*
 * geometry.h - how often does price reach a target T before a stop S? The symbol's own
 * resolved history of that geometry, for p_tp1_first.
 *
 * The one idea: a setup's chance of reaching TP1 before its stop depends mostly on the two
 * distances in units of volatility (for a random walk it is S / (S + T)); the symbol's own
 * history says how far its market departs from that. The engine starts a probe at the close
 * of every GEO_EVERY-th bar of the ATR's timeframe: entry = that close, unit = ATR14. Each
 * probe records the first bar at which price reached each grid distance above and below
 * (GEO_D[], in ATR) and is resolved when all were reached or after GEO_HORIZON such bars.
 * Then for every pair (target t, stop s) of grid distances and each side it is counted as
 * a hit (target first), a miss (stop first; a bar reaching both counts as the stop) or not
 * at all (neither within the horizon). Only resolved probes count: causal.
 *
 * p_tp1_first(side, T, S) interpolates the shrunk cell rates
 * (hits + GEO_PRIOR x S/(S+T)) / (n + GEO_PRIOR) bilinearly in log T, log S, clamped to the
 * grid, with both sides' hits and n pooled (their difference is past drift, which did not
 * persist: docs/trading.md), so the side does not change the answer. Pure computation: a fixed ring of probes inside the book, no allocation.
 */
#ifndef LIQ_GEOMETRY_H
#define LIQ_GEOMETRY_H

#include <stdint.h>

#include "bar.h"

#define GEO_N 8
#define GEO_EVERY 16     /* a probe every 16 bars of the ATR's timeframe (4 h on M15) */
#define GEO_HORIZON 64   /* resolved after 64 such bars (16 h on M15) */
#define GEO_PRIOR 100.0  /* pseudo-observations of the random-walk rate per cell: chosen on
                          * first halves (docs/trading.md "Which exit"): 10 let the geometry
                          * exit's p_tp1_first follow noise (ECE 0.0375 on USDJPY_15M) */
#define GEO_SLOTS (GEO_HORIZON / GEO_EVERY + 1)

/* grid distances in ATR: 0.5 0.75 1 1.5 2 3 4 6 */
extern const double GEO_D[GEO_N];

struct geo_probe {
    double entry, atr;
    double next_up, next_dn;  /* price of the next grid level not yet reached */
    uint32_t start;           /* base bar number of the entry */
    uint32_t up[GEO_N], dn[GEO_N]; /* base bar number of the first reach, 0 = not yet */
    uint8_t iu, id;           /* grid levels reached so far above / below */
    uint8_t live;
};

struct geo_book {
    uint32_t hits[2][GEO_N][GEO_N]; /* [side BUY 0 / SELL 1][target][stop] */
    uint32_t n[2][GEO_N][GEO_N];
    struct geo_probe probe[GEO_SLOTS];
    double min_up, max_dn;    /* nearest next levels over the live probes: most bars cross
                               * none, and then one comparison each side is all the work */
    uint32_t every, horizon;  /* in base bars */
    uint32_t countdown;       /* bars until the next multiple of every (starts and ends) */
    uint32_t reach[GEO_N];    /* first reaches of each grid distance, both directions */
    double over[GEO_N];       /* their overshoot summed, in ATR: how far beyond the level the
                               * close of a bar wholly beyond it was (a gap through a stop) */
    uint32_t bars;            /* base bars seen */
    uint32_t probes;          /* probes resolved */
};

/* every / horizon in base bars (>= 1). */
void geo_init(struct geo_book *g, uint32_t every, uint32_t horizon);

/* One base bar, after which a probe may start at its close (atr > 0: the ATR known then). */
void geo_bar_slow(struct geo_book *g, const struct bar *b, double atr);
static inline void geo_bar(struct geo_book *g, const struct bar *b, double atr)
{
    /* most bars cross no probe's next level and neither start nor end one */
    if (--g->countdown != 0 && b->high < g->min_up && b->low > g->max_dn) {
        g->bars++;
        return;
    }
    geo_bar_slow(g, b, atr);
}

/*
 * Calibrated probability that price moves target_atr in the trade's favour before it moves
 * stop_atr against it (side +1 BUY, -1 SELL); the random walk's S / (S + T) when the book
 * is empty. Example: with no probe resolved, T 3, S 1.5 -> 1/3.
 */
double geo_p_first(const struct geo_book *g, int side, double target_atr, double stop_atr);

/*
 * What a stop stop_atr away costs when it is hit, in R (>= 1): 1 + the mean overshoot of the
 * first reaches of that distance / stop_atr. A bar that opens wholly beyond a stop fills it at
 * its close (trade_trail), so a market that gaps (an index overnight, any symbol at the
 * weekend) loses more than 1 R per stop; the mean is shrunk toward 0 with GEO_PRIOR
 * pseudo-reaches and interpolated in log distance, clamped to the grid. 1 without a book.
 * Example: 1,000 reaches of 1.5 ATR, 40 of them gaps closing 0.75 ATR beyond: 1 + 30 / 1100
 * / 1.5 = 1.018.
 */
double geo_stop_loss(const struct geo_book *g, double stop_atr);

#endif
