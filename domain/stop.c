/*
 * stop.c - the stop selector (DESIGN.md section 2, "Setups"; docs/trading.md "Stop").
 *
 * A single pass over the zone map: each zone on the stop side is either skipped with a
 * cause (weak, over-tested, too far) or becomes a candidate; the strongest candidate wins.
 * The skip counts go into the reason so a refused or surprising stop can be explained.
 */
#include "stop.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "instrument.h"

const char *side_name(enum trade_side s)
{
    return s == SIDE_SELL ? "SELL" : "BUY";
}

int side_parse(const char *name, enum trade_side *out)
{
    if (strcmp(name, "BUY") == 0) {
        *out = SIDE_BUY;
        return 0;
    }
    if (strcmp(name, "SELL") == 0) {
        *out = SIDE_SELL;
        return 0;
    }
    return -1;
}

static const char *const REGIME_NAMES[] = {
    [REGIME_NORMAL] = "NORMAL", [REGIME_TRANSITION] = "TRANSITION",
    [REGIME_CHAOTIC] = "CHAOTIC",
};

const char *regime_name(enum regime_mode r)
{
    return (r >= REGIME_NORMAL && r <= REGIME_CHAOTIC) ? REGIME_NAMES[r] : "UNKNOWN";
}

int regime_parse(const char *name, enum regime_mode *out)
{
    for (int r = REGIME_NORMAL; r <= REGIME_CHAOTIC; r++) {
        if (strcmp(name, REGIME_NAMES[r]) == 0) {
            *out = (enum regime_mode)r;
            return 0;
        }
    }
    return -1;
}

double side_round_to_tick(enum trade_side side, double price, double pip)
{
    return instrument_round_to_tick(price, instrument_tick(pip), -(int)side);
}

static double clamp01(double x)
{
    if (!(x > 0.0)) /* also catches NaN */
        return 0.0;
    return x > 1.0 ? 1.0 : x;
}

/* x (1 + (transition_buffer_factor - 1) x s) in TRANSITION, 1 otherwise */
static double transition_factor(const struct liq_params *p, enum regime_mode regime,
                                double transition_strength)
{
    if (regime != REGIME_TRANSITION)
        return 1.0;
    return 1.0 + (p->transition_buffer_factor - 1.0) * clamp01(transition_strength);
}

double stop_buffer_pips(const struct liq_params *p, enum regime_mode regime,
                        double transition_strength)
{
    return p->default_buffer_pips * transition_factor(p, regime, transition_strength);
}

double stop_buffer_price(const struct liq_params *p, double pip, double atr,
                         enum regime_mode regime, double transition_strength)
{
    double base = atr > 0.0 && p->buffer_atr > 0.0 ? p->buffer_atr * atr
                                                    : p->default_buffer_pips * pip;
    return base * transition_factor(p, regime, transition_strength);
}

void stop_params_for_sweep(const struct liq_params *p, double sweep_atr, struct liq_params *out)
{
    *out = *p;
    if (p->buffer_atr > 0.0 && sweep_atr > p->buffer_atr && isfinite(sweep_atr))
        out->buffer_atr = sweep_atr;
}

double stop_fallback_price(const struct liq_params *p, double pip, double atr)
{
    if (atr > 0.0 && p->fallback_stop_atr > 0.0)
        return p->fallback_stop_atr * atr;
    return p->fallback_stop_pips * pip;
}

/* price on the tick away from entry, and strictly on the stop side: a distance below 1e-6
 * tick (a zero buffer, a vanishing ATR) would otherwise snap onto the entry itself. */
static double stop_on_tick(enum trade_side side, double entry, double price, double pip)
{
    double r = side_round_to_tick(side, price, pip);
    if ((entry - r) * side > 0.0)
        return r;
    return side_round_to_tick(side, entry - (double)side * instrument_tick(pip), pip);
}

/* Stop price behind zone z: beyond its far edge by buf (price units), on the tick. */
static double stop_behind(const struct zone *z, enum trade_side side, double entry, double buf,
                          double pip)
{
    return stop_on_tick(side, entry, side == SIDE_BUY ? z->lo - buf : z->hi + buf, pip);
}

static int on_stop_side(const struct zone *z, enum trade_side side, double entry)
{
    return side == SIDE_BUY ? z->hi < entry : z->lo > entry;
}

void stop_select(const struct zone *zones, size_t n, const struct liq_params *p, double pip,
                 double atr, enum trade_side side, double entry, enum regime_mode regime,
                 double transition_strength, struct stop_decision *out)
{
    assert(pip > 0.0);
    assert(side == SIDE_BUY || side == SIDE_SELL);
    memset(out, 0, sizeof(*out));

    double buf = stop_buffer_price(p, pip, atr, regime, transition_strength);
    double buffer_pips = buf / pip;
    double fallback = stop_fallback_price(p, pip, atr);
    double max_dist = STOP_MAX_FALLBACK_MULTIPLE * fallback;
    const struct zone *best = NULL;
    int weak = 0, worn = 0, far = 0;

    for (size_t i = 0; i < n; i++) {
        const struct zone *z = &zones[i];
        assert(i == 0 || zones[i - 1].price <= z->price); /* sorted ascending */
        if (!z->active || !on_stop_side(z, side, entry))
            continue;
        if (z->strength < p->min_liquidity_strength) {
            weak++;
            continue;
        }
        if (z->tests > (uint32_t)p->max_level_touches) {
            worn++;
            continue;
        }
        if (fabs(entry - stop_behind(z, side, entry, buf, pip)) > max_dist) {
            far++;
            continue;
        }
        out->qualifying++;
        if (best == NULL || z->strength > best->strength ||
            (z->strength == best->strength &&
             fabs(z->price - entry) < fabs(best->price - entry)))
            best = z;
    }

    if (best == NULL) {
        out->fallback = 1;
        out->price = stop_on_tick(side, entry, entry - (double)side * fallback, pip);
        out->distance_pips = fabs(entry - out->price) / pip;
        out->buffer_pips = buffer_pips; /* what the trade's later zone stops use */
        snprintf(out->reason, sizeof(out->reason),
                 "fallback %.1f pips (%s): no qualifying zone %s entry (%d weak, %d "
                 "over-tested, %d too far)",
                 out->distance_pips,
                 atr > 0.0 && p->fallback_stop_atr > 0.0 ? "fallback_stop_atr x ATR14"
                                                          : "fallback_stop_pips",
                 side == SIDE_BUY ? "below" : "above", weak, worn, far);
        return;
    }
    out->price = stop_behind(best, side, entry, buf, pip);
    out->zone_id = best->id;
    out->zone_lo = best->lo;
    out->zone_hi = best->hi;
    out->zone_strength = best->strength;
    out->buffer_pips = buffer_pips;
    out->distance_pips = fabs(entry - out->price) / pip;
    /* a reason longer than the buffer is cut, which is fine for a human-readable note */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-truncation"
    snprintf(out->reason, sizeof(out->reason),
             "behind zone %u (strength %.2f, %u tests), %.1f pips buffer%s; strongest of %d "
             "qualifying (%d weak, %d over-tested, %d too far skipped)",
             best->id, (double)best->strength, best->tests, buffer_pips,
             regime == REGIME_TRANSITION ? " (transition)" : "", out->qualifying, weak, worn,
             far);
#pragma GCC diagnostic pop
}
