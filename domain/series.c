/*
 * series.c - base bars into M5, M15, H1, D1, W1 bars, and ATR.
 *
 * See series.h: a period closes at the base bar that ends it, or at the first bar of a
 * later period when bars are missing.
 */
#include "series.h"

#include <math.h>

int64_t series_period_start(enum timeframe tf, int64_t ts)
{
    if (tf == TF_W1)
        return week_start(ts);
    if (tf == TF_D1)
        return day_start(ts);
    int64_t step = tf_seconds(tf);
    int64_t r = ts % step;
    if (r < 0)
        r += step;
    return ts - r;
}

void series_init(struct series_agg *s, enum timeframe tf)
{
    *s = (struct series_agg){.tf = tf};
}

int series_push(struct series_agg *s, const struct bar *b, int64_t base_sec, struct bar out[2])
{
    int n = 0;
    /* a bar inside the open period needs no calendar arithmetic */
    if (s->open && (b->ts < s->cur.ts || b->ts >= s->end)) {
        out[n++] = s->cur;
        s->open = 0;
    }
    if (!s->open) {
        int64_t start = series_period_start(s->tf, b->ts);
        s->cur = *b;
        s->cur.ts = start;
        s->end = start + tf_seconds(s->tf);
        s->open = 1;
    } else {
        /* bars are validated finite: plain compares, no libm call */
        s->cur.high = b->high > s->cur.high ? b->high : s->cur.high;
        s->cur.low = b->low < s->cur.low ? b->low : s->cur.low;
        s->cur.close = b->close;
        s->cur.volume += b->volume;
    }
    if (b->ts + base_sec >= s->end) {
        out[n++] = s->cur;
        s->open = 0;
    }
    return n;
}

void atr_init(struct atr *a, int n)
{
    *a = (struct atr){.n = n};
}

void atr_push(struct atr *a, const struct bar *b)
{
    double tr = b->high - b->low;
    if (a->count > 0)
        tr = fmax(tr, fmax(fabs(b->high - a->prev_close), fabs(b->low - a->prev_close)));
    if (a->count < a->n) {
        a->value = (a->value * a->count + tr) / (a->count + 1);
        a->count++;
    } else {
        a->value = (a->value * (a->n - 1) + tr) / a->n;
    }
    a->prev_close = b->close;
}
