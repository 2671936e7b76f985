/*
 * Faults found from outside, round two (issue 21): each test is one CLASS, tried with the
 * values an outside tester would pick next.
 *
 *   bar time             no time is a sentinel: every time of the documented range (1970-01-01
 *                        up to 2 days past the server's clock) is stored and served (200,
 *                        JSON and CSV, through a restart); outside it a 422, never a 5xx
 *   unknown bar fields   a bar with a field the schema does not name is a 422 naming it
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/support/harness.h"

/* n bars of tf_s seconds from ts0, a gentle zig-zag around 1.1 (M1 bars: timeframe "M1"). */
static char *zigzag_json(const char *symbol, int64_t ts0, int n)
{
    size_t cap = (size_t)n * 200 + 16, len = 0;
    char *out = malloc(cap);
    cr_assert_not_null(out);
    len += (size_t)snprintf(out + len, cap - len, "[");
    for (int i = 0; i < n; i++) {
        double o = 1.1 + 0.001 * (i % 7) - 0.0005 * (i % 3);
        len += (size_t)snprintf(out + len, cap - len,
                                "%s{\"symbol\":\"%s\",\"timeframe\":\"M1\",\"ts\":%lld,"
                                "\"open\":%.5f,\"high\":%.5f,\"low\":%.5f,\"close\":%.5f,"
                                "\"volume\":%d}",
                                i ? "," : "", symbol, (long long)(ts0 + 60 * i), o, o + 0.0012,
                                o - 0.0011, o + 0.0004, 10 + i);
    }
    snprintf(out + len, cap - len, "]");
    return out;
}

static char *get_body(const struct app *a, const char *path, long want)
{
    struct http_reply r = http_get(a, path);
    cr_assert_eq(r.status, want, "GET %s: %ld %s", path, r.status, r.body);
    char *b = strdup(r.body);
    http_free(&r);
    return b;
}

Test(outside2, every_bar_time_of_the_documented_range_is_served_and_none_outside_it,
     .timeout = 120)
{
    char url[512];
    harness_db("liq_t_bar_time", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    struct app *a = harness_start(&cfg);
    int64_t now = (int64_t)time(NULL);
    int64_t top = (now + 2 * 86400) / 60 * 60; /* the last minute of the range */
    /* first bar times inside the range: the epoch and its neighbours, 2001, today,
     * and batches that END at the top of the range */
    const int64_t inside[] = {0, 60, 86400, 1000000020, now / 60 * 60 - 600,
                              top - 19 * 60};
    char sym[32], path[128];
    for (size_t k = 0; k < sizeof inside / sizeof inside[0]; k++) {
        snprintf(sym, sizeof sym, "T%zu", k);
        char *j = zigzag_json(sym, inside[k], 20);
        struct http_reply r = http_post_json(a, "/bars", j);
        cr_assert_eq(r.status, 200, "20 M1 bars from ts %lld: %ld %s", (long long)inside[k],
                     r.status, r.body);
        http_free(&r);
        free(j);
        snprintf(path, sizeof path, "/zones?symbol=%s&active=all&limit=1000", sym);
        free(get_body(a, path, 200));
    }
    /* the epoch as CSV wall-clock text too */
    const char *csv = "date,time,open,high,low,close,volume\n"
                      "1970.01.01,00:00,1.1,1.1012,1.0989,1.1004,10\n"
                      "1970.01.01,00:01,1.1004,1.102,1.1,1.101,11\n";
    struct http_reply r = http_do(a, "POST", "/bars?symbol=CSV0&timeframe=M1", "text/csv", csv,
                                  strlen(csv));
    cr_assert_eq(r.status, 200, "CSV at 1970-01-01: %ld %s", r.status, r.body);
    http_free(&r);
    /* the epoch is a time like any other: shown, never null */
    char *syms = get_body(a, "/symbols", 200);
    cr_assert_not_null(strstr(syms, "\"first_ts\":\"1970-01-01T00:00:00Z\""), "%s", syms);
    char *z0 = get_body(a, "/zones?symbol=T0&active=all&limit=1000", 200);
    cr_assert_not_null(strstr(z0, "\"created_at\":\"1970-01-01T00:00:00Z\""), "%.400s", z0);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars WHERE symbol = 'T0' "
                                       "AND ts = 'epoch'"),
                 1);
    /* outside the range: 422 naming the reason, nothing stored, never a 5xx */
    const char *outside[] = {"-60", "\"1969-12-31T23:59:00Z\"", "-9223372036854775807",
                             "9223372036854775807", "\"10000-01-01T00:00:00Z\""};
    char over[32];
    snprintf(over, sizeof over, "%lld", (long long)(top + 60));
    for (size_t k = 0; k < sizeof outside / sizeof outside[0] + 1; k++) {
        const char *ts = k < sizeof outside / sizeof outside[0] ? outside[k] : over;
        char body[256];
        snprintf(body, sizeof body,
                 "{\"symbol\":\"OUT\",\"timeframe\":\"M1\",\"ts\":%s,\"open\":1.1,"
                 "\"high\":1.2,\"low\":1.0,\"close\":1.1,\"volume\":1}",
                 ts);
        r = http_post_json(a, "/bars", body);
        cr_assert_eq(r.status, 422, "ts %s: %ld %s", ts, r.status, r.body);
        http_free(&r);
    }
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars WHERE symbol = 'OUT'"), 0);
    /* and a restart serves the same zones from the stored bars */
    app_stop(a);
    a = harness_start(&cfg);
    char *again = get_body(a, "/zones?symbol=T0&active=all&limit=1000", 200);
    cr_assert_str_eq(again, z0);
    free(again);
    free(z0);
    free(syms);
    app_stop(a);
}
