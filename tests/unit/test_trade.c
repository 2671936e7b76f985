/* Trades and zone-to-zone trailing (DESIGN.md section 2 "Trades and trailing"). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "domain/params.h"
#include "domain/setup.h"
#include "domain/trade.h"
#include "domain/trade_update.h"

#define PIP 0.0001
#define EPS 1e-9
#define R_PIPS 70.0 /* entry 1.1000, stop 1.0930 */

/* BUY 1.1000: stop zone 1 (stop 1.0930), TP1 zone 2 (1.1118), TP2 zone 3 (1.1198),
 * weak zone 4 beyond (runner). */
static struct zone MAP[] = {
    {.id = 1, .price = 1.0955, .lo = 1.0950, .hi = 1.0960, .active = 1, .strength = 0.8f},
    {.id = 2, .price = 1.1125, .lo = 1.1120, .hi = 1.1130, .active = 1, .strength = 0.8f},
    {.id = 3, .price = 1.1205, .lo = 1.1200, .hi = 1.1210, .active = 1, .strength = 0.8f},
    {.id = 4, .price = 1.1305, .lo = 1.1300, .hi = 1.1310, .active = 1, .strength = 0.3f},
};
#define NMAP 4

static struct liq_params P(void)
{
    struct liq_params p;
    params_defaults(&p);
    p.exit_method = EXIT_ZONES; /* the zone exits these tests are about */
    p.min_expected_r = -1e9;
    return p;
}

static struct trade open_trade(enum trade_side side, double trend, const struct zone *zs,
                               size_t n)
{
    struct liq_params p = P();
    struct setup_request rq = {.side = side, .entry = 1.1000, .trend_score = trend,
                               .regime = REGIME_NORMAL};
    struct setup_result s;
    cr_assert_eq(setup_build(&rq, zs, n, &p, PIP, NULL, &s), SETUP_OK);
    struct trade t;
    cr_assert_eq(trade_open(&t, 42, &s, 1000), 0);
    return t;
}

static struct trade open_buy(void)
{
    return open_trade(SIDE_BUY, 0.8, MAP, NMAP);
}

/* one update with ts, asserting it was applied */
static struct trail_events upd(struct trade *t, const struct zone *zs, size_t n, double price,
                               double high, double low, int64_t ts)
{
    struct liq_params p = P();
    struct trail_events ev;
    cr_assert_eq(trade_trail(t, zs, n, &p, PIP, price, high, low, ts, ts, &ev), TRAIL_OK,
                 "%s", ev.note);
    return ev;
}

static const struct trail_event *find_ev(const struct trail_events *ev, enum trail_event_type k)
{
    for (size_t i = 0; i < ev->n; i++)
        if (ev->ev[i].type == k)
            return &ev->ev[i];
    return NULL;
}

static double closed_by_events(const struct trail_events *ev)
{
    double sum = 0;
    for (size_t i = 0; i < ev->n; i++)
        sum += ev->ev[i].fraction;
    return sum;
}

Test(trade, opens_with_the_setup_levels_and_everything_remaining)
{
    struct trade t = open_buy();
    cr_assert_eq(t.id, 42);
    cr_assert_eq(t.status, TRADE_OPEN);
    cr_assert_float_eq(t.stop, 1.0930, EPS);
    cr_assert_float_eq(t.initial_stop, 1.0930, EPS);
    cr_assert_float_eq(t.tp1, 1.1118, EPS);
    cr_assert_float_eq(t.tp2, 1.1198, EPS);
    cr_assert_float_eq(t.remaining, 1.0, EPS);
    cr_assert_eq(t.n_zones, 3); /* stop, tp1, tp2 zones */
    cr_assert_eq(t.zones[0].roles, TZ_STOP);
}

Test(trail, stop_hit_closes_the_whole_trade_at_minus_one_r)
{
    struct trade t = open_buy();
    struct trail_events ev = upd(&t, MAP, NMAP, 1.0940, 1.1010, 1.0925, 1001);
    cr_assert_not_null(find_ev(&ev, TEV_STOP_HIT));
    cr_assert_not_null(find_ev(&ev, TEV_CLOSED));
    cr_assert_float_eq(find_ev(&ev, TEV_STOP_HIT)->price, 1.0930, EPS);
    cr_assert_eq(t.status, TRADE_CLOSED);
    cr_assert_float_eq(t.remaining, 0, EPS);
    cr_assert_float_eq(t.realised_r, -1.0, 1e-9);
    cr_assert_str_eq(t.close_reason, "stop_hit");
}

Test(trail, bar_reaching_stop_and_target_counts_stop_first)
{
    struct trade t = open_buy();
    struct trail_events ev = upd(&t, MAP, NMAP, 1.1000, 1.1125, 1.0920, 1001);
    cr_assert_not_null(find_ev(&ev, TEV_STOP_HIT));
    cr_assert_null(find_ev(&ev, TEV_TP1_HIT));
    cr_assert_eq(t.tp1_hit, 0);
    cr_assert_float_eq(t.realised_r, -1.0, 1e-9);
}

Test(trail, gap_through_the_stop_fills_at_the_update_price)
{
    struct trade t = open_buy();
    struct trail_events ev = upd(&t, MAP, NMAP, 1.0910, 1.0920, 1.0900, 1001);
    cr_assert_float_eq(find_ev(&ev, TEV_STOP_HIT)->price, 1.0910, EPS);
    cr_assert_float_eq(t.realised_r, -90.0 / R_PIPS, 1e-9);
}

Test(trail, tp1_hit_closes_its_leg_and_moves_the_stop_to_break_even)
{
    struct trade t = open_buy();
    struct trail_events ev = upd(&t, MAP, NMAP, 1.1100, 1.1119, 1.1050, 1001);
    const struct trail_event *hit = find_ev(&ev, TEV_TP1_HIT);
    cr_assert_not_null(hit);
    cr_assert_float_eq(hit->price, 1.1118, EPS);
    cr_assert_float_eq(hit->fraction, 0.5, EPS);
    cr_assert_float_eq(t.remaining, 0.5, EPS);
    const struct trail_event *mv = find_ev(&ev, TEV_STOP_MOVED);
    cr_assert_not_null(mv);
    cr_assert_float_eq(mv->price, 1.1000, EPS);
    cr_assert_float_eq(t.stop, 1.1000, EPS);
    cr_assert_float_eq(t.leg_r[LEG_TP1], 0.5 * 118.0 / R_PIPS, 1e-9);
}

Test(trail, tp1_moves_the_stop_behind_a_nearer_held_zone_when_that_is_better)
{
    struct zone zs[] = {MAP[0],
                        {.id = 5, .price = 1.10625, .lo = 1.1060, .hi = 1.1065, .active = 1,
                         .strength = 0.5f, .holds = 2, .tests = 2},
                        MAP[1], MAP[2], MAP[3]};
    struct trade t = open_trade(SIDE_BUY, 0.8, zs, 5);
    struct trail_events ev = upd(&t, zs, 5, 1.1100, 1.1119, 1.1070, 1001);
    const struct trail_event *mv = find_ev(&ev, TEV_STOP_MOVED);
    cr_assert_not_null(mv);
    cr_assert_float_eq(t.stop, 1.1040, EPS); /* zone 5 lo - 20 pips, above break-even */
    cr_assert_eq(t.stop_zone_id, 5);
}

Test(trail, break_even_waits_until_the_update_stays_above_entry)
{
    struct trade t = open_buy();
    /* TP1 and a dip below entry in one update: moving to break-even now could already be
     * crossed inside this update, so the stop stays */
    struct trail_events ev = upd(&t, MAP, NMAP, 1.1100, 1.1119, 1.0990, 1001);
    cr_assert_not_null(find_ev(&ev, TEV_TP1_HIT));
    cr_assert_null(find_ev(&ev, TEV_STOP_MOVED));
    cr_assert_float_eq(t.stop, 1.0930, EPS);
    ev = upd(&t, MAP, NMAP, 1.1080, 1.1100, 1.1050, 1002);
    cr_assert_float_eq(t.stop, 1.1000, EPS);
}

Test(trail, runner_activates_only_on_a_confirmed_break_of_tp1_zone)
{
    struct trade t = open_buy();
    upd(&t, MAP, NMAP, 1.1110, 1.1119, 1.1070, 1001);
    /* above the zone (hi 1.1130) but by less than its width (10 pips) */
    struct trail_events ev = upd(&t, MAP, NMAP, 1.1135, 1.1136, 1.1115, 1002);
    cr_assert_null(find_ev(&ev, TEV_RUNNER_ACTIVATED));
    cr_assert_eq(t.runner_active, 0);
    /* a high beyond is not a close beyond */
    ev = upd(&t, MAP, NMAP, 1.1130, 1.1150, 1.1115, 1003);
    cr_assert_eq(t.runner_active, 0);
    ev = upd(&t, MAP, NMAP, 1.1142, 1.1145, 1.1125, 1004);
    const struct trail_event *act = find_ev(&ev, TEV_RUNNER_ACTIVATED);
    cr_assert_not_null(act);
    cr_assert_float_eq(act->price, 1.1142, EPS);
    cr_assert_eq(act->zone_id, 2);
    cr_assert_eq(t.runner_active, 1);
}

Test(trail, no_runner_leg_means_no_runner_activation)
{
    struct trade t = open_trade(SIDE_BUY, 0.6, MAP, NMAP); /* tp2 yes, runner no */
    cr_assert_float_eq(t.leg[LEG_RUNNER], 0.0, EPS);
    struct trail_events ev = upd(&t, MAP, NMAP, 1.1150, 1.1155, 1.1140, 1001);
    cr_assert_not_null(find_ev(&ev, TEV_TP1_HIT));
    cr_assert_null(find_ev(&ev, TEV_RUNNER_ACTIVATED));
    cr_assert_eq(t.runner_active, 0);
}

Test(trail, tp2_hit_moves_the_stop_behind_tp1_zone)
{
    struct trade t = open_buy();
    upd(&t, MAP, NMAP, 1.1110, 1.1119, 1.1070, 1001);
    struct trail_events ev = upd(&t, MAP, NMAP, 1.1190, 1.1199, 1.1160, 1002);
    const struct trail_event *hit = find_ev(&ev, TEV_TP2_HIT);
    cr_assert_not_null(hit);
    cr_assert_float_eq(hit->fraction, 0.3, EPS);
    cr_assert_float_eq(t.remaining, 0.2, EPS);
    cr_assert_float_eq(t.stop, 1.1100, EPS); /* zone 2 lo 1.1120 - 20 pips */
    cr_assert_eq(t.stop_zone_id, 2);
}

Test(trail, runner_stop_follows_each_zone_broken_and_held)
{
    struct trade t = open_buy();
    upd(&t, MAP, NMAP, 1.1110, 1.1119, 1.1070, 1001);
    upd(&t, MAP, NMAP, 1.1190, 1.1199, 1.1160, 1002); /* tp2, runner confirmed */
    cr_assert_eq(t.runner_active, 1);
    /* breaks zone 4 (1.1300..1.1310) by its width and the whole update stays above it */
    struct trail_events ev = upd(&t, MAP, NMAP, 1.1330, 1.1335, 1.1315, 1003);
    cr_assert_float_eq(t.stop, 1.1280, EPS);
    cr_assert_eq(t.stop_zone_id, 4);
    cr_assert_not_null(find_ev(&ev, TEV_STOP_MOVED));
    /* then the runner's stop is hit: the last 20 % closes there */
    ev = upd(&t, MAP, NMAP, 1.1275, 1.1300, 1.1270, 1004);
    cr_assert_float_eq(find_ev(&ev, TEV_STOP_HIT)->fraction, 0.2, EPS);
    cr_assert_eq(t.status, TRADE_CLOSED);
    double r = 0.5 * 118 / R_PIPS + 0.3 * 198 / R_PIPS + 0.2 * 280 / R_PIPS;
    cr_assert_float_eq(t.realised_r, r, 1e-9);
}

Test(trail, runner_stop_does_not_follow_a_zone_broken_but_not_held)
{
    struct trade t = open_buy();
    upd(&t, MAP, NMAP, 1.1110, 1.1119, 1.1070, 1001);
    upd(&t, MAP, NMAP, 1.1190, 1.1199, 1.1160, 1002);
    /* closes beyond zone 4 by its width, but the update's low is back inside the band */
    upd(&t, MAP, NMAP, 1.1330, 1.1335, 1.1305, 1003);
    cr_assert_float_eq(t.stop, 1.1180, EPS); /* behind zone 3 only */
    cr_assert_eq(t.stop_zone_id, 3);
}

Test(trail, runner_stop_never_trails_candles)
{
    struct trade t = open_buy();
    upd(&t, MAP, NMAP, 1.1110, 1.1119, 1.1070, 1001);
    upd(&t, MAP, NMAP, 1.1190, 1.1199, 1.1160, 1002);
    upd(&t, MAP, NMAP, 1.1330, 1.1335, 1.1315, 1003);
    double stop = t.stop;
    for (int i = 0; i < 20; i++) {
        double base = 1.1340 + i * 0.0010;
        struct trail_events ev = upd(&t, MAP, NMAP, base + 0.0008, base + 0.0010, base, 1004 + i);
        cr_assert_null(find_ev(&ev, TEV_STOP_MOVED));
    }
    cr_assert_float_eq(t.stop, stop, EPS);
}

Test(trail, stop_never_moves_against_the_trade)
{
    struct trade t = open_buy();
    double prev = t.stop;
    uint32_t seed = 12345;
    double price = 1.1000;
    struct liq_params p = P();
    for (int i = 0; i < 400 && t.status == TRADE_OPEN; i++) {
        seed = seed * 1103515245u + 12345u;
        double step = ((int)(seed >> 16) % 41 - 18) * PIP; /* drifts up */
        price += step;
        double high = price + 5 * PIP, low = price - 5 * PIP;
        struct trail_events ev;
        trade_trail(&t, MAP, NMAP, &p, PIP, price, high, low, 2000 + i, 2000 + i, &ev);
        cr_assert_geq(t.stop, prev - 1e-12, "stop moved down at step %d", i);
        prev = t.stop;
    }
}

Test(trail, remaining_fraction_matches_the_events)
{
    struct trade t = open_buy();
    double closed = 0;
    struct trail_events ev = upd(&t, MAP, NMAP, 1.1110, 1.1119, 1.1070, 1001);
    closed += closed_by_events(&ev);
    cr_assert_float_eq(t.remaining, 1 - closed, EPS);
    cr_assert_float_eq(ev.remaining, t.remaining, EPS);
    ev = upd(&t, MAP, NMAP, 1.1190, 1.1199, 1.1160, 1002);
    closed += closed_by_events(&ev);
    cr_assert_float_eq(t.remaining, 1 - closed, EPS);
    ev = upd(&t, MAP, NMAP, 1.1090, 1.1150, 1.1090, 1003);
    closed += closed_by_events(&ev);
    cr_assert_float_eq(closed, 1.0, EPS);
    cr_assert_float_eq(t.remaining, 0.0, EPS);
    cr_assert_float_eq(t.remaining, trade_open_fraction(&t), EPS);
}

Test(trail, closes_when_the_last_target_takes_the_last_leg)
{
    struct trade t = open_trade(SIDE_BUY, 0.5, MAP, NMAP); /* no tp2, no runner */
    cr_assert_float_eq(t.leg[LEG_TP1], 1.0, EPS);
    struct trail_events ev = upd(&t, MAP, NMAP, 1.1110, 1.1119, 1.1070, 1001);
    cr_assert_not_null(find_ev(&ev, TEV_TP1_HIT));
    cr_assert_not_null(find_ev(&ev, TEV_CLOSED));
    cr_assert_eq(t.status, TRADE_CLOSED);
    cr_assert_str_eq(t.close_reason, "targets_done");
    cr_assert_float_eq(t.realised_r, 118.0 / R_PIPS, 1e-9);
}

Test(trail, same_ts_twice_changes_nothing)
{
    struct trade t = open_buy();
    upd(&t, MAP, NMAP, 1.1110, 1.1119, 1.1070, 1001);
    struct trade before = t;
    struct liq_params p = P();
    struct trail_events ev;
    cr_assert_eq(trade_trail(&t, MAP, NMAP, &p, PIP,
                             1.0900, 1.0950, 1.0900, 1001, 1001, &ev),
                 TRAIL_DUPLICATE);
    cr_assert_eq(memcmp(&before, &t, sizeof(t)), 0);
    cr_assert_eq(ev.n, 0);
    cr_assert_not_null(strstr(ev.note, "ignored"));
    cr_assert_eq(trade_trail(&t, MAP, NMAP, &p, PIP, 1.0900, 1.0950, 1.0900, 900, 900, &ev),
                 TRAIL_DUPLICATE);
}

Test(trail, updates_without_ts_are_applied)
{
    struct trade t = open_buy();
    upd(&t, MAP, NMAP, 1.1110, 1.1119, 1.1070, TRADE_TS_NONE);
    cr_assert_eq(t.tp1_hit, 1);
    cr_assert_eq(t.last_update_ts, 1000);
}

Test(trail, closed_trade_ignores_updates)
{
    struct trade t = open_buy();
    upd(&t, MAP, NMAP, 1.0920, 1.0940, 1.0920, 1001);
    struct liq_params p = P();
    struct trail_events ev;
    cr_assert_eq(trade_trail(&t, MAP, NMAP, &p, PIP, 1.12, 1.12, 1.12, 1002, 1002, &ev),
                 TRAIL_CLOSED);
    cr_assert_eq(ev.status, TRADE_CLOSED);
}

Test(trail, rejects_an_update_whose_price_lies_outside_its_range)
{
    struct trade t = open_buy();
    struct trade before = t;
    struct liq_params p = P();
    struct trail_events ev;
    cr_assert_eq(trade_trail(&t, MAP, NMAP, &p, PIP, 1.2, 1.1010, 1.0990, 1001, 1001, &ev),
                 TRAIL_INVALID);
    cr_assert_eq(trade_trail(&t, MAP, NMAP, &p, PIP, NAN, 1.1010, 1.0990, 1001, 1001, &ev),
                 TRAIL_INVALID);
    cr_assert_eq(memcmp(&before, &t, sizeof(t)), 0);
}

Test(trail, sell_stop_is_hit_by_the_high)
{
    struct zone zs[] = {{.id = 1, .price = 1.0875, .lo = 1.0870, .hi = 1.0880, .active = 1,
                         .strength = 0.8f},
                        {.id = 2, .price = 1.1045, .lo = 1.1040, .hi = 1.1050, .active = 1,
                         .strength = 0.8f}};
    struct trade t = open_trade(SIDE_SELL, 0.5, zs, 2);
    cr_assert_float_eq(t.stop, 1.1070, EPS);
    struct trail_events ev = upd(&t, zs, 2, 1.1060, 1.1075, 1.1000, 1001);
    cr_assert_float_eq(find_ev(&ev, TEV_STOP_HIT)->price, 1.1070, EPS);
    cr_assert_float_eq(t.realised_r, -1.0, 1e-9);
}

Test(trail, sell_tp1_moves_the_stop_down_to_break_even)
{
    struct zone zs[] = {{.id = 1, .price = 1.0875, .lo = 1.0870, .hi = 1.0880, .active = 1,
                         .strength = 0.8f},
                        {.id = 2, .price = 1.1045, .lo = 1.1040, .hi = 1.1050, .active = 1,
                         .strength = 0.8f}};
    struct trade t = open_trade(SIDE_SELL, 0.5, zs, 2);
    t.leg[LEG_TP1] = 0.5; /* keep a leg open to watch the stop */
    t.leg[LEG_TP2] = 0.5;
    t.leg_closed[LEG_TP2] = 0;
    struct trail_events ev = upd(&t, zs, 2, 1.0900, 1.0950, 1.0882, 1001);
    cr_assert_not_null(find_ev(&ev, TEV_TP1_HIT));
    cr_assert_float_eq(t.stop, 1.1000, EPS);
}

Test(trade, manual_close_books_every_open_leg_at_the_price)
{
    struct trade t = open_buy();
    upd(&t, MAP, NMAP, 1.1110, 1.1119, 1.1070, 1001);
    cr_assert_eq(trade_close(&t, 1.1050, 1002, 1002), TRAIL_OK);
    cr_assert_eq(t.status, TRADE_CLOSED);
    cr_assert_str_eq(t.close_reason, "manual");
    cr_assert_float_eq(t.realised_r, 0.5 * 118 / R_PIPS + 0.5 * 50 / R_PIPS, 1e-9);
    cr_assert_eq(trade_close(&t, 1.1050, 1003, 1003), TRAIL_CLOSED);
}

Test(trade, manual_close_rejects_a_stale_ts_and_a_bad_price)
{
    struct trade t = open_buy();
    upd(&t, MAP, NMAP, 1.1010, 1.1020, 1.1000, 1005);
    cr_assert_eq(trade_close(&t, 1.1050, 1004, 1004), TRAIL_INVALID);
    cr_assert_eq(trade_close(&t, -1, 1006, 1006), TRAIL_INVALID);
    cr_assert_eq(t.status, TRADE_OPEN);
}

Test(trade, records_zones_crossed_while_open)
{
    struct zone zs[] = {MAP[0],
                        {.id = 9, .price = 1.1030, .lo = 1.1025, .hi = 1.1035, .active = 1,
                         .strength = 0.2f},
                        MAP[1], MAP[2], MAP[3]};
    struct trade t = open_trade(SIDE_BUY, 0.8, zs, 5);
    upd(&t, zs, 5, 1.1020, 1.1030, 1.1010, 1001);
    int found = 0;
    for (size_t i = 0; i < t.n_zones; i++)
        if (t.zones[i].zone_id == 9) {
            found = 1;
            cr_assert_eq(t.zones[i].roles, TZ_CROSSED);
            cr_assert_eq(t.zones[i].approach, -1);
            cr_assert_eq(t.zones[i].touched, 1);
            cr_assert_eq(t.zones[i].closed_back, 1);
        }
    cr_assert(found);
}

/* Issue 13 item 1: trail and close prices outside the symbol's scale change nothing. */
Test(trade, prices_outside_the_symbols_scale_are_refused)
{
    struct trade t = open_buy();
    struct trail_events ev;
    struct liq_params p = P();
    cr_assert_eq(trade_trail(&t, MAP, NMAP, &p, PIP, 1e300, 1e300, 1e300, 1001, 1001, &ev),
                 TRAIL_INVALID);
    cr_assert_eq(trade_trail(&t, MAP, NMAP, &p, PIP, 1.1, 1.1, 0.00001, 1001, 1001, &ev),
                 TRAIL_INVALID);
    cr_assert_eq(trade_close(&t, 1e300, 1001, 1001), TRAIL_INVALID);
    cr_assert_eq(trade_close(&t, 5e-324, 1001, 1001), TRAIL_INVALID);
    cr_assert_eq(t.status, TRADE_OPEN);
    cr_assert_eq(t.updates, 0);
}

/* Issue 13 item 2: one clock per trade. */
Test(trade, the_clock_refuses_the_future_and_dates_a_missing_ts_in_bar_time)
{
    const int64_t now = 1700000000;
    cr_assert_null(trade_check_ts(TRADE_TS_NONE, now));
    cr_assert_null(trade_check_ts(now + BAR_MAX_FUTURE_S, now));
    cr_assert_not_null(trade_check_ts(now + BAR_MAX_FUTURE_S + 1, now));
    cr_assert_not_null(trade_check_ts(4102358400, now));      /* 2099-12-31 */
    cr_assert_not_null(trade_check_ts(now * 1000, now));      /* epoch milliseconds */
    cr_assert_not_null(trade_check_ts(253402300799, now));    /* 9999-12-31T23:59:59Z */
    cr_assert_not_null(trade_check_ts(-1, now));
    struct trade t = open_buy(); /* opened at 1000 */
    cr_assert_eq(trade_update_time(&t, 1500, 1200), 1500);
    cr_assert_eq(trade_update_time(&t, TRADE_TS_NONE, 1200), 1200);
    upd(&t, MAP, NMAP, 1.1010, 1.1020, 1.1000, 1300);
    cr_assert_eq(trade_update_time(&t, TRADE_TS_NONE, 1200), 1300,
                 "never before the last update");
    cr_assert_eq(trade_close(&t, 1.1010, TRADE_TS_NONE, 1200), TRAIL_OK);
    cr_assert_eq(t.closed_ts, 1300, "closed_at is bar time, never unknown");
}

/* --- what an applied update records (domain/trade_update.c) ---------------------------- */

Test(trade_update, facts_take_each_fraction_off_and_name_the_stop_in_force)
{
    struct trade before = open_buy();
    struct trade t = before;
    struct trail_events ev = upd(&t, MAP, NMAP, 1.1100, 1.1119, 1.1050, 1001);
    struct trade_event_fact f[TRAIL_MAX_EVENTS];
    trade_update_facts(&before, &t, &ev, f);
    double remaining = 1.0;
    for (size_t i = 0; i < ev.n; i++) {
        remaining -= ev.ev[i].fraction;
        cr_assert_float_eq(f[i].remaining, remaining, EPS);
        cr_assert_str_eq(f[i].kind, trail_event_name((enum trail_event_type)ev.ev[i].type));
        double stop = ev.ev[i].type == TEV_STOP_MOVED ? ev.ev[i].price : t.stop;
        cr_assert_float_eq(f[i].stop, stop, EPS);
        cr_assert_null(f[i].runner_kind); /* no runner yet */
    }
    cr_assert_float_eq(f[ev.n - 1].remaining, t.remaining, EPS); /* 0.5 after TP1 */
}

Test(trade_update, runner_events_are_its_activation_its_stop_moves_and_its_close)
{
    struct trade before = {.remaining = 0.3, .runner_active = 1};
    struct trade after = before;
    struct trail_events ev = {.n = 3};
    ev.ev[0] = (struct trail_event){.type = TEV_RUNNER_ACTIVATED, .price = 1.1140};
    ev.ev[1] = (struct trail_event){.type = TEV_STOP_MOVED, .price = 1.1090};
    ev.ev[2] = (struct trail_event){.type = TEV_CLOSED, .price = 1.1200, .fraction = 0.3};
    struct trade_event_fact f[3];
    trade_update_facts(&before, &after, &ev, f);
    cr_assert_str_eq(f[0].runner_kind, "activated");
    cr_assert_str_eq(f[1].runner_kind, "stop_moved");
    cr_assert_str_eq(f[2].runner_kind, "closed");
    cr_assert_eq(f[2].remaining, 0.0); /* 0.3 - 0.3 below 1e-12 is exactly 0 */
    /* a stop move without an active runner, and the close of a runner already closed */
    after.runner_active = 0;
    before.leg_closed[LEG_RUNNER] = 1;
    trade_update_facts(&before, &after, &ev, f);
    cr_assert_null(f[1].runner_kind);
    cr_assert_null(f[2].runner_kind);
}

Test(trade_update, manual_close_makes_one_closed_event_for_what_was_open)
{
    struct trade t = open_buy();
    upd(&t, MAP, NMAP, 1.1110, 1.1119, 1.1070, 1001); /* TP1: half left */
    struct trail_events ev;
    cr_assert_eq(trade_close_update(&t, 1.1050, 1002, 1002, &ev), TRAIL_OK);
    cr_assert_eq(ev.n, 1);
    cr_assert_eq(ev.ev[0].type, TEV_CLOSED);
    cr_assert_float_eq(ev.ev[0].price, 1.1050, EPS);
    cr_assert_float_eq(ev.ev[0].fraction, 0.5, EPS);
    cr_assert_eq(ev.status, TRADE_CLOSED);
    cr_assert_float_eq(ev.remaining, 0.0, EPS);
    cr_assert_eq(trade_close_update(&t, 1.1050, 1003, 1003, &ev), TRAIL_CLOSED);
    cr_assert_eq(ev.n, 0);
}
