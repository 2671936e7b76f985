/*
 * exit_record.h - a symbol's causal record of zone exits against geometry exits: the
 * evidence exit_method auto decides on (exits.h exit_choose, docs/trading.md "Which exit").
 *
 * The one idea: the engine already starts a probe at the close of every GEO_EVERY-th bar
 * of the ATR's timeframe (geometry.h). At the first such close EXIT_TRIAL_DAYS or more UTC
 * days after the last trial it also asks, for one side (BUY, SELL alternating), what each
 * exit would have given: the zone exit (stop_select's stop behind
 * a zone and target_select's TP1 in front of one, on the active zones with prob_* and
 * strength as a refresh at that close gives them; the regime NORMAL, no TP2 or runner)
 * and the geometry exit (exits.h exit_geometry: the stop of 1, 1.5, 2 or 3 ATR14 with its
 * target at min_rr_ratio R that maximises the calibrated expected_r). Each is a bracket
 * resolved from the later bars only: -1 R at the stop, the target's R at the target (the
 * stop when one bar reaches both), marked at the close of the probe's last bar (the
 * geometry horizon) when neither was reached. A trial counts as one trade when the zones
 * gave an exit (target_select found a target): its two R and their difference.
 *
 * Interval: day blocks (the UTC day of the probe's entry), streaming. With block sums S_b
 * of the differences and counts N_b over B days, mean d = sum S / sum N and
 *   var(d) = B / (B - 1) x sum (S_b - d N_b)^2 / (sum N)^2
 * (the cluster-robust variance of a ratio mean), kept as sum S^2, sum S N and sum N^2, so
 * the record is O(1) in memory however long the symbol runs; 95 %: d +- 1.96 sqrt(var).
 *
 * Pure computation: no I/O, no clock, no globals; a fixed ring of trials, no allocation.
 */
#ifndef LIQ_EXIT_RECORD_H
#define LIQ_EXIT_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "bar.h"
#include "exits.h"
#include "geometry.h"
#include "params.h"
#include "zone.h"

enum { XR_ZONES = 0, XR_GEOMETRY = 1 };

/* One bracket: stop and target prices, the R it closed at. */
struct xr_leg {
    double stop, target, risk, r;
    uint8_t open, used;
};

/* One probe: a BUY ([0]) and a SELL ([1]), each with a zone and a geometry bracket. */
struct xr_trial {
    struct xr_leg leg[2][2];      /* [side BUY 0 / SELL 1][XR_ZONES / XR_GEOMETRY] */
    double entry;
    int32_t day;                  /* UTC day of the entry bar */
    uint32_t end;                 /* base bar number of its last bar */
    uint8_t live;
};

struct exit_book {
    struct xr_trial t[GEO_SLOTS];
    double hi_next, lo_next;      /* nearest level above / below over the live brackets */
    uint32_t bars, horizon, head, n_live, next_end;
    int32_t last_day;             /* UTC day of the last trial (INT32_MIN: none yet) */
    /* the record */
    uint32_t trades;
    double sum_zone, sum_geo, sum_diff;
    uint32_t days;                /* closed day blocks (the current one not included) */
    int32_t day;                  /* the current block's day */
    double day_s, day_n;          /* the current block's sums */
    double ss, sn, nn;            /* over closed blocks: sum S^2, sum S N, sum N^2 */
    double s_all, n_all;          /* over closed blocks: sum S, sum N */
};

/* An empty book whose trials last horizon base bars (>= 1). */
void exit_book_init(struct exit_book *x, uint32_t horizon);

/* One base bar b (the n-th pushed, counted from 1): resolves the live brackets it reaches
 * and ends the trials whose last bar it is. Call before starting a trial at its close. */
void exit_book_bar_slow(struct exit_book *x, const struct bar *b);
static inline void exit_book_bar(struct exit_book *x, const struct bar *b)
{
    /* most bars reach no bracket and end no trial */
    if (x->n_live == 0 ||
        (b->high < x->hi_next && b->low > x->lo_next && x->bars + 1 != x->next_end)) {
        x->bars++;
        return;
    }
    exit_book_bar_slow(x, b);
}

/* A trial's zones: the active ones whose band lies within this many ATR14 of the close
 * (the farthest zone stop is 3 ATR14 away; a zone target beyond it counts as none). */
#define EXIT_TRIAL_WINDOW 12.0
/* A trial at the first geometry probe at least this many UTC days after the last one:
 * what the record costs (docs/trading.md "Which exit"). */
#define EXIT_TRIAL_DAYS 4

/*
 * Starts a trial at the close of the last bar (b's day becomes last_day): zones[0 .. n) the
 * active zones within EXIT_TRIAL_WINDOW sorted by price with prob_* and strength as a
 * refresh now gives them, geo the geometry book, atr the ATR14 (> 0), pip the symbol's
 * pip, front the zone targets' front offset (target_front_for_stall). One side, BUY and SELL
 * alternating from trial to trial; both exits.
 */
void exit_book_start(struct exit_book *x, const struct bar *b, const struct zone *zones,
                     size_t n, const struct liq_params *p, double pip, double atr,
                     double front, const struct geo_book *geo);

/* The record so far (trades resolved both ways), with its day-block interval; fewer than 2
 * closed days: lo = -inf, hi = +inf (no interval). */
void exit_book_record(const struct exit_book *x, struct exit_record *out);

#endif
