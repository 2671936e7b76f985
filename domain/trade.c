/*
 * trade.c - the trade state machine (docs/trading.md "Trades and trailing").
 *
 * One update runs a fixed pipeline: observe zones, check the stop, check the targets,
 * check the runner's confirmation, ratchet the stop. The stop check comes before the
 * targets on purpose: an update only says how far price went each way, not in which order,
 * so a range that covers both the stop and a target is booked as a stop-out.
 *
 * Side arithmetic: with s = t->side (+1 BUY, -1 SELL), "x is more favourable than y" is
 * (x - y) * s > 0, and the adverse extreme of an update is low for a BUY, high for a SELL.
 */
#include "trade.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bar.h"
#include "instrument.h"

const char *trail_event_name(enum trail_event_type t)
{
    static const char *const NAMES[TEV_COUNT] = {
        [TEV_TP1_HIT] = "tp1_hit",       [TEV_TP2_HIT] = "tp2_hit",
        [TEV_RUNNER_ACTIVATED] = "runner_activated", [TEV_STOP_MOVED] = "stop_moved",
        [TEV_STOP_HIT] = "stop_hit",     [TEV_CLOSED] = "closed",
    };
    return (t >= TEV_TP1_HIT && t < TEV_COUNT) ? NAMES[t] : "unknown";
}

double trade_open_fraction(const struct trade *t)
{
    double sum = 0.0;
    for (int i = 0; i < LEG_COUNT; i++)
        if (!t->leg_closed[i])
            sum += t->leg[i];
    return sum;
}

/* ---- zone observations ------------------------------------------------------------ */

static struct trade_zone *find_zone(struct trade *t, uint32_t id)
{
    for (size_t i = 0; i < t->n_zones; i++)
        if (t->zones[i].zone_id == id)
            return &t->zones[i];
    return NULL;
}

/* Records zone id with role; approach is the side price comes from (+1 above, -1 below). */
static struct trade_zone *note_zone(struct trade *t, uint32_t id, double lo, double hi,
                                    int approach, uint8_t role)
{
    if (id == 0)
        return NULL;
    struct trade_zone *z = find_zone(t, id);
    if (z != NULL) {
        z->roles |= role;
        return z;
    }
    if (t->n_zones >= TRADE_MAX_ZONES) {
        t->zones_dropped++;
        return NULL;
    }
    z = &t->zones[t->n_zones++];
    memset(z, 0, sizeof(*z));
    z->zone_id = id;
    z->roles = role;
    z->approach = (int8_t)(approach >= 0 ? 1 : -1);
    z->lo = lo;
    z->hi = hi;
    return z;
}

static void observe_one(struct trade_zone *z, double price, double high, double low)
{
    if (low <= z->hi && high >= z->lo)
        z->touched = 1;
    if (z->approach > 0) {
        if (low < z->lo)
            z->pierced = 1;
        if (price < z->lo)
            z->closed_beyond = 1;
        if (z->touched && price > z->hi)
            z->closed_back = 1;
    } else {
        if (high > z->hi)
            z->pierced = 1;
        if (price > z->hi)
            z->closed_beyond = 1;
        if (z->touched && price < z->lo)
            z->closed_back = 1;
    }
    /* a gap straight through the band is a touch too */
    if (z->closed_beyond)
        z->touched = 1;
}

/* Registers every map zone this update reached (its range, or the gap from the last
 * price), then updates the observations of all recorded zones. */
static void observe(struct trade *t, const struct zone *zones, size_t n, double price,
                    double high, double low)
{
    double reach_lo = fmin(low, t->last_price);
    double reach_hi = fmax(high, t->last_price);
    for (size_t i = 0; i < n; i++) {
        const struct zone *m = &zones[i];
        if (!m->active || m->hi < reach_lo || m->lo > reach_hi)
            continue;
        int approach = t->last_price >= m->price ? 1 : -1;
        note_zone(t, m->id, m->lo, m->hi, approach, TZ_CROSSED);
    }
    for (size_t i = 0; i < t->n_zones; i++)
        observe_one(&t->zones[i], price, high, low);
}

/* ---- legs and closing --------------------------------------------------------------- */

static void push_event(struct trail_events *out, enum trail_event_type type, double price,
                       double fraction, uint32_t zone_id)
{
    if (out == NULL)
        return;
    assert(out->n < TRAIL_MAX_EVENTS);
    out->ev[out->n++] = (struct trail_event){
        .type = (uint8_t)type, .price = price, .fraction = fraction, .zone_id = zone_id};
}

static double r_unit(const struct trade *t)
{
    return fabs(t->entry - t->initial_stop);
}

/* Closes leg i at price; returns the fraction closed (0 if it was closed or empty). */
static double close_leg(struct trade *t, int i, double price)
{
    if (t->leg_closed[i])
        return 0.0;
    t->leg_closed[i] = 1;
    t->leg_exit[i] = price;
    t->leg_r[i] = (price - t->entry) * t->side / r_unit(t) * t->leg[i];
    t->realised_r += t->leg_r[i];
    t->remaining = trade_open_fraction(t);
    return t->leg[i];
}

static double close_all(struct trade *t, double price)
{
    double closed = 0.0;
    for (int i = 0; i < LEG_COUNT; i++)
        closed += close_leg(t, i, price);
    return closed;
}

static void finish(struct trade *t, double price, int64_t ts, const char *reason)
{
    assert(t->remaining < 1e-12);
    t->remaining = 0.0;
    t->status = TRADE_CLOSED;
    t->close_price = price;
    t->closed_ts = ts;
    snprintf(t->close_reason, sizeof(t->close_reason), "%s", reason);
}

/* ---- open --------------------------------------------------------------------------- */

int trade_open(struct trade *t, uint64_t id, const struct setup_result *s, int64_t ts)
{
    if (s->status != SETUP_OK || !s->targets.tp1.present)
        return -1;
    memset(t, 0, sizeof(*t));
    t->id = id;
    t->side = (int8_t)s->req.side;
    t->status = TRADE_OPEN;
    t->pip = s->pip;
    t->entry = s->req.entry;
    t->initial_stop = s->stop.price;
    t->stop = s->stop.price;
    t->stop_zone_id = s->stop.zone_id;
    t->buffer_pips = s->stop.buffer_pips;
    t->tp1 = s->targets.tp1.price;
    t->tp1_zone_id = s->targets.tp1.zone_id;
    t->tp1_zone_lo = s->targets.tp1.zone_lo;
    t->tp1_zone_hi = s->targets.tp1.zone_hi;
    if (s->targets.tp2.present) {
        t->tp2 = s->targets.tp2.price;
        t->tp2_zone_id = s->targets.tp2.zone_id;
    }
    for (int i = 0; i < LEG_COUNT; i++) {
        t->leg[i] = s->legs[i];
        t->leg_closed[i] = s->legs[i] <= 0.0; /* an empty leg never opens */
    }
    t->remaining = trade_open_fraction(t);
    assert(fabs(t->remaining - 1.0) < 1e-9);
    t->opened_ts = ts;
    t->last_update_ts = ts;
    t->closed_ts = TRADE_TS_NONE;
    t->last_price = t->entry;

    /* the stop zone is on the loss side, targets ahead: price comes at them from entry */
    note_zone(t, s->stop.zone_id, s->stop.zone_lo, s->stop.zone_hi, t->side, TZ_STOP);
    note_zone(t, t->tp1_zone_id, t->tp1_zone_lo, t->tp1_zone_hi, -t->side, TZ_TP1);
    if (s->targets.tp2.present)
        note_zone(t, t->tp2_zone_id, s->targets.tp2.zone_lo, s->targets.tp2.zone_hi, -t->side,
                  TZ_TP2);
    return 0;
}

/* ---- trailing ----------------------------------------------------------------------- */

/* price reached level in the profit direction within [low, high] */
static int reached_ahead(const struct trade *t, double level, double high, double low)
{
    return t->side == SIDE_BUY ? high >= level : low <= level;
}

static double zone_width(double lo, double hi, double pip)
{
    return fmax(hi - lo, pip);
}

/* Stop candidate behind a zone: beyond its far edge seen from price (BUY: below lo), on the
 * tick away from price (side_round_to_tick), as a setup's stop. */
static double behind(const struct trade *t, double lo, double hi, double buf)
{
    return side_round_to_tick(t->side, t->side == SIDE_BUY ? lo - buf : hi + buf, t->pip);
}

/* A zone the trade saw hold, or the engine's statistics call held more than broken. */
static int zone_held(struct trade *t, const struct zone *z)
{
    struct trade_zone *seen = find_zone(t, z->id);
    if (seen != NULL && seen->touched && seen->closed_back && !seen->closed_beyond)
        return 1;
    return z->holds > 0 && z->holds >= z->breaks;
}

/* Price is beyond zone [lo, hi] in the profit direction by at least its width. */
static int broken_confirmed(const struct trade *t, double lo, double hi, double pip,
                            double price)
{
    double w = zone_width(lo, hi, pip);
    return t->side == SIDE_BUY ? price >= hi + w : price <= lo - w;
}

struct candidate {
    double price;
    uint32_t zone_id;
    int have;
};

/* Keeps c if it is valid (strictly beyond this update's adverse extreme, so this very
 * update cannot have touched it) and more favourable than the best so far. */
static void consider(const struct trade *t, struct candidate *best, double price,
                     uint32_t zone_id, double adverse)
{
    if ((adverse - price) * t->side <= 0.0)
        return;
    if (best->have && (price - best->price) * t->side <= 0.0)
        return;
    *best = (struct candidate){.price = price, .zone_id = zone_id, .have = 1};
}

static void ratchet(struct trade *t, const struct zone *zones, size_t n, double buf,
                    double pip, double price, double adverse, struct trail_events *out)
{
    struct candidate best = {0};
    if (t->tp1_hit) {
        consider(t, &best, t->entry, 0, adverse);
        /* nearest held zone between the stop and price: the first held one walking back
         * from price is the most favourable, consider() keeps the best anyway */
        for (size_t i = 0; i < n; i++) {
            const struct zone *z = &zones[i];
            int below_price = t->side == SIDE_BUY ? z->hi < price : z->lo > price;
            if (z->active && below_price && zone_held(t, z))
                consider(t, &best, behind(t, z->lo, z->hi, buf), z->id, adverse);
        }
    }
    if (t->tp2_hit)
        consider(t, &best, behind(t, t->tp1_zone_lo, t->tp1_zone_hi, buf), t->tp1_zone_id,
                 adverse);
    if (t->runner_active) {
        for (size_t i = 0; i < n; i++) {
            const struct zone *z = &zones[i];
            /* broken with confirmation and held: the whole update stayed beyond it */
            int held_beyond = t->side == SIDE_BUY ? adverse > z->hi : adverse < z->lo;
            if (z->active && held_beyond && broken_confirmed(t, z->lo, z->hi, pip, price))
                consider(t, &best, behind(t, z->lo, z->hi, buf), z->id, adverse);
        }
    }
    if (!best.have || (best.price - t->stop) * t->side <= 0.0)
        return;
    assert((best.price - t->stop) * t->side > 0.0); /* never against the trade */
    t->stop = best.price;
    t->stop_zone_id = best.zone_id;
    push_event(out, TEV_STOP_MOVED, best.price, 0.0, best.zone_id);
}

static void fill_out(const struct trade *t, struct trail_events *out)
{
    if (out == NULL)
        return;
    out->stop = t->stop;
    out->remaining = t->remaining;
    out->status = t->status;
}

static void set_note(struct trail_events *out, const char *note)
{
    if (out != NULL)
        snprintf(out->note, sizeof(out->note), "%s", note);
}

int64_t trade_update_time(const struct trade *t, int64_t ts, int64_t bar_ts)
{
    if (ts != TRADE_TS_NONE)
        return ts;
    if (t->last_update_ts != TRADE_TS_NONE && t->last_update_ts > bar_ts)
        return t->last_update_ts;
    return bar_ts;
}

const char *trade_check_ts(int64_t ts, int64_t now)
{
    if (ts == TRADE_TS_NONE)
        return NULL;
    if (ts < 0)
        return "ts must not be before 1970";
    if (ts > now + BAR_MAX_FUTURE_S)
        return "ts is in the future (more than 2 days past the server's clock)";
    return NULL;
}

static const char *check_update(double price, double high, double low, double pip)
{
    if (!isfinite(price) || !isfinite(high) || !isfinite(low))
        return "price, high and low must be finite numbers";
    if (low <= 0.0)
        return "low must be above 0";
    if (!instrument_price_in_scale(low, pip) || !instrument_price_in_scale(high, pip))
        return "price, high and low must lie within 1 to 1e8 pips of this symbol";
    if (high < low)
        return "high is below low";
    if (price < low || price > high)
        return "price must lie within low..high";
    return NULL;
}

enum trail_status trade_trail(struct trade *t, const struct zone *zones, size_t n,
                              const struct liq_params *p, double pip, double price, double high,
                              double low, int64_t ts, int64_t bar_ts,
                              struct trail_events *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    fill_out(t, out);
    const char *bad = check_update(price, high, low, pip);
    if (bad != NULL) {
        set_note(out, bad);
        return TRAIL_INVALID;
    }
    if (t->status == TRADE_CLOSED) {
        set_note(out, "trade is closed");
        return TRAIL_CLOSED;
    }
    if (ts != TRADE_TS_NONE && t->last_update_ts != TRADE_TS_NONE && ts <= t->last_update_ts) {
        set_note(out, "ts is not after the last update: ignored");
        return TRAIL_DUPLICATE;
    }
    assert(pip > 0.0);
    double before = t->remaining;
    (void)before; /* read by the asserts only */
    double closed = 0.0;
    double adverse = t->side == SIDE_BUY ? low : high;
    double buf = (t->buffer_pips > 0.0 ? t->buffer_pips : p->default_buffer_pips) * pip;

    int64_t when = trade_update_time(t, ts, bar_ts);
    observe(t, zones, n, price, high, low);
    t->updates++;
    t->last_price = price;
    if (ts != TRADE_TS_NONE)
        t->last_update_ts = ts;

    /* 1. the stop first: conservative when the range also covers a target */
    if ((t->stop - adverse) * t->side >= 0.0) {
        double far_side = t->side == SIDE_BUY ? high : low;
        double fill = (far_side - t->stop) * t->side >= 0.0 ? t->stop : price;
        closed = close_all(t, fill);
        push_event(out, TEV_STOP_HIT, fill, closed, t->stop_zone_id);
        finish(t, fill, when, "stop_hit");
        push_event(out, TEV_CLOSED, fill, 0.0, 0);
        fill_out(t, out);
        return TRAIL_OK;
    }

    /* 2. targets in order */
    if (!t->tp1_hit && reached_ahead(t, t->tp1, high, low)) {
        t->tp1_hit = 1;
        double f = close_leg(t, LEG_TP1, t->tp1);
        closed += f;
        push_event(out, TEV_TP1_HIT, t->tp1, f, t->tp1_zone_id);
    }
    if (t->tp1_hit && !t->tp2_hit && t->tp2_zone_id != 0 &&
        reached_ahead(t, t->tp2, high, low)) {
        t->tp2_hit = 1;
        double f = close_leg(t, LEG_TP2, t->tp2);
        closed += f;
        push_event(out, TEV_TP2_HIT, t->tp2, f, t->tp2_zone_id);
    }
    if (t->remaining < 1e-12) {
        double last = t->tp2_hit ? t->tp2 : t->tp1;
        finish(t, last, when, "targets_done");
        push_event(out, TEV_CLOSED, last, 0.0, 0);
        fill_out(t, out);
        assert(fabs(before - closed) < 1e-9);
        return TRAIL_OK;
    }

    /* 3. the runner wakes when TP1's zone is broken with confirmation */
    if (t->tp1_hit && !t->runner_active && !t->leg_closed[LEG_RUNNER] &&
        broken_confirmed(t, t->tp1_zone_lo, t->tp1_zone_hi, pip, price)) {
        t->runner_active = 1;
        push_event(out, TEV_RUNNER_ACTIVATED, price, 0.0, t->tp1_zone_id);
    }

    /* 4. the stop follows liquidity, never the candle */
    ratchet(t, zones, n, buf, pip, price, adverse, out);

    assert(fabs(t->remaining - trade_open_fraction(t)) < 1e-12);
    assert(fabs(before - closed - t->remaining) < 1e-9);
    fill_out(t, out);
    return TRAIL_OK;
}

enum trail_status trade_close(struct trade *t, double price, int64_t ts, int64_t bar_ts)
{
    if (t->status == TRADE_CLOSED)
        return TRAIL_CLOSED;
    if (!isfinite(price) || price <= 0.0 || !instrument_price_in_scale(price, t->pip))
        return TRAIL_INVALID;
    if (ts != TRADE_TS_NONE && t->last_update_ts != TRADE_TS_NONE && ts < t->last_update_ts)
        return TRAIL_INVALID;
    close_all(t, price);
    if (ts != TRADE_TS_NONE)
        t->last_update_ts = ts;
    t->last_price = price;
    finish(t, price, trade_update_time(t, ts, bar_ts), "manual");
    return TRAIL_OK;
}
