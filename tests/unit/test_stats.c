/*
 * test_stats.c - zone statistics of DESIGN.md section 2 (zone_stats.h), one hand-made bar
 * sequence each: arming, touch, test, hold, sweep, break and role flip, timeout, both sides
 * (support approached from above, resistance from below), control levels and the tally,
 * calibrated probabilities and strength, merging with bands covering their levels,
 * deactivation.
 *
 * A zone at 1.1000 seeded with engine_add_zone (no source enabled, no ATR yet): band
 * 1.0999..1.1001 (zone_min_width_pips 1, pip 0.0001). warm() then pushes 14 bars 0.0010
 * high, so ATR14 = 0.0010 when the zone is first approached: the hold barrier (X = 1 ATR)
 * sits at 1.1011 from above / 1.0989 from below, the break barrier (Y = 1 ATR) at 1.0989
 * from above / 1.1011 from below, re-arming needs 0.5 ATR beyond the band.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "domain/engine.h"
#include "domain/zone_stats.h"
#include "domain/evidence.h"

#define T0 1704067200 /* 2024-01-01 00:00 UTC, a Monday */
#define M15 900

static struct engine *e;
static uint32_t zid;
static int64_t next_ts;
static struct zone_events ev;

static void make(int calibrated)
{
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = 0;
    if (!calibrated)
        p.zone_calib_half_life = 0.0;
    e = engine_new(&p, 0.0001, TF_M15);
    cr_assert_not_null(e);
    zid = engine_add_zone(e, SRC_ROUND, 1.1000, T0 - M15);
    next_ts = T0;
    ev = (struct zone_events){0};
}

static void setup(void)
{
    make(1);
}

/* The same fixture without the calibration in the large: the shrunk numbers alone. */
static void uncalibrated(void)
{
    engine_free(e);
    make(0);
}

static void teardown(void)
{
    engine_free(e);
    zone_events_free(&ev);
}

static void bar(double o, double h, double l, double c)
{
    struct bar b = {next_ts, o, h, l, c, 100};
    next_ts += M15;
    ev.n = 0;
    cr_assert_eq(engine_push(e, &b, &ev), PUSH_OK);
}

static int has_event(enum zone_event_kind k)
{
    for (size_t i = 0; i < ev.n; i++)
        if (ev.v[i].kind == k && ev.v[i].zone_id == zid)
            return 1;
    return 0;
}

static const struct zone *z(void)
{
    return engine_zone_get(e, zid);
}

TestSuite(stats, .init = setup, .fini = teardown);

/* n bars of range 0.0010 around mid (far from the zone: arms it from that side) */
static void warm(int n, double mid)
{
    for (int k = 0; k < n; k++)
        bar(mid, mid + 0.0005, mid - 0.0005, mid);
}

static double sum_probs(const struct zone *x)
{
    return (double)x->prob_hold + x->prob_sweep + x->prob_break + x->prob_timeout;
}

Test(stats, seeded_zone_has_min_width_band_and_pool_probabilities_that_sum_to_one)
{
    cr_assert_float_eq(z()->lo, 1.0999, 1e-12);
    cr_assert_float_eq(z()->hi, 1.1001, 1e-12);
    cr_assert_eq(engine_refresh(e), 0);
    /* nothing resolved yet: the pool's (0 + 1) / (0 + 4) for each of the four outcomes */
    cr_assert_float_eq(z()->prob_hold, 0.25f, 1e-6);
    cr_assert_float_eq(z()->prob_break, 0.25f, 1e-6);
    cr_assert_float_eq(sum_probs(z()), 1.0, 1e-6);
    cr_assert_float_eq(z()->strength, 1.0f, 1e-6, "the only active zone");
    cr_assert_eq(z()->trk.state, TS_DISARMED, "no ATR yet: not armed");
}

Test(stats, support_hold_needs_x_atr_on_the_approach_side_within_the_horizon)
{
    warm(14, 1.1050);
    cr_assert_eq(z()->trk.state, TS_ARMED);
    cr_assert_eq(z()->trk.approach, 1);
    bar(1.1010, 1.1012, 1.1000, 1.1005); /* touches: the test starts, no hold on this bar */
    cr_assert_eq(z()->touches, 1);
    cr_assert_eq(z()->tests, 1);
    cr_assert_eq(z()->holds, 0);
    cr_assert(has_event(ZEV_TOUCH) && has_event(ZEV_TEST) && !has_event(ZEV_HOLD));
    cr_assert_eq(z()->last_touch_ts, next_ts - M15);
    bar(1.1005, 1.1010, 1.1002, 1.1009); /* high 1.1010 < 1.1011: not yet */
    cr_assert_eq(z()->holds, 0);
    bar(1.1009, 1.1012, 1.1004, 1.1010); /* beyond 1.1011 = hi + 1 ATR: hold */
    cr_assert_eq(z()->holds, 1);
    cr_assert_eq(z()->sweeps + z()->breaks + z()->timeouts, 0);
    cr_assert(has_event(ZEV_HOLD));
    cr_assert_eq(z()->role, ROLE_SUPPORT);
}

Test(stats, resistance_hold_from_below_mirrors_the_support_case)
{
    warm(14, 1.0950);
    cr_assert_eq(z()->trk.approach, -1);
    bar(1.0990, 1.1000, 1.0990, 1.0995); /* touches from below */
    cr_assert_eq(z()->tests, 1);
    bar(1.0995, 1.0996, 1.0988, 1.0990); /* beyond 1.0989 = lo - 1 ATR: hold */
    cr_assert_eq(z()->holds, 1);
    cr_assert_eq(z()->role, ROLE_RESISTANCE, "made before any bar: the approach decides");
}

Test(stats, sweep_is_a_hold_that_crossed_the_far_edge)
{
    warm(14, 1.1050);
    bar(1.1008, 1.1008, 1.0997, 1.1004); /* wick below lo 1.0999, above the break barrier */
    cr_assert_eq(z()->sweeps + z()->holds, 0);
    bar(1.1004, 1.1012, 1.1003, 1.1011); /* hold barrier: a swept hold */
    cr_assert_eq(z()->sweeps, 1);
    cr_assert_eq(z()->holds, 0);
    cr_assert(has_event(ZEV_SWEEP));
}

Test(stats, support_break_flips_it_to_resistance)
{
    warm(14, 1.1050);
    bar(1.1010, 1.1010, 1.1000, 1.1005);
    bar(1.1005, 1.1006, 1.0988, 1.0990); /* beyond 1.0989 = lo - 1 ATR: break */
    cr_assert_eq(z()->breaks, 1);
    cr_assert_eq(z()->role, ROLE_RESISTANCE);
    cr_assert(has_event(ZEV_BREAK));
}

Test(stats, resistance_break_from_below_flips_it_to_support)
{
    warm(14, 1.0950);
    bar(1.0990, 1.1000, 1.0990, 1.0995);
    bar(1.0995, 1.1012, 1.0994, 1.1010); /* beyond 1.1011 = hi + 1 ATR: break upwards */
    cr_assert_eq(z()->breaks, 1);
    cr_assert_eq(z()->role, ROLE_SUPPORT);
}

Test(stats, touching_bar_can_break_and_a_bar_reaching_both_barriers_is_a_break)
{
    warm(14, 1.1050);
    bar(1.1040, 1.1040, 1.0985, 1.0990); /* touch and break on one bar */
    cr_assert_eq(z()->tests, 1);
    cr_assert_eq(z()->breaks, 1);
    /* second zone far below, approached from above, then one bar through both barriers */
    uint32_t id2 = engine_add_zone(e, SRC_ROUND, 1.0900, next_ts - M15);
    bar(1.0990, 1.0995, 1.0950, 1.0960); /* arms it (0.5 ATR above its band) */
    bar(1.0960, 1.0960, 1.0900, 1.0905); /* touches it */
    double a = engine_zone_get(e, id2)->trk.atr;
    bar(1.0905, 1.0901 + a + 0.0001, 1.0899 - a - 0.0001, 1.0900); /* both barriers */
    cr_assert_eq(engine_zone_get(e, id2)->breaks, 1);
    cr_assert_eq(engine_zone_get(e, id2)->holds, 0);
}

Test(stats, neither_barrier_within_the_horizon_is_a_timeout)
{
    warm(14, 1.1050);
    bar(1.1010, 1.1010, 1.1000, 1.1005);
    cr_assert_eq(engine_test_horizon(e), 8);
    for (int k = 0; k < 7; k++)
        bar(1.1005, 1.1008, 1.1000, 1.1004);
    cr_assert_eq(z()->timeouts, 0, "7 bars after the touch: still running");
    bar(1.1005, 1.1008, 1.1000, 1.1004);
    cr_assert_eq(z()->timeouts, 1);
    cr_assert(has_event(ZEV_TIMEOUT));
    cr_assert_eq(z()->tests, 1);
}

Test(stats, a_new_test_starts_only_after_price_left_by_the_rearm_distance)
{
    warm(14, 1.1050);
    bar(1.1010, 1.1010, 1.1000, 1.1005); /* test 1 */
    bar(1.1005, 1.1012, 1.1004, 1.1011); /* hold; low 1.1004 is within 0.5 ATR */
    bar(1.1011, 1.1011, 1.1000, 1.1003); /* touches again: no new test */
    cr_assert_eq(z()->tests, 1);
    cr_assert_eq(z()->touches, 2);
    bar(1.1003, 1.1040, 1.1003, 1.1035);
    bar(1.1035, 1.1040, 1.1030, 1.1035); /* low 1.1030: left, armed again */
    cr_assert_eq(z()->trk.state, TS_ARMED);
    bar(1.1035, 1.1035, 1.1000, 1.1010); /* test 2 */
    cr_assert_eq(z()->tests, 2);
}

Test(stats, control_level_is_followed_through_the_same_rules_and_tallied)
{
    const struct control *c = engine_control(e, zid, CTL_MIRROR);
    cr_assert_not_null(c);
    /* made before any bar: 4 half-widths below (the first id) */
    cr_assert_float_eq(c->price, 1.0996, 1e-12);
    cr_assert_float_eq(c->hi - c->lo, z()->hi - z()->lo, 1e-12);
    warm(14, 1.1050);
    bar(1.1010, 1.1010, 1.0996, 1.1005);  /* touches the control, sweeps the zone's lo */
    cr_assert_eq(c->tests, 1);
    bar(1.1005, 1.1012, 1.1004, 1.1011);  /* beyond both hold barriers (1.1011, 1.1007) */
    cr_assert_eq(c->trk.last, OUTCOME_HOLD, "the control never crossed its own far edge 1.0995");
    cr_assert_eq(z()->sweeps, 1, "the zone's far edge 1.0999 was crossed");
    const struct zone_tally *t = engine_tally(e);
    cr_assert_eq(t->zone[SRC_ROUND][OUTCOME_SWEEP], 1);
    cr_assert_eq(t->zone[EVR_ALL][OUTCOME_SWEEP], 1);
    cr_assert_eq(t->zone[EVR_NSRC_FIRST][OUTCOME_SWEEP], 1);
    cr_assert_eq(t->ctl[SRC_ROUND][OUTCOME_HOLD], 1);
    struct evidence_row r;
    evidence_row(t, EVR_ALL, &r);
    cr_assert_eq(r.tests, 1);
    cr_assert_eq(r.ctl_tests, 1);
    cr_assert(r.lift_lo <= r.lift && r.lift <= r.lift_hi);
}

Test(stats, control_of_a_zone_made_after_bars_mirrors_it_through_the_close)
{
    warm(14, 1.1050);
    uint32_t id = engine_add_zone(e, SRC_ROUND, 1.1100, next_ts);
    const struct control *c = engine_control(e, id, CTL_MIRROR);
    cr_assert_float_eq(c->price, 2 * 1.1050 - 1.1100, 1e-12);
}

Test(stats, probabilities_shrink_the_zone_toward_the_pool_and_partition)
{
    uncalibrated();
    warm(14, 1.1050);
    bar(1.1010, 1.1010, 1.1000, 1.1005);
    bar(1.1005, 1.1012, 1.1004, 1.1011); /* one hold */
    cr_assert_eq(engine_refresh(e), 0);
    /* pool: 1 hold of 1 -> pi_hold (1 + 1) / (1 + 4) = 0.4, the others 0.2; m = 100 */
    cr_assert_float_eq(z()->prob_hold, (1.0 + 100 * 0.4) / 101, 1e-6);
    cr_assert_float_eq(z()->prob_break, (100 * 0.2) / 101, 1e-6);
    cr_assert_float_eq(sum_probs(z()), 1.0, 1e-6);
    /* an untested zone gets the pool, not 0.5 */
    uint32_t id = engine_add_zone(e, SRC_ROUND, 1.1200, next_ts);
    cr_assert_eq(engine_refresh(e), 0);
    cr_assert_float_eq(engine_zone_get(e, id)->prob_hold, 0.4f, 1e-6);
    /* strength: share of active zones whose P(bounce) <= this one's */
    cr_assert_float_eq(engine_zone_get(e, id)->strength, 0.5f, 1e-6);
    cr_assert_float_eq(z()->strength, 1.0f, 1e-6);
}

Test(stats, the_pool_weighs_recent_tests_more_with_its_half_life)
{
    struct zone_tally t;
    tally_init(&t, 1.0); /* each resolution weighs twice the one before */
    tally_add(&t, 1u << SRC_ROUND, OUTCOME_HOLD, 0);
    tally_add(&t, 1u << SRC_ROUND, OUTCOME_BREAK, 0);
    tally_add(&t, 1u << SRC_ROUND, OUTCOME_HOLD, 1); /* a control: not in the pool */
    cr_assert_eq(t.zone[EVR_ALL][OUTCOME_HOLD], 1, "the evidence counts stay whole");
    double pi[OUTCOME_COUNT];
    zone_stats_prior(&t, 1u << SRC_ROUND, 0, pi);
    /* in units of the latest test: hold 0.5, break 1 -> (0.5 + 1) / (1.5 + 4) */
    cr_assert_float_eq(pi[OUTCOME_HOLD], 1.5 / 5.5, 1e-12);
    cr_assert_float_eq(pi[OUTCOME_BREAK], 2.0 / 5.5, 1e-12);
    /* no half-life: the plain counts */
    tally_init(&t, 0.0);
    tally_add(&t, 1u << SRC_ROUND, OUTCOME_HOLD, 0);
    tally_add(&t, 1u << SRC_ROUND, OUTCOME_BREAK, 0);
    zone_stats_prior(&t, 1u << SRC_ROUND, 0, pi);
    cr_assert_float_eq(pi[OUTCOME_HOLD], 2.0 / 6.0, 1e-12);
}

Test(stats, calibration_in_the_large_moves_prob_hold_by_the_recent_mean_residual)
{
    struct zone_tally t;
    tally_init(&t, 0.0);
    tally_calibration(&t, 1.0); /* each residual weighs twice the one before */
    struct zone q = {.sources = 1u << SRC_ROUND};
    double p[OUTCOME_COUNT], raw[OUTCOME_COUNT];
    zone_stats_probs(&q, &t, 0, 100.0, raw);
    cr_assert_float_eq(raw[OUTCOME_HOLD], 0.25, 1e-12, "nothing resolved: no correction");
    /* two resolved tests predicted 0.25: a break, then a hold -> residuals -0.25 and +0.75
     * weighing 1 and 2: bias (-0.25 * 0.5 + 0.75) / 1.5 */
    tally_add(&t, q.sources, OUTCOME_BREAK, 0);
    tally_calibrate(&t, 0.25, OUTCOME_BREAK);
    tally_add(&t, q.sources, OUTCOME_HOLD, 0);
    tally_calibrate(&t, 0.25, OUTCOME_HOLD);
    double bias = (-0.25 * 0.5 + 0.75) / 1.5;
    cr_assert_float_eq(tally_bias(&t), bias, 1e-12);
    tally_calibration(&t, 0.0); /* the uncorrected numbers on the same counts */
    zone_stats_probs(&q, &t, 0, 100.0, raw);
    tally_calibration(&t, 1.0);
    tally_calibrate(&t, 0.25, OUTCOME_BREAK);
    tally_calibrate(&t, 0.25, OUTCOME_HOLD);
    zone_stats_probs(&q, &t, 0, 100.0, p);
    cr_assert_float_eq(p[OUTCOME_HOLD], raw[OUTCOME_HOLD] + bias, 1e-12);
    double sum = 0;
    for (int o = OUTCOME_HOLD; o < OUTCOME_COUNT; o++)
        sum += p[o];
    cr_assert_float_eq(sum, 1.0, 1e-12, "still a partition");
    cr_assert_float_eq(p[OUTCOME_BREAK] / p[OUTCOME_SWEEP],
                       raw[OUTCOME_BREAK] / raw[OUTCOME_SWEEP], 1e-12, "rest keeps its mix");
    /* a run of holds at a zone whose prediction was low pushes the correction up */
    for (int k = 0; k < 20; k++)
        tally_calibrate(&t, 0.25, OUTCOME_HOLD);
    cr_assert_gt(tally_bias(&t), 0.74);
    zone_stats_probs(&q, &t, 0, 100.0, p);
    cr_assert_float_eq(p[OUTCOME_HOLD], 0.999, 1e-12, "clamped inside (0, 1)");
}

Test(stats, cached_significance_equals_the_evidence_rows)
{
    struct zone_tally t;
    tally_init(&t, 0.0);
    uint32_t both = (1u << SRC_ROUND) | (1u << SRC_HIGH_DAILY);
    for (int k = 0; k < 30; k++) {
        tally_add(&t, 1u << SRC_ROUND, OUTCOME_HOLD, 0);
        tally_add(&t, both, k % 2 ? OUTCOME_HOLD : OUTCOME_BREAK, 0);
        for (int c = 1; c <= 2; c++) { /* both placements of the controls */
            tally_add(&t, 1u << SRC_ROUND, OUTCOME_BREAK, c);
            tally_add(&t, both, k % 2 ? OUTCOME_BREAK : OUTCOME_HOLD, c);
        }
        cr_assert_eq(tally_significant(&t, SRC_ALL), evidence_significant_sources(&t));
    }
    cr_assert_eq(tally_significant(&t, SRC_ALL), 1u << SRC_ROUND, "only ROUND has a lift");
    cr_assert_eq(tally_significant(&t, 1u << SRC_HIGH_DAILY), 0u);
}

/* The cache skips recomputing a source while a bound on how far its margin can have moved
 * says the answer cannot differ: after every batch of tests, of every size, it must still
 * equal the full recomputation, also while lifts wander across the significance boundary. */
Test(stats, cached_significance_equals_the_evidence_rows_across_the_boundary)
{
    struct zone_tally t;
    tally_init(&t, 50.0);
    uint64_t x = 88172645463325252ull;
    unsigned flips = 0, checks = 0;
    uint32_t prev = 0;
    for (int k = 0; k < 60000; k++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        uint32_t sources = (uint32_t)(x >> 20) & SRC_ALL;
        /* a zone, or a control of either placement (1 mirrored, 2 same side) */
        int control = (x >> 40) % 4 == 0 ? 1 + (int)((x >> 45) & 1u) : 0;
        /* zones bounce more, then less, than controls: lifts cross zero and back */
        double p = control ? 0.5 : (k / 3000) % 2 ? 0.56 : 0.44;
        if (control == 2 && (k / 9000) % 2) /* the same side drifts too: both must agree */
            p = 0.53;
        double u = (double)((x >> 11) & 0xFFFFF) / 1048576.0;
        tally_add(&t, sources, u < p ? OUTCOME_HOLD : u < 0.9 ? OUTCOME_BREAK : OUTCOME_TIMEOUT,
                  control);
        if ((x >> 50) % 7 != 0)
            continue;
        uint32_t mask = (x >> 33) % 3 == 0 ? (uint32_t)(x >> 5) & SRC_ALL : SRC_ALL;
        uint32_t want = evidence_significant_sources(&t);
        cr_assert_eq(tally_significant(&t, mask), want & mask, "after %d tests", k + 1);
        if (mask == SRC_ALL) {
            flips += (unsigned)__builtin_popcount(want ^ prev);
            prev = want;
        }
        checks++;
    }
    cr_assert_gt(flips, 20u, "the walk crossed the boundary (%u flips in %u checks)", flips,
                 checks);
}

Test(stats, calibration_uses_only_resolved_tests_in_the_engine)
{
    warm(14, 1.1050);
    bar(1.1010, 1.1012, 1.1000, 1.1005); /* touches: the test starts, unresolved */
    cr_assert_eq(z()->tests, 1);
    cr_assert_float_eq(z()->p0, 0.25f, 1e-6, "p0: the uncorrected pool value at start");
    cr_assert_float_eq(engine_tally(e)->cal_den, 0.0, 1e-12, "running test: no residual");
    cr_assert_eq(engine_refresh(e), 0);
    cr_assert_float_eq(z()->prob_hold, 0.25f, 1e-6, "nothing resolved: no correction");
    bar(1.1005, 1.1010, 1.1002, 1.1009);
    bar(1.1009, 1.1012, 1.1004, 1.1010); /* hold */
    cr_assert_eq(z()->holds, 1);
    cr_assert_float_eq(engine_tally(e)->cal_den, 1.0, 1e-12, "resolved: one residual");
    cr_assert_float_eq(tally_bias(engine_tally(e)), 1.0 - 0.25, 1e-6);
    /* published = uncorrected (own 1 hold + 100 x pool (1+1)/(1+4)) / 101 = 0.406 + 0.75,
     * clamped to 0.999 */
    cr_assert_eq(engine_refresh(e), 0);
    cr_assert_float_eq(z()->prob_hold, 0.999f, 1e-6);
    cr_assert_float_eq(sum_probs(z()), 1.0, 1e-6);
}

Test(stats, merged_level_widens_the_band_to_cover_it_within_one_merge_span)
{
    /* merge_distance_pips 2: 1.1004 has band 1.1003..1.1005, gap 0.0002 to 1.1001 */
    uint32_t id = engine_add_zone(e, SRC_HIGH_DAILY, 1.1004, T0);
    cr_assert_eq(id, zid);
    cr_assert_eq(z()->sources, (1u << SRC_ROUND) | (1u << SRC_HIGH_DAILY));
    cr_assert_float_eq(z()->price, 1.1000, 1e-12);
    cr_assert(z()->lo <= 1.1004 && 1.1004 <= z()->hi, "the band covers the merged level");
    cr_assert_float_eq(z()->hi, 1.1004, 1e-12);
    /* the span limit 4 half-widths + 2 merge distances = 0.0008: 1.1009 would make 0.0010 */
    uint32_t far = engine_add_zone(e, SRC_HIGH_DAILY, 1.1009, T0);
    cr_assert_neq(far, zid);
    cr_assert_eq(engine_zone_count(e), 2);
    for (uint32_t k = 1; k <= engine_zone_max_id(e); k++) {
        const struct zone *x = engine_zone_get(e, k);
        cr_assert(x->lo <= x->price && x->price <= x->hi);
    }
}

Test(stats, zone_deactivates_after_zone_history_hours_without_touch)
{
    for (int k = 0; k < 96; k++)
        bar(1.1050, 1.1052, 1.1048, 1.1050); /* 24 h away from the zone */
    cr_assert_eq(z()->active, 1, "untouched for exactly 24h: still active");
    bar(1.1050, 1.1052, 1.1048, 1.1050);
    cr_assert_eq(z()->active, 0);
    cr_assert(has_event(ZEV_DEACTIVATED));
    cr_assert_eq(engine_zone_count(e), 1, "an inactive zone stays in the map");
    bar(1.1010, 1.1010, 1.0990, 1.1005); /* inactive zones take no statistics */
    cr_assert_eq(z()->touches, 0);
}

/* Zones whose deadlines fall in the same bar deactivate together in id order, whatever order
 * they were armed or re-armed in; a touched one lives on for its own window. */
Test(stats, zones_due_in_the_same_bar_deactivate_in_id_order)
{
    uint32_t first = 0, last = 0;
    for (int k = 40; k >= 1; k--) { /* descending prices: ids ascend, the index reverses */
        uint32_t id = engine_add_zone(e, SRC_ROUND, 1.2000 + 0.0010 * k, T0 - M15);
        first = first ? first : id;
        last = id;
    }
    cr_assert_eq(last - first, 39u);
    bar(1.1050, 1.1052, 1.1048, 1.1050);
    bar(1.2105, 1.2106, 1.2095, 1.2100); /* touches the zone at 1.2100 (k = 10) */
    for (int k = 0; k < 94; k++)
        bar(1.1050, 1.1052, 1.1048, 1.1050);
    cr_assert_eq(ev.n, 0, "untouched for exactly 24 h: nothing yet");
    bar(1.1050, 1.1052, 1.1048, 1.1050);
    uint32_t prev = 0;
    size_t n = 0;
    for (size_t i = 0; i < ev.n; i++) {
        if (ev.v[i].kind != ZEV_DEACTIVATED)
            continue;
        cr_assert_gt(ev.v[i].zone_id, prev, "ascending ids");
        prev = ev.v[i].zone_id;
        n++;
    }
    cr_assert_eq(n, 40, "the 39 untouched zones and the fixture's");
    uint32_t touched = first + 30; /* k = 10 */
    cr_assert_float_eq(engine_zone_get(e, touched)->price, 1.2100, 1e-12);
    cr_assert_eq(engine_zone_get(e, touched)->active, 1);
    bar(1.1050, 1.1052, 1.1048, 1.1050);
    cr_assert_eq(ev.n, 0);
    bar(1.1050, 1.1052, 1.1048, 1.1050);
    cr_assert_eq(ev.n, 1);
    cr_assert_eq(ev.v[0].kind, ZEV_DEACTIVATED);
    cr_assert_eq(ev.v[0].zone_id, touched, "two bars later: touched at the second bar");
}

Test(stats, deactivation_counts_market_time_not_weekends_or_nights)
{
    for (int k = 0; k < 60; k++)
        bar(1.1050, 1.1052, 1.1048, 1.1050); /* 15 h of bars */
    next_ts += 2 * 86400;                    /* a weekend without bars */
    for (int k = 0; k < 36; k++)
        bar(1.1050, 1.1052, 1.1048, 1.1050); /* 9 h more: 24 h of bars in all */
    cr_assert_eq(z()->active, 1, "63 h of wall clock, 24 h of market time: still active");
    bar(1.1050, 1.1052, 1.1048, 1.1050);
    cr_assert_eq(z()->active, 0);
}

Test(stats, touch_restarts_the_deactivation_clock)
{
    for (int k = 0; k < 90; k++)
        bar(1.1050, 1.1052, 1.1048, 1.1050);
    bar(1.1050, 1.1050, 1.1000, 1.1040); /* touch at bar 90 */
    for (int k = 0; k < 90; k++)
        bar(1.1050, 1.1052, 1.1048, 1.1050);
    cr_assert_eq(z()->active, 1);
}

Test(stats, new_level_revives_an_inactive_zone)
{
    for (int k = 0; k < 97; k++)
        bar(1.1050, 1.1052, 1.1048, 1.1050);
    cr_assert_eq(z()->active, 0);
    cr_assert_eq(engine_add_zone(e, SRC_PIVOT_M15, 1.1000, next_ts), zid);
    cr_assert_eq(z()->active, 1);
}
