/*
 * A JSON body is bounded by what it costs once parsed, not only by its bytes (the outside
 * probe: 60 MB of "[1,1,...]" under body_limit_bytes took 1 GB of jansson tree, kept after
 * the request). A body holding more than json_max_values values gets 413 json_too_large
 * before anything parses it, on every route that takes JSON and in every shape (a wide
 * array, a wide object, nested arrays), and nothing is applied; a body at the cap, and a
 * legitimate post of thousands of bars, is parsed as before. Commas, brackets and escaped
 * quotes inside strings are text, not values.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/harness.h"

/* error.code of a reply ("" when it has none). */
static void expect_code(const struct http_reply *r, long status, const char *code)
{
    cr_assert_eq(r->status, status, "%ld %s", r->status, r->body);
    json_t *j = http_json(r);
    const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    cr_expect_str_eq(c ? c : "", code, "%s", r->body);
    json_decref(j);
}

/* details.limit of a 413 json_too_large. */
static long too_large_limit(const struct http_reply *r)
{
    json_t *j = http_json(r);
    json_t *d = json_object_get(json_object_get(j, "error"), "details");
    long limit = (long)json_integer_value(json_object_get(d, "limit"));
    json_decref(j);
    return limit;
}

/* "[1,1,...,1]" with n numbers (n + 1 values). */
static char *ones(size_t n)
{
    char *s = malloc(2 * n + 2);
    cr_assert_not_null(s);
    s[0] = '[';
    for (size_t i = 0; i < n; i++) {
        s[1 + 2 * i] = '1';
        s[2 + 2 * i] = i + 1 < n ? ',' : ']';
    }
    s[2 * n + 1] = '\0';
    return s;
}

/* A POST /setups body that would be valid, with `extra` (a JSON value) as field "pad". */
static char *setup_with(const char *extra)
{
    char *s = NULL;
    cr_assert_geq(asprintf(&s,
                           "{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"entry\":1.0712,"
                           "\"trend_score\":0.7,\"regime_mode\":\"NORMAL\","
                           "\"regime_transition_strength\":0.2,\"qty\":100000,\"pad\":%s}",
                           extra),
                  0);
    return s;
}

/* {"k0":0,"k1":0,...} with n members (n + 1 values). */
static char *wide_object(size_t n)
{
    size_t cap = 16 * n + 16, len = 0;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    s[len++] = '{';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s\"k%zu\":0", i ? "," : "", i);
    s[len++] = '}';
    s[len] = '\0';
    return s;
}

/* [[1,1,1,1],[1,1,1,1],...] with n inner arrays of four (5 n + 1 values). */
static char *nested_arrays(size_t n)
{
    size_t cap = 10 * n + 4, len = 0;
    char *s = malloc(cap);
    cr_assert_not_null(s);
    s[len++] = '[';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s[1,1,1,1]", i ? "," : "");
    s[len++] = ']';
    s[len] = '\0';
    return s;
}

Test(json_limits, numbers_past_the_default_cap_are_413_and_at_the_cap_are_parsed,
     .timeout = 120)
{
    char url[512];
    harness_db("t_json_default", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    struct app *a = harness_start(&cfg);
    long cap = cfg.json_max_values;
    cr_assert_eq(cap, 524288, "the documented default");

    char *over = ones((size_t)cap); /* cap numbers + the array: one value too many */
    struct http_reply r = http_post_json(a, "/bars", over);
    expect_code(&r, 413, "json_too_large");
    cr_expect_eq(too_large_limit(&r), cap);
    http_free(&r);
    free(over);

    char *at = ones((size_t)cap - 1); /* exactly cap values: parsed, then not bars */
    r = http_post_json(a, "/bars", at);
    expect_code(&r, 422, "invalid_bars");
    http_free(&r);
    free(at);

    cr_expect_eq(harness_sql_long(url, "SELECT count(*) FROM bars"), 0);
    app_stop(a);
}

Test(json_limits, bars_past_the_cap_are_refused_whole_and_nothing_is_stored, .timeout = 120)
{
    char url[512];
    harness_db("t_json_bars", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    cfg.json_max_values = 900; /* 99 bars (1 + 99 x 9 = 892 values) fit, 100 do not */
    struct app *a = harness_start(&cfg);
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);

    char *hundred = harness_bars_json("EURUSD", "M15", bars, 0, 100);
    struct http_reply r = http_post_json(a, "/bars", hundred);
    expect_code(&r, 413, "json_too_large");
    cr_expect_eq(too_large_limit(&r), 900);
    http_free(&r);
    /* the same bars outside the no-tree shape (an exponent) are refused alike */
    char *e = strstr(hundred, "\"volume\":");
    cr_assert_not_null(e);
    memcpy(e, "\"volume\":1e0", 12);
    while (e[12] != ',' && e[12] != '}')
        memmove(e + 12, e + 13, strlen(e + 13) + 1);
    r = http_post_json(a, "/bars", hundred);
    expect_code(&r, 413, "json_too_large");
    http_free(&r);
    free(hundred);

    r = http_get(a, "/bars?symbol=EURUSD");
    cr_expect_eq(r.status, 404, "nothing was stored: %s", r.body);
    http_free(&r);
    cr_expect_eq(harness_sql_long(url, "SELECT count(*) FROM bars"), 0);

    char *fits = harness_bars_json("EURUSD", "M15", bars, 0, 99);
    r = http_post_json(a, "/bars", fits);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    free(fits);
    r = http_get(a, "/bars?symbol=EURUSD&limit=1000");
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *j = http_json(&r);
    cr_expect_eq(json_integer_value(json_object_get(j, "count")), 99);
    json_decref(j);
    http_free(&r);

    app_stop(a);
    free(bars);
}

Test(json_limits, wide_objects_and_nested_arrays_are_413_on_every_json_route, .timeout = 120)
{
    char url[512];
    harness_db("t_json_routes", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    cfg.json_max_values = 1000;
    struct app *a = harness_start(&cfg);

    char *wide = wide_object(1000);
    char *nested = nested_arrays(200);
    char *shapes[] = {setup_with(wide), setup_with(nested), wide, nested};
    const char *paths[][2] = {{"POST", "/setups"},
                              {"POST", "/setups?dry_run=true"},
                              {"PATCH", "/trades/1/trail"},
                              {"POST", "/trades/1/close"},
                              {"POST", "/bars"}};
    for (size_t p = 0; p < sizeof paths / sizeof paths[0]; p++)
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            struct http_reply r = http_do(a, paths[p][0], paths[p][1], "application/json",
                                          shapes[s], strlen(shapes[s]));
            cr_expect_eq(r.status, 413, "%s %s shape %zu: %ld %s", paths[p][0], paths[p][1],
                         s, r.status, r.body);
            if (r.status == 413)
                expect_code(&r, 413, "json_too_large");
            http_free(&r);
        }
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        free(shapes[s]);

    /* one value fewer is parsed and answered by the route as before */
    char *under = wide_object(998); /* 999 values */
    struct http_reply r = http_do(a, "POST", "/trades/1/close", "application/json", under,
                                  strlen(under));
    cr_expect_neq(r.status, 413, "%s", r.body);
    http_free(&r);
    free(under);

    cr_expect_eq(harness_sql_long(url, "SELECT count(*) FROM liquidity_trades"), 0);
    cr_expect_eq(harness_sql_long(url, "SELECT count(*) FROM trade_events"), 0);
    cr_expect_eq(harness_sql_long(url, "SELECT count(*) FROM bars"), 0);
    app_stop(a);
}

Test(json_limits, commas_brackets_and_escaped_quotes_in_strings_are_not_values,
     .timeout = 120)
{
    char url[512];
    harness_db("t_json_strings", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    cfg.json_max_values = 64; /* the least allowed; the setup body holds 9 values */
    struct app *a = harness_start(&cfg);

    /* a string of 3,000 ",[{" with escaped quotes and backslashes between them */
    size_t reps = 1000, len = 0;
    char *text = malloc(reps * 8 + 3);
    cr_assert_not_null(text);
    text[len++] = '"';
    for (size_t i = 0; i < reps; i++) {
        memcpy(text + len, i % 2 ? ",[{" : "\\\",\\\\", i % 2 ? 3 : 5);
        len += i % 2 ? 3 : 5;
    }
    text[len++] = '"';
    text[len] = '\0';
    char *body = setup_with(text);
    struct http_reply r = http_post_json(a, "/setups", body);
    /* parsed (not 413, not 400) and answered by the route: "pad" is no field of a setup */
    expect_code(&r, 422, "invalid_request");
    http_free(&r);
    free(body);
    free(text);
    app_stop(a);
}

Test(json_limits, several_thousand_bars_as_json_are_still_taken, .timeout = 180)
{
    char url[512];
    harness_db("t_json_thousands", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    struct app *a = harness_start(&cfg);
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    cr_assert_geq(n, 8000);

    char *json = harness_bars_json("EURUSD", "M15", bars, 0, 8000); /* 72,001 values */
    struct http_reply r = http_post_json(a, "/bars", json);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *j = http_json(&r);
    cr_expect_eq(json_integer_value(json_object_get(j, "accepted")), 8000);
    json_decref(j);
    http_free(&r);
    free(json);

    r = http_get(a, "/bars?symbol=EURUSD&limit=100000");
    cr_assert_eq(r.status, 200, "%s", r.body);
    j = http_json(&r);
    cr_expect_eq(json_integer_value(json_object_get(j, "count")), 8000);
    json_decref(j);
    http_free(&r);
    app_stop(a);
    free(bars);
}
