/*
 * test_controls.c - the two hidden controls of a zone (evidence.h, issue 20 item 6): where
 * each is placed (mirrored through the close; same side at the zone's distance times a
 * deterministic jitter), that every change of the zone reaches both (a merge widening its
 * band, a live VWAP moving it, deactivation, revival), and that a lift counts only when it
 * survives both placements.
 *
 * Fixture: an engine with no source (zones seeded with engine_add_zone), pip 0.0001; 14 bars
 * 0.0010 high around 1.1050 make ATR14 = 0.0010, so a zone's half-width is 1 pip (hw 0.0001)
 * and re-arming needs 0.0005 beyond a band. The zone at 1.0950 is made after those bars:
 * 0.0100 below the close 1.1050.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "domain/engine.h"
#include "domain/evidence.h"
#include "domain/zone_stats.h"
#include "tests/support/by_hand.h"

#define T0 1704067200 /* 2024-01-01 00:00 UTC, a Monday */
#define M15 900
#define HW 0.0001

static struct engine *e;
static uint32_t zid;
static int64_t next_ts;

static void bar(double o, double h, double l, double c)
{
    by_hand_bar(e, &next_ts, o, h, l, c);
}

static void warm(int n, double mid)
{
    by_hand_warm(e, &next_ts, n, mid);
}

static void setup(void)
{
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = 0;
    e = engine_new(&p, 0.0001, TF_M15);
    cr_assert_not_null(e);
    next_ts = T0;
    warm(14, 1.1050);
    zid = engine_add_zone(e, SRC_ROUND, 1.0950, next_ts);
    cr_assert_neq(zid, 0);
}

static void teardown(void)
{
    engine_free(e);
}

static const struct control *ctl(enum ctl_kind k)
{
    return engine_control(e, zid, k);
}

/* Where the same-side control of a zone at distance a below/above the close must sit
 * (the rule of evidence.h written out again): a * u, at least 2 half-widths from the zone. */
static double side_distance(double a, uint32_t id)
{
    double u = engine_control_jitter(id), delta = a * (u - 1.0);
    if (fabs(delta) < 2 * HW)
        delta = u >= 1.0 || a < 2 * HW ? 2 * HW : -2 * HW;
    return a + delta;
}

TestSuite(controls, .init = setup, .fini = teardown);

Test(controls, mirrored_control_sits_at_the_zones_distance_on_the_other_side)
{
    cr_assert_float_eq(ctl(CTL_MIRROR)->price, 1.1150, 1e-12);
    cr_assert_float_eq(ctl(CTL_MIRROR)->hi - ctl(CTL_MIRROR)->lo, 2 * HW, 1e-12);
}

Test(controls, same_side_control_sits_on_the_zones_side_at_a_jittered_matched_distance)
{
    const struct control *s = ctl(CTL_SIDE);
    cr_assert_lt(s->price, 1.1050, "the zone is below the close: so is its control");
    double u = engine_control_jitter(zid);
    cr_assert(u >= 0.75 && u < 1.25, "%g", u);
    cr_assert_float_eq(1.1050 - s->price, side_distance(0.0100, zid), 1e-12);
    cr_assert_geq(fabs(s->price - 1.0950), 2 * HW - 1e-12, "never on the zone");
    cr_assert_float_eq(s->hi - s->lo, 2 * HW, 1e-12);
    /* above the close: above, the same rule */
    uint32_t up = engine_add_zone(e, SRC_ROUND, 1.1200, next_ts);
    const struct control *su = engine_control(e, up, CTL_SIDE);
    cr_assert_float_eq(su->price - 1.1050, side_distance(0.0150, up), 1e-12);
    /* a level at the close: two half-widths from the zone, away from the close */
    uint32_t at = engine_add_zone(e, SRC_ROUND, 1.1051, next_ts);
    cr_assert_float_eq(engine_control(e, at, CTL_SIDE)->price, 1.1053, 1e-12);
}

Test(controls, jitter_is_deterministic_and_matched_on_average)
{
    double sum = 0, lo = 2, hi = 0;
    for (uint32_t id = 1; id <= 20000; id++) {
        double u = engine_control_jitter(id);
        cr_assert(u == engine_control_jitter(id), "a pure function of the id");
        sum += u;
        lo = fmin(lo, u);
        hi = fmax(hi, u);
    }
    cr_assert(lo >= 0.75 && hi < 1.25, "[%g, %g]", lo, hi);
    cr_assert_float_eq(sum / 20000, 1.0, 0.005, "matched distance: mean factor %g", sum / 20000);
    cr_assert_lt(lo, 0.76);
    cr_assert_gt(hi, 1.24);
}

Test(controls, a_merge_widening_the_zone_widens_both_controls)
{
    /* 1.0953 (band 1.0952..1.0954) lies within merge_distance_pips 2 of 1.0951: the zone
     * widens upwards (towards the close) to 1.0953 */
    cr_assert_eq(engine_add_zone(e, SRC_HIGH_DAILY, 1.0953, next_ts), zid);
    const struct zone *z = engine_zone_get(e, zid);
    cr_assert_float_eq(z->hi, 1.0953, 1e-12);
    const struct control *m = ctl(CTL_MIRROR), *s = ctl(CTL_SIDE);
    /* same side: the same edges; mirrored: the edge nearer the close, which is its lower */
    cr_assert_float_eq(s->hi - s->price, 0.0003, 1e-12);
    cr_assert_float_eq(s->price - s->lo, 0.0001, 1e-12);
    cr_assert_float_eq(m->price - m->lo, 0.0003, 1e-12);
    cr_assert_float_eq(m->hi - m->price, 0.0001, 1e-12);
    /* the widened part starts tests: the control, armed from below, is reached at
     * 1.11475, inside its new band but below its old lower edge 1.1149 */
    cr_assert_eq(m->trk.state, TS_ARMED);
    bar(1.1050, 1.11475, 1.1050, 1.1100);
    cr_assert_eq(m->tests, 1, "the control's test starts at its widened edge");
}

Test(controls, a_moving_zone_moves_both_controls)
{
    engine_free(e);
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = 1u << SRC_VWAP_DAILY;
    e = engine_new(&p, 0.0001, TF_M15);
    next_ts = T0;
    warm(3, 1.1050);
    zid = 1; /* the day's live VWAP zone */
    const struct zone *z = engine_zone_get(e, zid);
    cr_assert_not_null(z);
    double zp = z->price, mp = ctl(CTL_MIRROR)->price, sp = ctl(CTL_SIDE)->price;
    for (int k = 0; k < 6; k++) {
        bar(1.1050 + 0.0004 * k, 1.1055 + 0.0004 * k, 1.1045 + 0.0004 * k, 1.1050 + 0.0004 * k);
        double shift = z->price - zp;
        cr_assert_float_eq(ctl(CTL_MIRROR)->price - mp, shift, 1e-12, "bar %d", k);
        cr_assert_float_eq(ctl(CTL_SIDE)->price - sp, shift, 1e-12, "bar %d", k);
        cr_assert_float_eq(ctl(CTL_SIDE)->hi - ctl(CTL_SIDE)->lo, z->hi - z->lo, 1e-12);
    }
    cr_assert_gt(z->price - zp, 0.0004, "the VWAP moved");
    cr_assert_eq(ctl(CTL_MIRROR)->where, CTL_LIVE, "a live zone's controls: in the live list");
    /* the day ends: the frozen VWAP stops; its controls join the price index where they are */
    while (next_ts < T0 + 86400 + 2 * M15)
        bar(1.1060, 1.1065, 1.1055, 1.1060);
    cr_assert_eq(z->flags & ZONE_F_LIVE, 0);
    if (z->active && z->merged_into == 0) {
        cr_assert_eq(ctl(CTL_MIRROR)->where, CTL_INDEXED);
        cr_assert_eq(ctl(CTL_SIDE)->where, CTL_INDEXED);
    } else {
        cr_assert_eq(ctl(CTL_SIDE)->where, CTL_OUT, "merged away: its controls too");
    }
}

Test(controls, a_deactivated_zone_stops_both_controls_and_a_revival_restarts_them)
{
    for (int k = 0; k < 97; k++)
        bar(1.1050, 1.1052, 1.1048, 1.1050); /* 24 h without a touch */
    cr_assert_eq(engine_zone_get(e, zid)->active, 0);
    cr_assert_eq(ctl(CTL_MIRROR)->where, CTL_OUT, "out of the per-bar index");
    cr_assert_eq(ctl(CTL_SIDE)->where, CTL_OUT);
    bar(1.1050, 1.1150, 1.1050, 1.1100); /* reaches the mirrored control */
    bar(1.1050, 1.1050, 1.0900, 1.1000); /* through the zone and its same-side control */
    cr_assert_eq(ctl(CTL_MIRROR)->tests, 0, "no test at a control of an inactive zone");
    cr_assert_eq(ctl(CTL_SIDE)->tests, 0);
    warm(2, 1.1050);
    /* a new level at the zone revives it: its cycle and both controls' restart */
    cr_assert_eq(engine_add_zone(e, SRC_PIVOT_M15, 1.0950, next_ts), zid);
    cr_assert_eq(engine_zone_get(e, zid)->active, 1);
    cr_assert_eq(ctl(CTL_MIRROR)->where, CTL_INDEXED, "back in the index");
    cr_assert_eq(ctl(CTL_MIRROR)->trk.state, TS_ARMED);
    cr_assert_eq(ctl(CTL_SIDE)->trk.state, TS_ARMED);
    bar(1.1050, 1.1150, 1.1050, 1.1100);
    cr_assert_eq(ctl(CTL_MIRROR)->tests, 1);
    warm(2, 1.1050);
    bar(1.1050, 1.1050, 1.0900, 1.1000);
    cr_assert_eq(ctl(CTL_SIDE)->tests, 1);
    cr_assert_eq(engine_zone_get(e, zid)->tests, 1);
}

/* n tests of which k bounced, at a zone (control 0) or a control (1, 2) of ROUND */
static void add(struct zone_tally *t, int control, int n, int k)
{
    for (int i = 0; i < n; i++)
        tally_add(t, 1u << SRC_ROUND, i < k ? OUTCOME_HOLD : OUTCOME_BREAK, control);
}

Test(controls, a_lift_counts_only_when_it_survives_both_placements)
{
    struct zone_tally t;
    tally_init(&t, 0);
    add(&t, 0, 1000, 600);
    add(&t, 1, 1000, 500); /* +0.10 against the mirrored controls */
    add(&t, 2, 1000, 590); /* +0.01 against the same-side ones */
    struct evidence_row r;
    evidence_row(&t, SRC_ROUND, &r);
    cr_assert(r.mirror_lo > 0, "significant against the mirrored placement alone");
    cr_assert_eq(r.placement, EV_SIDE);
    cr_assert_float_eq(r.lift, 0.01, 1e-12);
    cr_assert_float_eq(r.lift_lo, r.side_lo, 1e-12);
    cr_assert_eq(r.significant, 0);
    cr_assert_eq(evidence_significant_sources(&t) & (1u << SRC_ROUND), 0,
                 "the probabilities do not lean on it");
    add(&t, 2, 1000, 400); /* the same side now 990 of 2000 */
    evidence_row(&t, SRC_ROUND, &r);
    cr_assert_eq(r.placement, EV_MIRROR);
    cr_assert_eq(r.significant, 1);
    cr_assert_neq(evidence_significant_sources(&t) & (1u << SRC_ROUND), 0);
}
