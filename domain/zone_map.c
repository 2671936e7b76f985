/*
 * zone_map.c - pool by id, price index, deadline heap and in-test set (see zone_map.h).
 */
#include "zone_map.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "domain/grow.h"
#include "domain/lower_bound.h"

void zone_map_init(struct zone_map *m)
{
    *m = (struct zone_map){0};
}

void zone_map_free(struct zone_map *m)
{
    free(m->pool);
    free(m->sorted);
    free(m->sprice);
    free(m->heap);
    free(m->watch);
    free(m->ctl);
    free(m->csorted);
    free(m->cprice);
    free(m->cwatch);
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

/* The pool and its five parallel arrays doubled (64 at first); m->cap follows only when all
 * grew. */
static int grow_pool(struct zone_map *m)
{
    uint32_t cap = m->cap ? m->cap * 2 : 64;
    if (resize(&m->pool, cap, sizeof *m->pool) != 0 ||
        resize(&m->sorted, cap, sizeof *m->sorted) != 0 ||
        resize(&m->sprice, cap, sizeof *m->sprice) != 0 ||
        resize(&m->ctl, cap, sizeof *m->ctl) != 0 ||
        resize(&m->csorted, cap, sizeof *m->csorted) != 0 ||
        resize(&m->cprice, cap, sizeof *m->cprice) != 0)
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

uint32_t zone_map_insert(struct zone_map *m, const struct zone *z, double ctl_price)
{
    if (m->n == m->cap && grow_pool(m) != 0)
        return 0;
    uint32_t id = ++m->n;
    struct zone *slot = &m->pool[id - 1];
    *slot = *z;
    slot->id = id;
    index_insert(m->sorted, m->sprice, &m->nsorted, id, z->price);
    double reach = fmax(z->price - z->lo, z->hi - z->price);
    if (reach > m->max_half)
        m->max_half = reach;
    double half = (z->hi - z->lo) / 2;
    m->ctl[id - 1] = (struct control){
        .price = ctl_price, .lo = ctl_price - half, .hi = ctl_price + half};
    index_insert(m->csorted, m->cprice, &m->ncsorted, id, ctl_price);
    if (half > m->c_max_half)
        m->c_max_half = half;
    return id;
}

void zone_map_cover(struct zone_map *m, uint32_t id, double price)
{
    struct zone *z = &m->pool[id - 1];
    z->lo = fmin(z->lo, price);
    z->hi = fmax(z->hi, price);
    double reach = fmax(z->price - z->lo, z->hi - z->price);
    if (reach > m->max_half)
        m->max_half = reach;
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

void zone_map_move_slow(struct zone_map *m, uint32_t id, double price, size_t *hint)
{
    struct zone *z = &m->pool[id - 1];
    size_t at = sorted_index_of(m, id, hint);
    double shift = price - z->price;
    z->price = price;
    z->lo += shift;
    z->hi += shift;
    /* a moving level travels little per bar: it usually stays between its neighbours (one
     * store); when it passes one, it is shifted along by neighbour swaps */
    while (at > 0 && m->sprice[at - 1] > price) {
        m->sorted[at] = m->sorted[at - 1];
        m->sprice[at] = m->sprice[at - 1];
        m->sorted[--at] = id;
    }
    while (at + 1 < m->nsorted && m->sprice[at + 1] < price) {
        m->sorted[at] = m->sorted[at + 1];
        m->sprice[at] = m->sprice[at + 1];
        m->sorted[++at] = id;
    }
    m->sprice[at] = price;
    if (hint != NULL)
        *hint = at;
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
    size_t i = zone_map_lower_bound(m, lo - dist - m->max_half);
    uint32_t best = 0;
    double best_d = 0;
    for (; i < m->nsorted; i++) {
        if (m->sprice[i] - m->max_half > hi + dist)
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

static void heap_up(struct zone_deadline *h, size_t i)
{
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h[p].at < h[i].at || (h[p].at == h[i].at && h[p].id <= h[i].id))
            break;
        struct zone_deadline t = h[p];
        h[p] = h[i];
        h[i] = t;
        i = p;
    }
}

static void heap_down(struct zone_deadline *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, s = i;
        if (l < n && (h[l].at < h[s].at || (h[l].at == h[s].at && h[l].id < h[s].id)))
            s = l;
        if (r < n && (h[r].at < h[s].at || (h[r].at == h[s].at && h[r].id < h[s].id)))
            s = r;
        if (s == i)
            return;
        struct zone_deadline t = h[s];
        h[s] = h[i];
        h[i] = t;
        i = s;
    }
}

int zone_map_arm(struct zone_map *m, uint32_t id, int64_t at)
{
    struct zone_deadline *h = grow_array(m->heap, &m->heap_cap, m->nheap + 1, sizeof *h, 64);
    if (h == NULL)
        return -1;
    m->heap = h;
    m->heap[m->nheap] = (struct zone_deadline){.at = at, .id = id};
    heap_up(m->heap, m->nheap++);
    return 0;
}

uint32_t zone_map_pop_due(struct zone_map *m, int64_t now, int64_t hist)
{
    while (m->nheap > 0 && m->heap[0].at < now) {
        uint32_t id = m->heap[0].id;
        const struct zone *z = &m->pool[id - 1];
        if (!z->active || z->merged_into != 0) { /* stale entry */
            m->heap[0] = m->heap[--m->nheap];
            heap_down(m->heap, m->nheap, 0);
            continue;
        }
        int64_t due = z->alive_clock + hist;
        if (due < now) {
            m->heap[0] = m->heap[--m->nheap];
            heap_down(m->heap, m->nheap, 0);
            return id;
        }
        m->heap[0].at = due; /* touched since armed: re-arm in place */
        heap_down(m->heap, m->nheap, 0);
    }
    return 0;
}

int zone_map_watch(struct zone_map *m, uint32_t id, int control)
{
    struct test_track *t = control ? &m->ctl[id - 1].trk : &m->pool[id - 1].trk;
    if (t->watched)
        return 0;
    uint32_t **v = control ? &m->cwatch : &m->watch;
    size_t *n = control ? &m->n_cwatch : &m->n_watch;
    size_t *cap = control ? &m->cwatch_cap : &m->watch_cap;
    uint32_t *g = grow_array(*v, cap, *n + 1, sizeof **v, 32);
    if (g == NULL)
        return -1;
    *v = g;
    (*v)[(*n)++] = id;
    t->watched = 1;
    return 0;
}
