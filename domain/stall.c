/*
 * stall.c - turns short of zones (stall.h).
 */
#include "stall.h"

#include <math.h>

#include "bins.h"

/* The distance from x to the nearest active level zone ahead (dir +1: above, -1: below), in
 * price units: 0 when x lies in a band, -1 when none lies within limit. */
static double ahead_gap(const struct zone_map *m, double x, int dir, double limit)
{
    double reach = m->max_half, best = -1.0;
    size_t i = zone_map_lower_bound(m, x - limit - reach);
    for (; i < m->nsorted && m->sprice[i] - reach <= x + limit; i++) {
        const struct zone *z = &m->pool[m->sorted[i] - 1];
        if (!z->active)
            continue;
        if (z->lo <= x && x <= z->hi)
            return 0.0;
        double d = dir > 0 ? z->lo - x : x - z->hi;
        if (d > 0.0 && d < limit && (best < 0.0 || d < best))
            best = d;
    }
    return best;
}

static void count(struct stall_book *sb, double gap, double atr)
{
    if (gap < 0.0)
        return;
    int k = (int)floor(gap / atr * STALL_BINS / STALL_MAX_ATR);
    if (k >= STALL_BINS) /* the limit is exclusive; kept safe */
        return;
    sb->bin[k < 0 ? 0 : k]++;
    sb->n++;
}

void stall_bar(struct stall_book *sb, const struct zone_map *m, const struct bar *b, double atr)
{
    enum { J = STALL_K }; /* the bar judged: STALL_K before the newest */
    uint32_t p = sb->pos;
    sb->high[p] = sb->high[p + STALL_RING] = b->high;
    sb->low[p] = sb->low[p + STALL_RING] = b->low;
    sb->atr[p] = sb->atr[p + STALL_RING] = atr > 0.0 ? atr : 0.0;
    p = p + 1 == STALL_RING ? 0 : p + 1;
    sb->pos = p;
    sb->seen++;
    const double *h = sb->high + p, *l = sb->low + p;
    double a = sb->atr[p + J];
    if (sb->seen < STALL_RING || !(a > 0.0))
        return;
    int top = 1, bottom = 1;
    for (int d = 1; d <= STALL_K && (top | bottom); d++) {
        top &= h[J] > h[J - d] && h[J] >= h[J + d];
        bottom &= l[J] < l[J - d] && l[J] <= l[J + d];
    }
    double limit = STALL_MAX_ATR * a;
    if (top)
        count(sb, ahead_gap(m, h[J], 1, limit), a);
    if (bottom)
        count(sb, ahead_gap(m, l[J], -1, limit), a);
}

double stall_quantile(const struct stall_book *sb, double q, uint32_t min_turns)
{
    return bins_quantile(sb->bin, STALL_BINS, sb->n, q, min_turns, STALL_MAX_ATR / STALL_BINS);
}
