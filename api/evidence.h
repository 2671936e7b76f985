/*
 * evidence.h - the evidence rows of a symbol as /metrics gauges (api/evidence.c).
 */
#ifndef LIQ_API_EVIDENCE_H
#define LIQ_API_EVIDENCE_H

#include "domain/evidence.h"
#include "domain/exits.h"
#include "base/textbuf.h"

/* liq_zone_tests / liq_zone_hold_rate {level=zone|control}, liq_zone_lift[_low|_high] per
 * source of symbol (rows with a test; source="all" over every zone). */
void evidence_metrics(struct textbuf *tb, const char *symbol, const struct zone_tally *t);

/* The record of exits (domain/exit_record.h) of symbol: liq_exit_trades, liq_exit_days,
 * liq_exit_mean_r{exit=zones|geometry}, liq_exit_diff_r and, with an interval,
 * liq_exit_diff_r_low / _high. */
void exits_metrics(struct textbuf *tb, const char *symbol, const struct exit_record *x);

#endif
