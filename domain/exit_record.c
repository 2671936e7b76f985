/*
 * exit_record.c - the causal record of zone exits against geometry exits (exit_record.h).
 */
#include "exit_record.h"

#include <math.h>
#include <string.h>

#include "stop.h"
#include "target.h"

void exit_book_init(struct exit_book *x, uint32_t horizon)
{
    memset(x, 0, sizeof *x);
    x->horizon = horizon ? horizon : 1;
    x->hi_next = INFINITY;
    x->lo_next = -INFINITY;
    x->day = INT32_MIN;
    x->last_day = INT32_MIN;
}

/* The nearest levels above and below over the open brackets, and the next trial's end. */
static void bounds(struct exit_book *x)
{
    x->hi_next = INFINITY;
    x->lo_next = -INFINITY;
    x->n_live = 0;
    x->next_end = 0;
    for (int i = 0; i < GEO_SLOTS; i++) {
        const struct xr_trial *t = &x->t[i];
        if (!t->live)
            continue;
        x->n_live++;
        if (x->next_end == 0 || t->end < x->next_end)
            x->next_end = t->end;
        for (int s = 0; s < 2; s++) {
            for (int k = 0; k < 2; k++) {
                const struct xr_leg *l = &t->leg[s][k];
                if (!l->open)
                    continue;
                double up = s == 0 ? l->target : l->stop, dn = s == 0 ? l->stop : l->target;
                x->hi_next = up < x->hi_next ? up : x->hi_next;
                x->lo_next = dn > x->lo_next ? dn : x->lo_next;
            }
        }
    }
}

/* One difference into the day blocks. */
static void add_pair(struct exit_book *x, int32_t day, double rz, double rg)
{
    if (day != x->day && x->day_n > 0) {
        x->ss += x->day_s * x->day_s;
        x->sn += x->day_s * x->day_n;
        x->nn += x->day_n * x->day_n;
        x->s_all += x->day_s;
        x->n_all += x->day_n;
        x->days++;
        x->day_s = x->day_n = 0.0;
    }
    x->day = day;
    x->day_s += rz - rg;
    x->day_n += 1.0;
    x->trades++;
    x->sum_zone += rz;
    x->sum_geo += rg;
    x->sum_diff += rz - rg;
}

/* A trial's last bar: what is still open closes at its close; each side with both exits
 * is one trade of the record. */
static void finish(struct exit_book *x, struct xr_trial *t, double close)
{
    for (int s = 0; s < 2; s++) {
        int side = s == 0 ? 1 : -1;
        for (int k = 0; k < 2; k++) {
            struct xr_leg *l = &t->leg[s][k];
            if (l->open)
                l->r = (close - t->entry) * side / l->risk;
            l->open = 0;
        }
        if (t->leg[s][XR_ZONES].used && t->leg[s][XR_GEOMETRY].used)
            add_pair(x, t->day, t->leg[s][XR_ZONES].r, t->leg[s][XR_GEOMETRY].r);
    }
    t->live = 0;
}

void exit_book_bar_slow(struct exit_book *x, const struct bar *b)
{
    x->bars++;
    for (int i = 0; i < GEO_SLOTS; i++) {
        struct xr_trial *t = &x->t[i];
        if (!t->live)
            continue;
        for (int s = 0; s < 2; s++) {
            int side = s == 0 ? 1 : -1;
            for (int k = 0; k < 2; k++) {
                struct xr_leg *l = &t->leg[s][k];
                if (!l->open)
                    continue;
                int stop = side > 0 ? b->low <= l->stop : b->high >= l->stop;
                int tp = side > 0 ? b->high >= l->target : b->low <= l->target;
                if (stop || tp) { /* a bar reaching both is the stop's */
                    l->r = ((stop ? l->stop : l->target) - t->entry) * side / l->risk;
                    l->open = 0;
                }
            }
        }
    }
    /* trials end in the order they started (one horizon): at most one per bar */
    for (int i = 0; i < GEO_SLOTS; i++)
        if (x->t[i].live && x->t[i].end == x->bars)
            finish(x, &x->t[i], b->close);
    bounds(x);
}

/* One bracket at these prices (used only when both lie on their sides of entry). */
static void leg_open(struct xr_leg *l, int side, double entry, double stop, double target)
{
    *l = (struct xr_leg){.stop = stop, .target = target, .risk = fabs(entry - stop)};
    l->used = l->open = (entry - stop) * side > 0.0 && (target - entry) * side > 0.0;
}

void exit_book_start(struct exit_book *x, const struct bar *b, const struct zone *zones,
                     size_t n, const struct liq_params *p, double pip, double atr,
                     double front, const struct geo_book *geo)
{
    int s = (int)(x->head % 2); /* BUY, SELL, BUY, ... */
    struct xr_trial *t = &x->t[x->head++ % GEO_SLOTS];
    if (t->live) /* cannot happen with GEO_SLOTS > horizon / every; kept safe */
        finish(x, t, b->close);
    x->last_day = (int32_t)(day_start(b->ts) / 86400);
    *t = (struct xr_trial){.entry = b->close, .day = x->last_day, .end = x->bars + x->horizon,
                           .live = 1};
    double e = b->close, rr = p->min_rr_ratio > 0.0 ? p->min_rr_ratio : 1.5;
    enum trade_side side = s == 0 ? SIDE_BUY : SIDE_SELL;
    struct stop_decision sd;
    struct target_decision td;
    stop_select(zones, n, p, pip, atr, side, e, REGIME_NORMAL, 0.0, &sd);
    if (target_select_at(zones, n, p, pip, side, e, sd.price, 0.0, front, &td) == 0)
        leg_open(&t->leg[s][XR_ZONES], side, e, sd.price, td.tp1.price);
    if (t->leg[s][XR_ZONES].used) { /* else no zone exit: the side is not a trade */
        double stop, target, q, er;
        exit_geometry_prices(geo, side, rr, e, atr, pip, &stop, &target, &q, &er);
        leg_open(&t->leg[s][XR_GEOMETRY], side, e, stop, target);
    }
    bounds(x);
}

void exit_book_record(const struct exit_book *x, struct exit_record *out)
{
    double S = x->s_all + x->day_s, N = x->n_all + x->day_n;
    double ss = x->ss + x->day_s * x->day_s, sn = x->sn + x->day_s * x->day_n;
    double nn = x->nn + x->day_n * x->day_n;
    size_t days = x->days + (x->day_n > 0.0);
    *out = (struct exit_record){.trades = x->trades, .days = days, .lo = -INFINITY,
                                .hi = INFINITY};
    if (x->trades == 0)
        return;
    out->zone_r = x->sum_zone / x->trades;
    out->geo_r = x->sum_geo / x->trades;
    out->diff = S / N;
    if (days < 2)
        return;
    double d = out->diff, v = (ss - 2.0 * d * sn + d * d * nn) / (N * N);
    v = v > 0.0 ? v * (double)days / (double)(days - 1) : 0.0;
    out->lo = d - 1.96 * sqrt(v);
    out->hi = d + 1.96 * sqrt(v);
}
