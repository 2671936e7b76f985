/*
 * learner.h - what closed trades teach about the zones they used.
 *
 * The one idea: a zone's worth to a trader is what trades that relied on it earned. When a
 * trade closes, every zone it used or crossed (stop zone, TP zones, zones price reached
 * while it was open; see struct trade_zone) is classified by what price did there -
 * held, broken, swept or merely touched - and the trade's realised R is booked against
 * (zone, action). Expected R per row and a confidence that grows with the sample size
 * then nudge the zone's strength up or down when liquidity_learning_enabled.
 *
 * Rows are plain structs, persisted one-to-one in liquidity_level_stats (zone_id, action,
 * count, pnl_sum, expected_pnl, confidence). The table's memory belongs to the caller.
 *
 * Pure computation: no I/O, no clock, no globals.
 */
#ifndef LIQ_LEARNER_H
#define LIQ_LEARNER_H

#include <stddef.h>
#include <stdint.h>

#include "params.h"
#include "trade.h"
#include "zone.h"

enum zone_action { ZA_HELD = 0, ZA_BROKEN = 1, ZA_SWEPT = 2, ZA_TOUCHED = 3, ZA_COUNT = 4 };

/* "held", "broken", "swept", "touched"; parse returns 0, or -1 when unknown. */
const char *zone_action_name(enum zone_action a);
int zone_action_parse(const char *name, enum zone_action *out);

/* confidence = count / (count + LEARNER_CONFIDENCE_K): 10 trades -> 0.5, 90 -> 0.9 */
#define LEARNER_CONFIDENCE_K 10.0
/* expected R is clamped to +-LEARNER_PNL_CLAMP before it adjusts strength */
#define LEARNER_PNL_CLAMP 0.5

struct level_stat {
    uint32_t zone_id;
    uint8_t action;        /* enum zone_action */
    uint32_t count;
    double pnl_sum;        /* sum of realised R of the trades */
    double expected_pnl;   /* pnl_sum / count */
    double confidence;     /* count / (count + K) */
};

struct learner_outcome {
    uint32_t zone_id;
    uint8_t action;        /* enum zone_action */
    double pnl_r;          /* the trade's realised R */
};

/* A caller-owned table: rows[0..n) are in use, cap is the capacity. */
struct learner_table {
    struct level_stat *rows;
    size_t n, cap;
};

/*
 * What price did at one zone, in priority order:
 *   broken   an update's price closed beyond the far edge
 *   swept    an update's extreme went beyond the far edge, no close beyond
 *   held     touched, then price closed back outside the band on the approach side
 *   touched  touched, nothing else (e.g. the trade ended inside the band)
 * Returns 0, or -1 when price never reached the zone (nothing to learn).
 */
int learner_classify_zone(const struct trade_zone *z, enum zone_action *out);

/* The outcomes of a closed trade, one per reached zone, at most cap. Returns how many. */
size_t learner_classify(const struct trade *t, struct learner_outcome *out, size_t cap);

/* Books one trade's R into a row: count++, pnl_sum += r, expected and confidence redone. */
void level_stat_add(struct level_stat *s, double pnl_r);

enum learn_status { LEARN_OK = 0, LEARN_NOT_CLOSED = -1, LEARN_FULL = -2 };

/*
 * Feeds a closed trade to the table. The outcomes (and the rows they changed, for the
 * storage layer to upsert) are written to out[0..*n_out) when out is not NULL.
 * LEARN_FULL: the table had no room for a new (zone, action) row; those outcomes were
 * dropped, the others applied.
 * Example: a trade closed at +1.5 R whose stop zone 3 held -> row (3, held) count 1,
 * pnl_sum 1.5, expected 1.5, confidence 1/11.
 */
enum learn_status learner_learn(struct learner_table *tab, const struct trade *t,
                                struct learner_outcome *out, size_t cap, size_t *n_out);

/* The row of (zone_id, action), or NULL. */
const struct level_stat *learner_find(const struct learner_table *tab, uint32_t zone_id,
                                      enum zone_action action);

/*
 * Learned strength of a zone, pooling its rows of every action:
 *   N = sum of counts, E = sum of pnl_sum / N, c = N / (N + K)
 *   learned = clamp01(strength x (1 + c x clamp(E, -0.5, 0.5)))
 * No rows: strength unchanged. Example: 10 trades averaging +1 R, strength 0.6 ->
 * 0.6 x (1 + 0.5 x 0.5) = 0.75.
 */
double learner_strength(const struct learner_table *tab, uint32_t zone_id, double strength);

/* A copy of tab with room for one trade's outcomes (TRADE_MAX_ZONES new rows), so
 * learner_learn on it never reports LEARN_FULL: 0, or -1 out of memory (out untouched). */
int learner_copy_for_trade(const struct learner_table *tab, struct learner_table *out);
/* Appends row to tab, growing it: 0, or -1 out of memory (tab unchanged). */
int learner_append(struct learner_table *tab, const struct level_stat *row);

/* With liquidity_learning_enabled, replaces each zone's strength by learner_strength();
 * otherwise does nothing. Meant for the service's copy of the zone map before a setup. */
void learner_apply(const struct learner_table *tab, const struct liq_params *p,
                   struct zone *zones, size_t n);

#endif
