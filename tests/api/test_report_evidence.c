/*
 * test_report_evidence.c - the report's evidence rows are the service's: the EURUSD year
 * posted to a running service, GET /symbols/EURUSD/evidence against the "whole file" rows
 * research/ computes for docs/report.md from the same bars (study_run, the report's own
 * code): every row's tests, control tests, holds, rates and lift with its interval agree;
 * and the record of exits ("exits", domain/exit_record.h) equals the report's (study.h
 * s.exits, the table "The engine's record of exits" of docs/report.md), in the answer and
 * in /metrics.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "domain/evidence.h"
#include "domain/exits.h"
#include "research/study.h"
#include "tests/support/harness.h"

/* The evidence's "exits" against the record the report computed on the same bars. */
static void check_exits(json_t *x, const struct exit_record *w)
{
    cr_assert_not_null(x, "no exits section");
    cr_assert_eq(json_integer_value(json_object_get(x, "trades")), (json_int_t)w->trades);
    cr_assert_eq(json_integer_value(json_object_get(x, "days")), (json_int_t)w->days);
    const char *keys[] = {"mean_r_zones", "mean_r_geometry", "zones_minus_geometry_r", "low",
                          "high"};
    const double want[] = {w->zone_r, w->geo_r, w->diff, w->lo, w->hi};
    for (int k = 0; k < 5; k++) {
        json_t *v = json_object_get(x, keys[k]);
        cr_assert(json_is_number(v), "exits: %s", keys[k]);
        cr_assert_float_eq(json_number_value(v), want[k], 1e-5, "exits: %s %g, report %g",
                           keys[k], json_number_value(v), want[k]);
    }
    char why[LIQ_REASON_LEN];
    enum exit_method m = exit_choose(EXIT_AUTO, w, why, sizeof why);
    cr_assert_str_eq(json_string_value(json_object_get(x, "auto")), exit_method_name(m));
    cr_assert_str_eq(json_string_value(json_object_get(x, "reason")), why);
}

static void check(json_t *row, const struct study_ev *ev)
{
    const struct study_ev_rate *w = &ev->whole;
    cr_assert_not_null(row, "%s: no row in the answer", ev->name);
    cr_assert_eq(json_integer_value(json_object_get(row, "tests")), w->tests, "%s", ev->name);
    cr_assert_eq(json_integer_value(json_object_get(row, "control_tests")), w->ctl_tests, "%s",
                 ev->name);
    cr_assert_eq(json_integer_value(json_object_get(row, "side_control_tests")), w->side_tests,
                 "%s", ev->name);
    cr_assert_str_eq(json_string_value(json_object_get(row, "lift_placement")),
                     w->placement == EV_SIDE ? "same_side" : "mirrored", "%s", ev->name);
    const char *keys[] = {"hold_rate", "control_hold_rate", "side_control_hold_rate",
                          "lift_mirrored", "lift_mirrored_low", "lift_mirrored_high",
                          "lift_same_side", "lift_same_side_low", "lift_same_side_high", "lift",
                          "lift_low", "lift_high"};
    const double want[] = {w->rate, w->ctl_rate, w->side_rate, w->mirror_lift, w->mirror_lo,
                           w->mirror_hi, w->side_lift, w->side_lo, w->side_hi, w->lift,
                           w->lift_lo, w->lift_hi};
    for (int k = 0; k < 12; k++) {
        json_t *v = json_object_get(row, keys[k]);
        cr_assert(json_is_number(v), "%s: %s", ev->name, keys[k]);
        cr_assert_float_eq(json_number_value(v), want[k], 1e-5, "%s: %s %g, report %g",
                           ev->name, keys[k], json_number_value(v), want[k]);
    }
}

Test(report_evidence, the_reports_rows_equal_get_evidence_on_the_same_bars)
{
    struct app_config cfg;
    harness_config(&cfg, NULL);
    struct app *a = harness_start(&cfg);
    size_t n;
    struct bar *bars = harness_eurusd(&n);
    char *json = harness_bars_json("EURUSD", "M15", bars, 0, n);
    struct http_reply r = http_post_json(a, "/bars", json);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    free(json);

    struct study s;
    cr_assert_eq(study_run("EURUSD", TF_M15, bars, n, &STUDY_DEFAULTS, &s), 0);
    cr_assert_eq(s.n_ev, EVR_ROWS, "one report row per evidence row");
    r = http_get(a, "/symbols/EURUSD/evidence");
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *j = http_json(&r);
    cr_assert_not_null(j);
    check(json_object_get(j, "all"), &s.ev[EVR_ALL]);
    cr_assert_gt(s.ev[EVR_ALL].whole.tests, 1000);
    json_t *by = json_object_get(j, "by_source");
    size_t seen = 0;
    for (size_t i = 0; i < json_array_size(by); i++) {
        json_t *row = json_array_get(by, i);
        enum liq_source src;
        cr_assert_eq(source_parse(json_string_value(json_object_get(row, "source")), &src), 0);
        check(row, &s.ev[src]);
        seen++;
    }
    cr_assert_geq(seen, 9, "every default source has a row");
    json_t *bc = json_object_get(j, "by_source_count");
    cr_assert_eq(json_array_size(bc), 4);
    for (size_t i = 0; i < 4; i++)
        check(json_array_get(bc, i), &s.ev[EVR_NSRC_FIRST + (int)i]);
    /* the record of exits: a year of probes, both sides, on the report's bars */
    cr_assert_gt(s.exits.trades, 40);
    cr_assert_eq(s.exits.days, s.exits.trades, "one trial a day at most");
    check_exits(json_object_get(j, "exits"), &s.exits);
    json_decref(j);
    http_free(&r);
    r = http_get(a, "/metrics");
    cr_assert_eq(r.status, 200);
    char line[96];
    snprintf(line, sizeof line, "\nliq_exit_trades{symbol=\"EURUSD\"} %zu\n", s.exits.trades);
    cr_assert_not_null(strstr(r.body, line), "%s not in /metrics", line);
    snprintf(line, sizeof line, "\nliq_exit_diff_r_low{symbol=\"EURUSD\"} %.6g\n", s.exits.lo);
    cr_assert_not_null(strstr(r.body, line), "%s not in /metrics", line);
    http_free(&r);
    study_free(&s);
    free(bars);
    app_stop(a);
}
