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

static int profile(struct cluster *c, double bin_size, double va, int64_t ts,
                   struct levels *out)
{
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < c->n; i++) {
        double p = c->ring[(c->head + i) % c->cap].price;
        lo = fmin(lo, p);
        hi = fmax(hi, p);
    }
    int64_t b0 = (int64_t)floor(lo / bin_size);
    size_t nb = (size_t)((int64_t)floor(hi / bin_size) - b0 + 1);
    if (nb > c->nbins_cap) {
        size_t cap = c->nbins_cap ? c->nbins_cap : 64;
        while (cap < nb)
            cap *= 2;
        double *bins = realloc(c->bins, cap * sizeof *bins);
        if (bins == NULL)
            return -1;
        c->bins = bins;
        c->nbins_cap = cap;
    }
    for (size_t i = 0; i < nb; i++)
        c->bins[i] = 0;
    double total = 0;
    for (size_t i = 0; i < c->n; i++) {
        const struct cluster_pt *pt = &c->ring[(c->head + i) % c->cap];
        size_t k = (size_t)((int64_t)floor(pt->price / bin_size) - b0);
        c->bins[k] += pt->vol;
        total += pt->vol;
    }
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
        c->head = (c->head + 1) % c->cap;
        c->n--;
    }
    if (c->n == c->cap) { /* denser than sized for: drop the oldest */
        c->head = (c->head + 1) % c->cap;
        c->n--;
    }
    c->ring[(c->head + c->n) % c->cap] = (struct cluster_pt){
        .ts = b->ts, .price = (b->high + b->low + b->close) / 3.0,
        .vol = b->volume > 0 ? b->volume : 1.0};
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
