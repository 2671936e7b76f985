/*
 * zone_stats.h - what price does at each zone over a horizon, judged against a hidden
 * control level, and the calibrated probabilities and strength that come out of it.
 *
 * A level (a zone, or its control) goes through a cycle, seen from the side price came from:
 *   armed    price left the band by rearm_atr x ATR: the side it is on is the approach
 *            (a level made while price is that far away starts armed; otherwise disarmed);
 *   touch    the bar's range enters the band [lo, hi]; every such bar counts one touch
 *            (zones only) and starts a test when the level is armed;
 *   test     resolves by barriers anchored at the level, in units of the ATR at the touch:
 *            hold   price reaches hold_atr beyond the near edge on the approach side first,
 *            break  price reaches break_atr beyond the far edge first (a bar reaching both
 *                   counts as a break; the touching bar itself can break, never hold),
 *            sweep  a hold during which price crossed the far edge (by less than break_atr),
 *            timeout neither within `horizon` base bars after the touching bar.
 *            A break flips the zone's role (broken from above: resistance).
 *   then     the level is disarmed until price leaves the band again.
 * hold, sweep, break and timeout are exclusive: tests = holds + sweeps + breaks + timeouts
 * (+ 1 while a test runs). Every resolved test is counted in the tally (evidence.h).
 *
 * Probabilities (zone_stats_refresh): for outcome k, with the zone's own resolved counts n_k
 * (n in all), prob_k = (n_k + m pi_k) / (n + m), where pi_k = (P_k + 1) / (P + 4) over the
 * symbol's resolved zone tests P (the pool, recent tests weighted more: zone_pool_half_life), or over the tests of the zone's sources whose
 * lift interval excludes 0 when it has such sources (no bonus without evidence), and
 * m = zone_prior_tests. They partition: prob_hold + prob_sweep + prob_break + prob_timeout
 * = 1. An untested zone gets the pool's rates. Only resolved tests enter: causal. prob_hold
 * then gets the calibration in the large (evidence.h tally_bias, zone_calib_half_life): +
 * the recent mean residual (held - p0) of resolved tests; the rest rescaled to partition.
 * Strength = the share of the symbol's active zones whose P(bounce) = prob_hold + prob_sweep
 * is <= the zone's own (ties count): min_liquidity_strength 0.60 keeps the zones at least as
 * likely to bounce as 60 % of the active ones.
 */
#ifndef LIQ_ZONE_STATS_H
#define LIQ_ZONE_STATS_H

#include <stddef.h>

#include "bar.h"
#include "evidence.h"
#include "zone_events.h"
#include "zone_map.h"

/*
 * Starts the test cycle of zone id and of its control at bar b (the bar that made or revived
 * the zone): each is armed when b lies at least rearm_atr x atr away from its band, else
 * disarmed and watched. atr <= 0: disarmed. -1 on ENOMEM.
 */
int zone_stats_track_init(struct zone_map *m, uint32_t id, const struct bar *b, double atr);

/*
 * Applies bar b to every active zone and control it reaches or watches. atr: the ATR known
 * before b. Appends events to ev (may be NULL). -1 on ENOMEM.
 */
int zone_stats_bar(struct zone_map *m, const struct bar *b, double atr, struct zone_events *ev);

/*
 * Recomputes prob_* and strength of every zone in the map (active or not) from the counts and
 * the tally: a pure function of the map's state, so a replay of the same bars followed by a
 * refresh gives the same numbers whatever refreshes happened in between. prior_tests: m.
 * scratch: room for m->n doubles (the caller's, to sort the active zones' P(bounce)).
 */
void zone_stats_refresh(struct zone_map *m, double prior_tests, double *scratch);

/* z's P(bounce) = prob_hold + prob_sweep as zone_stats_refresh computes and ranks it
 * (significant: evidence_significant_sources of t): a zone's strength is the share of the
 * active zones whose key is <= its own. For the record of exits (exit_record.h), which
 * asks at a probe's close what a setup would have been given then. */
double zone_stats_bounce_key(const struct zone *z, const struct zone_tally *t,
                             uint32_t significant, double prior_tests);

/* The probabilities of the outcomes of zone z's next test (p[OUTCOME_NONE] = 0), from its
 * resolved counts and the tally t, as zone_stats_refresh computes them. The report calls
 * this at each test's start to score the service's numbers on the same engine. */
void zone_stats_probs(const struct zone *z, const struct zone_tally *t, uint32_t significant,
                      double m, double p[OUTCOME_COUNT]);

/* The pool (or significant-source) rates pi_k a zone with these sources starts from. */
void zone_stats_prior(const struct zone_tally *t, uint32_t sources, uint32_t significant,
                      double pi[OUTCOME_COUNT]);

/*
 * The depth past a zone's far edge, in ATR, that a share q (0 < q <= 1) of the symbol's
 * resolved holds and sweeps did not exceed (pierce_book, zone_map.h): the upper edge of the
 * bin where the cumulative count reaches q x n, so a stop that far beyond the far edge was
 * not reached by at least q of them. -1 with fewer than min_tests (or q out of range).
 * Example: 100 tests, 60 holds (depth 0) and 40 sweeps spread over 0.1..0.9 ATR: q 0.5 ->
 * 0.025 (a hold's bin); q 0.8 -> about 0.5.
 */
double zone_stats_pierce_quantile(const struct pierce_book *pb, double q, uint32_t min_tests);

#endif
