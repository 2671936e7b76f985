/*
 * periods.c - levels of the previous day and week: HIGH_DAILY, LOW_DAILY, PREVIOUS_CLOSE,
 * FLOOR_PIVOT (classic floor pivots of the previous day), HIGH_WEEKLY, LOW_WEEKLY.
 *
 * Called with a finished D1 / W1 bar (series.c closes it at the last base bar of the
 * period); the levels apply from then on, to the next period.
 */
#include "sources.h"

static int on(uint32_t mask, enum liq_source s)
{
    return (mask >> s) & 1u;
}

void periods_day_levels(const struct bar *day, uint32_t mask, struct levels *out)
{
    if (on(mask, SRC_HIGH_DAILY))
        levels_add(out, SRC_HIGH_DAILY, day->high, day->ts);
    if (on(mask, SRC_LOW_DAILY))
        levels_add(out, SRC_LOW_DAILY, day->low, day->ts);
    if (on(mask, SRC_PREVIOUS_CLOSE))
        levels_add(out, SRC_PREVIOUS_CLOSE, day->close, day->ts);
    if (on(mask, SRC_FLOOR_PIVOT)) {
        double p = (day->high + day->low + day->close) / 3.0;
        double range = day->high - day->low;
        levels_add(out, SRC_FLOOR_PIVOT, p, day->ts);
        levels_add(out, SRC_FLOOR_PIVOT, 2 * p - day->low, day->ts);  /* R1 */
        levels_add(out, SRC_FLOOR_PIVOT, 2 * p - day->high, day->ts); /* S1 */
        levels_add(out, SRC_FLOOR_PIVOT, p + range, day->ts);         /* R2 */
        levels_add(out, SRC_FLOOR_PIVOT, p - range, day->ts);         /* S2 */
    }
}

void periods_week_levels(const struct bar *week, uint32_t mask, struct levels *out)
{
    if (on(mask, SRC_HIGH_WEEKLY))
        levels_add(out, SRC_HIGH_WEEKLY, week->high, week->ts);
    if (on(mask, SRC_LOW_WEEKLY))
        levels_add(out, SRC_LOW_WEEKLY, week->low, week->ts);
}
