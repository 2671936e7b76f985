/*
 * cluster.c - CLUSTER: volume profile of the last zone_history_hours.
 *
 * Each base bar puts its volume (1 when the feed has none) in the bin of its typical price;
 * bins are bin_size wide, aligned to multiples of bin_size. Every `interval` of bar time the
 * profile of the bars in the window gives three levels: the point of control (the fullest
 * bin, the lower on a tie) and the value area high and low, grown from the POC one bin at a
 * time towards the fuller neighbour (up on a tie) until it holds `va` of the volume. Levels
 * are the bin centres. The window is a ring buffer sized once, so the hot path never
 * allocates except when the price span outgrows the bin array (amortised doubling).
 */
#include "sources.h"

#include <math.h>
#include <stdlib.h>

#include "base/grow.h"

int cluster_init(struct cluster *c, int64_t window, size_t cap_bars)
{
    *c = (struct cluster){.window = window, .last_slot = INT64_MIN};
    if (cap_bars < 1)
        cap_bars = 1;
    c->ring = malloc(cap_bars * sizeof *c->ring);
    if (c->ring == NULL)
        return -1;
    c->cap = cap_bars;
    return 0;
}

void cluster_free(struct cluster *c)
{
    free(c->ring);
    free(c->bins);
    c->ring = NULL;
    c->bins = NULL;
}

/* The ring's points in order as at most two contiguous runs (no division per point). */
struct ring_runs {
    const struct cluster_pt *a, *b;
    size_t na, nb;
};

static struct ring_runs runs_of(const struct cluster *c)
{
    size_t first = c->cap - c->head < c->n ? c->cap - c->head : c->n;
    return (struct ring_runs){.a = c->ring + c->head, .na = first, .b = c->ring,
                              .nb = c->n - first};
}

/* Bins are floor(price / bin_size), stored per point at push: floor is monotonic, so the
 * lowest and highest bins are those of the lowest and highest prices, exactly. */
static void span(const struct cluster_pt *v, size_t n, int64_t *lo, int64_t *hi)
{
    for (size_t i = 0; i < n; i++) {
        *lo = v[i].bin < *lo ? v[i].bin : *lo;
        *hi = v[i].bin > *hi ? v[i].bin : *hi;
    }
}

static void fill(double *bins, const struct cluster_pt *v, size_t n, int64_t b0, double *total)
{
    for (size_t i = 0; i < n; i++) {
        bins[v[i].bin - b0] += v[i].vol;
        *total += v[i].vol;
    }
}

static int profile(struct cluster *c, double bin_size, double va, int64_t ts,
                   struct levels *out)
{
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    struct ring_runs r = runs_of(c);
    span(r.a, r.na, &lo, &hi);
    span(r.b, r.nb, &lo, &hi);
    int64_t b0 = lo;
    size_t nb = (size_t)(hi - b0 + 1);
    double *bins = grow_array(c->bins, &c->nbins_cap, nb, sizeof *bins, 64);
    if (bins == NULL)
        return -1;
    c->bins = bins;
    for (size_t i = 0; i < nb; i++)
        c->bins[i] = 0;
    double total = 0;
    fill(c->bins, r.a, r.na, b0, &total);
    fill(c->bins, r.b, r.nb, b0, &total);
    size_t poc = 0;
    for (size_t i = 1; i < nb; i++)
        if (c->bins[i] > c->bins[poc])
            poc = i;
    size_t a = poc, z = poc;
    double in = c->bins[poc];
    while (in < va * total && (a > 0 || z + 1 < nb)) {
        double below = a > 0 ? c->bins[a - 1] : -1;
        double above = z + 1 < nb ? c->bins[z + 1] : -1;
        if (above >= below)
            in += c->bins[++z];
        else
            in += c->bins[--a];
    }
    levels_add(out, SRC_CLUSTER, ((double)(b0 + (int64_t)poc) + 0.5) * bin_size, ts);
    if (z != poc)
        levels_add(out, SRC_CLUSTER, ((double)(b0 + (int64_t)z) + 0.5) * bin_size, ts);
    if (a != poc)
        levels_add(out, SRC_CLUSTER, ((double)(b0 + (int64_t)a) + 0.5) * bin_size, ts);
    return 0;
}

int cluster_push(struct cluster *c, const struct bar *b, int64_t interval, double bin_size,
                 double va, struct levels *out)
{
    while (c->n > 0 && c->ring[c->head].ts <= b->ts - c->window) {
        c->head = c->head + 1 == c->cap ? 0 : c->head + 1;
        c->n--;
    }
    if (c->n == c->cap) { /* denser than sized for: drop the oldest */
        c->head = c->head + 1 == c->cap ? 0 : c->head + 1;
        c->n--;
    }
    size_t at = c->head + c->n;
    double price = (b->high + b->low + b->close) / 3.0;
    c->ring[at >= c->cap ? at - c->cap : at] = (struct cluster_pt){
        .ts = b->ts, .price = price, .vol = b->volume > 0 ? b->volume : 1.0,
        .bin = bin_size > 0 ? floor_i64(price / bin_size) : 0};
    c->n++;
    if (interval <= 0 || !(bin_size > 0))
        return 0;
    int64_t slot = b->ts / interval;
    if (c->last_slot == INT64_MIN) {
        c->last_slot = slot;
        return 0;
    }
    if (slot == c->last_slot)
        return 0;
    c->last_slot = slot;
    return profile(c, bin_size, va, b->ts, out);
}
