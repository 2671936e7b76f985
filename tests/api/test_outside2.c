/*
 * Faults found from outside, round two (issue 21): each test is one CLASS, tried with the
 * values an outside tester would pick next.
 *
 *   bar time             no time is a sentinel: every time of the documented range (1970-01-01
 *                        up to 2 days past the server's clock) is stored and served (200,
 *                        JSON and CSV, through a restart); outside it a 422, never a 5xx
 *   unknown bar fields   a bar with a field the schema does not name is a 422 naming it
 *   max_symbols          the registry's limit is a setting; beyond it a 507 naming it
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

/* A bar holds the eight fields openapi.yaml names (additionalProperties: false): any other
 * key, whatever its name or value, in any item of a batch, is a 422 that names the key and
 * the item, and nothing of the batch is stored. */
Test(outside2, a_bar_with_a_field_the_schema_does_not_name_is_a_422_naming_it, .timeout = 60)
{
    struct app_config cfg;
    harness_config(&cfg, NULL);
    struct app *a = harness_start(&cfg);
    static const char *const extra[] = {
        "\"spread\":20",  "\"Open\":1.1",        "\"\":1",          "\"comment\":\"hi\"",
        "\"tick\":null",  "\"meta\":{\"a\":[1]}", "\"volume2\":true", "\"\\u00e9t\\u00e9\":1",
        "\"symbol \":\"X\""};
    static const char *const named[] = {"\"spread\"", "\"Open\"",    "\"\"",
                                        "\"comment\"", "\"tick\"",    "\"meta\"",
                                        "\"volume2\"", "\"\xc3\xa9t\xc3\xa9\"", "\"symbol \""};
    const char *good = "{\"symbol\":\"UNK\",\"timeframe\":\"M15\",\"ts\":1665360000,"
                       "\"open\":1.1,\"high\":1.2,\"low\":1.0,\"close\":1.1,\"volume\":1}";
    for (size_t k = 0; k < sizeof extra / sizeof extra[0]; k++) {
        for (int second = 0; second < 2; second++) {
            char body[1024];
            if (second)
                snprintf(body, sizeof body,
                         "[%s,{\"symbol\":\"UNK\",\"timeframe\":\"M15\",\"ts\":1665360900,"
                         "\"open\":1.1,\"high\":1.2,%s,\"low\":1.0,\"close\":1.1,\"volume\":1}]",
                         good, extra[k]);
            else
                snprintf(body, sizeof body,
                         "{%s,\"symbol\":\"UNK\",\"timeframe\":\"M15\",\"ts\":1665360000,"
                         "\"open\":1.1,\"high\":1.2,\"low\":1.0,\"close\":1.1,\"volume\":1}",
                         extra[k]);
            struct http_reply r = http_post_json(a, "/bars", body);
            cr_assert_eq(r.status, 422, "%s: %ld %s", body, r.status, r.body);
            json_t *j = http_json(&r);
            json_t *item = json_array_get(
                json_object_get(json_object_get(json_object_get(j, "error"), "details"), "items"),
                0);
            cr_assert_eq(json_integer_value(json_object_get(item, "index")), second, "%s",
                         r.body);
            const char *why = json_string_value(json_object_get(item, "reason"));
            cr_assert(why != NULL && strstr(why, "unknown field") && strstr(why, named[k]),
                      "%s -> %s", body, r.body);
            json_decref(j);
            http_free(&r);
        }
    }
    struct http_reply r = http_get(a, "/bars?symbol=UNK");
    cr_assert_eq(r.status, 404, "a refused batch stored bars: %ld %s", r.status, r.body);
    http_free(&r);
    r = http_post_json(a, "/bars", good);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    app_stop(a);
}

static struct http_reply keyed(const struct app *a, const char *method, const char *path,
                               const char *type, const char *body, const char *key)
{
    char h[300];
    snprintf(h, sizeof h, "Idempotency-Key: %s", key);
    return http_do_with(a, method, path, type, body, strlen(body), h);
}

static void expect_reused(struct http_reply r, const char *what)
{
    cr_assert_eq(r.status, 422, "%s: %ld %s", what, r.status, r.body);
    cr_assert_not_null(strstr(r.body, "\"idempotency_key_reused\""), "%s: %s", what, r.body);
    http_free(&r);
}

/* An Idempotency-Key names one request: its route, every query parameter its route takes
 * and its body. The same key with any of them changed is the documented 422 (and changes
 * nothing), on every write route, dry runs included; DELETE of a symbol forgets its keys, so
 * the same request with the same key afterwards is applied afresh. */
Test(outside2, an_idempotency_key_names_its_route_query_and_body, .timeout = 120)
{
    char url[512];
    harness_db("liq_t_idem_identity", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    struct app *a = harness_start(&cfg);
    char *bars = zigzag_json("IDQ", 1665360000, 3);
    const char *json = "application/json";
    struct http_reply r = keyed(a, "POST", "/bars", json, bars, "K1");
    cr_assert_eq(r.status, 200, "%s", r.body);
    char *first = strdup(r.body);
    http_free(&r);
    /* the same body and key, the query changed (JSON takes replace) */
    expect_reused(keyed(a, "POST", "/bars?replace=true", json, bars, "K1"), "replace=true");
    expect_reused(keyed(a, "POST", "/bars?replace=false", json, bars, "K1"), "replace=false");
    /* a file: each of its query parameters changed */
    const char *csv = "time,open,high,low,close,volume\n"
                      "2022-10-10T00:00:00Z,1.1,1.1012,1.0989,1.1004,10\n"
                      "2022-10-10T00:05:00Z,1.1004,1.102,1.1,1.101,11\n";
    const char *base = "/bars?symbol=IDC&timeframe=M1";
    r = keyed(a, "POST", base, "text/csv", csv, "K3");
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    const char *queries[] = {"&tz=Europe/Berlin", "&tz=UTC", "&inconsistent=repair",
                             "&inconsistent=skip", "&replace=true", "&replace=true&tz=UTC"};
    for (size_t k = 0; k < sizeof queries / sizeof queries[0]; k++) {
        char path[128];
        snprintf(path, sizeof path, "%s%s", base, queries[k]);
        expect_reused(keyed(a, "POST", path, "text/csv", csv, "K3"), path);
    }
    expect_reused(keyed(a, "POST", "/bars?symbol=IDD&timeframe=M1", "text/csv", csv, "K3"),
                  "another symbol");
    expect_reused(keyed(a, "POST", "/bars?symbol=IDC&timeframe=M5", "text/csv", csv, "K3"),
                  "another timeframe");
    expect_reused(keyed(a, "POST", base, "text/plain", csv, "K3"), "another media type");
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars WHERE symbol = 'IDC'"), 2);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars WHERE symbol = 'IDD'"), 0);
    /* another body, another media type */
    char *other = zigzag_json("IDQ", 1665360000, 4);
    expect_reused(keyed(a, "POST", "/bars", json, other, "K1"), "another body");
    free(other);
    /* another route: a real setup and a dry run get the same refusal */
    const char *setup = "{\"symbol\":\"IDQ\",\"side\":\"BUY\",\"entry\":1.1,\"trend_score\":0.7,"
                        "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}";
    expect_reused(keyed(a, "POST", "/setups", json, setup, "K1"), "a setup");
    expect_reused(keyed(a, "POST", "/setups?dry_run=true", json, setup, "K1"), "a dry run");
    /* and a key first used by a dry run is refused on /bars and on a real setup */
    r = keyed(a, "POST", "/setups?dry_run=true", json, setup, "K2");
    cr_assert(r.status != 422 && r.status < 500, "a dry run with a fresh key: %ld %s", r.status,
              r.body);
    http_free(&r);
    expect_reused(keyed(a, "POST", "/setups", json, setup, "K2"), "a dry run's key, real");
    expect_reused(keyed(a, "POST", "/bars", json, bars, "K2"), "a dry run's key on /bars");
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars WHERE symbol = 'IDQ'"), 3);
    /* the exact retry still replays */
    r = keyed(a, "POST", "/bars", json, bars, "K1");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(r.body, first);
    http_free(&r);
    /* DELETE forgets the symbol's keys: the same request and key apply afresh */
    r = http_do(a, "DELETE", "/symbols/IDQ", NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM idempotency_keys "
                                       "WHERE key IN ('K1', 'K2')"),
                 0);
    r = keyed(a, "POST", "/bars", json, bars, "K1");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(r.body, first);
    http_free(&r);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars WHERE symbol = 'IDQ'"), 3,
                 "after DELETE, a replay claimed bars that are not stored");
    free(first);
    free(bars);
    app_stop(a);
}

/* The registry's limit is the documented setting max_symbols: with it at 3, three new
 * symbols are taken, a fourth is the 507 too_many_symbols naming the setting (and stores
 * nothing), the three already there are still written, and /health counts what
 * GET /symbols lists. */
Test(outside2, the_registry_limit_is_the_setting_max_symbols, .timeout = 60)
{
    struct app_config cfg;
    harness_config(&cfg, NULL);
    cfg.max_symbols = 3;
    struct app *a = harness_start(&cfg);
    for (int i = 0; i < 5; i++) {
        char sym[16], body[256];
        snprintf(sym, sizeof sym, "MAXS%d", i);
        snprintf(body, sizeof body,
                 "{\"symbol\":\"%s\",\"timeframe\":\"M15\",\"ts\":1665360000,"
                 "\"open\":1.1,\"high\":1.2,\"low\":1.0,\"close\":1.1,\"volume\":1}",
                 i < 3 ? sym : i == 3 ? "MAXS3" : "MAXS1");
        struct http_reply r = http_post_json(a, "/bars", body);
        long want = i == 3 ? 507 : 200;
        cr_assert_eq(r.status, want, "%s: %ld %s", sym, r.status, r.body);
        if (want == 507)
            cr_assert(strstr(r.body, "\"too_many_symbols\"") && strstr(r.body, "max_symbols"),
                      "%s", r.body);
        http_free(&r);
    }
    struct http_reply r = http_get(a, "/bars?symbol=MAXS3");
    cr_assert_eq(r.status, 404, "a refused symbol is stored: %ld %s", r.status, r.body);
    http_free(&r);
    r = http_get(a, "/health");
    json_t *h = http_json(&r);
    cr_assert_eq(json_integer_value(json_object_get(h, "symbols")), 3, "%s", r.body);
    json_decref(h);
    http_free(&r);
    r = http_get(a, "/symbols");
    json_t *s = http_json(&r);
    json_t *list = json_is_array(s) ? s : json_object_get(s, "symbols");
    cr_assert_eq(json_array_size(list), 3, "%s", r.body);
    json_decref(s);
    http_free(&r);
    app_stop(a);
}
