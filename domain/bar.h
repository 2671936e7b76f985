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

/* "No time": what a time that is not known holds (a zone never touched, a symbol without
 * bars). It lies outside every time the service takes (bars and trades are refused before
 * 1970, docs: openapi.yaml Bar.ts), so no bar's time, 0 = 1970-01-01T00:00:00Z included,
 * is ever read as "none". */
#define TS_NONE INT64_MIN

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
 * What any bar may carry, whatever its symbol: prices in [BAR_MIN_PRICE, BAR_MAX_PRICE],
 * volume in [0, BAR_MAX_VOLUME]. With these, every sum the engine keeps (price x volume,
 * price^2 x volume over a billion bars: < 1e49) stays finite by construction.
 * BAR_MAX_FUTURE_S: how far past the wall clock a time sent to the service may lie (a
 * bar's open, a trade update's ts): two days of clock skew and time zones, not more.
 */
#define BAR_MIN_PRICE 1e-12
#define BAR_MAX_PRICE 1e12
#define BAR_MAX_VOLUME 1e15
#define BAR_MAX_FUTURE_S (2 * 86400)

/*
 * Checks one bar of timeframe tf. Returns NULL when valid, otherwise a static reason:
 * bar_validate(&(struct bar){0, 1.0, 0.9, 1.1, 1.0, 1}, TF_M15) -> "high is below ..."
 * Checks: finite numbers, prices in [BAR_MIN_PRICE, BAR_MAX_PRICE], high >= max(open,
 * close), low <= min(open, close), volume in [0, BAR_MAX_VOLUME], ts aligned to the timeframe.
 */
const char *bar_validate(const struct bar *b, enum timeframe tf);

/*
 * Checks a valid bar against its symbol's price scale: every price within
 * instrument_price_in_scale (1 to 1e8 pips). NULL when it fits, else a static reason.
 * bar_check_scale(&(struct bar){0, 1.0, 1e300, 1.0, 1.0, 1}, 0.0001) -> "prices must lie ..."
 */
const char *bar_check_scale(const struct bar *b, double pip);

#endif
