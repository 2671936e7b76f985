/*
 * geometry.c - probes of target-before-stop geometry (see geometry.h).
 */
#include "geometry.h"

#include <math.h>
#include <string.h>

const double GEO_D[GEO_N] = {0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0};

void geo_init(struct geo_book *g, uint32_t every, uint32_t horizon)
{
    memset(g, 0, sizeof *g);
    g->every = every ? every : 1;
    g->horizon = horizon ? horizon : 1;
    g->min_up = INFINITY;
    g->max_dn = -INFINITY;
    g->countdown = g->every;
}

static void bounds(struct geo_book *g)
{
    g->min_up = INFINITY;
    g->max_dn = -INFINITY;
    for (int i = 0; i < GEO_SLOTS; i++) {
        const struct geo_probe *q = &g->probe[i];
        if (!q->live)
            continue;
        g->min_up = q->next_up < g->min_up ? q->next_up : g->min_up;
        g->max_dn = q->next_dn > g->max_dn ? q->next_dn : g->max_dn;
    }
}

/* Books a finished probe: every (target, stop) pair that resolved, both sides. */
static void finish(struct geo_book *g, struct geo_probe *q)
{
    for (int t = 0; t < GEO_N; t++) {
        for (int s = 0; s < GEO_N; s++) {
            /* BUY: target up[t] before stop dn[s]; a tie is the stop's */
            uint32_t tu = q->up[t], sd = q->dn[s];
            if (tu || sd) {
                g->n[0][t][s]++;
                g->hits[0][t][s] += tu && (!sd || tu < sd);
            }
            uint32_t td = q->dn[t], su = q->up[s];
            if (td || su) {
                g->n[1][t][s]++;
                g->hits[1][t][s] += td && (!su || td < su);
            }
        }
    }
    q->live = 0;
    g->probes++;
}

static void advance(struct geo_book *g, struct geo_probe *q, const struct bar *b)
{
    uint32_t k = g->bars;
    while (q->iu < GEO_N && b->high >= q->next_up) {
        /* a bar wholly beyond the level fills a stop there at its close (trade_trail) */
        g->reach[q->iu]++;
        g->over[q->iu] += b->low > q->next_up ? (b->close - q->next_up) / q->atr : 0.0;
        q->up[q->iu++] = k;
        q->next_up = q->iu < GEO_N ? q->entry + GEO_D[q->iu] * q->atr : INFINITY;
    }
    while (q->id < GEO_N && b->low <= q->next_dn) {
        g->reach[q->id]++;
        g->over[q->id] += b->high < q->next_dn ? (q->next_dn - b->close) / q->atr : 0.0;
        q->dn[q->id++] = k;
        q->next_dn = q->id < GEO_N ? q->entry - GEO_D[q->id] * q->atr : -INFINITY;
    }
    if (q->iu == GEO_N && q->id == GEO_N)
        finish(g, q);
}

void geo_bar_slow(struct geo_book *g, const struct bar *b, double atr)
{
    g->bars++;
    if (g->countdown == 0)
        g->countdown = g->every;
    int changed = 0;
    if (b->high >= g->min_up || b->low <= g->max_dn) {
        for (int i = 0; i < GEO_SLOTS; i++) {
            struct geo_probe *q = &g->probe[i];
            if (q->live && (b->high >= q->next_up || b->low <= q->next_dn))
                advance(g, q, b);
        }
        changed = 1;
    }
    /* the probe started `horizon` bars ago (probes start on multiples of `every`) ends */
    if (g->bars >= g->horizon && (g->bars - g->horizon) % g->every == 0) {
        uint32_t start = g->bars - g->horizon;
        struct geo_probe *old = &g->probe[(start / g->every) % GEO_SLOTS];
        if (old->live && old->start == start) {
            finish(g, old);
            changed = 1;
        }
    }
    if (atr > 0.0 && g->bars % g->every == 0) {
        struct geo_probe *slot = &g->probe[(g->bars / g->every) % GEO_SLOTS];
        if (slot->live) /* cannot happen with GEO_SLOTS > horizon / every; kept safe */
            finish(g, slot);
        *slot = (struct geo_probe){
            .entry = b->close, .atr = atr, .start = g->bars, .live = 1,
            .next_up = b->close + GEO_D[0] * atr, .next_dn = b->close - GEO_D[0] * atr};
        changed = 1;
    }
    if (changed)
        bounds(g);
}

/* Grid position of x: lower index and weight of the upper one, in log distance. */
static void locate(double x, int *i, double *w)
{
    if (!(x > GEO_D[0])) {
        *i = 0;
        *w = 0.0;
        return;
    }
    if (x >= GEO_D[GEO_N - 1]) {
        *i = GEO_N - 2;
        *w = 1.0;
        return;
    }
    int k = 0;
    while (GEO_D[k + 1] < x)
        k++;
    *i = k;
    *w = (log(x) - log(GEO_D[k])) / (log(GEO_D[k + 1]) - log(GEO_D[k]));
}

/* The cell's rate with both sides pooled: a BUY's target up / stop down and a SELL's target
 * down / stop up. Kept apart, the sides' difference is the drift of the bars seen so far,
 * which did not persist: on first halves it tripled p_tp1_first's ECE (docs/trading.md
 * "What a setup is worth"). */
static double cell(const struct geo_book *g, int t, int s)
{
    double prior = GEO_D[s] / (GEO_D[s] + GEO_D[t]);
    return (g->hits[0][t][s] + g->hits[1][t][s] + GEO_PRIOR * prior) /
           (g->n[0][t][s] + g->n[1][t][s] + GEO_PRIOR);
}

double geo_p_first(const struct geo_book *g, int side, double target_atr, double stop_atr)
{
    int ti, si;
    (void)side; /* both sides pooled (cell) */
    double tw, sw;
    locate(target_atr, &ti, &tw);
    locate(stop_atr, &si, &sw);
    /* the random walk's own rate at the clamped grid point, corrected by the cells' ratio of
     * observed to random-walk rates: exact S/(S+T) off the grid when nothing is known */
    double v = 0.0, rw = 0.0;
    for (int a = 0; a < 2; a++) {
        for (int c = 0; c < 2; c++) {
            double wt = (a ? tw : 1.0 - tw) * (c ? sw : 1.0 - sw);
            if (wt == 0.0)
                continue;
            v += wt * cell(g, ti + a, si + c);
            rw += wt * GEO_D[si + c] / (GEO_D[si + c] + GEO_D[ti + a]);
        }
    }
    double exact = stop_atr / (stop_atr + target_atr);
    if (!(target_atr > 0.0) || !(stop_atr > 0.0) || !(rw > 0.0))
        return 0.5;
    double p = exact + (v - rw);
    return p < 0.001 ? 0.001 : p > 0.999 ? 0.999 : p;
}

double geo_stop_loss(const struct geo_book *g, double stop_atr)
{
    if (g == NULL || !(stop_atr > 0.0))
        return 1.0;
    int i;
    double w, over = 0.0;
    locate(stop_atr, &i, &w);
    for (int a = 0; a < 2; a++) {
        double wt = a ? w : 1.0 - w;
        if (wt > 0.0)
            over += wt * g->over[i + a] / (g->reach[i + a] + GEO_PRIOR);
    }
    return 1.0 + over / stop_atr;
}
