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
    free(m->sorted);
    free(m->sprice);
    free(m->dslot);
    free(m->dnext);
    free(m->due);
    free(m->watch);
    for (int k = 0; k < CTL_KINDS; k++) {
        free(m->cs[k].v);
        free(m->cs[k].sorted);
        free(m->cs[k].price);
        free(m->cs[k].watch);
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

/* dnext[id - 1]: the zone is in no slot's list */
#define DL_NONE UINT32_MAX

/* The pool and its parallel arrays doubled (64 at first); m->cap follows only when all
 * grew. */
static int grow_pool(struct zone_map *m)
{
    uint32_t cap = m->cap ? m->cap * 2 : 64;
    if (resize(&m->pool, cap, sizeof *m->pool) != 0 ||
        resize(&m->sorted, cap, sizeof *m->sorted) != 0 ||
        resize(&m->sprice, cap, sizeof *m->sprice) != 0 ||
        resize(&m->dnext, cap, sizeof *m->dnext) != 0)
        return -1;
    for (int k = 0; k < CTL_KINDS; k++)
        if (resize(&m->cs[k].v, cap, sizeof *m->cs[k].v) != 0 ||
            resize(&m->cs[k].sorted, cap, sizeof *m->cs[k].sorted) != 0 ||
            resize(&m->cs[k].price, cap, sizeof *m->cs[k].price) != 0)
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

uint32_t zone_map_insert(struct zone_map *m, const struct zone *z,
                         const double ctl_price[CTL_KINDS])
{
    if (m->n == m->cap && grow_pool(m) != 0)
        return 0;
    uint32_t id = ++m->n;
    struct zone *slot = &m->pool[id - 1];
    *slot = *z;
    slot->id = id;
    m->dnext[id - 1] = DL_NONE;
    index_insert(m->sorted, m->sprice, &m->nsorted, id, z->price);
    double reach = fmax(z->price - z->lo, z->hi - z->price);
    if (reach > m->max_half)
        m->max_half = reach;
    if (!(z->flags & ZONE_F_DRAWN) && reach > m->merge_half)
        m->merge_half = reach;
    double half = (z->hi - z->lo) / 2;
    for (int k = 0; k < CTL_KINDS; k++) {
        struct ctl_set *cs = &m->cs[k];
        double p = ctl_price[k];
        cs->v[id - 1] = (struct control){.price = p, .lo = p - half, .hi = p + half};
        if (half > cs->max_half)
            cs->max_half = half;
    }
    zone_map_place_controls(m, id, 1);
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
    if (reach > m->max_half)
        m->max_half = reach;
    if (!(z->flags & ZONE_F_DRAWN) && reach > m->merge_half)
        m->merge_half = reach;
    for (int k = 0; k < CTL_KINDS; k++) {
        struct control *c = &m->cs[k].v[id - 1];
        c->lo = c->price - (k == CTL_MIRROR ? above : below);
        c->hi = c->price + (k == CTL_MIRROR ? below : above);
        if (reach > m->cs[k].max_half)
            m->cs[k].max_half = reach;
    }
}

size_t zone_map_lower_bound_from(const struct zone_map *m, double price, size_t hint)
{
    return zone_map_index_from(m->sprice, m->nsorted, price, hint);
}

size_t zone_map_index_from(const double *v, size_t n, double price, size_t hint)
{
    size_t i = hint < n ? hint : n;
    /* walk while the hint is near (price moves little between bars), else bisect */
    for (int step = 0; step < 8; step++) {
        if (i > 0 && v[i - 1] >= price)
            i--;
        else if (i < n && v[i] < price)
            i++;
        else
            return i;
    }
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
    double shift = price - z->price;
    z->price = price;
    z->lo += shift;
    z->hi += shift;
    at = index_move(m->sorted, m->sprice, m->nsorted, at, price);
    if (hint != NULL)
        *hint = at;
}

void zone_map_move_controls(struct zone_map *m, uint32_t id, double shift)
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
        size_t at = zone_map_index_from(cs->price, cs->n, was, cs->hint);
        while (cs->sorted[at] != id)
            at++;
        index_move(cs->sorted, cs->price, cs->n, at, c->price);
    }
}

/* Takes control id of set cs out of wherever it is. */
static void control_out(struct ctl_set *cs, uint32_t id)
{
    struct control *c = &cs->v[id - 1];
    if (c->where == CTL_LIVE) {
        uint32_t j = 0;
        while (cs->live[j] != id)
            j++;
        cs->live[j] = cs->live[--cs->n_live];
    } else if (c->where == CTL_INDEXED) {
        size_t at = zone_map_index_from(cs->price, cs->n, c->price, cs->hint);
        while (cs->sorted[at] != id)
            at++;
        memmove(&cs->sorted[at], &cs->sorted[at + 1], (cs->n - at - 1) * sizeof *cs->sorted);
        memmove(&cs->price[at], &cs->price[at + 1], (cs->n - at - 1) * sizeof *cs->price);
        cs->n--;
    }
    c->where = CTL_OUT;
}

static double reach_of(double price, double lo, double hi)
{
    double below = price - lo, above = hi - price;
    return above > below ? above : below;
}

void zone_map_reach_refresh(struct zone_map *m)
{
    double zr = 0.0, cr[CTL_KINDS] = {0};
    for (uint32_t i = 0; i < m->n; i++) {
        const struct zone *z = &m->pool[i];
        if (z->active && z->merged_into == 0) {
            double r = reach_of(z->price, z->lo, z->hi);
            zr = r > zr ? r : zr;
        }
        for (int k = 0; k < CTL_KINDS; k++) {
            const struct control *c = &m->cs[k].v[i];
            if (c->where == CTL_INDEXED) {
                double r = reach_of(c->price, c->lo, c->hi);
                cr[k] = r > cr[k] ? r : cr[k];
            }
        }
    }
    m->max_half = zr;
    for (int k = 0; k < CTL_KINDS; k++)
        m->cs[k].max_half = cr[k];
    m->reach_age = 0;
    m->reach_stale = 0;
}

void zone_map_place_controls(struct zone_map *m, uint32_t id, int active)
{
    int live = (m->pool[id - 1].flags & ZONE_F_LIVE) != 0;
    const struct zone *z = &m->pool[id - 1];
    double zr = reach_of(z->price, z->lo, z->hi);
    if (active) /* a revived zone: the scans reach it again */
        m->max_half = zr > m->max_half ? zr : m->max_half;
    else if (zr >= m->max_half) /* the widest zone left: the reach can narrow */
        m->reach_stale = 1;
    for (int k = 0; k < CTL_KINDS; k++) {
        struct ctl_set *cs = &m->cs[k];
        struct control *c = &cs->v[id - 1];
        uint8_t want = !active ? CTL_OUT
                       : live && (c->where == CTL_LIVE || cs->n_live < CTL_LIVE_MAX)
                           ? CTL_LIVE
                           : CTL_INDEXED;
        if (c->where == want)
            continue;
        if (c->where == CTL_INDEXED && reach_of(c->price, c->lo, c->hi) >= cs->max_half)
            m->reach_stale = 1;
        control_out(cs, id);
        if (want == CTL_LIVE)
            cs->live[cs->n_live++] = id;
        else if (want == CTL_INDEXED) {
            index_insert(cs->sorted, cs->price, &cs->n, id, c->price);
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
    memmove(&m->sorted[at], &m->sorted[at + 1], (m->nsorted - at - 1) * sizeof *m->sorted);
    memmove(&m->sprice[at], &m->sprice[at + 1], (m->nsorted - at - 1) * sizeof *m->sprice);
    m->nsorted--;
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

int zone_map_watch(struct zone_map *m, uint32_t id, int control)
{
    struct ctl_set *cs = control ? &m->cs[control - 1] : NULL;
    struct test_track *t = cs ? &cs->v[id - 1].trk : &m->pool[id - 1].trk;
    if (t->watched)
        return 0;
    uint32_t **v = cs ? &cs->watch : &m->watch;
    size_t *n = cs ? &cs->n_watch : &m->n_watch;
    size_t *cap = cs ? &cs->watch_cap : &m->watch_cap;
    uint32_t *g = grow_array(*v, cap, *n + 1, sizeof **v, 32);
    if (g == NULL)
        return -1;
    *v = g;
    (*v)[(*n)++] = id;
    t->watched = 1;
    return 0;
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
