/*
 * liquidity_report.h - one period of GET /reports/liquidity: what the zones did in a UTC day
 * (or a week starting Monday) and the score computed from it (docs/trading.md section 8).
 * Pure: storage/ fills the counts, liquidity_report_score derives the rest.
 */
#ifndef LIQ_LIQUIDITY_REPORT_H
#define LIQ_LIQUIDITY_REPORT_H

#include <stdint.h>

/* Distinct held zones that make full coverage. */
#define REPORT_COVERAGE_ZONES 5.0

struct report_row {
    int64_t period_start;
    long holds, breaks, sweeps, created, held_zones;  /* zone outcomes in the period */
    long trades_closed, trades_won;
    double trades_r;                                  /* sum of realised R */
    double hold_rate, sweep_share, coverage, score;   /* see liquidity_report_score */
};

/*
 * Fills the derived fields of r from its counts:
 *   hold_rate   = (holds + 1) / (holds + breaks + sweeps + 2)
 *   sweep_share = sweeps / (holds + breaks + sweeps + 2)
 *   coverage    = min(1, distinct zones that held / 5)
 *   score       = 100 x (0.5 hold_rate + 0.2 (1 - sweep_share) + 0.3 coverage), to 0.01
 * Example: 3 holds, 1 break, 0 sweeps, 2 held zones -> hold_rate 4/6, score 65.33.
 */
void liquidity_report_score(struct report_row *r);

#endif
