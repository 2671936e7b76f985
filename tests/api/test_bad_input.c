/*
 * Bad input never hurts (issue 6, item 4): one table of hostile requests, each with the
 * status and error code it must get in the one error shape {"error":{"code","message",
 * "details"}}, and after every one the state is unchanged: the same bars, symbols, trades
 * and idempotency rows in PostgreSQL and the same GET /zones body.
 */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/harness.h"
#include "tests/support/spawn.h"

#define BAR(fields) "{\"symbol\":\"EURUSD\",\"timeframe\":\"M15\"," fields "}"
#define GOOD_TS "\"ts\":\"2023-01-02T00:00:00Z\""
#define OHLC "\"open\":1.07,\"high\":1.071,\"low\":1.069,\"close\":1.0705,\"volume\":10"

struct bad_case {
    const char *name;
    const char *method, *path, *content_type;
    const char *body;          /* NULL: none; see gen for generated bodies */
    long status;
    const char *code;          /* expected error.code (NULL: only the shape is checked) */
};

static const struct bad_case CASES[] = {
    {"truncated JSON", "POST", "/bars", "application/json", "[{\"symbol\":\"EURUSD\",\"ti", 400,
     "malformed_json"},
    {"empty body", "POST", "/bars", "application/json", "", 400, "malformed_json"},
    {"not an object", "POST", "/bars", "application/json", "42", 400, "malformed_json"},
    {"array of numbers", "POST", "/bars", "application/json", "[1,2,3]", 422, NULL},
    {"empty array", "POST", "/bars", "application/json", "[]", 422, NULL},
    {"wrong type: open as string", "POST", "/bars", "application/json",
     BAR(GOOD_TS ",\"open\":\"1.07\",\"high\":1.071,\"low\":1.069,\"close\":1.0705,\"volume\":10"),
     422, "invalid_bars"},
    {"wrong type: symbol as number", "POST", "/bars", "application/json",
     "{\"symbol\":7,\"timeframe\":\"M15\"," GOOD_TS "," OHLC "}", 422, NULL},
    {"NaN", "POST", "/bars", "application/json",
     BAR(GOOD_TS ",\"open\":NaN,\"high\":1.071,\"low\":1.069,\"close\":1.0705,\"volume\":10"), 400,
     "malformed_json"},
    {"Infinity", "POST", "/bars", "application/json",
     BAR(GOOD_TS ",\"open\":Infinity,\"high\":1.071,\"low\":1.069,\"close\":1.07,\"volume\":1"),
     400, "malformed_json"},
    {"1e400", "POST", "/bars", "application/json",
     BAR(GOOD_TS ",\"open\":1e400,\"high\":1.071,\"low\":1.069,\"close\":1.0705,\"volume\":10"),
     400, "malformed_json"},
    {"negative price", "POST", "/bars", "application/json",
     BAR(GOOD_TS ",\"open\":-1.07,\"high\":1.071,\"low\":-1.5,\"close\":1.0705,\"volume\":10"),
     422, "invalid_bars"},
    {"zero prices", "POST", "/bars", "application/json",
     BAR(GOOD_TS ",\"open\":0,\"high\":0,\"low\":0,\"close\":0,\"volume\":10"), 422,
     "invalid_bars"},
    {"negative volume", "POST", "/bars", "application/json",
     BAR(GOOD_TS ",\"open\":1.07,\"high\":1.071,\"low\":1.069,\"close\":1.0705,\"volume\":-1"),
     422, "invalid_bars"},
    {"high < low", "POST", "/bars", "application/json",
     BAR(GOOD_TS ",\"open\":1.07,\"high\":1.06,\"low\":1.08,\"close\":1.07,\"volume\":10"), 422,
     "invalid_bars"},
    {"unknown timeframe", "POST", "/bars", "application/json",
     "{\"symbol\":\"EURUSD\",\"timeframe\":\"M7\"," GOOD_TS "," OHLC "}", 422, NULL},
    {"ts far in the future", "POST", "/bars", "application/json",
     BAR("\"ts\":\"2999-01-01T00:00:00Z\"," OHLC), 422, "invalid_bars"},
    {"ts not a time", "POST", "/bars", "application/json", BAR("\"ts\":\"yesterday\"," OHLC),
     422, "invalid_bars"},
    {"ts 30 February", "POST", "/bars", "application/json",
     BAR("\"ts\":\"2023-02-30T00:00:00Z\"," OHLC), 422, "invalid_bars"},
    {"invalid UTF-8", "POST", "/bars", "application/json",
     "{\"symbol\":\"EUR\xff\xfeUSD\",\"timeframe\":\"M15\"," GOOD_TS "," OHLC "}", 400,
     "malformed_json"},
    {"duplicate keys", "POST", "/bars", "application/json",
     BAR(GOOD_TS "," OHLC ",\"open\":5"), 400, "malformed_json"},
    {"lower-case symbol", "POST", "/bars", "application/json",
     "{\"symbol\":\"eurusd\",\"timeframe\":\"M15\"," GOOD_TS "," OHLC "}", 422, NULL},
    {"symbol with a space", "POST", "/bars", "application/json",
     "{\"symbol\":\"EUR USD\",\"timeframe\":\"M15\"," GOOD_TS "," OHLC "}", 422, NULL},
    {"symbol of 33 characters", "POST", "/bars", "application/json",
     "{\"symbol\":\"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456\",\"timeframe\":\"M15\"," GOOD_TS "," OHLC
     "}", 422, NULL},
    {"empty symbol", "POST", "/bars", "application/json",
     "{\"symbol\":\"\",\"timeframe\":\"M15\"," GOOD_TS "," OHLC "}", 422, NULL},
    {"SQL in the symbol", "POST", "/bars", "application/json",
     "{\"symbol\":\"EURUSD'; DROP TABLE bars;--\",\"timeframe\":\"M15\"," GOOD_TS "," OHLC "}",
     422, NULL},
    {"SQL in a query parameter", "GET", "/zones?symbol=EURUSD%27%20OR%201%3D1--", NULL, NULL,
     422, NULL},
    {"SQL in the trades filter", "GET", "/trades?symbol=x%27%3BDROP%20TABLE%20bars", NULL, NULL,
     422, NULL},
    {"SQL in a CSV symbol", "POST", "/bars?symbol=A%27%29%3B--&timeframe=M15", "text/csv",
     "2023.01.02 00:00:00,1.07,1.071,1.069,1.0705,10,0,0\n", 422, NULL},
    {"CSV garbage", "POST", "/bars?symbol=EURUSD&timeframe=M15", "text/csv",
     "Date,Open,High,Low,Close\nnot,a,bar,at,all\n", 422, NULL},
    {"CSV hexadecimal price", "POST", "/bars?symbol=EURUSD&timeframe=M15", "text/csv",
     "Date,Open,High,Low,Close\n2023.01.02 00:00:00,0x1.1p0,1.071,1.06,1.0705\n", 422,
     "invalid_bars"},
    {"CSV infinite price", "POST", "/bars?symbol=EURUSD&timeframe=M15", "text/csv",
     "Date,Open,High,Low,Close\n2023.01.02 00:00:00,1.07,inf,1.069,1.0705\n", 422,
     "invalid_bars"},
    {"query: hexadecimal number", "GET", "/zones/nearest?symbol=EURUSD&price=0x1p0", NULL,
     NULL, 422, "invalid_parameter"},
    {"query: number with a unit", "GET", "/zones/nearest?symbol=EURUSD&price=1.05e", NULL,
     NULL, 422, "invalid_parameter"},
    {"CSV without symbol", "POST", "/bars?timeframe=M15", "text/csv",
     "2023.01.02 00:00:00,1.07,1.071,1.069,1.0705,10,0,0\n", 422, "invalid_parameter"},
    {"CSV without timeframe", "POST", "/bars?symbol=EURUSD", "text/csv",
     "2023.01.02 00:00:00,1.07,1.071,1.069,1.0705,10,0,0\n", 422, "invalid_parameter"},
    {"wrong Content-Type", "POST", "/bars", "application/xml", BAR(GOOD_TS "," OHLC), 415,
     "unsupported_media_type"},
    {"no Content-Type", "POST", "/bars", NULL, BAR(GOOD_TS "," OHLC), 415,
     "unsupported_media_type"},
    {"setup: wrong Content-Type", "POST", "/setups", "text/csv", "{}", 415, NULL},
    {"JSON in latin1", "POST", "/bars", "application/json; charset=latin1",
     BAR(GOOD_TS "," OHLC), 415, "unsupported_media_type"},
    {"JSON in quoted utf-16", "POST", "/bars", "application/json;charset=\"UTF-16\"",
     BAR(GOOD_TS "," OHLC), 415, "unsupported_media_type"},
    {"CSV in latin1", "POST", "/bars?symbol=EURUSD&timeframe=M15", "text/csv; charset=ISO-8859-1",
     "2023.01.02 00:00:00,1.07,1.071,1.069,1.0705,10,0,0\n", 415, "unsupported_media_type"},
    {"setup: entry as string", "POST", "/setups", "application/json",
     "{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"entry\":\"1\",\"trend_score\":0.5,"
     "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}", 422, NULL},
    {"setup: unknown side", "POST", "/setups", "application/json",
     "{\"symbol\":\"EURUSD\",\"side\":\"HOLD\",\"entry\":1.07,\"trend_score\":0.5,"
     "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}", 422, NULL},
    {"setup: negative entry", "POST", "/setups", "application/json",
     "{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"entry\":-1,\"trend_score\":0.5,"
     "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}", 422, NULL},
    {"setup: trend_score 7", "POST", "/setups", "application/json",
     "{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"entry\":1.07,\"trend_score\":7,"
     "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}", 422, NULL},
    {"setup: unknown field", "POST", "/setups", "application/json",
     "{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"entry\":1.07,\"trend_score\":0.5,"
     "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0,\"evil\":1}", 422, NULL},
    {"trail: NaN", "PATCH", "/trades/1/trail", "application/json",
     "{\"price\":NaN,\"high\":1,\"low\":1}", 400, "malformed_json"},
    {"trail: unknown trade", "PATCH", "/trades/424242/trail", "application/json",
     "{\"price\":1.07,\"high\":1.08,\"low\":1.06}", 404, NULL},
    {"unknown route", "GET", "/nope", NULL, NULL, 404, "not_found"},
    {"path traversal", "GET", "/dashboard/..%2F..%2Fetc%2Fpasswd", NULL, NULL, 404, NULL},
    {"unknown method", "DELETE", "/bars", NULL, NULL, 405, "method_not_allowed"},
    {"PUT on zones", "PUT", "/zones", "application/json", "{}", 405, "method_not_allowed"},
    {"zone id not an id", "GET", "/zones/abc", NULL, NULL, 404, NULL},
    {"zone id overflow", "GET", "/zones/EURUSD:99999999999999999999", NULL, NULL, 404, NULL},
    {"trade id not an id", "GET", "/trades/abc", NULL, NULL, 404, NULL},
    {"trade id negative", "GET", "/trades/-1", NULL, NULL, 404, NULL},
    {"trade id zero", "GET", "/trades/0", NULL, NULL, 404, NULL},
    {"trade id overflow", "GET", "/trades/99999999999999999999999", NULL, NULL, 404, NULL},
    {"limit not a number", "GET", "/zones?symbol=EURUSD&limit=lots", NULL, NULL, 422, NULL},
    {"price NaN", "GET", "/zones?symbol=EURUSD&price=nan", NULL, NULL, 422, NULL},
    {"unknown symbol", "GET", "/zones?symbol=NOPE", NULL, NULL, 404, NULL},
};

struct snapshot {
    long bars, symbols, trades, keys;
    char *zones;
};

static void take(const char *url, const struct app *a, struct snapshot *s)
{
    s->bars = harness_sql_long(url, "SELECT count(*) FROM bars");
    s->symbols = harness_sql_long(url, "SELECT count(*) FROM symbols");
    s->trades = harness_sql_long(url, "SELECT count(*) FROM liquidity_trades");
    s->keys = harness_sql_long(url, "SELECT count(*) FROM idempotency_keys");
    struct http_reply r = http_get(a, "/zones?symbol=EURUSD&active=all&limit=10000");
    cr_assert_eq(r.status, 200);
    s->zones = r.body;
}

static void same(const struct snapshot *a, const struct snapshot *b, const char *name)
{
    cr_assert_eq(a->bars, b->bars, "%s: bars changed", name);
    cr_assert_eq(a->symbols, b->symbols, "%s: symbols changed", name);
    cr_assert_eq(a->trades, b->trades, "%s: trades changed", name);
    cr_assert_eq(a->keys, b->keys, "%s: idempotency keys changed", name);
    cr_assert_str_eq(a->zones, b->zones, "%s: zones changed", name);
}

static void check_error_shape(const struct http_reply *r, const char *name, const char *code)
{
    json_error_t e;
    json_t *j = json_loadb(r->body, r->len, 0, &e);
    cr_assert_not_null(j, "%s: the error is not JSON: %.200s", name, r->body);
    json_t *err = json_object_get(j, "error");
    cr_assert(json_is_object(err), "%s: no error object: %.200s", name, r->body);
    cr_assert(json_is_string(json_object_get(err, "code")), "%s: no error.code", name);
    cr_assert(json_is_string(json_object_get(err, "message")), "%s: no error.message", name);
    cr_assert_not_null(json_object_get(err, "details"), "%s: no error.details", name);
    if (code != NULL)
        cr_assert_str_eq(json_string_value(json_object_get(err, "code")), code, "%s", name);
    json_decref(j);
}

static struct app *g_app;
static char g_url[512];
static struct bar *g_bars;

static void setup(void)
{
    harness_db("t_bad_input", g_url, sizeof g_url);
    struct app_config cfg;
    harness_config(&cfg, g_url);
    g_app = harness_start(&cfg);
    size_t n;
    g_bars = harness_eurusd(&n);
    char *b = harness_bars_json("EURUSD", "M15", g_bars, 0, 800);
    struct http_reply r = http_post_json(g_app, "/bars", b);
    cr_assert_eq(r.status, 200);
    http_free(&r);
    free(b);
}

static void teardown(void)
{
    app_stop(g_app);
    free(g_bars);
}

Test(bad_input, every_case_of_the_table, .init = setup, .fini = teardown, .timeout = 120)
{
    struct snapshot before;
    take(g_url, g_app, &before);
    for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
        const struct bad_case *c = &CASES[i];
        struct http_reply r;
        cr_assert_eq(spawn_http(app_port(g_app), c->method, c->path, c->content_type, c->body,
                                c->body ? strlen(c->body) : 0, NULL, &r), 0, "%s", c->name);
        cr_expect_eq(r.status, c->status, "%s: %ld (wanted %ld) %.300s", c->name, r.status,
                     c->status, r.body);
        check_error_shape(&r, c->name, c->code);
        http_free(&r);
        struct snapshot after;
        take(g_url, g_app, &after);
        same(&before, &after, c->name);
        free(after.zones);
    }
    /* a bar older than the last one, inside a batch with a good one: nothing applied */
    char *mixed = harness_bars_json("EURUSD", "M15", g_bars, 799, 801);
    struct bar older = g_bars[0];
    older.ts -= 30 * 86400; /* before anything stored: out of order, not a duplicate */
    char *old = harness_bars_json("EURUSD", "M15", &older, 0, 1);
    size_t ml = strlen(mixed), ol = strlen(old);
    char *batch = malloc(ml + ol + 2);
    snprintf(batch, ml + ol + 2, "%.*s,%s", (int)(ml - 1), mixed, old + 1);
    struct http_reply r = http_post_json(g_app, "/bars", batch);
    cr_assert_eq(r.status, 422, "%s", r.body);
    check_error_shape(&r, "out of order", "invalid_bars");
    http_free(&r);
    struct snapshot after;
    take(g_url, g_app, &after);
    same(&before, &after, "out of order");
    free(after.zones);
    free(mixed);
    free(old);
    free(batch);
    free(before.zones);
}

/* The 422 of a stored-bar check says what it found (the count, each item's reason), in the
 * shape of a decode error's; two bars of one ts in one request are refused, never the second
 * dropped as a duplicate of the first, whether they agree or not. Nothing is applied. */
static void expect_invalid(const char *body, const char *reason, const char *name)
{
    struct snapshot before, after;
    take(g_url, g_app, &before);
    struct http_reply r = http_post_json(g_app, "/bars", body);
    cr_assert_eq(r.status, 422, "%s: %s", name, r.body);
    check_error_shape(&r, name, "invalid_bars");
    json_t *j = http_json(&r);
    json_t *err = json_object_get(j, "error"), *d = json_object_get(err, "details");
    cr_assert_eq(json_integer_value(json_object_get(d, "invalid")), 1, "%s: %s", name, r.body);
    cr_assert_str_eq(json_string_value(json_object_get(err, "message")),
                     "1 invalid bar(s); nothing was applied", "%s", name);
    json_t *item = json_array_get(json_object_get(d, "items"), 0);
    cr_assert_not_null(strstr(json_string_value(json_object_get(item, "reason")), reason),
                       "%s: %s", name, r.body);
    json_decref(j);
    http_free(&r);
    take(g_url, g_app, &after);
    same(&before, &after, name);
    free(after.zones);
    free(before.zones);
}

Test(bad_input, a_stored_bar_check_names_what_it_found, .init = setup, .fini = teardown)
{
    struct bar b[3] = {g_bars[800], g_bars[801], g_bars[801]};
    for (int agree = 0; agree < 2; agree++) {
        b[2].high = agree ? b[1].high : b[1].high + 0.001;
        char *json = harness_bars_json("EURUSD", "M15", b, 0, 3);
        expect_invalid(json, "repeats an earlier bar of this request",
                       agree ? "one ts twice, the same bar" : "one ts twice, two bars");
        free(json);
    }
    struct bar off = g_bars[800];
    off.open = off.high = off.low = off.close = 1e-9; /* under one pip: off scale */
    char *json = harness_bars_json("EURUSD", "M15", &off, 0, 1);
    expect_invalid(json, "pips", "off scale");
    free(json);
}

Test(bad_input, deeply_nested_json_is_a_400_not_a_crash, .init = setup, .fini = teardown)
{
    size_t depth = 200000;
    char *b = malloc(depth * 2 + 1);
    memset(b, '[', depth);
    memset(b + depth, ']', depth);
    b[2 * depth] = '\0';
    struct http_reply r = http_post_json(g_app, "/bars", b);
    cr_assert_eq(r.status, 400, "%s", r.body);
    check_error_shape(&r, "nested", "malformed_json");
    http_free(&r);
    free(b);
    r = http_get(g_app, "/health");
    cr_assert_eq(r.status, 200);
    http_free(&r);
}

/* 100 MB of zeros, generated as it is sent. */
struct gen {
    size_t left;
};

static size_t gen_read(char *buf, size_t size, size_t n, void *ud)
{
    struct gen *g = ud;
    size_t want = size * n < g->left ? size * n : g->left;
    memset(buf, '0', want);
    g->left -= want;
    return want;
}

/* The 413 answers the server counted so far (GET /metrics, every route). */
static long count_413(void)
{
    struct http_reply r = http_get(g_app, "/metrics");
    cr_assert_eq(r.status, 200, "/metrics: %ld", r.status);
    long n = 0;
    for (const char *p = r.body; (p = strstr(p, "status=\"413\"}")) != NULL; p++)
        n += strtol(p + strlen("status=\"413\"}"), NULL, 10);
    http_free(&r);
    return n;
}

static long post_100mb(int port, int chunked, char **body)
{
    CURL *c = curl_easy_init();
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/bars", port);
    struct gen g = {100u * 1024 * 1024};
    struct http_reply out = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, gen_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &g);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    if (chunked)
        h = curl_slist_append(h, "Transfer-Encoding: chunked");
    else
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)g.left);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    FILE *mem = open_memstream(body, &out.len);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, mem);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    long answered_before = count_413();
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    fclose(mem);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK && status == 0) {
        /* The server answers 413 as soon as it knows and closes; a client still sending
         * then gets a TCP reset that can discard the answer before curl reads it (the
         * classic race of an early HTTP error; seen on a loaded machine and under valgrind).
         * The server's side is what this test judges: it must have answered 413. */
        cr_assert_eq(rc == CURLE_SEND_ERROR || rc == CURLE_RECV_ERROR, 1, "100 MB post: %s",
                     curl_easy_strerror(rc));
        cr_assert_eq(count_413(), answered_before + 1,
                     "100 MB post cut (%s) without the server answering 413",
                     curl_easy_strerror(rc));
        free(*body);
        *body = strdup("{\"error\":{\"code\":\"body_too_large\"}} (as counted by /metrics)");
        return 413;
    }
    cr_assert(rc == CURLE_OK, "100 MB post: %s", curl_easy_strerror(rc));
    return status;
}

Test(bad_input, a_100_mb_body_is_413_with_and_without_content_length, .init = setup,
     .fini = teardown, .timeout = 120)
{
    struct snapshot before;
    take(g_url, g_app, &before);
    char *body = NULL;
    double t0 = spawn_now();
    long st = post_100mb(app_port(g_app), 0, &body);
    cr_assert_eq(st, 413, "Content-Length: %ld %s", st, body);
    cr_assert(strstr(body, "body_too_large"), "%s", body);
    cr_log_info("100 MB with Content-Length: 413 after %.2f s", spawn_now() - t0);
    free(body);
    body = NULL;
    t0 = spawn_now();
    st = post_100mb(app_port(g_app), 1, &body);
    cr_assert_eq(st, 413, "chunked: %ld %s", st, body);
    cr_assert(strstr(body, "body_too_large"), "%s", body);
    cr_log_info("100 MB chunked: 413 after %.2f s", spawn_now() - t0);
    free(body);
    struct snapshot after;
    take(g_url, g_app, &after);
    same(&before, &after, "100 MB");
    free(before.zones);
    free(after.zones);
}
