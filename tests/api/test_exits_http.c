/*
 * Which exit a setup gets, over HTTP on the real EURUSD M15 bars (docs/trading.md "Which
 * exit"): the defaults (exit_method auto, min_expected_r -0.25, max_entry_atr 3) give the
 * geometry exit and say so; exit_method zones gives the zone exits; a setup below
 * min_expected_r and an entry far from the last close are 422 refusals naming the figure.
 * Persistence off: the rules are the subject, not the storage.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/exits.h"
#include "domain/params.h"
#include "tests/support/harness.h"
#include "tests/support/trading.h"

#define BARS 2192

static struct app *start_q(int exit_method, double min_er, double sweep_q, double stall_q)
{
    struct app_config cfg;
    harness_config(&cfg, NULL);
    struct liq_params d;
    params_defaults(&d);
    cfg.params.stop_sweep_quantile = sweep_q;
    cfg.params.target_stall_quantile = stall_q;
    cfg.params.exit_method = exit_method;
    cfg.params.min_expected_r = isnan(min_er) ? d.min_expected_r : min_er;
    cfg.params.max_entry_atr = d.max_entry_atr;
    struct app *a = harness_start(&cfg);
    size_t n;
    struct bar *bars = harness_eurusd(&n);
    support_post_bars(a, "EURUSD", bars, 0, BARS);
    free(bars);
    return a;
}

static struct app *start(int exit_method, double min_er)
{
    return start_q(exit_method, min_er, 0.0, 0.0);
}

static json_t *setup(struct app *a, const char *side, double entry, long want)
{
    char body[256];
    snprintf(body, sizeof body, "{\"symbol\":\"EURUSD\",\"side\":\"%s\",\"entry\":%.5f,"
             "\"trend_score\":0.7,\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0,"
             "\"qty\":100000}", side, entry);
    struct http_reply r = http_post_json(a, "/setups?dry_run=true", body);
    cr_assert_eq(r.status, want, "%s at %.5f: %ld %s", side, entry, r.status, r.body);
    json_t *j = http_json(&r);
    http_free(&r);
    return j;
}

/* the last close of the posted bars: 1.00125 (2022-11-09 20:45) */
#define LAST 1.00125

Test(exits_http, defaults_give_the_geometry_exit_and_say_why)
{
    struct app *a = start(EXIT_AUTO, NAN);
    for (int k = 0; k < 2; k++) {
        json_t *j = setup(a, k ? "SELL" : "BUY", LAST, 200);
        cr_assert_str_eq(json_string_value(json_object_get(j, "exit_method")), "geometry");
        double rr = json_number_value(json_object_get(json_object_get(j, "tp1"), "rr"));
        cr_assert(fabs(rr - 1.5) < 0.02, "rr %f", rr);
        /* min_rr_ratio holds on the prices published (a stop rounded away from entry used to
         * leave TP1 at 1.4815 R), and rr is theirs to its 4 decimals */
        double stop = json_number_value(json_object_get(json_object_get(j, "stop"), "price"));
        double tp = json_number_value(json_object_get(json_object_get(j, "tp1"), "price"));
        double measured = fabs(tp - LAST) / fabs(LAST - stop);
        cr_assert_geq(measured, 1.5 - 1e-12, "stop %.17g tp1 %.17g: rr %.17g", stop, tp,
                      measured);
        cr_assert_geq(rr, 1.5, "rr %f", rr);
        cr_assert_leq(fabs(rr - measured), 0.5e-4 + 1e-12, "rr %f, measured %.17g", rr,
                      measured);
        cr_assert(json_is_null(json_object_get(j, "tp2")));
        cr_assert(json_is_false(json_object_get(json_object_get(j, "runner"), "enabled")));
        json_t *reasons = json_object_get(j, "reasons");
        const char *last = json_string_value(json_array_get(reasons, json_array_size(reasons) - 1));
        cr_assert_not_null(strstr(last, "exit: exit_method geometry (auto)"), "%s", last);
        /* with the figures of the symbol's record of exits, as its evidence serves them */
        struct http_reply ev = http_get(a, "/symbols/EURUSD/evidence");
        cr_assert_eq(ev.status, 200, "%s", ev.body);
        json_t *ej = http_json(&ev), *x = json_object_get(ej, "exits");
        char figures[96];
        snprintf(figures, sizeof figures, "over %lld trades in %lld days",
                 (long long)json_integer_value(json_object_get(x, "trades")),
                 (long long)json_integer_value(json_object_get(x, "days")));
        cr_assert_gt(json_integer_value(json_object_get(x, "trades")), 0);
        cr_assert_not_null(strstr(last, figures), "%s: not in %s", figures, last);
        cr_assert_str_eq(json_string_value(json_object_get(x, "auto")), "geometry");
        json_decref(ej);
        http_free(&ev);
        cr_assert_geq(json_number_value(json_object_get(j, "expected_r")), -0.25);
        json_decref(j);
    }
    /* 1.0100 is 6.4 ATR14 above the last close: nothing is known there */
    json_t *j = setup(a, "BUY", 1.0100, 422);
    json_t *err = json_object_get(j, "error");
    cr_assert_str_eq(json_string_value(json_object_get(err, "code")), "setup_refused");
    const char *msg = json_string_value(json_object_get(err, "message"));
    cr_assert_not_null(strstr(msg, "ATR14 from the last close 1.00125, beyond max_entry_atr 3.0"),
                       "%s", msg);
    cr_assert(json_is_null(json_object_get(json_object_get(err, "details"), "stop")),
              "refused before a stop: no stop at price 0");
    json_decref(j);
    app_stop(a);
}

Test(exits_http, a_setup_below_min_expected_r_is_refused_naming_it)
{
    struct app *a = start(EXIT_AUTO, 0.5);
    json_t *j = setup(a, "BUY", LAST, 422);
    json_t *err = json_object_get(j, "error");
    cr_assert_str_eq(json_string_value(json_object_get(err, "code")), "setup_refused");
    const char *msg = json_string_value(json_object_get(err, "message"));
    cr_assert_not_null(strstr(msg, "is below min_expected_r +0.50: the service expects this "
                                   "setup to lose"), "%s", msg);
    /* refused after its stop was placed: the stop it would have had */
    json_t *st = json_object_get(json_object_get(err, "details"), "stop");
    cr_assert_gt(json_number_value(json_object_get(st, "price")), 0.9);
    cr_assert_lt(json_number_value(json_object_get(st, "price")), LAST);
    json_decref(j);
    app_stop(a);
}

/* The first dry-run setup near the last close that answers 200 (with a stop behind a zone
 * when zone_stop), BUY and SELL at entries 2 pips apart; NULL when none of 20 does. */
static json_t *setup_near_last(struct app *a, int zone_stop)
{
    for (int k = 0; k < 20; k++) {
        double entry = LAST + (k % 2 ? 1 : -1) * 0.0002 * (k / 2);
        char body[256];
        snprintf(body, sizeof body, "{\"symbol\":\"EURUSD\",\"side\":\"%s\",\"entry\":%.5f,"
                 "\"trend_score\":0.7,\"regime_mode\":\"NORMAL\","
                 "\"regime_transition_strength\":0}", k % 4 < 2 ? "BUY" : "SELL", entry);
        struct http_reply r = http_post_json(a, "/setups?dry_run=true", body);
        json_t *j = r.status == 200 ? http_json(&r) : NULL;
        http_free(&r);
        if (j != NULL && zone_stop &&
            !json_is_string(json_object_get(json_object_get(j, "stop"), "zone_id"))) {
            json_decref(j);
            j = NULL;
        }
        if (j != NULL)
            return j;
    }
    return NULL;
}

/* Does one of j's reasons contain both a and b? */
static int has_reason(const json_t *j, const char *a, const char *b)
{
    const json_t *reasons = json_object_get(j, "reasons");
    for (size_t i = 0; i < json_array_size(reasons); i++) {
        const char *t = json_string_value(json_array_get(reasons, i));
        if (t != NULL && strstr(t, a) != NULL && strstr(t, b) != NULL)
            return 1;
    }
    return 0;
}

Test(exits_http, exit_method_zones_keeps_the_zone_exits)
{
    struct app *a = start(EXIT_ZONES, -1e9);
    json_t *j = setup_near_last(a, 0);
    cr_assert_not_null(j, "no zone setup near the last close");
    cr_assert_str_eq(json_string_value(json_object_get(j, "exit_method")), "zones");
    json_decref(j);
    app_stop(a);
}

/* GET /symbols/EURUSD/evidence's section key (200 asserted); *root: the answer to free */
static json_t *evidence_part(struct app *a, const char *key, json_t **root)
{
    struct http_reply ev = http_get(a, "/symbols/EURUSD/evidence");
    cr_assert_eq(ev.status, 200, "%s", ev.body);
    *root = http_json(&ev);
    http_free(&ev);
    json_t *part = json_object_get(*root, key);
    cr_assert(json_is_object(part), "no %s", key);
    return part;
}

Test(exits_http, the_sweep_depth_is_served_and_stop_sweep_quantile_puts_zone_stops_beyond_it)
{
    struct app *a = start(EXIT_ZONES, -1e9);
    json_t *root, *sd = evidence_part(a, "sweep_depth", &root);
    long long tests = json_integer_value(json_object_get(sd, "tests"));
    cr_assert_geq(tests, 50, "the year resolves many holds and sweeps: %lld", tests);
    double p50 = json_number_value(json_object_get(sd, "p50")),
           p95 = json_number_value(json_object_get(sd, "p95"));
    cr_assert(p50 >= 0.0 && p50 <= p95 && p95 <= 1.0 + 1e-9, "p50 %g p95 %g", p50, p95);
    cr_assert_float_eq(json_number_value(json_object_get(sd, "stop_buffer_atr")), 0.1, 1e-9,
                       "setting 0: buffer_atr");
    json_decref(root);
    app_stop(a);

    a = start_q(EXIT_ZONES, -1e9, 0.95, 0.0);
    sd = evidence_part(a, "sweep_depth", &root);
    cr_assert_eq(json_integer_value(json_object_get(sd, "tests")), tests, "same bars");
    double buf = json_number_value(json_object_get(sd, "stop_buffer_atr"));
    cr_assert_float_eq(buf, p95 > 0.1 ? p95 : 0.1, 1e-9, "the p95 depth is the buffer");
    cr_assert_float_eq(json_number_value(json_object_get(sd, "stop_sweep_quantile")), 0.95,
                       1e-9);
    char said[96];
    snprintf(said, sizeof said, "buffer %.2f x ATR14: the symbol's sweep depth", buf);
    char count[64];
    snprintf(count, sizeof count, "of %lld resolved holds and sweeps", tests);
    json_t *j = setup_near_last(a, 1);
    cr_assert_not_null(j, "no zone stop near the last close");
    cr_assert(has_reason(j, said, count), "no reason says \"%s ... %s\"", said, count);
    json_decref(j);
    json_decref(root);
    app_stop(a);
}

Test(exits_http, the_stall_distance_is_served_and_target_stall_quantile_moves_zone_targets)
{
    struct app *a = start(EXIT_ZONES, -1e9);
    json_t *root, *sd = evidence_part(a, "stall_distance", &root);
    cr_assert_eq(json_integer_value(json_object_get(sd, "turns")), 0, "setting 0: not counted");
    cr_assert(json_is_null(json_object_get(sd, "p75")));
    cr_assert_float_eq(json_number_value(json_object_get(sd, "target_front_atr")), 0.01, 1e-9,
                       "setting 0: the fixed offset, 0.1 x buffer_atr 0.1");
    json_decref(root);
    app_stop(a);

    a = start_q(EXIT_ZONES, -1e9, 0.0, 0.99);
    sd = evidence_part(a, "stall_distance", &root);
    long long turns = json_integer_value(json_object_get(sd, "turns"));
    cr_assert_geq(turns, 50, "%lld turns", turns);
    double p75 = json_number_value(json_object_get(sd, "p75"));
    cr_assert(p75 > 0.0 && p75 <= 1.0, "p75 %g", p75);
    double front = json_number_value(json_object_get(sd, "target_front_atr"));
    cr_assert_gt(front, 0.01, "q 0.99 lies past the fixed offset: %g", front);
    char said[96], count[48];
    snprintf(said, sizeof said, "targets %.2f x ATR14 in front of their zones", front);
    snprintf(count, sizeof count, "of %lld turns", turns);
    json_t *j = setup_near_last(a, 0);
    cr_assert_not_null(j, "no zone setup near the last close");
    cr_assert(has_reason(j, said, count), "no reason says \"%s ... %s\"", said, count);
    json_decref(j);
    json_decref(root);
    app_stop(a);
}
