/*
 * bar.h - one OHLCV bar and its timeframe.
 *
 * A bar is the only input of the domain. Everything the zone engine knows was
 * derived from bars it was given, in time order, so the same bars always give
 * the same zones. Timestamps are UTC epoch seconds of the bar's open.
 */
#ifndef LIQ_BAR_H
#define LIQ_BAR_H

#include <stdint.h>

enum timeframe {
    TF_M1, TF_M5, TF_M15, TF_M30, TF_H1, TF_H4, TF_D1, TF_W1, TF_COUNT
};

struct bar {
    int64_t ts;     /* open time, UTC epoch seconds, aligned to the timeframe */
    double open, high, low, close;
    double volume;  /* tick volume counts */
};

/* Length of one bar of tf in seconds: tf_seconds(TF_M15) == 900. */
int64_t tf_seconds(enum timeframe tf);

/* "M15" -> TF_M15. Returns 0 on success, -1 for an unknown name. W1 is internal only:
 * tf_parse accepts the input timeframes M1..D1. */
int tf_parse(const char *name, enum timeframe *out);
const char *tf_name(enum timeframe tf);

/* Start of the UTC day / Monday-based week containing ts:
 * day_start(1665360900) == 1665360000 (2022-10-10 00:15 -> 00:00). */
int64_t day_start(int64_t ts);
/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): the
 * arithmetic timegm does for a valid date, without its normalisation and locking.
 * days_from_civil(2022, 10, 10) == 19275. */
int64_t days_from_civil(int y, int m, int d);
int64_t week_start(int64_t ts);

/*
 * Checks one bar of timeframe tf. Returns NULL when valid, otherwise a static reason:
 * bar_validate(&(struct bar){0, 1.0, 0.9, 1.1, 1.0, 1}, TF_M15) -> "high is below ..."
 * Checks: finite numbers, prices > 0, high >= max(open, close), low <= min(open, close),
 * volume >= 0, ts aligned to the timeframe.
 */
const char *bar_validate(const struct bar *b, enum timeframe tf);

#endif
