/*
 * Every directional trading rule on both sides (issue 16, item 2). docs/trading.md states
 * its rules for a BUY and says a SELL is the mirror image ("side = -1"). This test makes
 * that checkable for every rule at once: thousands of random zone maps and random price
 * walks are run as a BUY, and the same scenario reflected about the entry (every zone band,
 * every price, high <-> low) is run as a SELL. The SELL must make the mirrored decision at
 * every step: the setup's stop, targets, legs, risk and size; then, per trail update, the
 * events (type, fraction, zone, mirrored price), the stop, the remaining fraction, the
 * status, what the trade recorded at each zone (for the learner), and the realised R.
 * Each side is also checked on its own: the stop never moves against the trade (BUY: never
 * down, SELL: never up), the open fraction equals 1 - what the events closed, TP2 lies
 * beyond TP1, the stop lies on the stop side.
 *
 * Ties would make a mirror ambiguous (2E - p is not exact in binary), so every zone centre sits
 * on a whole pip, every walked price 0.37 pip off it, and the two thresholds that compare a
 * computed distance (min_rr_ratio, the "too far" limit from fallback_stop_pips) are set off
 * the grid.
 * Stops and targets are put on the tick (pip / 10): a BUY's rounded down, a SELL's up
 * (side_round_to_tick). Reflected about an entry on the tick that is still an exact mirror,
 * ceil(2E - p) = 2E - floor(p) in ticks, so the pair check keeps TOL 1e-9 and is not
 * loosened. For the rounding to do something here every zone edge lies EDGE_OFF (0.4 tick)
 * outside the pip grid (a whole-pip band would give stops and targets already on the tick),
 * and every stop and target must be a whole number of ticks (1e-9 relative). Counters at the end make sure the walks reached every rule (runner, TP2, stops
 * moved on both sides), so the test cannot pass by never getting there.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "domain/params.h"
#include "domain/setup.h"
#include "domain/trade.h"

#define PIP 0.0001
#define ENTRY 1.1000
#define MAXZ 14
#define TOL 1e-9
#define TICK (PIP / 10)
#define EDGE_OFF (0.4 * TICK) /* zone bands widened by this: edges off the tick grid */
#define SCENARIOS 4000
#define STEPS 160

/* a zone as whole-pip offsets from the entry: band [k - w, k + w] */
struct zspec {
    int k, w;
    float strength;
    uint32_t tests, holds, breaks;
};

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static int rng_int(uint64_t *s, int lo, int hi) /* lo..hi inclusive */
{
    return lo + (int)((rng_next(s) >> 33) % (uint64_t)(hi - lo + 1));
}

static double at(double offset_pips) /* a price offset_pips from the entry */
{
    return ENTRY + offset_pips * PIP;
}

static struct liq_params params(void)
{
    struct liq_params p;
    params_defaults(&p);
    p.exit_method = EXIT_ZONES; /* the zone exits these tests are about */
    p.min_expected_r = -1e9;
    p.min_rr_ratio = 1.4837;        /* off the grid of RR values whole pips make */
    p.fallback_stop_pips = 29.3;    /* the 3x "too far" limit 87.9 is off the pip grid */
    p.min_liquidity_strength = 0.5;
    return p;
}

/* n zones centred in -140..140 pips (not 0), no two sharing a centre or an edge, sorted by
 * k ascending */
static size_t random_specs(uint64_t *s, struct zspec *z)
{
    static const float strengths[] = {0.25f, 0.45f, 0.55f, 0.7f, 0.8f, 0.95f};
    size_t n = (size_t)rng_int(s, 2, MAXZ);
    size_t made = 0;
    while (made < n) {
        int k = rng_int(s, -140, 140), w = rng_int(s, 1, 8);
        int dup = k == 0; /* centred on the entry: "from above" is a tie (>=) there */
        for (size_t i = 0; i < made; i++) /* equal edges: two zones give the same stop */
            dup |= z[i].k == k || z[i].k - z[i].w == k - w || z[i].k + z[i].w == k + w;
        if (dup)
            continue;
        z[made++] = (struct zspec){
            .k = k, .w = w, .strength = strengths[rng_int(s, 0, 5)],
            .tests = (uint32_t)rng_int(s, 0, 13), .holds = (uint32_t)rng_int(s, 0, 3),
            .breaks = (uint32_t)rng_int(s, 0, 3)};
    }
    for (size_t i = 1; i < n; i++) /* insertion sort by k */
        for (size_t j = i; j > 0 && z[j - 1].k > z[j].k; j--) {
            struct zspec t = z[j];
            z[j] = z[j - 1];
            z[j - 1] = t;
        }
    return n;
}

/* The zone map of the specs for side +1 (as given) or -1 (reflected about the entry),
 * sorted by price ascending either way. */
static void build_map(const struct zspec *z, size_t n, int side, struct zone *out)
{
    for (size_t i = 0; i < n; i++) {
        const struct zspec *q = side > 0 ? &z[i] : &z[n - 1 - i];
        int k = side * q->k;
        out[i] = (struct zone){
            .id = (uint32_t)(100 + (side > 0 ? i : n - 1 - i)), .price = at(k),
            .lo = at(k - q->w) - EDGE_OFF, .hi = at(k + q->w) + EDGE_OFF, .active = 1, .strength = q->strength,
            .tests = q->tests, .holds = q->holds, .breaks = q->breaks,
            .role = (int8_t)(k < 0 ? 1 : -1)};
    }
}

static void on_tick(double price, const char *what, int scen)
{
    double k = price / TICK;
    cr_assert(fabs(k - round(k)) <= 1e-9 * k, "scenario %d: %s %.17g is not on the tick", scen,
              what, price);
}

static void mirrored_price(double buy, double sell, const char *what, int scen)
{
    cr_assert_float_eq(sell - ENTRY, ENTRY - buy, TOL, "scenario %d: %s BUY %.6f SELL %.6f",
                       scen, what, buy, sell);
}

/* a stop or target: mirrored, and both on the tick */
static void mirrored_tick(double buy, double sell, const char *what, int scen)
{
    on_tick(buy, what, scen);
    on_tick(sell, what, scen);
    mirrored_price(buy, sell, what, scen);
}

static void check_setup_pair(const struct setup_result *b, const struct setup_result *s,
                             int scen)
{
    cr_assert_eq(b->status, s->status, "scenario %d: BUY %d SELL %d (%s | %s)", scen,
                 b->status, s->status, b->reasons[0], s->reasons[0]);
    mirrored_tick(b->stop.price, s->stop.price, "stop", scen);
    cr_assert_eq(b->stop.zone_id, s->stop.zone_id, "scenario %d: stop zone", scen);
    cr_assert_eq(b->stop.fallback, s->stop.fallback);
    cr_assert_eq(b->stop.qualifying, s->stop.qualifying, "scenario %d", scen);
    cr_assert_eq(b->targets.tp1.present, s->targets.tp1.present, "scenario %d: tp1", scen);
    if (b->status != SETUP_OK)
        return;
    cr_assert_lt(b->stop.price, ENTRY, "scenario %d: a BUY stop below entry", scen);
    cr_assert_gt(s->stop.price, ENTRY, "scenario %d: a SELL stop above entry", scen);
    mirrored_tick(b->targets.tp1.price, s->targets.tp1.price, "tp1", scen);
    cr_assert_eq(b->targets.tp1.zone_id, s->targets.tp1.zone_id);
    cr_assert_eq(b->targets.tp2.present, s->targets.tp2.present, "scenario %d: tp2", scen);
    if (b->targets.tp2.present) {
        mirrored_tick(b->targets.tp2.price, s->targets.tp2.price, "tp2", scen);
        cr_assert_eq(b->targets.tp2.zone_id, s->targets.tp2.zone_id);
        cr_assert_gt(b->targets.tp2.price, b->targets.tp1.price, "BUY: TP2 beyond TP1");
        cr_assert_lt(s->targets.tp2.price, s->targets.tp1.price, "SELL: TP2 beyond TP1");
    }
    cr_assert_eq(b->targets.runner, s->targets.runner, "scenario %d: runner", scen);
    cr_assert_eq(b->targets.qualifying, s->targets.qualifying);
    double sum_b = 0, sum_s = 0;
    for (int l = 0; l < LEG_COUNT; l++) {
        cr_assert_float_eq(b->legs[l], s->legs[l], 1e-12, "scenario %d: leg %d", scen, l);
        sum_b += b->legs[l];
        sum_s += s->legs[l];
    }
    cr_assert_float_eq(sum_b, 1.0, 1e-12);
    cr_assert_float_eq(sum_s, 1.0, 1e-12);
    cr_assert_float_eq(b->risk.multiplier, s->risk.multiplier, 1e-12, "scenario %d", scen);
    cr_assert_float_eq(b->size.total_qty, s->size.total_qty, 1e-6, "scenario %d: size", scen);
}

static void check_step_pair(const struct trade *b, const struct trade *s,
                            const struct trail_events *eb, const struct trail_events *es,
                            int scen, int step)
{
    cr_assert_eq(eb->n, es->n, "scenario %d step %d: %zu BUY events, %zu SELL", scen, step,
                 eb->n, es->n);
    for (size_t i = 0; i < eb->n; i++) {
        cr_assert_eq(eb->ev[i].type, es->ev[i].type, "scenario %d step %d event %zu", scen,
                     step, i);
        cr_assert_float_eq(eb->ev[i].fraction, es->ev[i].fraction, 1e-12);
        cr_assert_eq(eb->ev[i].zone_id, es->ev[i].zone_id,
                     "scenario %d step %d: %s zone %u at %.6f (BUY), zone %u at %.6f (SELL)",
                     scen, step, trail_event_name(eb->ev[i].type), eb->ev[i].zone_id,
                     eb->ev[i].price, es->ev[i].zone_id, es->ev[i].price);
        mirrored_price(eb->ev[i].price, es->ev[i].price, trail_event_name(eb->ev[i].type),
                       scen);
    }
    cr_assert_eq(b->status, s->status);
    mirrored_tick(b->stop, s->stop, "trailed stop", scen);
    cr_assert_eq(b->stop_zone_id, s->stop_zone_id);
    cr_assert_float_eq(b->remaining, s->remaining, 1e-12);
    cr_assert_eq(b->runner_active, s->runner_active, "scenario %d step %d", scen, step);
    cr_assert_float_eq(b->realised_r, s->realised_r, 1e-9, "scenario %d step %d", scen, step);
    cr_assert_eq(b->n_zones, s->n_zones, "scenario %d step %d: zones seen", scen, step);
    for (size_t i = 0; i < b->n_zones; i++) {
        const struct trade_zone *zb = &b->zones[i];
        const struct trade_zone *zs = NULL;
        for (size_t j = 0; j < s->n_zones; j++)
            if (s->zones[j].zone_id == zb->zone_id)
                zs = &s->zones[j];
        cr_assert_not_null(zs, "scenario %d: zone %u seen by BUY only", scen, zb->zone_id);
        cr_assert_eq(zb->approach, -zs->approach, "zone %u approach", zb->zone_id);
        cr_assert_eq(zb->touched, zs->touched, "scenario %d zone %u touched", scen,
                     zb->zone_id);
        cr_assert_eq(zb->pierced, zs->pierced, "scenario %d zone %u pierced", scen,
                     zb->zone_id);
        cr_assert_eq(zb->closed_beyond, zs->closed_beyond, "zone %u closed beyond",
                     zb->zone_id);
        cr_assert_eq(zb->closed_back, zs->closed_back, "zone %u closed back", zb->zone_id);
        cr_assert_eq(zb->roles, zs->roles);
    }
}

/* the rules each side must keep on its own */
static void check_one_side(const struct trade *t, double prev_stop,
                           const struct trail_events *ev, int scen, int step)
{
    cr_assert_geq((t->stop - prev_stop) * t->side, -1e-12,
                  "scenario %d step %d: %s stop moved against the trade %.6f -> %.6f", scen,
                  step, t->side > 0 ? "BUY" : "SELL", prev_stop, t->stop);
    cr_assert_float_eq(t->remaining, trade_open_fraction(t), 1e-12);
    double closed = 0;
    for (size_t i = 0; i < ev->n; i++)
        closed += ev->ev[i].fraction;
    cr_assert_leq(closed, 1.0 + 1e-12);
}

struct reached {
    long opened, refused, stop_moved, runner, tp2, stop_hit;
};

static void count(struct reached *r, const struct trail_events *eb)
{
    for (size_t i = 0; i < eb->n; i++) {
        r->stop_moved += eb->ev[i].type == TEV_STOP_MOVED;
        r->runner += eb->ev[i].type == TEV_RUNNER_ACTIVATED;
        r->tp2 += eb->ev[i].type == TEV_TP2_HIT;
        r->stop_hit += eb->ev[i].type == TEV_STOP_HIT;
    }
}

static void walk(uint64_t *s, struct trade *tb, struct trade *ts, const struct zone *mb,
                 const struct zone *ms, size_t n, int scen, struct reached *r)
{
    struct liq_params p = params();
    int drift = rng_int(s, -2, 6);
    int pos = 0; /* the walk in whole pips from the entry; prices sit 0.37 pip off it */
    for (int step = 0; step < STEPS && tb->status == TRADE_OPEN; step++) {
        pos += rng_int(s, -14, 14) + drift;
        int up = rng_int(s, 0, 12), down = rng_int(s, 0, 12);
        double off = pos + 0.37;
        double sb = tb->stop, ss = ts->stop;
        struct trail_events eb, es;
        int64_t t = 5000 + step;
        enum trail_status rb = trade_trail(tb, mb, n, &p, PIP, at(off), at(off + up),
                                           at(off - down), t, t, &eb);
        enum trail_status rs = trade_trail(ts, ms, n, &p, PIP, at(-off), at(-off + down),
                                           at(-off - up), t, t, &es);
        cr_assert_eq(rb, TRAIL_OK, "scenario %d step %d: %s", scen, step, eb.note);
        cr_assert_eq(rs, TRAIL_OK, "scenario %d step %d: %s", scen, step, es.note);
        check_one_side(tb, sb, &eb, scen, step);
        check_one_side(ts, ss, &es, scen, step);
        check_step_pair(tb, ts, &eb, &es, scen, step);
        count(r, &eb);
    }
}

Test(mirror, a_sell_decides_what_the_mirrored_buy_decides, .timeout = 120)
{
    uint64_t seed = 0x5eed16;
    struct reached r = {0};
    struct liq_params p = params();
    for (int scen = 0; scen < SCENARIOS; scen++) {
        struct zspec z[MAXZ];
        size_t n = random_specs(&seed, z);
        struct zone mb[MAXZ], ms[MAXZ];
        build_map(z, n, 1, mb);
        build_map(z, n, -1, ms);
        double trend = rng_int(&seed, 0, 1) ? 0.8 : 0.6;
        enum regime_mode regime = rng_int(&seed, 0, 2) ? REGIME_NORMAL : REGIME_TRANSITION;
        double ts_ = rng_int(&seed, 0, 4) * 0.25;
        struct setup_request qb = {.side = SIDE_BUY, .entry = ENTRY, .trend_score = trend,
                                   .regime = regime, .transition_strength = ts_,
                                   .has_risk_amount = 1, .risk_amount = 500};
        struct setup_request qs = qb;
        qs.side = SIDE_SELL;
        struct setup_result sb, ss;
        setup_build(&qb, mb, n, &p, PIP, NULL, &sb);
        setup_build(&qs, ms, n, &p, PIP, NULL, &ss);
        check_setup_pair(&sb, &ss, scen);
        cr_assert_float_eq(sb.p_tp1_first, ss.p_tp1_first, 1e-9, "scenario %d", scen);
        cr_assert_float_eq(sb.expected_r, ss.expected_r, 1e-9, "scenario %d", scen);
        if (sb.status != SETUP_OK) {
            r.refused++;
            continue;
        }
        r.opened++;
        struct trade tb, tsell;
        cr_assert_eq(trade_open(&tb, 1, &sb, 4000), 0);
        cr_assert_eq(trade_open(&tsell, 1, &ss, 4000), 0);
        walk(&seed, &tb, &tsell, mb, ms, n, scen, &r);
    }
    cr_log_info("mirror: %ld opened, %ld refused, %ld stop moves, %ld runners, %ld tp2, "
                "%ld stop hits", r.opened, r.refused, r.stop_moved, r.runner, r.tp2,
                r.stop_hit);
    /* the walks reached every rule, on both sides (the pair check makes SELL = BUY) */
    cr_assert_gt(r.opened, SCENARIOS / 10);
    cr_assert_gt(r.refused, 0);
    cr_assert_gt(r.stop_moved, 100);
    cr_assert_gt(r.runner, 20);
    cr_assert_gt(r.tp2, 20);
    cr_assert_gt(r.stop_hit, 100);
}
