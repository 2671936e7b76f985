/*
 * liquidity_report.c - the liquidity quality score of one report period (see the header).
 */
#include "domain/liquidity_report.h"

#include <math.h>

void liquidity_report_score(struct report_row *r)
{
    double outcomes = (double)(r->holds + r->breaks + r->sweeps);
    r->hold_rate = ((double)r->holds + 1.0) / (outcomes + 2.0);
    r->sweep_share = (double)r->sweeps / (outcomes + 2.0);
    r->coverage = fmin(1.0, (double)r->held_zones / REPORT_COVERAGE_ZONES);
    double s = 100.0 * (0.5 * r->hold_rate + 0.2 * (1.0 - r->sweep_share) + 0.3 * r->coverage);
    r->score = round(s * 100.0) / 100.0;
}
