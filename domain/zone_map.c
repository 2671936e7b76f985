/*
 * zone_map.c - pool by id, price index, deadline wheel and in-test set (see zone_map.h).
 */
#include "zone_map.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "base/lower_bound.h"

void zone_map_init(struct zone_map *m)
{
    *m = (struct zone_map){0};
}

void zone_map_free(struct zone_map *m)
{
    free(m->pool);
    free(m->sorted_mem);
    free(m->sprice_mem);
    free(m->dslot);
    free(m->dnext);
    free(m->due);
    free(m->watch);
    free(m->dsorted);
    free(m->dsprice);
    if (m->listing != NULL) {
        free(m->listing->ids);
        free(m->listing->ended);
        free(m->listing->tmp);
        free(m->listing);
    }
    for (int k = 0; k < CTL_KINDS; k++) {
        free(m->cs[k].v);
        free(m->cs[k].sorted_mem);
        free(m->cs[k].price_mem);
        free(m->cs[k].watch);
        free(m->cs[k].dsorted);
        free(m->cs[k].dprice);
    }
    *m = (struct zone_map){0};
}

size_t zone_map_lower_bound(const struct zone_map *m, double price)
{
    return lower_bound_f64(m->sprice, m->nsorted, sizeof *m->sprice, price);
}

/* The array *array_ptr points to (any element type) reallocated to cap elements of elem
 * bytes: 0, or -1 with the array as it was. */
static int resize(void *array_ptr, uint32_t cap, size_t elem)
{
    void *p;
    memcpy(&p, array_ptr, sizeof p);
    p = realloc(p, (size_t)cap * elem);
    if (p == NULL)
        return -1;
    memcpy(array_ptr, &p, sizeof p);
    return 0;
}

/* How far a band [lo, hi] reaches from its price. */
static double reach_of(double price, double lo, double hi)
{
    double below = price - lo, above = hi - price;
    return above > below ? above : below;
}

/* dnext[id - 1]: the zone is in no slot's list */
#define DL_NONE UINT32_MAX

/* The pool and its parallel arrays doubled (64 at first); m->cap follows only when all
 * grew. */
static int grow_pool(struct zone_map *m)
{
    uint32_t cap = m->cap ? m->cap * 2 : 64;
    /* the indexes keep their offsets: realloc keeps [off, off + n), the room above grows */
    int rc = 0;
    if (resize(&m->pool, cap, sizeof *m->pool) != 0 ||
        resize(&m->sorted_mem, cap, sizeof *m->sorted_mem) != 0 ||
        resize(&m->sprice_mem, cap, sizeof *m->sprice_mem) != 0 ||
        resize(&m->dnext, cap, sizeof *m->dnext) != 0)
        rc = -1;
    m->sorted = m->sorted_mem ? m->sorted_mem + m->soff : NULL;
    m->sprice = m->sprice_mem ? m->sprice_mem + m->soff : NULL;
    for (int k = 0; k < CTL_KINDS && rc == 0; k++) {
        struct ctl_set *cs = &m->cs[k];
        if (resize(&cs->v, cap, sizeof *cs->v) != 0 ||
            resize(&cs->sorted_mem, cap, sizeof *cs->sorted_mem) != 0 ||
            resize(&cs->price_mem, cap, sizeof *cs->price_mem) != 0)
            rc = -1;
        cs->sorted = cs->sorted_mem ? cs->sorted_mem + cs->off : NULL;
        cs->price = cs->price_mem ? cs->price_mem + cs->off : NULL;
    }
    if (rc != 0)
        return -1;
    m->cap = cap;
    return 0;
}

/* Inserts (id, price) into a sorted id / price pair of arrays of length *n, after equal
 * prices so ties keep creation order (determinism). */
static void index_insert(uint32_t *ids, double *prices, uint32_t *n, uint32_t id, double price)
{
    size_t lo = 0, hi = *n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (prices[mid] <= price)
            lo = mid + 1;
        else
            hi = mid;
    }
    memmove(&ids[lo + 1], &ids[lo], (*n - lo) * sizeof *ids);
    memmove(&prices[lo + 1], &prices[lo], (*n - lo) * sizeof *prices);
    ids[lo] = id;
    prices[lo] = price;
    (*n)++;
}

/* Room for one more drawn zone: in the drawn index, and in the listing's ended list and
 * merge buffer (where it goes when it ends), so retiring and listing never allocate. */
static int drawn_room(struct zone_map *m)
{
    if (m->listing == NULL && (m->listing = calloc(1, sizeof *m->listing)) == NULL)
        return -1;
    struct zone_listing *l = m->listing;
    size_t need = m->ndsorted + l->nended + 1, dcap = m->dcap, ecap = l->ended_cap;
    if (need <= dcap && need <= ecap && m->ndsorted + 1 <= m->cs[CTL_MIRROR].dcap &&
        m->ndsorted + 1 <= m->cs[CTL_SIDE].dcap)
        return 0; /* room everywhere (nearly every insert): nothing to grow */
    uint32_t *d = grow_array(m->dsorted, &dcap, need, sizeof *d, 64);
    if (d == NULL)
        return -1;
    m->dsorted = d;
    size_t pcap = m->dcap;
    double *dp = grow_array(m->dsprice, &pcap, need, sizeof *dp, 64);
    if (dp == NULL)
        return -1;
    m->dsprice = dp;
    m->dcap = dcap < pcap ? dcap : pcap;
    for (int k = 0; k < CTL_KINDS; k++) { /* the controls of the active drawn zones */
        struct ctl_set *cs = &m->cs[k];
        size_t c1 = cs->dcap, c2 = cs->dcap;
        uint32_t *ci = grow_array(cs->dsorted, &c1, m->ndsorted + 1, sizeof *ci, 64);
        if (ci == NULL)
            return -1;
        cs->dsorted = ci;
        double *cp = grow_array(cs->dprice, &c2, m->ndsorted + 1, sizeof *cp, 64);
        if (cp == NULL)
            return -1;
        cs->dprice = cp;
        cs->dcap = c1 < c2 ? c1 : c2;
    }
    uint32_t *e = grow_array(l->ended, &ecap, need, sizeof *e, 64);
    if (e == NULL)
        return -1;
    l->ended = e;
    l->ended_cap = ecap;
    return 0;
}

/* The listing's ids sized for every zone of the pool (once there is a listing). */
static int listing_room(struct zone_map *m)
{
    struct zone_listing *l = m->listing;
    if (l == NULL || m->n + 1 <= l->ids_cap)
        return 0;
    size_t cap = l->ids_cap;
    uint32_t *v = grow_array(l->ids, &cap, m->n + 1, sizeof *v, 64);
    if (v == NULL)
        return -1;
    l->ids = v;
    size_t tcap = l->ids_cap;
    uint32_t *t = grow_array(l->tmp, &tcap, m->n + 1, sizeof *t, 64);
    if (t == NULL)
        return -1;
    l->tmp = t;
    l->ids_cap = cap < tcap ? cap : tcap;
    return 0;
}

/*
 * A sorted id / price index in blocks of cap entries: *ids == imem + *off, *prices == pmem +
 * *off, *n entries, free room below (*off) and above (cap - *off - *n). An insert or a
 * removal moves the shorter side of its position into the room on that side; when that
 * side has none, the index is first recentred (half the room each side: O(n), then at least
 * room / 2 more moves on that side before the next one).
 */
struct slack {
    uint32_t **ids;
    double **prices;
    uint32_t *n;
    size_t *off;
    uint32_t *imem;
    double *pmem;
    size_t cap;
};

static void slack_set(const struct slack *x, size_t off)
{
    *x->off = off;
    *x->ids = x->imem + off;
    *x->prices = x->pmem + off;
}

/* Moves the whole index so the room is split evenly. */
static void slack_recentre(const struct slack *x)
{
    size_t room = x->cap - *x->n, to = room / 2;
    memmove(x->imem + to, *x->ids, *x->n * sizeof *x->imem);
    memmove(x->pmem + to, *x->prices, *x->n * sizeof *x->pmem);
    slack_set(x, to);
}

/* Inserts (id, price) after equal prices so ties keep creation order (determinism). The
 * caller made room (*n < cap). */
static void slack_insert(const struct slack *x, uint32_t id, double price)
{
    size_t n = *x->n, lo = 0, hi = n;
    const double *v = *x->prices;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] <= price)
            lo = mid + 1;
        else
            hi = mid;
    }
    assert(n < x->cap);
    int below = lo < n - lo; /* the entries below the slot are the fewer */
    size_t front = *x->off, back = x->cap - *x->off - n;
    if ((below && front == 0 && back >= 2) || (!below && back == 0 && front >= 2)) {
        slack_recentre(x);
        front = *x->off;
        back = x->cap - front - n;
    }
    if ((below && front > 0) || back == 0) { /* entries [0, lo) one down */
        slack_set(x, front - 1);
        memmove(*x->ids, *x->ids + 1, lo * sizeof **x->ids);
        memmove(*x->prices, *x->prices + 1, lo * sizeof **x->prices);
    } else { /* entries [lo, n) one up */
        memmove(*x->ids + lo + 1, *x->ids + lo, (n - lo) * sizeof **x->ids);
        memmove(*x->prices + lo + 1, *x->prices + lo, (n - lo) * sizeof **x->prices);
    }
    (*x->ids)[lo] = id;
    (*x->prices)[lo] = price;
    (*x->n)++;
}

/* Removes entry at, moving the shorter side. */
static void slack_remove(const struct slack *x, size_t at)
{
    size_t n = *x->n;
    if (at < n - 1 - at) { /* entries [0, at) one up */
        memmove(*x->ids + 1, *x->ids, at * sizeof **x->ids);
        memmove(*x->prices + 1, *x->prices, at * sizeof **x->prices);
        slack_set(x, *x->off + 1);
    } else {
        memmove(*x->ids + at, *x->ids + at + 1, (n - at - 1) * sizeof **x->ids);
        memmove(*x->prices + at, *x->prices + at + 1, (n - at - 1) * sizeof **x->prices);
    }
    (*x->n)--;
}

static struct slack level_slack(struct zone_map *m)
{
    return (struct slack){&m->sorted, &m->sprice, &m->nsorted, &m->soff, m->sorted_mem,
                          m->sprice_mem, m->cap};
}

static struct slack ctl_slack(struct zone_map *m, struct ctl_set *cs)
{
    return (struct slack){&cs->sorted, &cs->price, &cs->n, &cs->off, cs->sorted_mem,
                          cs->price_mem, m->cap};
}

uint32_t zone_map_insert(struct zone_map *m, const struct zone *z,
                         const double ctl_price[CTL_KINDS])
{
    int drawn = (z->flags & ZONE_F_DRAWN) != 0;
    if ((m->n == m->cap && grow_pool(m) != 0) || (drawn && drawn_room(m) != 0) ||
        listing_room(m) != 0)
        return 0;
    uint32_t id = ++m->n;
    struct zone *slot = &m->pool[id - 1];
    *slot = *z;
    slot->id = id;
    m->dnext[id - 1] = DL_NONE;
    m->version++;
    double reach = fmax(z->price - z->lo, z->hi - z->price);
    if (drawn) {
        uint32_t nd = (uint32_t)m->ndsorted;
        index_insert(m->dsorted, m->dsprice, &nd, id, z->price);
        m->ndsorted = nd;
        if (reach > m->dmax_half)
            m->dmax_half = reach;
    } else {
        struct slack x = level_slack(m);
        slack_insert(&x, id, z->price);
        if (reach > m->max_half)
            m->max_half = reach;
        if (reach > m->merge_half)
            m->merge_half = reach;
    }
    double half = (z->hi - z->lo) / 2;
    for (int k = 0; k < CTL_KINDS; k++) {
        struct ctl_set *cs = &m->cs[k];
        double p = ctl_price[k];
        cs->v[id - 1] = (struct control){.price = p, .lo = p - half, .hi = p + half};
        double *reach_k = drawn ? &cs->dmax_half : &cs->max_half;
        if (half > *reach_k)
            *reach_k = half;
    }
    if (!drawn || (z->flags & ZONE_F_LIVE)) {
        zone_map_place_controls(m, id, 1);
        return id;
    }
    /* a drawn zone's controls straight into the drawn control indexes (room made by
     * drawn_room): what zone_map_place_controls does for a new, active drawn zone (never
     * live: engine_drawn_add) */
    for (int k = 0; k < CTL_KINDS; k++) {
        struct ctl_set *cs = &m->cs[k];
        struct control *c = &cs->v[id - 1];
        index_insert(cs->dsorted, cs->dprice, &cs->dn, id, c->price);
        double r = reach_of(c->price, c->lo, c->hi);
        cs->dmax_half = r > cs->dmax_half ? r : cs->dmax_half;
        c->where = CTL_INDEXED;
    }
    return id;
}

void zone_map_cover(struct zone_map *m, uint32_t id, double price)
{
    /* fmin / fmax of finite numbers, inline (a zone takes a level at almost every flush) */
    struct zone *z = &m->pool[id - 1];
    z->lo = price < z->lo ? price : z->lo;
    z->hi = price > z->hi ? price : z->hi;
    double below = z->price - z->lo, above = z->hi - z->price;
    double reach = above > below ? above : below;
    if (z->flags & ZONE_F_DRAWN) { /* never a merge target: for completeness */
        if (reach > m->dmax_half)
            m->dmax_half = reach;
    } else {
        if (reach > m->max_half)
            m->max_half = reach;
        if (reach > m->merge_half)
            m->merge_half = reach;
    }
    for (int k = 0; k < CTL_KINDS; k++) {
        struct control *c = &m->cs[k].v[id - 1];
        c->lo = c->price - (k == CTL_MIRROR ? above : below);
        c->hi = c->price + (k == CTL_MIRROR ? below : above);
        if (reach > m->cs[k].max_half)
            m->cs[k].max_half = reach;
    }
}

size_t zone_map_index_walk(const double *v, size_t n, double price, size_t hint)
{
    size_t i = hint < n ? hint : n;
    /* walk while the hint is near (price moves little between bars), else bisect */
    if (zone_map_index_steps(v, n, price, &i, 8))
        return i;
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < price)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t sorted_index_of(const struct zone_map *m, uint32_t id, size_t *hint)
{
    if (hint != NULL && *hint < m->nsorted && m->sorted[*hint] == id)
        return *hint;
    size_t at = zone_map_lower_bound(m, m->pool[id - 1].price);
    while (at < m->nsorted && m->sorted[at] != id)
        at++;
    assert(at < m->nsorted);
    return at;
}

/* Entry at of a sorted id / price pair of arrays (id's) takes price and moves to its place:
 * a moving level travels little per bar, so it usually stays between its neighbours (one
 * store); when it passes one, it is shifted along by neighbour swaps. Returns its index. */
static size_t index_move(uint32_t *ids, double *prices, size_t n, size_t at, double price)
{
    uint32_t id = ids[at];
    while (at > 0 && prices[at - 1] > price) {
        ids[at] = ids[at - 1];
        prices[at] = prices[at - 1];
        ids[--at] = id;
    }
    while (at + 1 < n && prices[at + 1] < price) {
        ids[at] = ids[at + 1];
        prices[at] = prices[at + 1];
        ids[++at] = id;
    }
    prices[at] = price;
    return at;
}

void zone_map_move_slow(struct zone_map *m, uint32_t id, double price, size_t *hint)
{
    struct zone *z = &m->pool[id - 1];
    size_t at = sorted_index_of(m, id, hint);
    m->version++;
    double shift = price - z->price;
    z->price = price;
    z->lo += shift;
    z->hi += shift;
    at = index_move(m->sorted, m->sprice, m->nsorted, at, price);
    if (hint != NULL)
        *hint = at;
}

void zone_map_move_controls_slow(struct zone_map *m, uint32_t id, double shift)
{
    for (int k = 0; k < CTL_KINDS; k++) {
        struct ctl_set *cs = &m->cs[k];
        struct control *c = &cs->v[id - 1];
        double was = c->price;
        c->price += shift;
        c->lo += shift;
        c->hi += shift;
        if (c->where != CTL_INDEXED)
            continue;
        assert(!(m->pool[id - 1].flags & ZONE_F_DRAWN)); /* drawn zones never move */
        size_t at = zone_map_index_from(cs->price, cs->n, was, cs->hint);
        while (cs->sorted[at] != id)
            at++;
        index_move(cs->sorted, cs->price, cs->n, at, c->price);
    }
}

/* Takes control id of set cs (of a drawn zone when drawn) out of wherever it is. */
static void control_out(struct zone_map *m, struct ctl_set *cs, uint32_t id, int drawn)
{
    struct control *c = &cs->v[id - 1];
    if (c->where == CTL_LIVE) {
        uint32_t j = 0;
        while (cs->live[j] != id)
            j++;
        cs->live[j] = cs->live[--cs->n_live];
    } else if (c->where == CTL_INDEXED && drawn) {
        size_t at = zone_map_index_from(cs->dprice, cs->dn, c->price, cs->dhint);
        while (cs->dsorted[at] != id)
            at++;
        memmove(&cs->dsorted[at], &cs->dsorted[at + 1], (cs->dn - at - 1) * sizeof *cs->dsorted);
        memmove(&cs->dprice[at], &cs->dprice[at + 1], (cs->dn - at - 1) * sizeof *cs->dprice);
        cs->dn--;
    } else if (c->where == CTL_INDEXED) {
        /* most leave by expiry, far from the price the scan hint follows: a bisection */
        size_t at = lower_bound_f64(cs->price, cs->n, sizeof *cs->price, c->price);
        while (cs->sorted[at] != id)
            at++;
        struct slack x = ctl_slack(m, cs);
        slack_remove(&x, at);
    }
    c->where = CTL_OUT;
}


/* The widest reach of the zones ids[0..n) that are active (all, when every one is). */
static double widest(const struct zone_map *m, const uint32_t *ids, size_t n)
{
    double w = 0.0;
    for (size_t i = 0; i < n; i++) {
        const struct zone *z = &m->pool[ids[i] - 1];
        if (z->active) {
            double r = reach_of(z->price, z->lo, z->hi);
            w = r > w ? r : w;
        }
    }
    return w;
}

/* The same over the controls ids[0..n) of set cs. */
static double widest_ctl(const struct ctl_set *cs, const uint32_t *ids, size_t n)
{
    double w = 0.0;
    for (size_t i = 0; i < n; i++) {
        const struct control *c = &cs->v[ids[i] - 1];
        double r = reach_of(c->price, c->lo, c->hi);
        w = r > w ? r : w;
    }
    return w;
}

void zone_map_reach_refresh(struct zone_map *m, int drawn_only)
{
    /* the indexes hold exactly what the scans walk: the level index every zone not merged
     * away (active ones count), the drawn index and the control indexes only active ones */
    m->dmax_half = widest(m, m->dsorted, m->ndsorted);
    for (int k = 0; k < CTL_KINDS; k++)
        m->cs[k].dmax_half = widest_ctl(&m->cs[k], m->cs[k].dsorted, m->cs[k].dn);
    m->reach_stale = 0;
    if (drawn_only)
        return;
    m->max_half = widest(m, m->sorted, m->nsorted);
    for (int k = 0; k < CTL_KINDS; k++)
        m->cs[k].max_half = widest_ctl(&m->cs[k], m->cs[k].sorted, m->cs[k].n);
    m->reach_age = 0;
}

/* Drawn zone id (reach zr) ended: from the drawn index to the ended list (room made at its
 * insert). A second call (already out) does nothing. */
static void drawn_retire(struct zone_map *m, uint32_t id, double zr)
{
    size_t at = zone_map_index_from(m->dsprice, m->ndsorted, m->pool[id - 1].price,
                                    m->dscan_hint);
    while (at < m->ndsorted && m->dsorted[at] != id && !(m->dsprice[at] > m->pool[id - 1].price))
        at++;
    if (at == m->ndsorted || m->dsorted[at] != id)
        return;
    memmove(&m->dsorted[at], &m->dsorted[at + 1], (m->ndsorted - at - 1) * sizeof *m->dsorted);
    memmove(&m->dsprice[at], &m->dsprice[at + 1], (m->ndsorted - at - 1) * sizeof *m->dsprice);
    m->ndsorted--;
    m->listing->ended[m->listing->nended++] = id;
    m->version++;
    if (zr >= m->dmax_half)
        m->reach_stale = 1;
}

void zone_map_place_controls(struct zone_map *m, uint32_t id, int active)
{
    int live = (m->pool[id - 1].flags & ZONE_F_LIVE) != 0;
    int drawn = (m->pool[id - 1].flags & ZONE_F_DRAWN) != 0;
    const struct zone *z = &m->pool[id - 1];
    double zr = reach_of(z->price, z->lo, z->hi);
    if (z->flags & ZONE_F_DRAWN) {
        assert(!active || z->merged_into == 0);
        if (!active)
            drawn_retire(m, id, zr);
    } else if (active) { /* a revived zone: the scans reach it again */
        m->max_half = zr > m->max_half ? zr : m->max_half;
    }
    for (int k = 0; k < CTL_KINDS; k++) {
        struct ctl_set *cs = &m->cs[k];
        struct control *c = &cs->v[id - 1];
        uint8_t want = !active ? CTL_OUT
                       : live && (c->where == CTL_LIVE || cs->n_live < CTL_LIVE_MAX)
                           ? CTL_LIVE
                           : CTL_INDEXED;
        if (c->where == want)
            continue;
        if (c->where == CTL_INDEXED && drawn && reach_of(c->price, c->lo, c->hi) >= cs->dmax_half)
            m->reach_stale = 1;
        control_out(m, cs, id, drawn);
        if (want == CTL_LIVE)
            cs->live[cs->n_live++] = id;
        else if (want == CTL_INDEXED && drawn) { /* room made by drawn_room */
            index_insert(cs->dsorted, cs->dprice, &cs->dn, id, c->price);
            double r = reach_of(c->price, c->lo, c->hi);
            cs->dmax_half = r > cs->dmax_half ? r : cs->dmax_half;
        } else if (want == CTL_INDEXED) {
            struct slack x = ctl_slack(m, cs);
            slack_insert(&x, id, c->price);
            double r = reach_of(c->price, c->lo, c->hi);
            cs->max_half = r > cs->max_half ? r : cs->max_half;
        }
        c->where = want;
    }
}

void zone_map_settle_controls(struct zone_map *m, uint32_t id)
{
    zone_map_place_controls(m, id, m->pool[id - 1].active);
}


void zone_map_unlink(struct zone_map *m, uint32_t id)
{
    size_t at = sorted_index_of(m, id, NULL);
    struct slack x = level_slack(m);
    slack_remove(&x, at);
    m->version++;
}

size_t zone_map_count(const struct zone_map *m)
{
    return m->nsorted + m->ndsorted + (m->listing ? m->listing->nended : 0);
}

/* Is zone a before zone b in the listing? By price, ties by id. */
static inline int listed_before(const struct zone_map *m, uint32_t a, uint32_t b)
{
    double pa = m->pool[a - 1].price, pb = m->pool[b - 1].price;
    return pa < pb || (pa == pb && a < b);
}

/* a[0..na) and b[0..nb), each in listing order, merged into out (a first on ties: the
 * level index keeps its own order among equal prices). */
static void merge_ids(const struct zone_map *m, const uint32_t *a, size_t na, const uint32_t *b,
                      size_t nb, uint32_t *out)
{
    size_t i = 0, j = 0, k = 0;
    while (i < na && j < nb)
        out[k++] = listed_before(m, b[j], a[i]) ? b[j++] : a[i++];
    while (i < na)
        out[k++] = a[i++];
    while (j < nb)
        out[k++] = b[j++];
}

/* v[0..n) into listing order: bottom-up merge sort through tmp[0..n). */
static void sort_ids(const struct zone_map *m, uint32_t *v, size_t n, uint32_t *tmp)
{
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            merge_ids(m, v + lo, mid - lo, v + mid, hi - mid, tmp + lo);
        }
        memcpy(v, tmp, n * sizeof *v);
    }
}

const uint32_t *zone_map_listing(const struct zone_map *m)
{
    struct zone_listing *l = m->listing;
    if (l == NULL) /* never a drawn zone: the level index is the listing */
        return m->sorted;
    if (l->version == m->version && l->version != 0)
        return l->ids;
    /* the ended since the last build sorted, then merged with the ones before them */
    size_t ns = l->nended_sorted, nt = l->nended - ns;
    sort_ids(m, l->ended + ns, nt, l->tmp);
    merge_ids(m, l->ended, ns, l->ended + ns, nt, l->tmp);
    memcpy(l->ended, l->tmp, l->nended * sizeof *l->ended);
    l->nended_sorted = l->nended;
    /* level index + drawn index into tmp, then + ended into ids */
    merge_ids(m, m->sorted, m->nsorted, m->dsorted, m->ndsorted, l->tmp);
    merge_ids(m, l->tmp, m->nsorted + m->ndsorted, l->ended, l->nended, l->ids);
    l->version = m->version;
    return l->ids;
}


uint32_t zone_map_find_merge(const struct zone_map *m, double price, double lo, double hi,
                             double dist, uint32_t except)
{
    /* drawn zones are never targets: their (wide) bands do not widen this search */
    size_t i = zone_map_lower_bound(m, lo - dist - m->merge_half);
    uint32_t best = 0;
    double best_d = 0;
    for (; i < m->nsorted; i++) {
        if (m->sprice[i] - m->merge_half > hi + dist)
            break;
        const struct zone *z = &m->pool[m->sorted[i] - 1];
        if (z->id == except || (z->flags & (ZONE_F_LIVE | ZONE_F_DRAWN)))
            continue;
        if (z->lo > hi + dist || z->hi < lo - dist)
            continue;
        double d = z->price > price ? z->price - price : price - z->price;
        if (best == 0 || d < best_d) {
            best = z->id;
            best_d = d;
        }
    }
    return best;
}

int zone_map_deadlines(struct zone_map *m, int64_t base, int64_t hist)
{
    /* a queued deadline lies in bars [dk, now / base], at most hist / base + 2 of them */
    uint64_t n = (uint64_t)(hist / base) + 3;
    if (n > UINT32_MAX - 1 || (m->dslot = calloc((size_t)n, sizeof *m->dslot)) == NULL)
        return -1;
    m->nslot = (uint32_t)n;
    m->dbase = base;
    m->dhist = hist;
    m->dk = 0;
    return 0;
}

void zone_map_arm(struct zone_map *m, uint32_t id)
{
    if (m->dnext[id - 1] != DL_NONE)
        return;
    uint32_t *head = &m->dslot[(uint64_t)(m->pool[id - 1].alive_clock / m->dbase) % m->nslot];
    m->dnext[id - 1] = *head;
    *head = id;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

long zone_map_expire(struct zone_map *m, int64_t now, const uint32_t **ids)
{
    size_t n = 0;
    /* one slot per bar: every deadline of slot k is k * base + hist, so the slots whose
     * deadline is < now hold exactly the entries a deadline-ordered queue would pop */
    for (; m->dk * m->dbase + m->dhist < now; m->dk++) {
        uint32_t *head = &m->dslot[(uint64_t)m->dk % m->nslot];
        uint32_t id = *head;
        *head = 0;
        while (id != 0) {
            uint32_t next = m->dnext[id - 1];
            m->dnext[id - 1] = DL_NONE;
            const struct zone *z = &m->pool[id - 1];
            if (z->active && z->merged_into == 0) { /* else a stale entry */
                if (z->alive_clock + m->dhist < now) {
                    uint32_t *v = grow_array(m->due, &m->due_cap, n + 1, sizeof *v, 16);
                    if (v == NULL)
                        return -1;
                    m->due = v;
                    m->due[n++] = id;
                } else {
                    zone_map_arm(m, id); /* touched since: its later slot */
                }
            }
            id = next;
        }
    }
    /* ties of a deadline go by id (creation order): the order of the events. A slot's list
     * is pushed at the front, so zones armed in id order (made in the same bar) come out
     * descending: reversed in one pass */
    size_t desc = 1;
    while (desc < n && m->due[desc - 1] > m->due[desc])
        desc++;
    if (desc == n) {
        for (size_t i = 0, j = n ? n - 1 : 0; i < j; i++, j--) {
            uint32_t t = m->due[i];
            m->due[i] = m->due[j];
            m->due[j] = t;
        }
    } else if (n > 16) {
        qsort(m->due, n, sizeof *m->due, cmp_u32);
    } else {
        for (size_t i = 1; i < n; i++) {
            uint32_t v = m->due[i];
            size_t j = i;
            for (; j > 0 && m->due[j - 1] > v; j--)
                m->due[j] = m->due[j - 1];
            m->due[j] = v;
        }
    }
    *ids = m->due;
    return (long)n;
}

size_t zone_map_active_ids(const struct zone_map *m, uint32_t *out)
{
    size_t n = 0;
    for (uint32_t s = 0; s < m->nslot; s++) {
        for (uint32_t id = m->dslot[s]; id != 0 && id != DL_NONE; id = m->dnext[id - 1]) {
            const struct zone *z = &m->pool[id - 1];
            if (z->active && z->merged_into == 0) /* else a stale entry */
                out[n++] = id;
        }
    }
    return n;
}
