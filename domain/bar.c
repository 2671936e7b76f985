/*
 * bar.c - timeframes, UTC calendar arithmetic and bar validation.
 *
 * Calendar boundaries are computed from epoch seconds only: 1970-01-01 was a
 * Thursday, so Monday-based weeks start 3 days (259200 s) after a multiple of 7 days.
 */
#include "bar.h"

#include <math.h>
#include <string.h>

#include "instrument.h"

#define DAY 86400
#define WEEK (7 * DAY)
#define MONDAY_OFFSET (4 * DAY) /* 1970-01-05 was the first Monday */

static const struct {
    const char *name;
    int64_t seconds;
} TF_TABLE[TF_COUNT] = {
    [TF_M1] = {"M1", 60},       [TF_M5] = {"M5", 300},   [TF_M15] = {"M15", 900},
    [TF_M30] = {"M30", 1800},   [TF_H1] = {"H1", 3600},  [TF_H4] = {"H4", 14400},
    [TF_D1] = {"D1", DAY},      [TF_W1] = {"W1", WEEK},
};

int64_t tf_seconds(enum timeframe tf)
{
    return TF_TABLE[tf].seconds;
}

const char *tf_name(enum timeframe tf)
{
    return TF_TABLE[tf].name;
}

int tf_parse(const char *name, enum timeframe *out)
{
    for (int tf = TF_M1; tf <= TF_D1; tf++) {
        if (strcmp(name, TF_TABLE[tf].name) == 0) {
            *out = (enum timeframe)tf;
            return 0;
        }
    }
    return -1;
}

/* ts rounded down to a multiple of step counted from offset; ts may be any int64_t (a
 * decoded time, TS_NONE): no intermediate overflows, and a floor below INT64_MIN is
 * INT64_MIN. */
static int64_t floor_to(int64_t ts, int64_t step, int64_t offset)
{
    int64_t r = (ts % step - offset % step) % step;
    if (r < 0)
        r += step;
    return ts < INT64_MIN + r ? INT64_MIN : ts - r;
}

int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t day_start(int64_t ts)
{
    return floor_to(ts, DAY, 0);
}

int64_t week_start(int64_t ts)
{
    return floor_to(ts, WEEK, MONDAY_OFFSET);
}

const char *bar_validate(const struct bar *b, enum timeframe tf)
{
    if (!isfinite(b->open) || !isfinite(b->high) || !isfinite(b->low) || !isfinite(b->close) ||
        !isfinite(b->volume))
        return "prices and volume must be finite numbers";
    if (b->open <= 0 || b->high <= 0 || b->low <= 0 || b->close <= 0)
        return "prices must be greater than zero";
    if (fmin(fmin(b->open, b->close), fmin(b->high, b->low)) < BAR_MIN_PRICE ||
        fmax(fmax(b->open, b->close), fmax(b->high, b->low)) > BAR_MAX_PRICE)
        return "prices must lie within 1e-12..1e12";
    if (b->high < fmax(b->open, b->close))
        return "high is below open or close";
    if (b->low > fmin(b->open, b->close))
        return "low is above open or close";
    if (b->volume < 0)
        return "volume must not be negative";
    if (b->volume > BAR_MAX_VOLUME)
        return "volume must not exceed 1e15";
    if (tf >= TF_COUNT)
        return "unknown timeframe";
    if (b->ts < 0)
        return "ts is before 1970 (the accepted range starts at 1970-01-01T00:00:00Z)";
    if (floor_to(b->ts, tf_seconds(tf), tf == TF_W1 ? MONDAY_OFFSET : 0) != b->ts)
        return "ts is not aligned to the start of a bar of this timeframe";
    return NULL;
}

const char *bar_check_scale(const struct bar *b, double pip)
{
    if (!instrument_price_in_scale(b->open, pip) || !instrument_price_in_scale(b->high, pip) ||
        !instrument_price_in_scale(b->low, pip) || !instrument_price_in_scale(b->close, pip))
        return "prices must lie within 1 to 1e8 pips of this symbol (GET /symbols: pip_size)";
    return NULL;
}
