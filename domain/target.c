/*
 * target.c - the target selector (DESIGN.md section 2, "Setups"; docs/trading.md "Targets").
 *
 * The zone map is sorted by price, so "ahead, nearest first" is a walk upwards from entry
 * for a BUY and downwards for a SELL. The walk collects up to two qualifying zones and
 * remembers where the last one was, so the runner's look-ahead continues from there.
 */
#include "target.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "instrument.h"

double target_front_offset(const struct liq_params *p, double pip, double atr)
{
    return TARGET_FRONT_FRACTION * stop_buffer_price(p, pip, atr, REGIME_NORMAL, 0.0);
}

double target_front_for_stall(const struct liq_params *p, double pip, double atr,
                              double stall_atr)
{
    double fixed = target_front_offset(p, pip, atr);
    if (atr > 0.0 && isfinite(stall_atr) && stall_atr * atr > fixed)
        return stall_atr * atr;
    return fixed;
}

double target_at_rr(enum trade_side side, double entry, double stop, double rr, double pip)
{
    assert(side == SIDE_BUY || side == SIDE_SELL);
    assert((entry - stop) * side > 0.0); /* the stop is on the loss side */
    double risk = fabs(entry - stop), tick = instrument_tick(pip);
    double t = instrument_round_to_tick(entry + side * rr * risk, tick, (int)side);
    /* the rounding snaps a price within 1e-6 tick of a multiple onto it, which may be a hair
     * short; a tick further is always enough (the ratio grows by tick / risk > 1e-12) */
    for (int i = 0; i < 2 && (t - entry) * side / risk < rr - TARGET_RR_SLACK; i++)
        t = instrument_round_to_tick(t + side * tick, tick, (int)side);
    return t;
}

/* The refusal: which setting blocked the best candidates, and what would let one through. */
static void refusal(const struct liq_params *p, enum trade_side side, double entry, int ahead,
                    int weak, int short_rr, const struct zone *best_short, double best_rr,
                    const struct zone *best_weak, double weak_rr, char *out)
{
    if (ahead == 0) {
        snprintf(out, LIQ_REASON_LEN,
                 "no active zone %s entry %.10g to target (zones deactivate after "
                 "zone_history_hours %.1f untouched)",
                 side == SIDE_BUY ? "above" : "below", entry, p->zone_history_hours);
        return;
    }
    int n = snprintf(out, LIQ_REASON_LEN,
                     "no zone ahead meets min_rr_ratio %.2f with min_liquidity_strength %.2f "
                     "(%d ahead: %d weak, %d short of RR)",
                     p->min_rr_ratio, p->min_liquidity_strength, ahead, weak, short_rr);
    if (n < 0 || n >= LIQ_REASON_LEN)
        return;
    if (best_short != NULL && best_rr > 0.0)
        n += snprintf(out + n, (size_t)(LIQ_REASON_LEN - n),
                      "; min_rr_ratio <= %.2f would take zone %u", best_rr, best_short->id);
    if (n >= 0 && n < LIQ_REASON_LEN && best_weak != NULL)
        snprintf(out + n, (size_t)(LIQ_REASON_LEN - n),
                 "; min_liquidity_strength <= %.2f would take zone %u (RR %.2f)",
                 floor((double)best_weak->strength * 100.0 + 1e-4) / 100.0, best_weak->id, weak_rr);
}

static int ahead(const struct zone *z, enum trade_side side, double entry)
{
    return side == SIDE_BUY ? z->lo > entry : z->hi < entry;
}

static void fill_level(struct target_level *t, const struct zone *z, double price, double rr)
{
    t->present = 1;
    t->price = price;
    t->zone_id = z->id;
    t->zone_lo = z->lo;
    t->zone_hi = z->hi;
    t->zone_strength = z->strength;
    t->rr = rr;
}

/* Zone index i of the walk "ahead, nearest first": 0 is the nearest zone ahead. */
static const struct zone *walk_at(const struct zone *zones, size_t n, enum trade_side side,
                                  size_t i)
{
    return side == SIDE_BUY ? &zones[i] : &zones[n - 1 - i];
}

static void choose_runner(const struct zone *zones, size_t n, const struct liq_params *p,
                          enum trade_side side, double trend_score, size_t after,
                          struct target_decision *out)
{
    double sum = 0.0;
    int count = 0;
    for (size_t i = after + 1; i < n && count < TARGET_RUNNER_LOOKAHEAD; i++) {
        const struct zone *z = walk_at(zones, n, side, i);
        if (!z->active)
            continue;
        sum += z->strength;
        count++;
    }
    out->runner_beyond_mean = count ? sum / count : 0.0;
    if (!p->runner_enabled) {
        snprintf(out->runner_reason, LIQ_REASON_LEN, "runner disabled by configuration");
        return;
    }
    if (!(trend_score > p->runner_min_confidence)) {
        snprintf(out->runner_reason, LIQ_REASON_LEN,
                 "trend_score %.2f not above runner_min_confidence %.2f", trend_score,
                 p->runner_min_confidence);
        return;
    }
    if (!(out->runner_beyond_mean < TARGET_RUNNER_WEAK_MEAN)) {
        snprintf(out->runner_reason, LIQ_REASON_LEN,
                 "zones beyond the last target are strong (mean %.2f over %d, >= %.2f)",
                 out->runner_beyond_mean, count, TARGET_RUNNER_WEAK_MEAN);
        return;
    }
    out->runner = 1;
    if (count == 0)
        snprintf(out->runner_reason, LIQ_REASON_LEN,
                 "trend_score %.2f > %.2f and no zone beyond the last target", trend_score,
                 p->runner_min_confidence);
    else
        snprintf(out->runner_reason, LIQ_REASON_LEN,
                 "trend_score %.2f > %.2f and zones beyond are weak (mean %.2f over %d)",
                 trend_score, p->runner_min_confidence, out->runner_beyond_mean, count);
}

int target_select(const struct zone *zones, size_t n, const struct liq_params *p, double pip,
                  double atr, enum trade_side side, double entry, double stop,
                  double trend_score, struct target_decision *out)
{
    return target_select_at(zones, n, p, pip, side, entry, stop, trend_score,
                            target_front_offset(p, pip, atr), out);
}

int target_select_at(const struct zone *zones, size_t n, const struct liq_params *p, double pip,
                     enum trade_side side, double entry, double stop, double trend_score,
                     double offset, struct target_decision *out)
{
    assert(pip > 0.0);
    assert((entry - stop) * side > 0.0); /* the stop is on the loss side */
    memset(out, 0, sizeof(*out));

    double risk = fabs(entry - stop);
    int weak = 0, short_rr = 0, nahead = 0;
    double best_rr = 0.0, weak_rr = 0.0;
    const struct zone *best_short = NULL, *best_weak = NULL;
    size_t last = 0; /* walk index of the last chosen target */
    int want_tp2 = trend_score > TARGET_TP2_MIN_TREND;

    for (size_t i = 0; i < n; i++) {
        const struct zone *z = walk_at(zones, n, side, i);
        if (!z->active || !ahead(z, side, entry))
            continue;
        nahead++;
        double price = side_round_to_tick(side, side == SIDE_BUY ? z->lo - offset
                                                                 : z->hi + offset, pip);
        double rr = (price - entry) * side / risk;
        if (z->strength < p->min_liquidity_strength) {
            weak++;
            if (rr >= p->min_rr_ratio && (best_weak == NULL || z->strength > best_weak->strength)) {
                best_weak = z;
                weak_rr = rr;
            }
            continue;
        }
        if (rr < p->min_rr_ratio) {
            short_rr++;
            if (rr > best_rr) {
                best_rr = rr;
                best_short = z;
            }
            continue;
        }
        out->qualifying++;
        if (!out->tp1.present) {
            fill_level(&out->tp1, z, price, rr);
            snprintf(out->tp1.reason, LIQ_REASON_LEN,
                     "first zone ahead with strength %.2f >= %.2f and RR %.2f >= %.2f "
                     "(zone %u; %d weak, %d short of RR before it)",
                     (double)z->strength, p->min_liquidity_strength, rr, p->min_rr_ratio, z->id,
                     weak, short_rr);
            last = i;
        } else if (!out->tp2.present && want_tp2 && (price - out->tp1.price) * side > 0.0) {
            /* beyond TP1: a wider zone further ahead can have its near edge before TP1's */
            fill_level(&out->tp2, z, price, rr);
            snprintf(out->tp2.reason, LIQ_REASON_LEN,
                     "next qualifying zone %u (strength %.2f, RR %.2f), trend_score %.2f > %.2f",
                     z->id, (double)z->strength, rr, trend_score, TARGET_TP2_MIN_TREND);
            last = i;
        }
    }

    if (!out->tp1.present) {
        refusal(p, side, entry, nahead, weak, short_rr, best_short, floor(best_rr * 100) / 100,
                best_weak, weak_rr, out->reason);
        snprintf(out->runner_reason, LIQ_REASON_LEN, "no target");
        return -1;
    }
    if (!out->tp2.present && want_tp2)
        snprintf(out->tp2.reason, LIQ_REASON_LEN, "no second qualifying zone ahead");
    else if (!out->tp2.present)
        snprintf(out->tp2.reason, LIQ_REASON_LEN, "trend_score %.2f not above %.2f",
                 trend_score, TARGET_TP2_MIN_TREND);
    choose_runner(zones, n, p, side, trend_score, last, out);
    return 0;
}
