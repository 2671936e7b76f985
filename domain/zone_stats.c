/*
 * zone_stats.c - test cycles of zones and controls, the tally, calibrated probabilities and
 * strength (see zone_stats.h).
 *
 * Per bar the work is the two watch sets (levels in a test or waiting to re-arm: the few near
 * price) and a binary search to the first zone and control the bar can reach; it does not
 * grow with the number of levels elsewhere on the price axis.
 */
#include "zone_stats.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "base/grow.h"
#include "bins.h"

/* The corrected prob_hold stays in [CAL_MIN, 1 - CAL_MIN]. */
static const double CAL_MIN = 0.001;

static double raw_hold(const struct zone *z, struct zone_tally *t, double m);

int zone_events_grow(struct zone_events *ev)
{
    struct zone_event *v = grow_array(ev->v, &ev->cap, ev->cap + 1, sizeof *v, 64);
    if (v == NULL)
        return -1;
    ev->v = v;
    return 0;
}

/* Arms t when bar b lies rearm away from [lo, hi]: returns 1 then. */
static inline int try_arm(struct test_track *t, double lo, double hi, const struct bar *b,
                          double rearm)
{
    if (b->low >= hi + rearm) {
        t->approach = 1;
    } else if (b->high <= lo - rearm) {
        t->approach = -1;
    } else {
        return 0;
    }
    t->state = TS_ARMED;
    return 1;
}

/* Does bar b reach Y beyond the far edge? (the break barrier) */
static inline int breaks(const struct test_track *t, double lo, double hi,
                         const struct bar *b, double y)
{
    return t->approach > 0 ? b->low <= lo - y : b->high >= hi + y;
}

/* A test in progress at a bar after its touch: the outcome, or OUTCOME_NONE. */
static inline enum zone_outcome step(struct test_track *t, double lo, double hi,
                                     const struct bar *b, const struct test_cfg *c)
{
    double u = t->atr;
    int crossed;
    if (t->approach > 0) { /* breaks(), the hold barrier and the far edge, from above */
        if (b->low <= lo - c->break_atr * u)
            return OUTCOME_BREAK;
        crossed = b->low < lo;
        if (b->high >= hi + c->hold_atr * u)
            return t->swept || crossed ? OUTCOME_SWEEP : OUTCOME_HOLD;
    } else { /* from below */
        if (b->high >= hi + c->break_atr * u)
            return OUTCOME_BREAK;
        crossed = b->high > hi;
        if (b->low <= lo - c->hold_atr * u)
            return t->swept || crossed ? OUTCOME_SWEEP : OUTCOME_HOLD;
    }
    t->swept |= (uint8_t)crossed;
    return --t->left == 0 ? OUTCOME_TIMEOUT : OUTCOME_NONE;
}

/* A zone's test at bar b: its deepest reach past the far edge so far (zones only: a control's
 * depth feeds nothing). */
static inline void pierce_bar(struct test_track *t, double lo, double hi,
                              const struct bar *b)
{
    double d = t->approach > 0 ? lo - b->low : b->high - hi;
    if (!(d > 0.0) || !(t->atr > 0.0))
        return;
    double x = d / t->atr * PIERCE_PER_ATR;
    if (!(x > t->pierce)) /* ceil(x) <= pierce: no deeper (most bars of a test) */
        return;
    double u = ceil(x);
    uint8_t q = u >= 255.0 ? 255 : (uint8_t)u;
    if (q > t->pierce)
        t->pierce = q;
}

/* The touching bar of an armed level: the test starts; it may break at once. */
static inline enum zone_outcome start(struct test_track *t, double lo, double hi,
                                      const struct bar *b, double atr,
                                      const struct test_cfg *c)
{
    t->state = TS_IN_TEST;
    t->pierce = 0;
    t->atr = atr;
    t->left = c->horizon;
    t->swept = (uint8_t)(t->approach > 0 ? b->low < lo : b->high > hi);
    return breaks(t, lo, hi, b, c->break_atr * t->atr) ? OUTCOME_BREAK : OUTCOME_NONE;
}

static const uint8_t OUTCOME_EVENT[OUTCOME_COUNT] = {
    [OUTCOME_HOLD] = ZEV_HOLD, [OUTCOME_SWEEP] = ZEV_SWEEP, [OUTCOME_BREAK] = ZEV_BREAK,
    [OUTCOME_TIMEOUT] = ZEV_TIMEOUT,
};

static uint32_t *zone_counter(struct zone *z, enum zone_outcome o)
{
    return o == OUTCOME_HOLD ? &z->holds : o == OUTCOME_SWEEP ? &z->sweeps
           : o == OUTCOME_BREAK ? &z->breaks : &z->timeouts;
}

/* A zone's test ended with o at bar b. */
static int zone_resolved(struct zone_map *m, struct zone *z, enum zone_outcome o,
                         const struct bar *b, struct zone_events *ev)
{
    (*zone_counter(z, o))++;
    z->trk.last = (uint8_t)o;
    z->trk.state = TS_DISARMED;
    tally_add(&m->tally, z->sources, o, 0);
    tally_calibrate(&m->tally, z->p0, o);
    if (o == OUTCOME_HOLD || o == OUTCOME_SWEEP) {
        m->pierce.bin[z->trk.pierce / PIERCE_BIN_UNITS]++;
        m->pierce.n++;
    }
    if (o == OUTCOME_BREAK)
        z->role = z->trk.approach > 0 ? ROLE_RESISTANCE : ROLE_SUPPORT;
    return zone_emit(ev, z->id, 0, b->ts, b->close, (enum zone_event_kind)OUTCOME_EVENT[o]);
}

/* The control of placement k of zone id: its test ended with o. */
static void ctl_resolved(struct zone_map *m, int k, uint32_t id, enum zone_outcome o)
{
    struct control *c = &m->cs[k].v[id - 1];
    c->trk.last = (uint8_t)o;
    c->trk.state = TS_DISARMED;
    tally_add(&m->tally, m->pool[id - 1].sources, o, k + 1);
}

int zone_stats_track_init(struct zone_map *m, uint32_t id, const struct bar *b, double atr)
{
    struct zone *z = &m->pool[id - 1];
    z->trk.state = TS_DISARMED;
    int rc = 0;
    if (!(atr > 0.0) || !try_arm(&z->trk, z->lo, z->hi, b, m->tc.rearm_atr * atr))
        rc |= zone_map_watch(m, id, 0);
    for (int k = 0; k < CTL_KINDS; k++) {
        struct control *c = &m->cs[k].v[id - 1];
        c->trk.state = TS_DISARMED;
        if (!(atr > 0.0) || !try_arm(&c->trk, c->lo, c->hi, b, m->tc.rearm_atr * atr))
            rc |= zone_map_watch(m, id, k + 1);
    }
    return rc;
}

/* The watched zones: tests advance, disarmed zones re-arm; compacts the set in place. */
static int watch_zones(struct zone_map *m, const struct bar *b, double rearm,
                       struct zone_events *ev)
{
    int rc = 0;
    uint32_t *watch = m->watch;
    struct zone *pool = m->pool;
    size_t n = m->n_watch, keep = 0;
    for (size_t k = 0; k < n; k++) {
        struct zone *z = &pool[watch[k] - 1];
        if (!z->active || z->merged_into != 0) {
            z->trk.state = TS_DISARMED;
            z->trk.watched = 0;
            continue;
        }
        if (z->trk.state == TS_IN_TEST) {
            pierce_bar(&z->trk, z->lo, z->hi, b);
            enum zone_outcome o = step(&z->trk, z->lo, z->hi, b, &m->tc);
            if (o == OUTCOME_NONE) { /* still in its test: stays watched */
                watch[keep++] = z->id;
                continue;
            }
            rc |= zone_resolved(m, z, o, b, ev);
        }
        if (z->trk.state == TS_DISARMED && rearm > 0.0)
            try_arm(&z->trk, z->lo, z->hi, b, rearm);
        if (z->trk.state == TS_ARMED) {
            z->trk.watched = 0;
            continue;
        }
        watch[keep++] = z->id;
    }
    m->n_watch = keep;
    return rc;
}

/* Is the zone of control c active and not merged away? Its controls are out of every index
 * and list (CTL_OUT) exactly when it is not (zone_map_place_controls follows every change),
 * so the control answers without a look into the pool. */
static inline int ctl_zone_live(const struct zone_map *m, const struct control *c, uint32_t id)
{
    (void)m;
    (void)id;
    assert((c->where != CTL_OUT) ==
           (m->pool[id - 1].active && m->pool[id - 1].merged_into == 0));
    return c->where != CTL_OUT;
}

/* The watched controls of placement kind, as watch_zones. */
static void watch_controls(struct zone_map *m, int kind, const struct bar *b, double rearm)
{
    struct ctl_set *cs = &m->cs[kind];
    uint32_t *watch = cs->watch;
    struct control *v = cs->v;
    const struct test_cfg *tc = &m->tc;
    size_t n = cs->n_watch, keep = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t id = watch[k];
        struct control *c = &v[id - 1];
        if (!ctl_zone_live(m, c, id)) {
            c->trk.state = TS_DISARMED;
            c->trk.watched = 0;
            continue;
        }
        if (c->trk.state == TS_IN_TEST) {
            enum zone_outcome o = step(&c->trk, c->lo, c->hi, b, tc);
            if (o == OUTCOME_NONE) { /* still in its test: stays watched */
                watch[keep++] = id;
                continue;
            }
            ctl_resolved(m, kind, id, o);
        }
        if (c->trk.state == TS_DISARMED && rearm > 0.0)
            try_arm(&c->trk, c->lo, c->hi, b, rearm);
        if (c->trk.state == TS_ARMED) {
            c->trk.watched = 0;
            continue;
        }
        watch[keep++] = id;
    }
    cs->n_watch = keep;
}

/* Does bar b reach zone z: active, and its range overlaps the band? */
static inline int zone_reached(const struct zone *z, const struct bar *b)
{
    return z->active && !(b->low > z->hi) && !(b->high < z->lo);
}

/* Zone z, reached by the bar's range (zone_reached): touched, and the test of an armed zone
 * starts. */
static inline int touch_zone(struct zone_map *m, struct zone *z, const struct bar *b,
                             double atr, struct zone_events *ev)
{
    int rc = 0;
    z->touches++;
    z->last_touch_ts = b->ts;
    z->alive_clock = m->mclock;
    rc |= zone_emit(ev, z->id, 0, b->ts, b->close, ZEV_TOUCH);
    if (z->trk.state != TS_ARMED)
        return rc;
    z->tests++;
    if (z->role == ROLE_NONE) /* made before any bar: the first approach decides */
        z->role = z->trk.approach > 0 ? ROLE_SUPPORT : ROLE_RESISTANCE;
    rc |= zone_emit(ev, z->id, 0, b->ts, b->close, ZEV_TEST);
    if (m->tally.cal_decay > 0.0)
        z->p0 = (float)raw_hold(z, &m->tally, m->tc.prior_tests);
    enum zone_outcome o = start(&z->trk, z->lo, z->hi, b, atr, &m->tc);
    pierce_bar(&z->trk, z->lo, z->hi, b);
    if (o != OUTCOME_NONE)
        rc |= zone_resolved(m, z, o, b, ev);
    rc |= zone_map_watch(m, z->id, 0);
    return rc;
}

/* The zones the bar's range reaches, in listing order (price, ties by id): the level index
 * within its reach and the drawn index within its own (a wide drawn band does not widen the
 * walk over the level zones), merged. Only the zones the bar reaches do anything, so the
 * merge takes a drawn zone's place in the order only when the bar reaches it. */
static int touch_zones(struct zone_map *m, const struct bar *b, double atr,
                       struct zone_events *ev)
{
    int rc = 0;
    struct zone *pool = m->pool;
    const uint32_t *sorted = m->sorted, *dsorted = m->dsorted;
    const double *sprice = m->sprice, *dsprice = m->dsprice;
    double lr = m->max_half, dr = m->dmax_half;
    size_t ni = m->nsorted, nj = m->ndsorted, j = nj;
    size_t i = zone_map_index_from(sprice, ni, b->low - lr, m->scan_hint);
    m->scan_hint = i;
    if (nj > 0) {
        j = zone_map_index_from(dsprice, nj, b->low - dr, m->dscan_hint);
        m->dscan_hint = j;
    }
    for (; j < nj && !(dsprice[j] - dr > b->high); j++) {
        struct zone *d = &pool[dsorted[j] - 1];
        if (!zone_reached(d, b))
            continue;
        for (; i < ni && !(sprice[i] - lr > b->high) &&
               (sprice[i] < dsprice[j] || (sprice[i] == dsprice[j] && sorted[i] < dsorted[j]));
             i++) {
            struct zone *z = &pool[sorted[i] - 1];
            if (zone_reached(z, b))
                rc |= touch_zone(m, z, b, atr, ev);
        }
        rc |= touch_zone(m, d, b, atr, ev);
    }
    for (; i < ni && !(sprice[i] - lr > b->high); i++) {
        struct zone *z = &pool[sorted[i] - 1];
        if (zone_reached(z, b))
            rc |= touch_zone(m, z, b, atr, ev);
    }
    return rc;
}

/* Is control c armed and touched by a bar from low to high? (most controls a bar reaches
 * are not) */
static inline int armed_touch(const struct control *c, double low, double high)
{
    return c->trk.state == TS_ARMED && low <= c->hi && high >= c->lo;
}

/* An armed control id of placement kind touched by bar b: its test starts when its zone is
 * active. */
static int touch_control(struct zone_map *m, int kind, uint32_t id, const struct bar *b,
                         double atr)
{
    struct control *c = &m->cs[kind].v[id - 1];
    if (!ctl_zone_live(m, c, id))
        return 0;
    c->tests++;
    if (start(&c->trk, c->lo, c->hi, b, atr, &m->tc) != OUTCOME_NONE)
        ctl_resolved(m, kind, id, OUTCOME_BREAK);
    return zone_map_watch(m, id, kind + 1);
}

/* The controls of placement kind the bar's range reaches (the level zones' index, the drawn
 * zones' index, then the live ones). */
static int touch_controls(struct zone_map *m, int kind, const struct bar *b, double atr)
{
    /* the index, its arrays and the bar's range in locals: a touch's stores (a control's
     * state, the watch set) would otherwise make every entry reload them */
    int rc = 0;
    struct ctl_set *cs = &m->cs[kind];
    const struct control *v = cs->v;
    double low = b->low, high = b->high;
    const double *price = cs->price;
    const uint32_t *sorted = cs->sorted;
    size_t n = cs->n;
    double reach = cs->max_half;
    size_t i = zone_map_index_from(price, n, low - reach, cs->hint);
    cs->hint = i;
    for (; i < n && !(price[i] - reach > high); i++) {
        if (armed_touch(&v[sorted[i] - 1], low, high))
            rc |= touch_control(m, kind, sorted[i], b, atr);
    }
    price = cs->dprice;
    sorted = cs->dsorted;
    n = cs->dn;
    reach = cs->dmax_half;
    i = n == 0 ? 0 : zone_map_index_from(price, n, low - reach, cs->dhint);
    cs->dhint = i;
    for (; i < n && !(price[i] - reach > high); i++) {
        if (armed_touch(&v[sorted[i] - 1], low, high))
            rc |= touch_control(m, kind, sorted[i], b, atr);
    }
    for (uint32_t j = 0; j < cs->n_live; j++)
        if (armed_touch(&v[cs->live[j] - 1], low, high))
            rc |= touch_control(m, kind, cs->live[j], b, atr);
    return rc;
}

int zone_stats_bar(struct zone_map *m, const struct bar *b, double atr, struct zone_events *ev)
{
    double rearm = atr > 0.0 ? m->tc.rearm_atr * atr : 0.0;
    int rc = watch_zones(m, b, rearm, ev);
    for (int k = 0; k < CTL_KINDS; k++)
        watch_controls(m, k, b, rearm);
    if (!(atr > 0.0)) /* no barrier unit yet: touches count, no test starts */
        atr = 0.0;
    rc |= touch_zones(m, b, atr, ev);
    for (int k = 0; k < CTL_KINDS; k++)
        rc |= touch_controls(m, k, b, atr);
    return rc;
}

void zone_stats_prior(const struct zone_tally *t, uint32_t sources, uint32_t significant,
                      double pi[OUTCOME_COUNT])
{
    double cnt[OUTCOME_COUNT] = {0};
    uint32_t use = sources & significant;
    double w = t->w > 0.0 ? t->w : 1.0; /* pool weights in units of the latest test */
    if (use == 0) {
        for (int o = OUTCOME_HOLD; o < OUTCOME_COUNT; o++)
            cnt[o] = t->pool[EVR_ALL][o] / w;
    }
    for (uint32_t left = use; left != 0; left &= left - 1)
        for (int o = OUTCOME_HOLD; o < OUTCOME_COUNT; o++)
            cnt[o] += t->pool[__builtin_ctz(left)][o] / w;
    double n = 0;
    for (int o = OUTCOME_HOLD; o < OUTCOME_COUNT; o++)
        n += cnt[o];
    pi[OUTCOME_NONE] = 0.0;
    for (int o = OUTCOME_HOLD; o < OUTCOME_COUNT; o++)
        pi[o] = (cnt[o] + 1.0) / (n + 4.0);
}

/* The shrunk estimate before the calibration in the large. */
static void raw_probs(const struct zone *z, const struct zone_tally *t, uint32_t significant,
                      double m, double p[OUTCOME_COUNT])
{
    double pi[OUTCOME_COUNT];
    zone_stats_prior(t, z->sources, significant, pi);
    double own[OUTCOME_COUNT] = {[OUTCOME_HOLD] = z->holds, [OUTCOME_SWEEP] = z->sweeps,
                                 [OUTCOME_BREAK] = z->breaks, [OUTCOME_TIMEOUT] = z->timeouts};
    double n = own[OUTCOME_HOLD] + own[OUTCOME_SWEEP] + own[OUTCOME_BREAK] + own[OUTCOME_TIMEOUT];
    if (!(n + m > 0.0)) /* m 0 and no history: the prior alone */
        m = 1.0;
    p[OUTCOME_NONE] = 0.0;
    for (int o = OUTCOME_HOLD; o < OUTCOME_COUNT; o++)
        p[o] = (own[o] + m * pi[o]) / (n + m);
}

static void pool_row(const double *row, double *hold, double *all)
{
    *hold += row[OUTCOME_HOLD];
    *all += row[OUTCOME_HOLD] + row[OUTCOME_SWEEP] + row[OUTCOME_BREAK] + row[OUTCOME_TIMEOUT];
}

/* The uncorrected prob_hold of z's test starting now (p0 of its residual). */
static double raw_hold(const struct zone *z, struct zone_tally *t, double m)
{
    uint32_t use = tally_significant(t, z->sources);
    double hold = 0.0, all = 0.0; /* raw_probs' hold alone, in fewer steps */
    for (uint32_t left = use; left != 0; left &= left - 1)
        pool_row(t->pool[__builtin_ctz(left)], &hold, &all);
    if (use == 0)
        pool_row(t->pool[EVR_ALL], &hold, &all);
    double w = t->w > 0.0 ? t->w : 1.0;
    double pi = (hold / w + 1.0) / (all / w + 4.0);
    double n = (double)z->holds + z->sweeps + z->breaks + z->timeouts;
    if (!(n + m > 0.0))
        m = 1.0;
    return ((double)z->holds + m * pi) / (n + m);
}

void zone_stats_probs(const struct zone *z, const struct zone_tally *t, uint32_t significant,
                      double m, double p[OUTCOME_COUNT])
{
    raw_probs(z, t, significant, m, p);
    double b = tally_bias(t);
    if (b == 0.0 || !(p[OUTCOME_HOLD] < 1.0)) /* off, or nothing to move the rest from */
        return;
    double h = p[OUTCOME_HOLD], c = h + b;
    c = c < CAL_MIN ? CAL_MIN : c > 1.0 - CAL_MIN ? 1.0 - CAL_MIN : c;
    double rest = (1.0 - c) / (1.0 - h); /* the other outcomes keep their proportions */
    p[OUTCOME_HOLD] = c;
    for (int o = OUTCOME_SWEEP; o < OUTCOME_COUNT; o++)
        p[o] *= rest;
}

static void zone_probs(struct zone *z, const struct zone_tally *t, uint32_t significant,
                       double m)
{
    double p[OUTCOME_COUNT];
    zone_stats_probs(z, t, significant, m, p);
    z->prob_hold = (float)p[OUTCOME_HOLD];
    z->prob_sweep = (float)p[OUTCOME_SWEEP];
    z->prob_break = (float)p[OUTCOME_BREAK];
    z->prob_timeout = (float)p[OUTCOME_TIMEOUT];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Number of values in sorted v[0..n) that are <= x. */
static size_t count_le(const double *v, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void zone_stats_refresh(struct zone_map *m, double prior_tests, double *scratch)
{
    uint32_t sig = evidence_significant_sources(&m->tally);
    size_t na = 0;
    for (uint32_t i = 0; i < m->n; i++) {
        struct zone *z = &m->pool[i];
        zone_probs(z, &m->tally, sig, prior_tests);
        if (z->active && z->merged_into == 0)
            scratch[na++] = (double)z->prob_hold + (double)z->prob_sweep;
    }
    if (na > 1) /* an empty map has no scratch yet (NULL): qsort's pointer must not be */
        qsort(scratch, na, sizeof *scratch, cmp_double);
    for (uint32_t i = 0; i < m->n; i++) {
        struct zone *z = &m->pool[i];
        double key = (double)z->prob_hold + (double)z->prob_sweep;
        z->strength = na ? (float)((double)count_le(scratch, na, key) / (double)na) : 0.0f;
    }
}

double zone_stats_bounce_key(const struct zone *z, const struct zone_tally *t,
                             uint32_t significant, double prior_tests)
{
    double p[OUTCOME_COUNT];
    zone_stats_probs(z, t, significant, prior_tests, p);
    return (double)(float)p[OUTCOME_HOLD] + (double)(float)p[OUTCOME_SWEEP];
}

double zone_stats_pierce_quantile(const struct pierce_book *pb, double q, uint32_t min_tests)
{
    return bins_quantile(pb->bin, PIERCE_BINS, pb->n, q, min_tests,
                         PIERCE_BIN_UNITS / PIERCE_PER_ATR);
}
