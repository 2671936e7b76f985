/*
 * test_causality.c - the engine knows at bar t only what bars[0..t] tell, and a duplicate
 * bar changes nothing (issue 16, items 3 and 4). Driven through the engine's public API
 * only (engine_push with its zone events, the zone map, the closed higher-timeframe bars),
 * on the real EURUSD year:
 *
 * - Look-ahead through time stamps. For each cut point t, the events a full run stamps with
 *   ts <= ts[t] must equal, one by one, the events a run over bars[0..t] alone emits, and
 *   the zones a full run's final map dates created_ts <= ts[t] must be exactly the zones
 *   that run over bars[0..t] holds (same ids, created_ts, origin_ts). Both must hold again
 *   when every bar after t is altered (prices reflected about the close at t): what is
 *   known at t cannot depend on what comes after. A zone stamped earlier than the bar that
 *   made it, or an outcome stamped at the start of a test that later bars decided, fails.
 * - The hidden control levels, the zone / control outcome tally and the target-before-stop
 *   book are part of that state and compared with it.
 * - A bar never tests a zone it creates: a zone created by a push has no touch, test or
 *   outcome after that push, and no touch/hold/break/sweep event of that push names it;
 *   every zone's created_ts is the ts of the bar that made it, never later than the bar
 *   being pushed, and never before its origin; its role is support at or below that bar's
 *   close and resistance above it, whichever side of price it was made on.
 * - Duplicates: pushing the last bar again (as it was, or with other prices) returns
 *   PUSH_DUPLICATE, emits no event and leaves every zone, statistic and counter as it was;
 *   and the engine then continues exactly like one that never saw the duplicate. The same
 *   for an out-of-order bar (PUSH_OUT_OF_ORDER).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/engine.h"
#include "tests/support/eurusd.h"

#define PIP 0.0001

static struct bar *load_eurusd(size_t *n)
{
    struct bar *v = eurusd_load(n);
    cr_assert_not_null(v, "cannot read %s", EURUSD_CSV);
    return v;
}

/* smc_minutes: the drawn sources' timeframe (smc_timeframe_minutes) */
static struct engine *new_engine_tf(uint32_t sources, int smc_minutes)
{
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = sources;
    p.smc_timeframe_minutes = smc_minutes;
    p.fvg_join_consecutive = smc_minutes > 15; /* joined gaps too */
    struct engine *e = engine_new(&p, PIP, TF_M15);
    cr_assert_not_null(e);
    return e;
}

static struct engine *new_engine(void)
{
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = SRC_ALL;
    struct engine *e = engine_new(&p, PIP, TF_M15);
    cr_assert_not_null(e);
    return e;
}

static int same_zone(const struct zone *x, const struct zone *y)
{
    return x->id == y->id && x->merged_into == y->merged_into && x->sources == y->sources &&
           x->price == y->price && x->lo == y->lo && x->hi == y->hi &&
           x->created_ts == y->created_ts && x->origin_ts == y->origin_ts &&
           x->last_touch_ts == y->last_touch_ts && x->tests == y->tests &&
           x->touches == y->touches && x->holds == y->holds && x->breaks == y->breaks &&
           x->sweeps == y->sweeps && x->role == y->role && x->active == y->active &&
           x->timeouts == y->timeouts && x->trk.state == y->trk.state &&
           x->trk.approach == y->trk.approach && x->trk.left == y->trk.left &&
           x->trk.atr == y->trk.atr && x->trk.swept == y->trk.swept &&
           x->trk.last == y->trk.last &&
           x->strength == y->strength && x->prob_hold == y->prob_hold &&
           x->prob_break == y->prob_break && x->prob_sweep == y->prob_sweep &&
           x->prob_timeout == y->prob_timeout &&
           x->alive_clock == y->alive_clock && x->flags == y->flags &&
           x->mitigated_ts == y->mitigated_ts && x->kind == y->kind &&
           x->vol_share == y->vol_share;
}

/* The hidden control level of a zone (evidence.h), its test cycle included. */
static int same_control(const struct control *x, const struct control *y)
{
    return x->price == y->price && x->lo == y->lo && x->hi == y->hi && x->tests == y->tests &&
           x->trk.last == y->trk.last && x->trk.state == y->trk.state &&
           x->trk.approach == y->trk.approach && x->trk.left == y->trk.left &&
           x->trk.atr == y->trk.atr && x->trk.swept == y->trk.swept;
}

static int same_event(const struct zone_event *a, const struct zone_event *b)
{
    return a->zone_id == b->zone_id && a->other_id == b->other_id && a->ts == b->ts &&
           a->price == b->price && a->kind == b->kind;
}

/* Everything the public API shows of an engine equals in both: zones field by field (by
 * id and in price order), counters, last bar, ATR, the last closed bar of each timeframe. */
static void assert_same_engine(const struct engine *a, const struct engine *b, const char *when)
{
    cr_assert_eq(engine_bar_count(a), engine_bar_count(b), "%s: bar count", when);
    cr_assert_eq(engine_last_ts(a), engine_last_ts(b), "%s: last ts", when);
    cr_assert(engine_last_close(a) == engine_last_close(b), "%s: last close", when);
    cr_assert(engine_atr(a) == engine_atr(b), "%s: ATR", when);
    cr_assert_eq(engine_zone_max_id(a), engine_zone_max_id(b), "%s: zone ids", when);
    cr_assert_eq(engine_zone_count(a), engine_zone_count(b), "%s: zone count", when);
    cr_assert_eq(engine_zones_in_test(a), engine_zones_in_test(b), "%s: zones in test", when);
    for (uint32_t id = 1; id <= engine_zone_max_id(a); id++) {
        cr_assert(same_zone(engine_zone_get(a, id), engine_zone_get(b, id)), "%s: zone %u",
                  when, id);
        for (int k = 0; k < CTL_KINDS; k++)
            cr_assert(same_control(engine_control(a, id, (enum ctl_kind)k),
                                   engine_control(b, id, (enum ctl_kind)k)),
                      "%s: control %d of zone %u", when, k, id);
    }
    cr_assert_eq(memcmp(engine_tally(a), engine_tally(b), sizeof(struct zone_tally)), 0,
                 "%s: the zone / control tally", when);
    const struct geo_book *ga = engine_geometry(a), *gb = engine_geometry(b);
    cr_assert(memcmp(ga->hits, gb->hits, sizeof ga->hits) == 0 &&
                  memcmp(ga->n, gb->n, sizeof ga->n) == 0 && ga->probes == gb->probes,
              "%s: the target-before-stop book", when);
    for (size_t s = 0; s < engine_zone_count(a); s++)
        cr_assert_eq(engine_zone_sorted(a, s)->id, engine_zone_sorted(b, s)->id, "%s", when);
    for (int tf = TF_M15; tf < TF_COUNT; tf++) {
        struct bar x, y;
        int ra = engine_last_closed(a, (enum timeframe)tf, &x);
        cr_assert_eq(ra, engine_last_closed(b, (enum timeframe)tf, &y), "%s: tf %d", when, tf);
        if (ra == 0)
            cr_assert(x.ts == y.ts && x.open == y.open && x.high == y.high && x.low == y.low &&
                          x.close == y.close && x.volume == y.volume,
                      "%s: last closed bar of tf %d", when, tf);
    }
}

/* Pushes b, asserting it was taken, and checks the bar tested no zone it created. */
static void push_checked(struct engine *e, const struct bar *b, struct zone_events *ev)
{
    size_t from = ev->n;
    cr_assert_eq(engine_push(e, b, ev), PUSH_OK, "bar %lld", (long long)b->ts);
    for (size_t i = from; i < ev->n; i++) {
        const struct zone_event *c = &ev->v[i];
        cr_assert_leq(c->ts, b->ts, "an event stamped after its bar");
        if (c->kind != ZEV_CREATED)
            continue;
        const struct zone *z = engine_zone_get(e, c->zone_id);
        cr_assert_not_null(z);
        cr_assert_eq(z->created_ts, b->ts, "zone %u created at bar %lld stamped %lld", z->id,
                     (long long)b->ts, (long long)z->created_ts);
        cr_assert_leq(z->origin_ts, z->created_ts, "zone %u comes from its future", z->id);
        /* support at or below the close that made it, resistance above (sources.md) */
        if (engine_bar_count(e) > 1) /* the first bar's zones have none yet */
            cr_assert_eq(z->role, z->price <= b->close ? ROLE_SUPPORT : ROLE_RESISTANCE,
                         "zone %u at %.5f, close %.5f: role %d", z->id, z->price, b->close,
                         z->role);
        cr_assert(z->tests == 0 && z->touches == 0 && z->holds == 0 && z->breaks == 0 &&
                      z->sweeps == 0 && z->timeouts == 0 && z->last_touch_ts == TS_NONE &&
                      z->trk.state != TS_IN_TEST,
                  "zone %u was tested by the bar that created it (tests %u touches %u)",
                  z->id, z->tests, z->touches);
        for (size_t j = from; j < ev->n; j++) {
            const struct zone_event *d = &ev->v[j];
            int test_kind = d->kind == ZEV_TOUCH || d->kind == ZEV_HOLD ||
                            d->kind == ZEV_BREAK || d->kind == ZEV_SWEEP ||
                            d->kind == ZEV_TEST || d->kind == ZEV_TIMEOUT;
            cr_assert(!(test_kind && d->zone_id == c->zone_id),
                      "zone %u: %s by the bar that created it", c->zone_id,
                      zone_event_name((enum zone_event_kind)d->kind));
        }
    }
}

/* bars after cut reflected about the close of bar cut: another future, same times */
static struct bar *altered_future(const struct bar *bars, size_t n, size_t cut)
{
    struct bar *v = malloc(n * sizeof *v);
    cr_assert_not_null(v);
    memcpy(v, bars, n * sizeof *v);
    double c = bars[cut].close;
    for (size_t i = cut + 1; i < n; i++) {
        v[i].open = 2 * c - bars[i].open;
        v[i].close = 2 * c - bars[i].close;
        v[i].high = 2 * c - bars[i].low;
        v[i].low = 2 * c - bars[i].high;
        v[i].volume = bars[i].volume * 3 + 1;
    }
    return v;
}

/* A run's events with ts <= t equal the cut run's events, in order; its final zones dated
 * created_ts <= t are exactly the cut run's zones. */
static void assert_knows_at_t(const struct zone_events *run, const struct engine *final,
                              const struct zone_events *cut_ev, const struct engine *cut,
                              int64_t t, const char *what)
{
    size_t k = 0;
    for (size_t i = 0; i < run->n; i++) {
        if (run->v[i].ts > t)
            continue;
        cr_assert_lt(k, cut_ev->n, "%s: more events dated <= t than bars[0..t] make", what);
        cr_assert(same_event(&run->v[i], &cut_ev->v[k]), "%s: event %zu dated <= t differs",
                  what, k);
        k++;
    }
    cr_assert_eq(k, cut_ev->n, "%s: %zu events dated <= t, bars[0..t] make %zu", what, k,
                 cut_ev->n);
    size_t dated = 0;
    for (uint32_t id = 1; id <= engine_zone_max_id(final); id++) {
        const struct zone *z = engine_zone_get(final, id);
        if (z == NULL || z->created_ts > t)
            continue;
        dated++;
        const struct zone *c = engine_zone_get(cut, id);
        cr_assert_not_null(c, "%s: zone %u dated <= t unknown at t", what, id);
        cr_assert(c->created_ts == z->created_ts && c->origin_ts == z->origin_ts, "%s: zone %u",
                  what, id);
        /* a drawn zone's band, kind and volume share are fixed when it is confirmed; it is
         * ended (mitigated_ts) at a bar seen, the same in every future up to that bar */
        cr_assert((c->flags & ZONE_F_DRAWN) == (z->flags & ZONE_F_DRAWN) && c->kind == z->kind &&
                      c->vol_share == z->vol_share,
                  "%s: drawn zone %u", what, id);
        if (z->flags & ZONE_F_DRAWN)
            cr_assert(c->lo == z->lo && c->hi == z->hi, "%s: drawn zone %u band", what, id);
        if (z->mitigated_ts != TS_NONE && z->mitigated_ts <= t)
            cr_assert_eq(c->mitigated_ts, z->mitigated_ts, "%s: zone %u ended", what, id);
        else
            cr_assert(c->mitigated_ts == TS_NONE || !(z->flags & ZONE_F_DRAWN),
                      "%s: zone %u ended before its time", what, id);
        cr_assert(z->mitigated_ts == TS_NONE || !(z->flags & ZONE_F_DRAWN) ||
                      z->mitigated_ts > z->created_ts,
                  "%s: zone %u ended by the bar that made it", what, id);
    }
    cr_assert_eq(dated, engine_zone_max_id(cut), "%s: %zu zones dated <= t, %u known at t",
                 what, dated, engine_zone_max_id(cut));
}

/* The real and an altered future after each cut, for engines of these sources whose drawn
 * sources read smc_min-minute bars; returns how many events and zones were compared. */
static size_t knows_at_cuts(const struct bar *bars, size_t n, uint32_t sources, int smc_min);

Test(causality, what_is_known_at_t_comes_from_bars_up_to_t_only, .timeout = 300)
{
    size_t n;
    struct bar *bars = load_eurusd(&n);
    size_t compared = knows_at_cuts(bars, n, SRC_ALL, 15);
    printf("causality: %zu events and zones compared\n", compared);
    cr_assert_gt(compared, 1000);
    free(bars);
}

/* The drawn sources on H1 and H4 bars built from the M15 feed (joined gaps on): the same. */
Test(causality, drawn_sources_on_higher_timeframes_know_only_the_past, .timeout = 300)
{
    size_t n;
    struct bar *bars = load_eurusd(&n);
    for (int m = 60; m <= 240; m += 180) {
        size_t compared = knows_at_cuts(bars, n, SRC_DRAWN, m);
        printf("causality, drawn sources on %d-minute bars: %zu compared\n", m, compared);
        cr_assert_gt(compared, 100);
    }
    free(bars);
}

static size_t knows_at_cuts(const struct bar *bars, size_t n, uint32_t sources, int smc_min)
{
    const size_t cuts[] = {100, 2000, 7777, 15000, 22000};
    const size_t horizon = 2500; /* bars after the cut the altered run goes on for */
    struct engine *full = new_engine_tf(sources, smc_min);
    struct zone_events full_ev = {0};
    for (size_t i = 0; i < n; i++)
        push_checked(full, &bars[i], &full_ev);
    size_t compared = 0;
    for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
        size_t t = cuts[c];
        struct engine *cut = new_engine_tf(sources, smc_min);
        struct zone_events cut_ev = {0};
        for (size_t i = 0; i <= t; i++)
            push_checked(cut, &bars[i], &cut_ev);
        assert_knows_at_t(&full_ev, full, &cut_ev, cut, bars[t].ts, "the real future");

        struct bar *alt = altered_future(bars, n, t);
        struct engine *other = new_engine_tf(sources, smc_min);
        struct zone_events other_ev = {0};
        size_t end = t + horizon < n ? t + horizon : n;
        for (size_t i = 0; i < end; i++)
            push_checked(other, &alt[i], &other_ev);
        assert_knows_at_t(&other_ev, other, &cut_ev, cut, bars[t].ts, "an altered future");
        compared += cut_ev.n + engine_zone_max_id(cut);
        zone_events_free(&other_ev);
        engine_free(other);
        free(alt);
        zone_events_free(&cut_ev);
        engine_free(cut);
    }
    zone_events_free(&full_ev);
    engine_free(full);
    return compared;
}

/* The zone map after bar k is the same whether the stream stops at k or goes on. */
Test(causality, zones_after_bar_k_do_not_depend_on_later_bars)
{
    size_t n;
    struct bar *bars = load_eurusd(&n);
    const size_t ks[] = {100, 2000, 7777, 15000, 24000};
    struct engine *full = new_engine();
    size_t next = 0;
    for (size_t i = 0; i < n && next < sizeof ks / sizeof ks[0]; i++) {
        engine_push(full, &bars[i], NULL);
        if (i + 1 != ks[next])
            continue;
        struct engine *cut = new_engine();
        for (size_t j = 0; j <= i; j++)
            engine_push(cut, &bars[j], NULL);
        /* probabilities and strength are read after a refresh (engine.h) */
        cr_assert_eq(engine_refresh(cut), 0);
        cr_assert_eq(engine_refresh(full), 0);
        assert_same_engine(cut, full, "cut vs full");
        engine_free(cut);
        next++;
    }
    cr_assert_eq(next, sizeof ks / sizeof ks[0]);
    engine_free(full);
    free(bars);
}

/* Pushes bad (a duplicate or an out-of-order bar) into `dup` at the given points and checks
 * the state is untouched and nothing was emitted; `plain` never sees it. Both must stay
 * identical to the end. */
static void run_with_rejects(const struct bar *bars, size_t n, enum engine_push_result want,
                             struct bar (*make)(const struct bar *bars, size_t i))
{
    struct engine *dup = new_engine(), *plain = new_engine();
    size_t rejected = 0;
    for (size_t i = 0; i < n; i++) {
        struct zone_events ev = {0};
        cr_assert_eq(engine_push(dup, &bars[i], &ev), PUSH_OK);
        cr_assert_eq(engine_push(plain, &bars[i], NULL), PUSH_OK);
        zone_events_free(&ev);
        if (i < 1 || i % 997 != 0)
            continue;
        struct bar bad = make(bars, i);
        struct zone_events dev = {0};
        cr_assert_eq(engine_push(dup, &bad, &dev), want, "bar %zu", i);
        cr_assert_eq(dev.n, 0, "bar %zu: a rejected bar emitted %zu events", i, dev.n);
        zone_events_free(&dev);
        assert_same_engine(dup, plain, "right after a rejected bar");
        rejected++;
    }
    assert_same_engine(dup, plain, "at the end of the year");
    cr_assert_gt(rejected, 20);
    engine_free(dup);
    engine_free(plain);
}

static struct bar same_again(const struct bar *bars, size_t i)
{
    return bars[i];
}

static struct bar same_ts_other_prices(const struct bar *bars, size_t i)
{
    struct bar b = bars[i];
    b.high += 0.0040;
    b.low -= 0.0040;
    b.close = b.high;
    b.volume = b.volume * 7 + 5;
    return b;
}

static struct bar older(const struct bar *bars, size_t i)
{
    struct bar b = bars[i - 1];
    b.close = b.low;
    return b;
}

Test(duplicates, a_repeated_bar_changes_no_zone_statistic_or_event, .timeout = 120)
{
    size_t n;
    struct bar *bars = load_eurusd(&n);
    run_with_rejects(bars, n, PUSH_DUPLICATE, same_again);
    free(bars);
}

Test(duplicates, a_bar_with_the_last_ts_and_other_prices_changes_nothing, .timeout = 120)
{
    size_t n;
    struct bar *bars = load_eurusd(&n);
    run_with_rejects(bars, n, PUSH_DUPLICATE, same_ts_other_prices);
    free(bars);
}

Test(duplicates, an_out_of_order_bar_changes_nothing, .timeout = 120)
{
    size_t n;
    struct bar *bars = load_eurusd(&n);
    run_with_rejects(bars, n, PUSH_OUT_OF_ORDER, older);
    free(bars);
}
