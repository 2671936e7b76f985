/*
 * series.h - aggregation of the base timeframe into the higher ones the sources need.
 *
 * One series_agg per target timeframe (M5, M15, H1, D1, W1). The idea: a higher bar is
 * closed as soon as it is known to be complete, never later - when the base bar that ends
 * exactly at the period's end arrives (the 23:45 M15 bar closes the day), or, if bars are
 * missing, when a bar of a later period arrives. So a source fed with closed bars never
 * sees the future and never waits a bar longer than it must.
 *
 * Days start 00:00 UTC, weeks Monday 00:00 UTC (bar.h day_start / week_start).
 */
#ifndef LIQ_SERIES_H
#define LIQ_SERIES_H

#include <stdint.h>

#include "bar.h"

struct series_agg {
    enum timeframe tf;
    int open;          /* cur holds a period in progress */
    struct bar cur;
    int64_t end;       /* end of cur's period */
};

/* Start of the period of tf containing ts: series_period_start(TF_W1, wed) == monday 00:00. */
int64_t series_period_start(enum timeframe tf, int64_t ts);

void series_init(struct series_agg *s, enum timeframe tf);

/*
 * Adds one base bar of length base_sec. Writes the bars it closes to out (at most 2: the
 * previous period left open by a gap, then the current one if this bar ends it) and
 * returns how many. Example, tf M15 fed M5 bars 00:00, 00:05, 00:10: returns 0, 0, then 1
 * with out[0] = {ts 00:00, open of 00:00, max high, min low, close of 00:10, summed volume}.
 */
int series_push(struct series_agg *s, const struct bar *b, int64_t base_sec, struct bar out[2]);

/* Wilder's average true range over n bars (n = 14 for ATR14); the first n bars average. */
struct atr {
    int n, count;
    double value, prev_close;
};
void atr_init(struct atr *a, int n);
void atr_push(struct atr *a, const struct bar *b);

#endif
