/*
 * reports.h - GET /reports/liquidity as a use case: the counts per period from the
 * database, the score of each (domain/liquidity_report.h), and the returned periods
 * upserted into liquidity_reports in one transaction before they are handed back.
 */
#ifndef LIQ_SERVICE_REPORTS_H
#define LIQ_SERVICE_REPORTS_H

#include <stddef.h>

#include "domain/liquidity_report.h"
#include "service/status.h"

struct state;

/* The most recent `limit` periods of symbol (period "daily" or "weekly"), oldest first,
 * scored and stored, in *rows (malloc'd) and *n. LIQ_OK, or LIQ_UNAVAILABLE when the
 * database cannot read or commit them (nothing stored). */
enum liq_status reports_liquidity_run(struct state *st, const char *symbol,
                                      const char *period, long limit,
                                      struct report_row **rows, size_t *n);

#endif
