/*
 * vwap.c - VWAP_DAILY and VWAP_WEEKLY: the volume-weighted typical price since the anchor.
 *
 * Typical price (H+L+C)/3 weighted by tick volume, reset at 00:00 UTC (daily) or Monday
 * 00:00 UTC (weekly). The value is known at each bar's close; the engine moves a live zone
 * with it and freezes the finished period's value as a fixed zone.
 */
#include "sources.h"

#include "domain/series.h"

void vwap_init(struct vwap *w, enum timeframe anchor)
{
    *w = (struct vwap){.anchor = anchor, .start = INT64_MIN};
}

void vwap_reset(struct vwap *w, int64_t ts)
{
    w->start = series_period_start(w->anchor, ts);
    w->end = w->start + tf_seconds(w->anchor);
    w->pv = w->v = w->p_sum = 0;
    w->n = 0;
}

int vwap_push(struct vwap *w, const struct bar *b)
{
    return vwap_push_tp(w, b, (b->high + b->low + b->close) / 3.0);
}

double vwap_value(const struct vwap *w)
{
    if (w->v > 0)
        return w->pv / w->v;
    return w->n ? w->p_sum / (double)w->n : 0.0;
}
