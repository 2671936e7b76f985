/*
 * test_evidence.c - GET /symbols/{symbol}/evidence over HTTP on the real EURUSD year: its
 * counts equal an in-process engine replay of the same bars with the same settings (the
 * number the report computes from the same engine), rates are in [0, 1], every interval
 * contains its point and has the documented width, rows add up (each source row <= all; the
 * by-number-of-sources rows sum to all), the same numbers reach /metrics, and an unknown
 * symbol is a 404 in the error format.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "domain/engine.h"
#include "domain/evidence.h"
#include "tests/support/harness.h"

static struct app *a;
static struct app_config cfg;
static struct bar *bars;
static size_t nbars;

static void start(void)
{
    char url[512];
    harness_db("liq_evidence", url, sizeof url);
    harness_config(&cfg, url);
    a = harness_start(&cfg);
    bars = harness_eurusd(&nbars);
    char *json = harness_bars_json("EURUSD", "M15", bars, 0, nbars);
    struct http_reply r = http_post_json(a, "/bars", json);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    free(json);
}

static void stop(void)
{
    app_stop(a);
    free(bars);
}

TestSuite(evidence, .init = start, .fini = stop);

/* The row's counts against the replay's tally row, and the row's own consistency. */
static void check_row(json_t *row, const struct zone_tally *t, int idx)
{
    struct evidence_row want;
    evidence_row(t, idx, &want);
    const char *name = evidence_row_name(idx);
    cr_assert_eq(json_integer_value(json_object_get(row, "tests")), want.tests, "%s", name);
    cr_assert_eq(json_integer_value(json_object_get(row, "control_tests")), want.ctl_tests,
                 "%s", name);
    cr_assert_eq(json_integer_value(json_object_get(row, "holds")),
                 want.outcomes[OUTCOME_HOLD], "%s", name);
    cr_assert_eq(json_integer_value(json_object_get(row, "timeouts")),
                 want.outcomes[OUTCOME_TIMEOUT], "%s", name);
    cr_assert_eq(json_integer_value(json_object_get(row, "side_control_tests")),
                 want.side_tests, "%s", name);
    cr_assert_eq(json_integer_value(json_object_get(row, "side_control_holds")),
                 want.side_outcomes[OUTCOME_HOLD], "%s", name);
    double rate = json_number_value(json_object_get(row, "hold_rate"));
    double crate = json_number_value(json_object_get(row, "control_hold_rate"));
    double srate = json_number_value(json_object_get(row, "side_control_hold_rate"));
    double lift = json_number_value(json_object_get(row, "lift"));
    double lo = json_number_value(json_object_get(row, "lift_low"));
    double hi = json_number_value(json_object_get(row, "lift_high"));
    cr_assert(rate >= 0 && rate <= 1 && crate >= 0 && crate <= 1 && srate >= 0 && srate <= 1,
              "%s: %g %g %g", name, rate, crate, srate);
    cr_assert(lo <= lift && lift <= hi, "%s: %g not in [%g, %g]", name, lift, lo, hi);
    cr_assert_float_eq(rate, want.rate, 1e-5, "%s", name);
    /* each placement's lift and interval from the counts, and the served one is the lift
     * nearer 0 of the two, significant only when both intervals exclude 0 the same way */
    const char *lk[2][3] = {{"lift_mirrored", "lift_mirrored_low", "lift_mirrored_high"},
                            {"lift_same_side", "lift_same_side_low", "lift_same_side_high"}};
    const double n0s[2] = {want.ctl_tests, want.side_tests};
    const double k0s[2] = {want.ctl_bounces, want.side_bounces};
    double l[2], side_of_0[2];
    for (int k = 0; k < 2; k++) {
        l[k] = json_number_value(json_object_get(row, lk[k][0]));
        double klo = json_number_value(json_object_get(row, lk[k][1]));
        double khi = json_number_value(json_object_get(row, lk[k][2]));
        double n1 = want.tests, n0 = n0s[k];
        side_of_0[k] = klo > 0 ? 1 : khi < 0 ? -1 : 0;
        if (n1 > 0 && n0 > 0) {
            cr_assert_float_eq(l[k], want.bounces / n1 - k0s[k] / n0, 1e-5, "%s: %s", name,
                               lk[k][0]);
            double q1 = (want.bounces + 1.0) / (n1 + 2.0), q0 = (k0s[k] + 1.0) / (n0 + 2.0);
            double half = 1.96 * sqrt(q1 * (1 - q1) / n1 + q0 * (1 - q0) / n0);
            cr_assert_float_eq(khi - klo, 2 * half, 1e-5, "%s: %s interval width", name,
                               lk[k][0]);
        }
    }
    int side = fabs(l[1]) < fabs(l[0]);
    cr_assert_float_eq(lift, l[side], 1e-9, "%s: the served lift is the one nearer 0", name);
    cr_assert_str_eq(json_string_value(json_object_get(row, "lift_placement")),
                     side ? "same_side" : "mirrored", "%s", name);
    cr_assert_eq(json_is_true(json_object_get(row, "significant")),
                 side_of_0[0] != 0 && side_of_0[0] == side_of_0[1], "%s", name);
}

Test(evidence, equals_an_in_process_replay_of_the_same_bars)
{
    struct engine *e = engine_new(&cfg.params, 0.0001, TF_M15);
    for (size_t i = 0; i < nbars; i++)
        cr_assert_eq(engine_push(e, &bars[i], NULL), PUSH_OK);
    const struct zone_tally *t = engine_tally(e);
    struct http_reply r = http_get(a, "/symbols/EURUSD/evidence");
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *j = http_json(&r);
    cr_assert_not_null(j);
    cr_assert_eq(json_integer_value(json_object_get(j, "bars")), (json_int_t)nbars);
    json_t *all = json_object_get(j, "all");
    check_row(all, t, EVR_ALL);
    long total = json_integer_value(json_object_get(all, "tests"));
    cr_assert_gt(total, 1000, "a year of M15 bars tests zones thousands of times");
    cr_assert_gt(json_integer_value(json_object_get(all, "control_tests")), 1000);
    cr_assert_gt(json_integer_value(json_object_get(all, "side_control_tests")), 1000);
    json_t *by = json_object_get(j, "by_source");
    cr_assert_geq(json_array_size(by), 9, "every default source has a row");
    for (size_t i = 0; i < json_array_size(by); i++) {
        json_t *row = json_array_get(by, i);
        enum liq_source src;
        cr_assert_eq(source_parse(json_string_value(json_object_get(row, "source")), &src), 0);
        check_row(row, t, (int)src);
        cr_assert_leq(json_integer_value(json_object_get(row, "tests")), total);
    }
    json_t *bc = json_object_get(j, "by_source_count");
    cr_assert_eq(json_array_size(bc), 4);
    long sum = 0;
    for (size_t i = 0; i < 4; i++) {
        check_row(json_array_get(bc, i), t, EVR_NSRC_FIRST + (int)i);
        sum += json_integer_value(json_object_get(json_array_get(bc, i), "tests"));
    }
    cr_assert_eq(sum, total, "every resolved zone test has a number of sources");
    json_decref(j);
    http_free(&r);
    engine_free(e);
}

Test(evidence, reaches_metrics_and_unknown_symbol_is_404)
{
    struct http_reply r = http_get(a, "/symbols/EURUSD/evidence");
    cr_assert_eq(r.status, 200);
    json_t *j = http_json(&r);
    double lift = json_number_value(json_object_get(json_object_get(j, "all"), "lift"));
    double side_lift =
        json_number_value(json_object_get(json_object_get(j, "all"), "lift_same_side"));
    json_decref(j);
    http_free(&r);
    r = http_get(a, "/metrics");
    cr_assert_eq(r.status, 200);
    const char *key = "liq_zone_lift{symbol=\"EURUSD\",source=\"all\"} ";
    const char *at = strstr(r.body, key);
    cr_assert_not_null(at, "%s", r.body);
    cr_assert_float_eq(strtod(at + strlen(key), NULL), lift, 1e-5);
    cr_assert_not_null(strstr(r.body, "liq_zone_tests{symbol=\"EURUSD\",source=\"ROUND\","
                                      "level=\"control\"} "));
    cr_assert_not_null(strstr(r.body, "liq_zone_tests{symbol=\"EURUSD\",source=\"ROUND\","
                                      "level=\"side_control\"} "));
    key = "liq_zone_lift_by_placement{symbol=\"EURUSD\",source=\"all\","
          "placement=\"same_side\"} ";
    at = strstr(r.body, key);
    cr_assert_not_null(at, "%s", r.body);
    cr_assert_float_eq(strtod(at + strlen(key), NULL), side_lift, 1e-5);
    http_free(&r);
    r = http_get(a, "/symbols/NOSUCH/evidence");
    cr_assert_eq(r.status, 404);
    cr_assert_not_null(strstr(r.body, "\"code\":\"unknown_symbol\""), "%s", r.body);
    http_free(&r);
    r = http_get(a, "/symbols/EURUSD/evidence?x=1");
    cr_assert_eq(r.status, 400, "%s", r.body);
    cr_assert_not_null(strstr(r.body, "\"code\":\"unknown_parameter\""), "%s", r.body);
    http_free(&r);
}
