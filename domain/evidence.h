/*
 * evidence.h - do a symbol's zones hold more often than random prices? The tally of test
 * outcomes at zones and at their hidden control levels, and the lift computed from it.
 *
 * The one idea (Osler 2000, "Support for Resistance"): a level matters only if price
 * bounces there more often than at a control level placed at the same distance from price
 * when the level was made. Every zone has two controls, one per placement: mirrored through
 * the close (the other side) and on the same side at a jittered distance (x U(0.75, 1.25),
 * deterministic from the zone id); both follow every change of the zone (its band widened
 * by a merge, its price moved, its revival and deactivation), so they differ from it only
 * in where they sit. Every resolved test of a zone is counted under each of the zone's
 * sources, under its number of sources (1, 2, 3, 4 or more) and under "all"; the test of
 * each control is counted the same way (under the zone's sources at that moment). The
 * engine keeps the tally (engine_tally()); the service serves it and the report computes
 * the same rows from the same engine, so their numbers are equal.
 *
 * Rates: "bounce" = hold or sweep, over resolved tests (timeouts included). Lift = bounce
 * rate at zones - at controls; its 95 % interval is the normal approximation of a
 * difference of two proportions, lift +- 1.96 sqrt(q1 (1 - q1) / n1 + q0 (1 - q0) / n0),
 * with q = (bounces + 1) / (tests + 2) in the standard error only (so a 0 % or 100 % rate
 * still gets a width and the interval always contains the point). Tests are not independent
 * (one price path tests many levels), so this interval is optimistic; the report adds a
 * day-block bootstrap. A lift is the level's only when it survives both placements: the
 * served lift is the one nearer 0, and a row is significant only when both intervals
 * exclude 0 on the same side.
 *
 * Pure computation: no I/O, no clock, no globals.
 */
#ifndef LIQ_EVIDENCE_H
#define LIQ_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>

#include "zone.h"

/* Rows: one per source (enum liq_source), then 1, 2, 3, 4+ sources, then all. */
enum {
    EVR_NSRC_FIRST = SRC_COUNT, /* + (number of sources - 1), 4 and more share the last */
    EVR_ALL = SRC_COUNT + 4,
    EVR_ROWS = SRC_COUNT + 5,
};

struct zone_tally {
    uint32_t zone[EVR_ROWS][OUTCOME_COUNT]; /* resolved tests at zones by outcome */
    uint32_t ctl[EVR_ROWS][OUTCOME_COUNT];  /* at their mirrored control levels */
    uint32_t side[EVR_ROWS][OUTCOME_COUNT]; /* at their same-side control levels */
    /* The same zone counts with recent tests weighted more (the pool of the probabilities,
     * zone_stats.h): each resolution weighs 1 / decay times the one before; pool[r][o] / w
     * is in units of "recent tests". decay 1: pool = zone exactly. */
    double pool[EVR_ROWS][OUTCOME_COUNT];
    double w, decay;
    /* Calibration in the large (zone_stats.h): sum of (held - p0) and of weights over the
     * resolved zone tests, each older one weighing cal_decay times less; cal_decay 0: off. */
    double cal_num, cal_den, cal_decay;
    uint32_t sig, sig_dirty; /* tally_significant's cache; sources whose rows changed since */
    /* per source: how far the margin of its cached significance may still move before the
     * answer could differ, and a bound on how far one more zone ([s][0]) or mirrored /
     * same-side control ([s][1] / [s][2]) test moves it (evidence.c); when the budget runs
     * out, sig_dirty says so */
    double sig_budget[SRC_COUNT], sig_cost[SRC_COUNT][3]; /* [s][control of tally_add] */
};

/* An empty tally whose pool forgets with this half-life in resolved tests (0: never). */
void tally_init(struct zone_tally *t, double half_life);

/* Counts one resolved test of a level with these sources: control 0 a zone, 1 its mirrored
 * control, 2 its same-side control. */
void tally_add(struct zone_tally *t, uint32_t sources, enum zone_outcome o, int control);

/* Turns the calibration in the large on: a test's residual weight halves every half_life
 * later resolved zone tests (0: off, no correction). */
void tally_calibration(struct zone_tally *t, double half_life);

/* Adds a resolved zone test whose uncorrected prob_hold at its start was p0 (O(1); inline:
 * one per resolved zone test). */
static inline void tally_calibrate(struct zone_tally *t, double p0, enum zone_outcome o)
{
    if (!(t->cal_decay > 0.0))
        return;
    t->cal_num = t->cal_num * t->cal_decay + ((o == OUTCOME_HOLD ? 1.0 : 0.0) - p0);
    t->cal_den = t->cal_den * t->cal_decay + 1.0;
}

/* = evidence_significant_sources(t) & sources, recomputing only those of the sources whose
 * rows changed enough since that the answer could differ (tally_add marks them): O(number of
 * sources). */
uint32_t tally_significant_update(struct zone_tally *t, uint32_t sources);
static inline uint32_t tally_significant(struct zone_tally *t, uint32_t sources)
{
    /* most calls: none of the sources is marked, the cached answer stands (no call) */
    if ((t->sig_dirty & sources) == 0)
        return t->sig & sources;
    return tally_significant_update(t, sources);
}

/* The correction added to the uncorrected prob_hold: mean residual (held - p0) of the recent
 * resolved tests, sum w (y - p0) / sum w; 0 when off or before any resolved test. */
double tally_bias(const struct zone_tally *t);

/* The two placements of a zone's control, as evidence_row reports them. */
enum { EV_MIRROR = 0, EV_SIDE = 1 };

struct evidence_row {
    int row;                 /* EVR_* / enum liq_source */
    uint32_t tests;          /* resolved tests at zones */
    uint32_t bounces;        /* of which hold or sweep */
    uint32_t ctl_tests, ctl_bounces;   /* at the mirrored controls */
    uint32_t side_tests, side_bounces; /* at the same-side controls */
    uint32_t outcomes[OUTCOME_COUNT], ctl_outcomes[OUTCOME_COUNT]; /* [OUTCOME_NONE] 0 */
    uint32_t side_outcomes[OUTCOME_COUNT];
    double rate, ctl_rate, side_rate; /* bounces / tests (0 when none) */
    double mirror_lift, mirror_lo, mirror_hi; /* rate - ctl_rate and its 95 % interval */
    double side_lift, side_lo, side_hi;       /* rate - side_rate and its 95 % interval */
    int placement;           /* EV_MIRROR or EV_SIDE: the lift below (the one nearer 0) */
    double lift, lift_lo, lift_hi; /* the lift that survives both placements, its interval */
    int significant;         /* both intervals exclude 0 on the same side */
};

/* Row r of the tally. Example: zones 60 of 100 bounced, controls 50 of 100 -> lift 0.10,
 * interval 0.10 +- 1.96 sqrt(q1 (1 - q1) / 100 + q0 (1 - q0) / 100) with q1 = 61/102,
 * q0 = 51/102 -> [-0.037, 0.237]. With no test on either side: lift 0, interval [-1, 1].
 * The same for each placement; lift, lift_lo, lift_hi are the placement's whose lift is
 * nearer 0 (the mirrored one on a tie). */
void evidence_row(const struct zone_tally *t, int row, struct evidence_row *out);

/* "VWAP_DAILY" .. for sources, "1_source", "2_sources", "3_sources", "4+_sources", "all". */
const char *evidence_row_name(int row);

/* The sources whose lift intervals against both placements exclude 0 on the same side:
 * the ones a zone's calibrated probabilities may lean on instead of the symbol's pool
 * (zone_stats.h). */
uint32_t evidence_significant_sources(const struct zone_tally *t);

#endif
