/*
 * zone_map.h - the zones of one symbol: a pool by id and an index sorted by price.
 *
 * The one idea: ids never move (pool[id - 1]), prices are found by binary search over a
 * compact array of ids sorted by zone price, with the prices kept beside the ids (a parallel
 * array) so a search or scan reads one contiguous array instead of jumping into the pool.
 * Around them, two small structures keep the per-bar work independent of how many zones
 * exist: a timing wheel of deactivation deadlines (one slot per bar of the history window,
 * each an intrusive list of the zones whose alive_clock was in that bar when armed; a zone
 * touched since is moved on lazily when its slot comes due: 4 bytes per zone) and the
 * watch set of zones whose test cycle needs every bar (in a test, or waiting for price
 * to leave far enough to re-arm).
 *
 * Every zone has two hidden control levels (evidence.h), one of each placement: cs[k].v[id - 1]
 * for k = CTL_MIRROR (mirrored through the close) and CTL_SIDE (same side, jittered
 * distance), each set with its own price index and watch set. Every change of the zone's
 * band or price (a merge widening it, a live VWAP moving it) is applied to both: the
 * controls measure the level, not how the engine grew its band. Controls are never shown
 * as zones; they only feed the tally.
 *
 * Growth is amortised doubling. A sorted index sits in a block of `cap` entries with the free
 * room on both sides of it: an insert or a removal moves the shorter side of its position
 * (the entries below it or the ones above), so a symbol with 100k zones far above the price
 * moves the few below, not the 100k above.
 */
#ifndef LIQ_ZONE_MAP_H
#define LIQ_ZONE_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "base/grow.h"
#include "evidence.h"
#include "zone.h"

/* The hidden control level of zone id (evidence.h): a band that follows the zone's band
 * changes (zone_map_cover, zone_map_move_controls), its own test cycle. */
struct control {
    double price, lo, hi;
    uint32_t tests;         /* tests started; their outcomes are counted in the tally only
                             * (evidence.h), where they are read: 48 bytes, not 72 */
    uint8_t where;          /* enum ctl_where */
    struct test_track trk;
};

/* Where a control is found: only the controls of active zones are looked at per bar. */
enum ctl_where {
    CTL_OUT = 0,            /* its zone is inactive: in no index, no list */
    CTL_INDEXED = 1,        /* in its set's price index */
    CTL_LIVE = 2,           /* of a live (moving) zone: in its set's live list */
};

/* A set keeps the controls of at most this many live zones out of its index (the day's and
 * the week's VWAP need 2); more are indexed and moved there. */
#define CTL_LIVE_MAX 4

/* The two placements of a zone's control (evidence.h). */
enum ctl_kind { CTL_MIRROR = 0, CTL_SIDE = 1, CTL_KINDS = 2 };

/* One placement's controls: v[id - 1], sorted by price like the zones, and the watch set.
 * The controls of active drawn zones are indexed apart (d*: few, but wide bands), so their
 * reach does not widen the walk over the level zones' controls. The order a bar visits
 * controls in does not matter (each test is its own; the tally's counts are sums of equal
 * steps per source). */
struct ctl_set {
    struct control *v;
    uint32_t *sorted;
    double *price;          /* price[i] == v[sorted[i] - 1].price, always */
    uint32_t n;
    uint32_t *sorted_mem;   /* sorted == sorted_mem + off, price == price_mem + off: the */
    double *price_mem;      /* index sits in blocks of zone_map.cap entries with room on */
    size_t off;             /* both sides (zone_map.c: slack_insert) */
    uint32_t *watch;
    size_t n_watch, watch_cap;
    double max_half;        /* widest reach of a control's band from its price */
    size_t hint;
    uint32_t *dsorted;      /* controls of active drawn zones, by price */
    double *dprice;
    uint32_t dn;
    size_t dcap;
    double dmax_half;
    size_t dhint;
    uint32_t live[CTL_LIVE_MAX]; /* controls of live zones: they move every bar, so they
                                  * stay out of the index until the zone freezes */
    uint32_t n_live;
};

/* Barriers of a test in ATR and its horizon in base bars (zone_stats.h). */
struct test_cfg {
    double hold_atr;        /* X: beyond the near edge on the approach side */
    double break_atr;       /* Y: beyond the far edge */
    double rearm_atr;       /* price must leave the band by this much before a new test */
    uint16_t horizon;       /* H: base bars after the touching bar */
    double prior_tests;     /* m of the probabilities (zone_stats.h), for p0 at a test start */
};

/* The listing of every zone not merged away, by price (zone_map_listing): built on demand
 * from the three places a zone can be (the level index, the drawn index, the ended drawn
 * zones). Its arrays are sized when zones are inserted or retired, so building it never
 * allocates. */
struct zone_listing {
    uint32_t *ids;          /* the listing, valid while version == zone_map.version */
    uint64_t version;       /* zone_map.version it was built at; 0 never built */
    uint32_t *ended;        /* ended drawn ids: [0, nended_sorted) by (price, id), then
                             * the ones ended since, in end order */
    size_t nended, nended_sorted, ended_cap;
    uint32_t *tmp;          /* merge buffer */
    size_t ids_cap;         /* of ids and tmp: every zone of the pool */
};

/*
 * How far price pierces past a zone's far edge before the zone holds (zone_stats.h): every
 * zone test that resolved as a hold (depth 0) or a sweep adds its deepest reach past the far
 * edge, in units of the ATR at its touch, to a histogram of PIERCE_BINS bins of 1/40 ATR
 * each (PIERCE_BIN_UNITS / PIERCE_PER_ATR; the last also holds anything deeper). Causal: a test enters
 * only once resolved. A stop beyond a quantile of it sits where the symbol's bounces have not
 * reached (docs/trading.md "Stop").
 */
#define PIERCE_PER_ATR 160.0  /* test_track.pierce units per ATR */
#define PIERCE_BIN_UNITS 4    /* pierce units per bin: 1/40 ATR */
#define PIERCE_BINS 64        /* 0 .. 1.6 ATR */
struct pierce_book {
    uint32_t n;               /* resolved holds and sweeps */
    uint32_t bin[PIERCE_BINS];
};

struct zone_map {
    struct zone *pool;      /* pool[id - 1] */
    uint32_t n, cap;
    uint32_t *sorted;       /* the level index: ids of zones that are not drawn and not
                             * merged away, active or not (a merge can revive one), by price */
    double *sprice;         /* sprice[i] == pool[sorted[i] - 1].price, always */
    uint32_t nsorted;
    uint32_t *sorted_mem;   /* sorted == sorted_mem + soff, sprice == sprice_mem + soff */
    double *sprice_mem;
    size_t soff;
    /* the drawn index: active drawn zones by price (ties by id). A drawn zone that ends is
     * never revived nor a merge target: it leaves for the listing's ended list, so neither
     * the bar's scans nor find_merge walk the ended ones */
    uint32_t *dsorted;
    double *dsprice;
    size_t ndsorted, dcap;
    double dmax_half;       /* widest reach of an active drawn zone's band from its price */
    size_t dscan_hint;
    uint64_t version;       /* bumps whenever the listing could change */
    struct zone_listing *listing; /* NULL until the first drawn zone */
    /* deadline wheel: slot k % nslot lists the zones armed with alive_clock in bar k
     * (alive_clock / base); dnext[id - 1] links them (DL_NONE: in no list) */
    uint32_t *dslot, *dnext;
    uint32_t nslot;
    int64_t dbase, dhist;   /* bar length and history window, seconds of market clock */
    int64_t dk;             /* the next bar k whose slot comes due */
    uint32_t *due;          /* zone_map_expire's batch */
    size_t due_cap;
    uint32_t *watch;        /* ids with trk.watched = 1 (lazily purged) */
    size_t n_watch, watch_cap;
    double max_half;        /* widest reach of an active level zone's band from its price:
                             * bounds the level index's scan */
    double merge_half;      /* the same over every zone of the level index (merge targets) */
    uint32_t reach_age;     /* bars since zone_map_reach_refresh */
    uint8_t reach_stale;    /* a drawn zone (or control) as wide as the drawn reach ended
                             * since the refresh */
    size_t scan_hint;       /* sorted index where the last bar's zone scan started */
    struct ctl_set cs[CTL_KINDS]; /* control levels of each placement */
    struct test_cfg tc;
    struct zone_tally tally;
    struct pierce_book pierce; /* the zones' holds and sweeps (not the controls') */
    int64_t mclock;         /* market clock: seconds of bars pushed (each bar counts its
                             * timeframe; nights, weekends and gaps count nothing) */
};

void zone_map_init(struct zone_map *m);
void zone_map_free(struct zone_map *m);

/* NULL when id is 0 or unknown. The pointer is invalidated by zone_map_insert. */
static inline struct zone *zone_map_get(const struct zone_map *m, uint32_t id)
{
    if (id == 0 || id > m->n)
        return NULL;
    return &m->pool[id - 1];
}
/* First level index entry whose zone price is >= price. */
size_t zone_map_lower_bound(const struct zone_map *m, double price);

/* Every zone not merged away (level and drawn, active or not): zone_map_count ids, by price,
 * ties by id (creation order: where the one sorted index of earlier versions had them).
 * Built on the first call after a change, into memory sized beforehand (never fails); a map
 * is read by one thread at a time (the service reads an engine under its symbol's lock). */
size_t zone_map_count(const struct zone_map *m);
const uint32_t *zone_map_listing(const struct zone_map *m);

/* Copies z (id assigned here) into the pool and the price index, and places its control
 * levels at ctl_price[CTL_MIRROR] and ctl_price[CTL_SIDE] with the same band width. Returns
 * the id, 0 on ENOMEM. Does not arm a deadline (zone_map_arm) nor start a test cycle
 * (zone_stats_track_init). */
uint32_t zone_map_insert(struct zone_map *m, const struct zone *z,
                         const double ctl_price[CTL_KINDS]);

/* zone_map_lower_bound_from over any ascending array v[0..n) (the control prices use it).
 * Most bars start their scans where the last one did or a step or two away: the first steps
 * from the hint are taken inline, and zone_map_index_walk walks on or bisects when price
 * moved further. */
size_t zone_map_index_walk(const double *v, size_t n, double price, size_t hint);
/* Up to steps steps of *i towards the lower bound: 1 when *i is it. */
static inline int zone_map_index_steps(const double *v, size_t n, double price, size_t *i,
                                       int steps)
{
    for (int step = 0; step < steps; step++) {
        if (*i > 0 && v[*i - 1] >= price)
            (*i)--;
        else if (*i < n && v[*i] < price)
            (*i)++;
        else
            return 1;
    }
    return 0;
}
static inline size_t zone_map_index_from(const double *v, size_t n, double price, size_t hint)
{
    size_t i = hint < n ? hint : n;
    return zone_map_index_steps(v, n, price, &i, 4) ? i : zone_map_index_walk(v, n, price, i);
}
/* The same as zone_map_lower_bound, starting from a sorted index that was right recently
 * (any value is correct; a near one makes it a few steps instead of a bisection). */
static inline size_t zone_map_lower_bound_from(const struct zone_map *m, double price,
                                               size_t hint)
{
    return zone_map_index_from(m->sprice, m->nsorted, price, hint);
}

/* Moves zone id (band kept the same width) to price, keeping the index sorted. hint (may be
 * NULL) is the caller's memory of the zone's sorted index: checked, used when right, and
 * updated, so a level that moves every bar needs no search. */
void zone_map_move_slow(struct zone_map *m, uint32_t id, double price, size_t *hint);
static inline void zone_map_move(struct zone_map *m, uint32_t id, double price, size_t *hint)
{
    /* the common case inline: the hint is right and the level stays between its
     * neighbours (what zone_map_move_slow does then: the band shifts, one store) */
    size_t at;
    m->version++;
    if (hint != NULL && (at = *hint) < m->nsorted && m->sorted[at] == id &&
        !(at > 0 && m->sprice[at - 1] > price) &&
        !(at + 1 < m->nsorted && m->sprice[at + 1] < price)) {
        struct zone *z = &m->pool[id - 1];
        double shift = price - z->price;
        z->price = price;
        z->lo += shift;
        z->hi += shift;
        m->sprice[at] = price;
        return;
    }
    zone_map_move_slow(m, id, price, hint);
}
/* Moves both controls of zone id by shift (the zone moved by shift: a live VWAP level). A
 * live control is only shifted; one that is indexed keeps its index sorted. */
void zone_map_move_controls_slow(struct zone_map *m, uint32_t id, double shift);
static inline void zone_map_move_controls(struct zone_map *m, uint32_t id, double shift)
{
    /* the common case inline: neither control indexed (a live zone's are in the live
     * lists), so each is only shifted, as zone_map_move_controls_slow does then */
    struct control *c0 = &m->cs[CTL_MIRROR].v[id - 1], *c1 = &m->cs[CTL_SIDE].v[id - 1];
    if (c0->where == CTL_INDEXED || c1->where == CTL_INDEXED) {
        zone_map_move_controls_slow(m, id, shift);
        return;
    }
    c0->price += shift;
    c0->lo += shift;
    c0->hi += shift;
    c1->price += shift;
    c1->lo += shift;
    c1->hi += shift;
}
/* Zone id stopped moving (a frozen VWAP): its live controls join their sets' indexes. */
void zone_map_settle_controls(struct zone_map *m, uint32_t id);
/* Zone id became inactive (CTL_OUT: its controls leave the indexes, so a bar never looks at
 * them; a drawn zone also leaves the drawn index for the ended list, for good) or active
 * again (CTL_INDEXED, or CTL_LIVE for a live zone; never a drawn zone). Index memory is the
 * pool's (the ended list's was sized at the drawn zone's insert): nothing is allocated. */
void zone_map_place_controls(struct zone_map *m, uint32_t id, int active);
/* The scans' reach (max_half, dmax_half, each control set's) taken again from the active
 * zones and the indexed controls: they only grow between refreshes (insert, cover, revival),
 * so a wide zone that deactivated stops widening every bar's scan at the next refresh.
 * drawn_only: the drawn index and its controls' (O(active drawn zones): engine.c does it at
 * the bar where reach_stale says the widest drawn zone ended); else every index, O(zones in
 * the indexes), every max(256, level index) bars. */
void zone_map_reach_refresh(struct zone_map *m, int drawn_only);

/* Takes a merged-away zone out of the price index (it stays in the pool). */
void zone_map_unlink(struct zone_map *m, uint32_t id);

/*
 * The zone, other than `except`, nearest to price whose band overlaps [lo, hi] or lies
 * within dist of it; live (moving) zones are never targets. 0 when none. Example: zones at
 * 1.1000 (band 1.0999..1.1001) and dist 0.0002 -> a level at 1.1004 with band
 * 1.1003..1.1005 finds it (gap 0.0002).
 */
uint32_t zone_map_find_merge(const struct zone_map *m, double price, double lo, double hi,
                             double dist, uint32_t except);

/* Sizes the deadline wheel for bars of `base` seconds (> 0) and a history window of `hist`
 * seconds (>= 0): hist / base + 3 slots. 0, or -1 on ENOMEM. Before any zone_map_insert. */
int zone_map_deadlines(struct zone_map *m, int64_t base, int64_t hist);
/* Arms the deactivation deadline of an active zone, alive_clock + hist (a zone still in a
 * slot keeps it: it is moved on when that slot comes due). */
void zone_map_arm(struct zone_map *m, uint32_t id);
/* The zones whose deadline passed at market clock now (alive_clock + hist < now; active,
 * not merged), ascending by id, in *ids (valid until the next call); those touched since
 * they were armed move to the slot of their new deadline. The caller deactivates them.
 * Returns the count, or -1 on ENOMEM. Called once per bar (the clock advances one base). */
long zone_map_expire(struct zone_map *m, int64_t now, const uint32_t **ids);

/* The ids of the active zones (not merged away), in no particular order, into out (room
 * for n ids): the deadline wheel lists every active zone once (armed when made or
 * revived, moved on when touched), so this costs the wheel's slots and the active zones,
 * not the whole index. Returns the count. */
size_t zone_map_active_ids(const struct zone_map *m, uint32_t *out);

/* Adds id to the zone watch set (control = 0) or to the watch set of its control of
 * placement control - 1 (1: CTL_MIRROR, 2: CTL_SIDE) unless it is there. 0, or -1 on
 * ENOMEM. Inline: the test cycles call it at every test start. */
static inline int zone_map_watch(struct zone_map *m, uint32_t id, int control)
{
    struct ctl_set *cs = control ? &m->cs[control - 1] : NULL;
    struct test_track *t = cs ? &cs->v[id - 1].trk : &m->pool[id - 1].trk;
    if (t->watched)
        return 0;
    uint32_t **v = cs ? &cs->watch : &m->watch;
    size_t *n = cs ? &cs->n_watch : &m->n_watch;
    uint32_t *g = grow_array(*v, cs ? &cs->watch_cap : &m->watch_cap, *n + 1, sizeof **v, 32);
    if (g == NULL)
        return -1;
    *v = g;
    g[(*n)++] = id;
    t->watched = 1;
    return 0;
}

/* Widens zone id's band to cover price (a level merged into it): lo <= price <= hi. Its
 * controls widen by the same amounts: the same-side control on the same edges, the mirrored
 * one on the mirrored edges (the zone's edge nearer the close is the control's nearer one). */
void zone_map_cover(struct zone_map *m, uint32_t id, double price);

#endif
