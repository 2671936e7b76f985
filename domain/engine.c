/*
 * engine.c - the per-symbol zone engine: the orchestrator of series, sources and zones.
 *
 * Per bar, in this order (the order is the causality argument):
 *  1. statistics of the zones that existed before the bar (zone_stats.c);
 *  2. the live VWAP zones follow the VWAP including this bar;
 *  3. the bar goes into the cluster window and into every higher-timeframe aggregator;
 *     each bar an aggregator closes feeds the sources of that timeframe (series.c,
 *     sources/ *.c), whose levels become zones or join one (zone_map.c);
 *  4. round levels around the close; zones untouched for zone_history_hours deactivate.
 * Sources only ever see closed bars, so a zone made at bar k depends on bars <= k only.
 */
#include "engine.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "engine_smc.h"
#include "geometry.h"
#include "series.h"
#include "sources/sources.h"
#include "stop.h"
#include "target.h"
#include "zone_map.h"
#include "zone_stats.h"

/* Moves of a live VWAP zone smaller than this many pips are applied but not reported. */
#define VWAP_REPORT_PIPS 0.1

static const char *const EVENT_NAMES[ZEV_COUNT] = {
    [ZEV_CREATED] = "created", [ZEV_TOUCH] = "touch",   [ZEV_HOLD] = "hold",
    [ZEV_BREAK] = "break",     [ZEV_SWEEP] = "sweep",   [ZEV_MERGED] = "merged",
    [ZEV_DEACTIVATED] = "deactivated", [ZEV_MOVED] = "moved",
    [ZEV_SOURCE_REMOVED] = "source_removed", [ZEV_TEST] = "test", [ZEV_TIMEOUT] = "timeout",
};

const char *zone_event_name(enum zone_event_kind k)
{
    return k < ZEV_COUNT ? EVENT_NAMES[k] : "unknown";
}

void zone_events_free(struct zone_events *ev)
{
    free(ev->v);
    ev->v = NULL;
    ev->n = ev->cap = 0;
}

static int on(const struct engine *e, enum liq_source s)
{
    return (e->active >> s) & 1u;
}

static uint32_t runnable(enum timeframe base)
{
    uint32_t m = SRC_ALL;
    if (base > TF_M5)
        m &= ~(1u << SRC_PIVOT_M5);
    if (base > TF_M15)
        m &= ~((1u << SRC_PIVOT_M15) | (1u << SRC_GANN) | (1u << SRC_EQUAL_LEVELS));
    if (base > TF_H1)
        m &= ~((1u << SRC_SESSION_HIGH) | (1u << SRC_SESSION_LOW));
    if (base > TF_D1)
        m &= ~((1u << SRC_VWAP_DAILY) | (1u << SRC_HIGH_DAILY) | (1u << SRC_LOW_DAILY) |
               (1u << SRC_PREVIOUS_CLOSE) | (1u << SRC_FLOOR_PIVOT));
    return m;
}

struct engine *engine_new(const struct liq_params *params, double pip, enum timeframe base_tf)
{
    struct engine *e = calloc(1, sizeof *e);
    if (e == NULL)
        return NULL;
    e->p = *params;
    e->pip = pip;
    e->base_tf = base_tf;
    e->work_tf = base_tf > TF_M15 ? base_tf : TF_M15;
    e->active = params->liquidity_enabled ? params->liquidity_sources & runnable(base_tf) : 0;
    e->last_ts = INT64_MIN;
    e->hist_sec = (int64_t)llround(params->zone_history_hours * 3600.0);
    e->cluster_every = (int64_t)llround(params->cluster_interval_hours * 3600.0);
    static const enum timeframe AGG[] = {TF_M5, TF_M15, TF_H1, TF_D1, TF_W1};
    for (size_t i = 0; i < sizeof AGG / sizeof AGG[0]; i++)
        e->agg_on[AGG[i]] = AGG[i] >= base_tf;
    e->agg_on[base_tf] = 1;
    if (e->active & SRC_DRAWN)
        e->agg_on[smc_timeframe(params, base_tf)] = 1; /* H4 only for them */
    for (int tf = 0; tf < TF_COUNT; tf++) {
        series_init(&e->agg[tf], (enum timeframe)tf);
        if (e->agg_on[tf])
            e->agg_list[e->nagg++] = (uint8_t)tf;
    }
    e->base_sec = tf_seconds(base_tf);
    atr_init(&e->atr, 14);
    vwap_init(&e->vw_day.w, TF_D1);
    e->vw_day.src = SRC_VWAP_DAILY;
    vwap_init(&e->vw_week.w, TF_W1);
    e->vw_week.src = SRC_VWAP_WEEKLY;
    int len = params->swing_length;
    len = len < 1 ? 1 : len > SWING_MAX_LENGTH ? SWING_MAX_LENGTH : len;
    swing_init(&e->piv_m5.sd, len);
    e->piv_m5.src = SRC_PIVOT_M5;
    swing_init(&e->piv_m15.sd, len);
    e->piv_m15.src = SRC_PIVOT_M15;
    equal_init(&e->equal, params->equal_level_lookback);
    wyckoff_init(&e->wyckoff, params->wyckoff_min_bars);
    zone_map_init(&e->map);
    if (zone_map_deadlines(&e->map, tf_seconds(base_tf), e->hist_sec > 0 ? e->hist_sec : 0) != 0) {
        free(e);
        return NULL;
    }
    tally_init(&e->map.tally, params->zone_pool_half_life);
    tally_calibration(&e->map.tally, params->zone_calib_half_life);
    uint32_t ratio = (uint32_t)(tf_seconds(e->work_tf) / tf_seconds(base_tf));
    geo_init(&e->geo, GEO_EVERY * (ratio ? ratio : 1), GEO_HORIZON * (ratio ? ratio : 1));
    exit_book_init(&e->xb, e->geo.horizon);
    /* H bars of the ATR's timeframe (M15, or the base when coarser) in base bars */
    enum timeframe wtf = base_tf > TF_M15 ? base_tf : TF_M15;
    double h = (double)params->test_horizon_bars * (double)tf_seconds(wtf) /
               (double)tf_seconds(base_tf);
    e->map.tc = (struct test_cfg){
        .hold_atr = params->test_hold_atr, .break_atr = params->test_break_atr,
        .rearm_atr = params->test_rearm_atr, .prior_tests = params->zone_prior_tests,
        .horizon = (uint16_t)(h < 1.0 ? 1 : h > 65535.0 ? 65535 : llround(h)),
    };
    int64_t window = e->hist_sec > 0 ? e->hist_sec : 3600;
    if (cluster_init(&e->cluster, window, (size_t)(window / tf_seconds(base_tf)) + 2) != 0) {
        zone_map_free(&e->map);
        free(e);
        return NULL;
    }
    int oom;
    e->smc = smc_new(params, base_tf, e->active, &oom);
    if (oom) {
        engine_free(e);
        return NULL;
    }
    return e;
}

void engine_free(struct engine *e)
{
    if (e == NULL)
        return;
    zone_map_free(&e->map);
    cluster_free(&e->cluster);
    smc_free(e->smc);
    free(e->scratch);
    free(e->xz);
    free(e->xids);
    free(e->xkeys);
    free(e->xcand);
    free(e);
}

enum timeframe engine_base_tf(const struct engine *e) { return e->base_tf; }
double engine_pip(const struct engine *e) { return e->pip; }
uint64_t engine_bar_count(const struct engine *e) { return e->bars; }
int64_t engine_last_ts(const struct engine *e) { return e->last_ts; }
double engine_last_close(const struct engine *e) { return e->last_close; }
double engine_atr(const struct engine *e) { return e->atr.value; }
uint32_t engine_active_sources(const struct engine *e) { return e->active; }
size_t engine_zone_count(const struct engine *e) { return zone_map_count(&e->map); }
uint32_t engine_zone_max_id(const struct engine *e) { return e->map.n; }
const struct zone_tally *engine_tally(const struct engine *e) { return &e->map.tally; }
const struct geo_book *engine_geometry(const struct engine *e) { return &e->geo; }
const struct pierce_book *engine_pierce(const struct engine *e) { return &e->map.pierce; }
const struct stall_book *engine_stall(const struct engine *e) { return &e->stall; }
double engine_target_stall_atr(const struct engine *e, uint32_t *turns)
{
    if (turns != NULL)
        *turns = e->stall.n;
    if (!(e->p.target_stall_quantile > 0.0))
        return -1.0;
    return stall_quantile(&e->stall, e->p.target_stall_quantile, STALL_MIN_TURNS);
}
double engine_stop_sweep_atr(const struct engine *e, uint32_t *tests)
{
    if (tests != NULL)
        *tests = e->map.pierce.n;
    if (!(e->p.stop_sweep_quantile > 0.0))
        return -1.0;
    return zone_stats_pierce_quantile(&e->map.pierce, e->p.stop_sweep_quantile,
                                      STOP_SWEEP_MIN_TESTS);
}
void engine_exit_record(const struct engine *e, struct exit_record *out)
{
    exit_book_record(&e->xb, out);
}
size_t engine_active_zone_ids(const struct engine *e, uint32_t *out)
{
    return zone_map_active_ids(&e->map, out);
}
unsigned engine_test_horizon(const struct engine *e) { return e->map.tc.horizon; }

size_t engine_zones_in_test(const struct engine *e)
{
    size_t n = 0;
    for (size_t k = 0; k < e->map.n_watch; k++) {
        const struct zone *z = &e->map.pool[e->map.watch[k] - 1];
        n += z->active && z->merged_into == 0 && z->trk.state == TS_IN_TEST;
    }
    return n;
}

const struct control *engine_control(const struct engine *e, uint32_t id, enum ctl_kind kind)
{
    if (id == 0 || id > e->map.n || (unsigned)kind >= CTL_KINDS)
        return NULL;
    return &e->map.cs[kind].v[id - 1];
}

int engine_refresh(struct engine *e)
{
    if (e->map.n > e->scratch_cap) {
        size_t cap = (size_t)e->map.n * 2;
        double *v = realloc(e->scratch, cap * sizeof *v);
        if (v == NULL)
            return -1;
        e->scratch = v;
        e->scratch_cap = cap;
    }
    zone_stats_refresh(&e->map, e->p.zone_prior_tests, e->scratch);
    return 0;
}

const struct zone *engine_zone_sorted(const struct engine *e, size_t i)
{
    return &e->map.pool[zone_map_listing(&e->map)[i] - 1];
}

const struct zone *engine_zone_get(const struct engine *e, uint32_t id)
{
    return zone_map_get(&e->map, id);
}


int engine_last_closed(const struct engine *e, enum timeframe tf, struct bar *out)
{
    if (tf >= TF_COUNT || !e->have_closed[tf])
        return -1;
    *out = e->last_closed[tf];
    return 0;
}

/* fmax / fmin of two finite numbers without a libm call (the hot paths call these per level) */
static inline double max2(double a, double b) { return a > b ? a : b; }
static inline double min2(double a, double b) { return a < b ? a : b; }

static double half_width(const struct engine *e)
{
    return max2(e->p.zone_min_width_pips * e->pip, 0.1 * e->atr.value);
}

/* A zone that becomes alive again (new source, revival) restarts its deactivation clock. */
static int refresh_alive(struct engine *e, struct zone *z)
{
    z->alive_clock = e->map.mclock;
    if (z->active)
        return 0;
    z->active = 1;
    uint32_t id = z->id;
    zone_map_arm(&e->map, id);
    zone_map_place_controls(&e->map, id, 1);
    return zone_stats_track_init(&e->map, id, &e->cur, e->atr.value);
}

/* The jitter of zone id's same-side control: U(0.75, 1.25), a pure function of the id
 * (splitmix64's finaliser), so the same bars give the same controls. */
double engine_control_jitter(uint32_t id)
{
    uint64_t x = (uint64_t)id + 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    x ^= x >> 31;
    return 0.75 + 0.5 * (double)(x >> 11) * 0x1.0p-53;
}

/*
 * The control levels of a zone made at price (evidence.h), for the next id:
 * mirrored: through the last close, at the same distance on the other side, at least two
 *   band half-widths away so it never coincides with the zone;
 * same side: at the zone's distance from the close times the id's jitter, moved to two
 *   half-widths from the zone when the jitter brings it nearer (away from the close when
 *   the other way would cross it).
 * Before any bar: 4 half-widths above or below by the id's parity, the same-side one on the
 * zone's other side.
 */
static void control_prices(const struct engine *e, double price, double hw,
                           double out[CTL_KINDS])
{
    if (e->bars == 0) {
        double off = ((e->map.n & 1u) ? 4.0 : -4.0) * hw;
        out[CTL_MIRROR] = price + off;
        out[CTL_SIDE] = price - off;
        return;
    }
    double d = price - e->last_close, a = fabs(d), sign = d >= 0.0 ? 1.0 : -1.0;
    out[CTL_MIRROR] = e->last_close - sign * fmax(a, 2.0 * hw);
    double u = engine_control_jitter(e->map.n + 1);
    double delta = a * (u - 1.0); /* from the zone, away from the close when > 0 */
    if (fabs(delta) < 2.0 * hw)
        delta = u >= 1.0 || a < 2.0 * hw ? 2.0 * hw : -2.0 * hw;
    out[CTL_SIDE] = e->last_close + sign * (a + delta);
}

/* A zone may take a level only while its band stays within one merge span (two level bands
 * and the merge distance): bands cover their levels without growing along a chain. */
static int can_cover(const struct zone *z, double price, double hw, double dist)
{
    return max2(z->hi, price) - min2(z->lo, price) <= 4.0 * hw + 2.0 * dist + 1e-12;
}

/* Inserts proto with its control and starts both test cycles. 0 on ENOMEM. */
static uint32_t insert_zone(struct engine *e, const struct zone *proto, double hw)
{
    double ctl[CTL_KINDS];
    control_prices(e, proto->price, hw, ctl);
    uint32_t id = zone_map_insert(&e->map, proto, ctl);
    if (id == 0)
        return 0;
    zone_map_arm(&e->map, id);
    if (zone_stats_track_init(&e->map, id, &e->cur, e->atr.value) != 0)
        return 0;
    return id;
}

/*
 * Adds a level: the nearest zone whose band overlaps the level's band or lies within
 * merge_distance_pips takes the source bit (an inactive one is revived); otherwise a new
 * zone is made. Returns the zone id (0 on ENOMEM); *bit_new says whether the zone gained
 * the bit.
 */
static uint32_t add_level(struct engine *e, enum liq_source src, double price,
                          int64_t origin_ts, int64_t ts, struct zone_events *ev, int *bit_new)
{
    double hw = half_width(e);
    double dist = e->p.merge_distance_pips * e->pip;
    uint32_t bit = 1u << src;
    uint32_t id = zone_map_find_merge(&e->map, price, price - hw, price + hw, dist, 0);
    if (id != 0 && can_cover(zone_map_get(&e->map, id), price, hw, dist)) {
        struct zone *z = zone_map_get(&e->map, id);
        *bit_new = !(z->sources & bit);
        z->sources |= bit;
        zone_map_cover(&e->map, id, price);
        if (refresh_alive(e, z) != 0)
            return 0;
        return zone_emit(ev, id, 0, ts, price, ZEV_MERGED) == 0 ? id : 0;
    }
    struct zone proto = {
        .sources = bit, .price = price, .lo = price - hw, .hi = price + hw,
        .created_ts = ts, .origin_ts = origin_ts, .last_touch_ts = TS_NONE,
        .alive_clock = e->map.mclock, .active = 1,
        .role = e->bars == 0 ? ROLE_NONE
                : price <= e->last_close ? ROLE_SUPPORT : ROLE_RESISTANCE,
    };
    id = insert_zone(e, &proto, hw);
    *bit_new = 1;
    if (id == 0)
        return 0;
    return zone_emit(ev, id, 0, ts, price, ZEV_CREATED) == 0 ? id : 0;
}

/* Adds every level in e->lv made at bar time ts, then empties it. */
static int flush_levels(struct engine *e, int64_t ts, struct zone_events *ev)
{
    int bit_new;
    for (int i = 0; i < e->lv.n; i++) {
        const struct level *l = &e->lv.v[i];
        if (add_level(e, (enum liq_source)l->src, l->price, l->origin_ts, ts, ev, &bit_new) == 0)
            return -1;
    }
    e->lv.n = 0;
    return 0;
}

/* Most calls find no level (round and cluster ask every bar): no call then. */
static inline int flush(struct engine *e, int64_t ts, struct zone_events *ev)
{
    return e->lv.n == 0 ? 0 : flush_levels(e, ts, ev);
}

uint32_t engine_add_zone(struct engine *e, enum liq_source src, double price, int64_t ts)
{
    int bit_new;
    return add_level(e, src, price, ts, ts, NULL, &bit_new);
}

uint32_t engine_drawn_add(struct engine *e, enum liq_source src, double lo, double hi,
                          double price, int64_t origin_ts, enum drawn_kind kind,
                          float vol_share, int64_t ts, struct zone_events *ev)
{
    double hw = (hi - lo) / 2.0;
    if (!(hw > 0.0)) {
        hw = half_width(e);
        lo = price - hw;
        hi = price + hw;
    }
    struct zone proto = {
        .sources = 1u << src, .price = price, .lo = lo, .hi = hi, .created_ts = ts,
        .origin_ts = origin_ts, .last_touch_ts = TS_NONE, .mitigated_ts = TS_NONE,
        .alive_clock = e->map.mclock, .active = 1,
        .role = e->bars == 0 ? ROLE_NONE
                : price <= e->last_close ? ROLE_SUPPORT : ROLE_RESISTANCE,
        .flags = ZONE_F_DRAWN, .kind = (uint8_t)kind, .vol_share = vol_share,
    };
    uint32_t id = insert_zone(e, &proto, hw);
    if (id == 0)
        return 0;
    return zone_emit(ev, id, 0, ts, price, ZEV_CREATED) == 0 ? id : 0;
}

int engine_drawn_end(struct engine *e, uint32_t id, int64_t ts, struct zone_events *ev)
{
    struct zone *z = zone_map_get(&e->map, id);
    if (z == NULL)
        return 0;
    if (z->mitigated_ts == TS_NONE)
        z->mitigated_ts = ts;
    if (!z->active)
        return 0;
    if (z->trk.state == TS_IN_TEST)
        return 1;
    z->active = 0;
    z->trk.state = TS_DISARMED;
    zone_map_place_controls(&e->map, id, 0); /* its controls leave the per-bar scans */
    return zone_emit(ev, id, 0, ts, z->price, ZEV_DEACTIVATED) == 0 ? 0 : -1;
}

/*
 * VWAP: one live zone per period follows the VWAP bar by bar (never a merge target, so
 * other levels do not ride along). When the period finishes its value is frozen: the zone
 * stops moving and, like any new level, joins a zone within reach (ZEV_MERGED into it) or
 * stays as a zone of its own.
 */
static int vwap_freeze(struct engine *e, struct live_vwap *lv, int64_t ts,
                       struct zone_events *ev)
{
    if (lv->zone == 0)
        return 0;
    struct zone *z = zone_map_get(&e->map, lv->zone);
    lv->zone = 0;
    z->flags &= (uint8_t)~ZONE_F_LIVE;
    zone_map_settle_controls(&e->map, z->id);
    if (lv == &e->vw_day && e->vw_week.shared) {
        /* the weekly VWAP goes on after this day: the frozen day level is not a weekly one */
        z->sources &= ~(1u << SRC_VWAP_WEEKLY);
        e->vw_week.shared = 0;
    }
    double dist = e->p.merge_distance_pips * e->pip;
    uint32_t to = zone_map_find_merge(&e->map, z->price, z->lo, z->hi, dist, z->id);
    if (to == 0 || !can_cover(zone_map_get(&e->map, to), z->price, (z->hi - z->lo) / 2, dist))
        return 0;
    struct zone *t = zone_map_get(&e->map, to);
    t->sources |= z->sources;
    zone_map_cover(&e->map, to, z->price);
    z->merged_into = to;
    z->active = 0; /* it lives on inside `to`: the API and liquidity_levels both say so */
    zone_map_place_controls(&e->map, z->id, 0);
    z->trk.state = TS_DISARMED;
    zone_map_unlink(&e->map, z->id);
    if (refresh_alive(e, t) != 0)
        return -1;
    return zone_emit(ev, z->id, to, ts, z->price, ZEV_MERGED);
}

static int vwap_bar(struct engine *e, struct live_vwap *lv, const struct bar *b, double tp,
                    struct zone_events *ev)
{
    if (vwap_push_tp(&lv->w, b, tp) && vwap_freeze(e, lv, b->ts, ev) != 0)
        return -1;
    double v = lv->w.v > 0 ? lv->w.pv / lv->w.v : vwap_value(&lv->w);
    if (lv == &e->vw_week && lv->zone == 0 && e->vw_day.zone != 0 &&
        lv->w.start == e->vw_day.w.start) {
        /* the week's first day: the weekly VWAP is the daily one, bar for bar */
        e->map.pool[e->vw_day.zone - 1].sources |= 1u << SRC_VWAP_WEEKLY;
        lv->shared = 1;
        return 0;
    }
    lv->shared = 0;
    if (lv->zone == 0) {
        double hw = half_width(e);
        struct zone proto = {
            .sources = 1u << lv->src, .price = v, .lo = v - hw, .hi = v + hw,
            .created_ts = b->ts, .origin_ts = lv->w.start, .last_touch_ts = TS_NONE,
            .alive_clock = e->map.mclock,
            .active = 1,
            .role = v <= b->close ? ROLE_SUPPORT : ROLE_RESISTANCE, .flags = ZONE_F_LIVE,
        };
        lv->zone = insert_zone(e, &proto, hw);
        if (lv->zone == 0)
            return -1;
        lv->reported = v;
        return zone_emit(ev, lv->zone, 0, b->ts, v, ZEV_CREATED);
    }
    struct zone *z = &e->map.pool[lv->zone - 1];
    z->alive_clock = e->map.mclock;
    if (!z->active && refresh_alive(e, z) != 0)
        return -1;
    if (z->price != v) { /* its controls move with it (evidence.h) */
        double shift = v - z->price;
        zone_map_move(&e->map, lv->zone, v, &lv->pos);
        zone_map_move_controls(&e->map, lv->zone, shift);
    }
    if (fabs(v - lv->reported) < VWAP_REPORT_PIPS * e->pip)
        return 0;
    lv->reported = v;
    return zone_emit(ev, lv->zone, 0, b->ts, v, ZEV_MOVED);
}

/*
 * A swing pivot superseded by a later, more extreme one of the same kind (the consecutive
 * rule) is withdrawn when the later one is confirmed: its zone loses the pivot's source bit
 * if that pivot brought it, or is deactivated when the bit was all it had.
 */
static int pivot_withdraw(struct engine *e, struct pivot_source *ps, int64_t ts,
                          struct zone_events *ev)
{
    struct zone *z = zone_map_get(&e->map, ps->zone);
    if (z == NULL || !ps->bit_was_new)
        return 0;
    uint32_t bit = 1u << ps->src;
    if (z->sources != bit) {
        z->sources &= ~bit;
        return zone_emit(ev, z->id, 0, ts, z->price, ZEV_SOURCE_REMOVED);
    }
    if (!z->active)
        return 0;
    z->active = 0;
    z->trk.state = TS_DISARMED;
    zone_map_place_controls(&e->map, z->id, 0);
    return zone_emit(ev, z->id, 0, ts, z->price, ZEV_DEACTIVATED);
}

/* A closed bar of the pivot's timeframe; returns the event kind of a surviving pivot
 * (+1/-1) in *kind and its level, or 0 when none. */
static int pivot_bar(struct engine *e, struct pivot_source *ps, const struct bar *b, int64_t ts,
                     struct zone_events *ev, struct swing_event *out)
{
    struct swing_event se;
    out->kind = 0;
    if (!swing_push(&ps->sd, b->ts, b->high, b->low, &se) || se.dropped)
        return 0;
    *out = se;
    if (!on(e, ps->src))
        return 0;
    if (se.supersedes && pivot_withdraw(e, ps, ts, ev) != 0)
        return -1;
    int bit_new;
    ps->zone = add_level(e, ps->src, se.level, se.ts, ts, ev, &bit_new);
    ps->bit_was_new = bit_new;
    return ps->zone == 0 ? -1 : 0;
}

static int on_work_bar(struct engine *e, const struct bar *c, int64_t ts,
                       struct zone_events *ev)
{
    atr_push(&e->atr, c);
    if (!on(e, SRC_WYCKOFF))
        return 0;
    wyckoff_push(&e->wyckoff, c, e->atr.value, e->p.wyckoff_atr_multiple, &e->lv);
    return flush(e, ts, ev);
}

static int on_m15_bar(struct engine *e, const struct bar *c, int64_t ts, struct zone_events *ev)
{
    struct swing_event se;
    if (pivot_bar(e, &e->piv_m15, c, ts, ev, &se) != 0)
        return -1;
    if (se.kind == 0)
        return 0;
    if (on(e, SRC_GANN))
        gann_levels(se.level, e->pip, e->p.gann_levels, se.ts, &e->lv);
    if (on(e, SRC_EQUAL_LEVELS))
        equal_push(&e->equal, se.kind, se.level, e->p.equal_level_tolerance_pips * e->pip, se.ts,
                   &e->lv);
    return flush(e, ts, ev);
}

static int on_closed(struct engine *e, enum timeframe tf, const struct bar *c, int64_t ts,
                     struct zone_events *ev)
{
    struct swing_event se;
    e->last_closed[tf] = *c;
    e->have_closed[tf] = 1;
    if (tf == e->work_tf && on_work_bar(e, c, ts, ev) != 0)
        return -1;
    if (tf == TF_M5 && on(e, SRC_PIVOT_M5) && pivot_bar(e, &e->piv_m5, c, ts, ev, &se) != 0)
        return -1;
    if (tf == TF_M15 && e->base_tf <= TF_M15 && on_m15_bar(e, c, ts, ev) != 0)
        return -1;
    if (e->smc != NULL && tf == smc_tf(e->smc) && smc_closed(e->smc, e, c, ts, ev) != 0)
        return -1;
    if (tf == TF_D1) {
        if (c->ts == e->vw_day.w.start && vwap_freeze(e, &e->vw_day, ts, ev) != 0)
            return -1;
        periods_day_levels(c, e->active, &e->lv);
        return flush(e, ts, ev);
    }
    if (tf == TF_W1) {
        if (c->ts == e->vw_week.w.start && vwap_freeze(e, &e->vw_week, ts, ev) != 0)
            return -1;
        periods_week_levels(c, e->active, &e->lv);
        return flush(e, ts, ev);
    }
    return 0;
}

/* Zones untouched for zone_history_hours of market time deactivate (events at bar time ts). */
static int expire(struct engine *e, int64_t ts, struct zone_events *ev)
{
    const uint32_t *due;
    long n = zone_map_expire(&e->map, e->map.mclock, &due);
    if (n < 0)
        return -1;
    for (long i = 0; i < n; i++) {
        uint32_t id = due[i];
        struct zone *z = zone_map_get(&e->map, id);
        z->active = 0;
        z->trk.state = TS_DISARMED;
        zone_map_place_controls(&e->map, id, 0);
        if (zone_emit(ev, id, 0, ts, z->price, ZEV_DEACTIVATED) != 0)
            return -1;
    }
    return 0;
}

/* The record's trial at b's close (exit_record.h), at the first geometry probe
 * EXIT_TRIAL_DAYS days after the last trial: the active zones within EXIT_TRIAL_WINDOW ATR14
 * of the close with the prob_* and strength a refresh now would give them (strength ranked
 * among all active zones), sorted by price. -1 on ENOMEM. */
static int exit_probe(struct engine *e, const struct bar *b)
{
    int32_t day = (int32_t)(day_start(b->ts) / 86400);
    if (e->xb.last_day != INT32_MIN && day < e->xb.last_day + EXIT_TRIAL_DAYS)
        return 0;
    if (e->map.n >= e->xids_cap) { /* room for every zone's id (the wheel lists any) */
        uint32_t *id = realloc(e->xids, ((size_t)e->map.n + 1) * 2 * sizeof *id);
        if (id == NULL)
            return -1;
        e->xids = id;
        e->xids_cap = ((size_t)e->map.n + 1) * 2;
    }
    size_t na = zone_map_active_ids(&e->map, e->xids), nc = 0;
    if (na > e->xz_cap) { /* the active zones' keys, the candidates' ids */
        size_t cap = na * 2;
        struct zone *z = realloc(e->xz, cap * sizeof *z);
        if (z != NULL)
            e->xz = z;
        double *k = realloc(e->xkeys, 2 * cap * sizeof *k); /* all keys, candidates' keys */
        if (k != NULL)
            e->xkeys = k;
        uint32_t *c = realloc(e->xcand, cap * sizeof *c);
        if (c != NULL)
            e->xcand = c;
        if (z == NULL || k == NULL || c == NULL)
            return -1;
        e->xz_cap = cap;
    }
    struct zone_tally *t = &e->map.tally;
    uint32_t sig = tally_significant(t, SRC_ALL); /* = evidence_significant_sources(t) */
    double c = b->close, w = EXIT_TRIAL_WINDOW * e->atr.value, *ck = e->xkeys + e->xz_cap;
    for (size_t i = 0; i < na; i++) {
        const struct zone *z = &e->map.pool[e->xids[i] - 1];
        double key = zone_stats_bounce_key(z, t, sig, e->p.zone_prior_tests);
        size_t k = i; /* the keys ascending (insertion: a few dozen zones) */
        for (; k > 0 && e->xkeys[k - 1] > key; k--)
            e->xkeys[k] = e->xkeys[k - 1];
        e->xkeys[k] = key;
        if (z->hi >= c - w && z->lo <= c + w) { /* a candidate: its index, by price */
            k = nc++;
            for (; k > 0 && e->map.pool[e->xcand[k - 1] - 1].price > z->price; k--) {
                e->xcand[k] = e->xcand[k - 1];
                ck[k] = ck[k - 1];
            }
            e->xcand[k] = e->xids[i];
            ck[k] = key;
        }
    }
    for (size_t k = 0; k < nc; k++) {
        struct zone *z = &e->xz[k];
        *z = e->map.pool[e->xcand[k] - 1];
        double key = ck[k];
        size_t lo = 0, hi = na; /* keys <= key: its strength, as zone_stats_refresh ranks */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (e->xkeys[mid] <= key)
                lo = mid + 1;
            else
                hi = mid;
        }
        z->strength = (float)((double)lo / (double)na);
    }
    struct liq_params sp; /* the zone stop and target as a setup would place them now */
    stop_params_for_sweep(&e->p, engine_stop_sweep_atr(e, NULL), &sp);
    double front = target_front_for_stall(&e->p, e->pip, e->atr.value,
                                          engine_target_stall_atr(e, NULL));
    exit_book_start(&e->xb, b, e->xz, nc, &sp, e->pip, e->atr.value, front, &e->geo);
    return 0;
}

static int push_bar(struct engine *e, const struct bar *b, struct zone_events *ev)
{
    e->cur = *b;
    e->map.mclock += e->base_sec; /* market time: this bar's timeframe, not the gap before */
    if (e->bars > 0 && zone_stats_bar(&e->map, b, e->atr.value, ev) != 0)
        return -1;
    if (e->p.target_stall_quantile > 0.0) /* about 100 instructions a bar: only when used */
        stall_bar(&e->stall, &e->map, b, e->atr.value);
    e->last_close = b->close; /* new zones take their role from this close */
    if (e->smc != NULL && smc_base_bar(e->smc, e, b, ev) != 0)
        return -1;
    double tp = (b->high + b->low + b->close) / 3.0; /* vwap_push's typical price */
    if (on(e, SRC_VWAP_DAILY) && vwap_bar(e, &e->vw_day, b, tp, ev) != 0)
        return -1;
    if (on(e, SRC_VWAP_WEEKLY) && vwap_bar(e, &e->vw_week, b, tp, ev) != 0)
        return -1;
    if (on(e, SRC_CLUSTER)) {
        if (cluster_push(&e->cluster, b, e->cluster_every, e->p.cluster_bin_pips * e->pip,
                         e->p.cluster_value_area, &e->lv) != 0 ||
            flush(e, b->ts, ev) != 0)
            return -1;
    }
    int64_t base_sec = e->base_sec;
    for (int k = 0; k < e->nagg; k++) {
        int tf = e->agg_list[k];
        struct series_agg *s = &e->agg[tf];
        /* inside the open period and not ending it (the common case): series_push's
         * update inline, same operations in the same order */
        if (s->open && b->ts >= s->cur.ts && b->ts + base_sec < s->end) {
            s->cur.high = b->high > s->cur.high ? b->high : s->cur.high;
            s->cur.low = b->low < s->cur.low ? b->low : s->cur.low;
            s->cur.close = b->close;
            s->cur.volume += b->volume;
            continue;
        }
        if (tf == (int)e->base_tf) {
            /* the base timeframe's own period: every bar opens and ends it, so it is never
             * open between bars and series_push would return just this bar at its period
             * start */
            struct bar c = *b;
            /* a bar on its period's start (the feed's bars are) is its own start below W1
             * (those periods are multiples of tf_seconds from the epoch): no call */
            if (tf == TF_W1 || b->ts % base_sec != 0)
                c.ts = series_period_start((enum timeframe)tf, b->ts);
            if (on_closed(e, (enum timeframe)tf, &c, b->ts, ev) != 0)
                return -1;
            continue;
        }
        struct bar closed[2];
        int n = series_push(&e->agg[tf], b, base_sec, closed);
        for (int i = 0; i < n; i++)
            if (on_closed(e, (enum timeframe)tf, &closed[i], b->ts, ev) != 0)
                return -1;
    }
    if (on(e, SRC_ROUND)) {
        round_update(&e->round, b->close, e->p.round_level_step * e->pip,
                     e->p.round_levels_each_side, b->ts, &e->lv);
        if (flush(e, b->ts, ev) != 0)
            return -1;
    }
    geo_bar(&e->geo, b, e->atr.value);
    exit_book_bar(&e->xb, b);
    /* the geometry probe that started at this close: the exits a setup would get here */
    if (e->atr.value > 0.0 && e->geo.bars % e->geo.every == 0 && exit_probe(e, b) != 0)
        return -1;
    if (expire(e, b->ts, ev) != 0)
        return -1;
    /* every max(256, level index) bars, O(1) per bar amortised; the drawn reach (few zones,
     * wide bands) as soon as the widest drawn zone or control ended (an order block) */
    if (++e->map.reach_age >= 256 && e->map.reach_age >= e->map.nsorted)
        zone_map_reach_refresh(&e->map, 0);
    else if (e->map.reach_stale)
        zone_map_reach_refresh(&e->map, 1);
    return 0;
}

enum engine_push_result engine_push(struct engine *e, const struct bar *b,
                                    struct zone_events *ev)
{
    if (e->bars > 0 && b->ts == e->last_ts)
        return PUSH_DUPLICATE;
    if (e->bars > 0 && b->ts < e->last_ts)
        return PUSH_OUT_OF_ORDER;
    int rc = push_bar(e, b, ev);
    e->bars++;
    e->last_ts = b->ts;
    e->last_close = b->close;
    return rc == 0 ? PUSH_OK : PUSH_NOMEM;
}
