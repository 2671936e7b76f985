/*
 * Real users' files and daily workflows (issue 14): brokers' symbols, /symbols in order,
 * GET /bars time ranges and pages, DELETE /symbols/{symbol}, uploads as brokers write them.
 * Each test runs the service in-process on port 0 against its own database.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/decode.h"
#include "domain/tz.h"
#include "service/config.h"
#include "service/tzdb.h"
#include "tests/support/harness.h"

/* The service in-process with persistence off and the test defaults. */
static struct app *start_in_memory(void)
{
    struct app_config cfg;
    harness_config(&cfg, NULL);
    return harness_start(&cfg);
}

/* Asserts r's status and that its body holds needle (NULL: anything), then frees r. */
static void expect(struct http_reply *r, long status, const char *needle)
{
    cr_assert_eq(r->status, status, "%s", r->body);
    if (needle != NULL)
        cr_assert_not_null(strstr(r->body, needle), "%s", r->body);
    http_free(r);
}

/* The bearer key the helpers send (NULL: none). */
static const char *g_key;

static struct http_reply send(const struct app *a, const char *method, const char *path,
                              const char *type, const char *body, size_t len)
{
    char auth[96] = "";
    if (g_key != NULL)
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", g_key);
    return http_do_with(a, method, path, type, body, len, g_key ? auth : NULL);
}

/* n bars of symbol and timeframe tf from 2022-10-10 00:00Z around price, as a JSON array. */
static char *bars_json_tf(const char *symbol, double price, size_t n, const char *tf)
{
    enum timeframe t;
    cr_assert_eq(tf_parse(tf, &t), 0);
    struct bar *b = calloc(n, sizeof *b);
    cr_assert_not_null(b);
    for (size_t i = 0; i < n; i++) {
        double o = price * (1 + 0.0004 * (double)(i % 7) - 0.0012);
        b[i] = (struct bar){.ts = 1665360000 + (int64_t)i * tf_seconds(t), .open = o,
                            .high = o * 1.0008, .low = o * 0.9993, .close = o * 1.0002,
                            .volume = 10};
    }
    char *j = harness_bars_json(symbol, tf, b, 0, n);
    free(b);
    return j;
}

static char *bars_json(const char *symbol, double price, size_t n)
{
    return bars_json_tf(symbol, price, n, "M15");
}

static void post_ok_tf(const struct app *a, const char *symbol, double price, size_t n,
                       const char *tf)
{
    char *j = bars_json_tf(symbol, price, n, tf);
    struct http_reply r = send(a, "POST", "/bars", "application/json", j, strlen(j));
    cr_assert_eq(r.status, 200, "%s: %s", symbol, r.body);
    http_free(&r);
    free(j);
}

static void post_ok(const struct app *a, const char *symbol, double price, size_t n)
{
    post_ok_tf(a, symbol, price, n, "M15");
}

Test(user_files, brokers_symbols_keep_their_case_and_list_sorted, .timeout = 60)
{
    char url[512];
    harness_db("liq_t_broker_symbols", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    struct app *a = harness_start(&cfg);
    post_ok(a, "XAUUSDm", 1905.3, 8);
    post_ok(a, "USDJPY.r", 145.2, 8);
    post_ok(a, "EURUSD.pro", 1.05, 8);
    post_ok(a, "EURUSD", 1.05, 8);
    char *low = bars_json("xauusd", 1905.3, 2);
    struct http_reply r = http_post_json(a, "/bars", low);
    expect(&r, 422, NULL);
    free(low);

    r = http_get(a, "/symbols");
    json_t *j = http_json(&r);
    json_t *list = json_object_get(j, "symbols");
    const char *want[] = {"EURUSD", "EURUSD.pro", "USDJPY.r", "XAUUSDm"};
    cr_assert_eq(json_array_size(list), 4, "%s", r.body);
    for (size_t i = 0; i < 4; i++) {
        json_t *s = json_array_get(list, i);
        cr_assert_str_eq(json_string_value(json_object_get(s, "symbol")), want[i], "%s", r.body);
    }
    /* EURUSD.pro trades in the configured EURUSD's units, not an inferred pip */
    json_t *pro = json_array_get(list, 1);
    cr_assert_float_eq(json_number_value(json_object_get(pro, "pip_size")), 0.0001, 1e-15);
    cr_assert(json_is_false(json_object_get(pro, "pip_size_inferred")));
    json_decref(j);
    http_free(&r);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM symbols WHERE symbol IN "
                                       "('XAUUSDm','USDJPY.r','EURUSD.pro')"), 3);
    app_stop(a);
}

/* ---------- bar files as brokers write them ---------- */

#define DATA LIQ_SOURCE_DIR "/tests/data/"

/* The first 96 bars of the shipped EURUSD M15 file, decoded: what every layout must give. */
static struct bar_batch reference_bars(void)
{
    size_t len = 0;
    char *csv = harness_read_file(LIQ_DATA_DIR "/EURUSD_15M.csv", &len);
    char *cut = csv;
    for (int i = 0; i < 97; i++)
        cut = strchr(cut, '\n') + 1;
    struct bar_batch b = {.symbol = ""};
    cr_assert_eq(decode_bars_csv(csv, (size_t)(cut - csv), "EURUSD", "M15", 1900000000, &b), 0);
    free(csv);
    cr_assert_eq(b.n, 96);
    return b;
}

static struct bar_batch decode_file(const char *path, const struct tz *zone)
{
    size_t len = 0;
    char *text = harness_read_file(path, &len);
    struct bar_batch b = {.symbol = "", .tz = zone};
    int rc = decode_bars_csv(text, len, "EURUSD", "M15", 1900000000, &b);
    free(text);
    cr_assert_eq(rc, 0, "%s: %s %s", path, b.message, b.nerrors ? b.errors[0].reason : "");
    return b;
}

Test(user_files, mt5_and_mt4_exports_as_exported_give_the_same_bars)
{
    struct bar_batch ref = reference_bars();
    const char *files[] = {DATA "EURUSD_M15_mt5_export.tsv", DATA "EURUSD_M15_mt4.csv",
                           DATA "EURUSD_M15_semicolon_decimal_comma.csv"};
    for (size_t f = 0; f < 3; f++) {
        struct bar_batch b = decode_file(files[f], NULL);
        cr_assert_eq(b.n, ref.n, "%s", files[f]);
        for (size_t i = 0; i < b.n; i++) {
            cr_assert_eq(b.bars[i].ts, ref.bars[i].ts, "%s bar %zu", files[f], i);
            cr_assert_eq(b.bars[i].open, ref.bars[i].open, "%s bar %zu", files[f], i);
            cr_assert_eq(b.bars[i].high, ref.bars[i].high, "%s bar %zu", files[f], i);
            cr_assert_eq(b.bars[i].low, ref.bars[i].low, "%s bar %zu", files[f], i);
            cr_assert_eq(b.bars[i].close, ref.bars[i].close, "%s bar %zu", files[f], i);
            cr_assert_eq(b.bars[i].volume, ref.bars[i].volume, "%s bar %zu", files[f], i);
        }
        bar_batch_free(&b);
    }
    bar_batch_free(&ref);
}

/* decode_bars_csv of text; returns its rc, the batch in *b (free it). */
static int decode_text(const char *text, const char *tf, struct bar_batch *b)
{
    *b = (struct bar_batch){.symbol = ""};
    return decode_bars_csv(text, strlen(text), "EURUSD", tf, 1900000000, b);
}

Test(user_files, other_mt4_forms_and_clear_refusals)
{
    struct bar_batch b;
    /* MT4 with <> and a compact date/time, semicolons */
    cr_assert_eq(decode_text("<TICKER>;<DTYYYYMMDD>;<TIME>;<OPEN>;<HIGH>;<LOW>;<CLOSE>;<VOL>\n"
                             "EURUSD;20221010;001500;0.9735;0.97362;0.97328;0.97362;57\n",
                             "M15", &b), 0, "%s", b.message);
    cr_assert_eq(b.bars[0].ts, 1665360900);
    bar_batch_free(&b);
    /* joined date and time in one field, no header, tab */
    cr_assert_eq(decode_text("2022.10.10 00:15\t0.9735\t0.97362\t0.97328\t0.97362\t57\n", "M15",
                             &b), 0, "%s", b.message);
    cr_assert_eq(b.bars[0].ts, 1665360900);
    bar_batch_free(&b);
    /* decimal commas with ',' between fields cannot be read: said exactly */
    cr_assert_eq(decode_text("Date,Open,High,Low,Close\n2022.10.10 00:15,0,9735,0,97362,0,97328,"
                             "0,97362\n", "M15", &b), -1);
    cr_assert_eq(b.nerrors, 1);
    cr_assert_not_null(strstr(b.errors[0].reason, "decimal commas need ';' or tab"), "%s",
                       b.errors[0].reason);
    bar_batch_free(&b);
    /* a header without prices names the layouts understood */
    cr_assert_eq(decode_text("when;price\n2022.10.10 00:15;1.0\n", "M15", &b), -1);
    cr_assert_not_null(strstr(b.message, "understood layouts: the MT5 export"), "%s", b.message);
    bar_batch_free(&b);
    cr_assert_eq(decode_text("10/10/2022 00:15,1,1,1,1,1\n", "M15", &b), -1);
    cr_assert_not_null(strstr(b.errors[0].reason, "cannot read the time '10/10/2022 00:15'"),
                       "%s", b.errors[0].reason);
    bar_batch_free(&b);
}

Test(user_files, tz_converts_broker_time_to_utc)
{
    char why[160];
    const struct tz *athens = NULL, *plus3 = NULL;
    cr_assert_eq(tzdb_get("Europe/Athens", &athens, why, sizeof why), 0, "%s", why);
    cr_assert_eq(tzdb_get("+03:00", &plus3, why, sizeof why), 0, "%s", why);
    cr_assert_eq(tzdb_get("Europe/Nowhere", &plus3, why, sizeof why), -1);
    cr_assert_eq(tzdb_get("../../etc/passwd", &plus3, why, sizeof why), -1);
    cr_assert_eq(tzdb_get("+03:00", &plus3, why, sizeof why), 0, "%s", why);
    const struct tz *same = NULL;
    cr_assert_eq(tzdb_get("UTC+3", &same, why, sizeof why), 0, "%s", why);
    cr_assert_eq(same, plus3, "one offset, one cache entry whatever its spelling");
    /* every offset in three spellings cannot fill the cache: a zone name still loads */
    for (int m = -14 * 60; m <= 14 * 60; m += 15) {
        char text[3][32];
        int a = m < 0 ? -m : m;
        snprintf(text[0], sizeof text[0], "%c%02d:%02d", m < 0 ? '-' : '+', a / 60, a % 60);
        snprintf(text[1], sizeof text[1], "UTC%c%02d%02d", m < 0 ? '-' : '+', a / 60, a % 60);
        snprintf(text[2], sizeof text[2], "GMT%.8s", text[0]);
        for (int k = 0; k < 3; k++)
            cr_assert_eq(tzdb_get(text[k], &same, why, sizeof why), 0, "%s: %s", text[k], why);
    }
    cr_assert_eq(tzdb_get("Asia/Tokyo", &same, why, sizeof why), 0, "%s", why);
    struct bar_batch ref = reference_bars();
    struct bar_batch a = decode_file(DATA "EURUSD_M15_mt5_export.tsv", athens);
    struct bar_batch f = decode_file(DATA "EURUSD_M15_mt5_export.tsv", plus3);
    /* October 2022: Athens is on EEST, UTC+3 */
    for (size_t i = 0; i < ref.n; i++) {
        cr_assert_eq(a.bars[i].ts, ref.bars[i].ts - 3 * 3600);
        cr_assert_eq(f.bars[i].ts, ref.bars[i].ts - 3 * 3600);
    }
    bar_batch_free(&ref);
    bar_batch_free(&a);
    bar_batch_free(&f);
    /* the autumn repeat: 03:45 then 03:00 again is the later instant; the spring gap errs */
    struct bar_batch b = {.symbol = "", .tz = athens};
    const char *repeat = "Date,Open,High,Low,Close\n2023.10.29 03:45,1,1,1,1\n"
                         "2023.10.29 03:00,1,1,1,1\n";
    cr_assert_eq(decode_bars_csv(repeat, strlen(repeat), "EURUSD", "M15", 1900000000, &b), 0);
    cr_assert_eq(b.bars[0].ts, days_from_civil(2023, 10, 29) * 86400 + 45 * 60);
    cr_assert_eq(b.bars[1].ts, days_from_civil(2023, 10, 29) * 86400 + 3600);
    bar_batch_free(&b);
    b = (struct bar_batch){.symbol = "", .tz = athens};
    const char *gap = "Date,Open,High,Low,Close\n2023.03.26 03:15,1,1,1,1\n";
    cr_assert_eq(decode_bars_csv(gap, strlen(gap), "EURUSD", "M15", 1900000000, &b), -1);
    cr_assert_not_null(strstr(b.errors[0].reason, "does not exist in tz"));
    bar_batch_free(&b);
    /* days and weeks stay UTC */
    b = (struct bar_batch){.symbol = "", .tz = athens};
    cr_assert_eq(decode_bars_csv("2022.10.10,1,1,1,1\n", 19, "EURUSD", "D1", 1900000000, &b), -1);
    cr_assert_not_null(strstr(b.message, "D1 and W1 bars are dated by their UTC day"));
    bar_batch_free(&b);
}

static struct http_reply post_file(const struct app *a, const char *path, const char *query,
                                   const char *type)
{
    size_t len = 0;
    char *text = harness_read_file(path, &len);
    char target[256];
    snprintf(target, sizeof target, "/bars?%s", query);
    struct http_reply r = http_do(a, "POST", target, type, text, len);
    free(text);
    return r;
}

Test(user_files, real_files_load_over_http, .timeout = 120)
{
    struct app_config cfg;
    harness_config(&cfg, NULL);
    cfg.instruments[1] = (struct instrument){.symbol = "NIFTY", .pip_size = 0.05};
    cfg.ninstruments = 2;
    struct app *a = harness_start(&cfg);
    struct http_reply r = post_file(a, DATA "EURUSD_M15_mt5_export.tsv",
                                    "symbol=EURUSD&timeframe=M15&tz=Europe/Athens",
                                    "text/tab-separated-values");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(r.body, "{\"accepted\":96,\"duplicates\":0}");
    http_free(&r);
    r = post_file(a, DATA "EURUSD_M15_mt4.csv", "symbol=EURUSD.r&timeframe=M15", "text/plain");
    expect(&r, 200, NULL);
    r = http_get(a, "/bars?symbol=EURUSD&limit=1");
    cr_assert_not_null(strstr(r.body, "\"ts\":\"2022-10-10T20:45:00Z\""), "%s", r.body);
    http_free(&r);
    /* the NIFTY file of smartmoneyconcepts' layout, in India's time */
    r = post_file(a, DATA "NIFTY_15M_smc_layout.csv", "symbol=NIFTY&timeframe=M15&tz=Asia/Kolkata",
                  "text/csv");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(r.body, "{\"accepted\":75,\"duplicates\":0}");
    http_free(&r);
    r = http_get(a, "/bars?symbol=NIFTY&limit=75");
    cr_assert_not_null(strstr(r.body, "\"ts\":\"2024-03-01T03:45:00Z\""), "%s", r.body);
    http_free(&r);
    /* typos and bad values are refused, naming the parameter */
    r = post_file(a, DATA "EURUSD_M15_mt4.csv", "symbol=EURUSD&timeframe=M15&tzz=UTC",
                  "text/csv");
    expect(&r, 400, "unknown query parameter 'tzz'");
    r = post_file(a, DATA "EURUSD_M15_mt4.csv", "symbol=EURUSD&timeframe=M15&tz=Mars/Olympus",
                  "text/csv");
    expect(&r, 422, "neither an IANA time zone");
    r = post_file(a, DATA "EURUSD_M15_mt4.csv", "symbol=EURUSD&timeframe=M15", "text/html");
    expect(&r, 415, "text/tab-separated-values");
    app_stop(a);
}

Test(user_files, usdjpy_inconsistent_bars_strict_repair_or_skip, .timeout = 120)
{
    struct app *a = start_in_memory();
    const char *usdjpy = LIQ_DATA_DIR "/USDJPY_15M.csv";
    struct http_reply r = post_file(a, usdjpy, "symbol=USDJPY&timeframe=M15", "text/csv");
    cr_assert_eq(r.status, 422, "%s", r.body);
    json_t *j = http_json(&r);
    json_t *details = json_object_get(json_object_get(j, "error"), "details");
    cr_assert_eq(json_integer_value(json_object_get(details, "invalid")), 250, "%s", r.body);
    cr_assert_not_null(strstr(r.body, "inconsistent=repair widens high/low"), "%s", r.body);
    json_decref(j);
    http_free(&r);
    r = http_get(a, "/bars?symbol=USDJPY");
    cr_assert_eq(r.status, 404, "a refused upload applies nothing: %s", r.body);
    http_free(&r);

    r = post_file(a, usdjpy, "symbol=USDJPY&timeframe=M15&inconsistent=skip", "text/csv");
    cr_assert_eq(r.status, 200, "%s", r.body);
    j = http_json(&r);
    long accepted_skip = (long)json_integer_value(json_object_get(j, "accepted"));
    json_t *inc = json_object_get(j, "inconsistent");
    cr_assert_str_eq(json_string_value(json_object_get(inc, "action")), "skipped");
    cr_assert_eq(json_integer_value(json_object_get(inc, "count")), 250);
    cr_assert_eq(json_array_size(json_object_get(inc, "first_lines")), 5);
    json_decref(j);
    http_free(&r);

    r = post_file(a, usdjpy, "symbol=USDJPY.r&timeframe=M15&inconsistent=repair", "text/csv");
    cr_assert_eq(r.status, 200, "%s", r.body);
    j = http_json(&r);
    inc = json_object_get(j, "inconsistent");
    cr_assert_str_eq(json_string_value(json_object_get(inc, "action")), "repaired");
    cr_assert_eq(json_integer_value(json_object_get(inc, "count")), 250);
    cr_assert_eq(json_integer_value(json_object_get(j, "accepted")), accepted_skip + 250);
    json_decref(j);
    http_free(&r);
    r = post_file(a, usdjpy, "symbol=USDJPY&timeframe=M15&inconsistent=fix", "text/csv");
    expect(&r, 422, NULL);
    app_stop(a);
}

/* ---------- reading back ---------- */

Test(user_files, bars_by_time_range_in_pages, .timeout = 60)
{
    struct app *a = start_in_memory();
    post_ok(a, "EURUSD", 1.05, 40); /* 2022-10-10 00:00 .. 09:45, every 15 min */
    /* [01:00, 03:00) = 8 bars, in pages of 3: 3 + 3 + 2 */
    char path[256] = "/bars?symbol=EURUSD&from=2022-10-10T01:00:00Z&to=1665370800&limit=3";
    const char *first[] = {"2022-10-10T01:00:00Z", "2022-10-10T01:45:00Z",
                           "2022-10-10T02:30:00Z"};
    size_t counts[] = {3, 3, 2};
    for (int page = 0; page < 3; page++) {
        struct http_reply r = http_get(a, path);
        cr_assert_eq(r.status, 200, "%s", r.body);
        json_t *j = http_json(&r);
        json_t *bars = json_object_get(j, "bars");
        cr_assert_eq(json_array_size(bars), counts[page], "%s", r.body);
        cr_assert_str_eq(json_string_value(json_object_get(json_array_get(bars, 0), "ts")),
                         first[page]);
        json_t *next = json_object_get(j, "next_cursor");
        if (page < 2)
            snprintf(path, sizeof path, "/bars?symbol=EURUSD&to=1665370800&limit=3&cursor=%s",
                     json_string_value(next));
        else
            cr_assert(json_is_null(next), "%s", r.body);
        json_decref(j);
        http_free(&r);
    }
    struct http_reply r = http_get(a, "/bars?symbol=EURUSD&form=2022-10-10T01:00:00Z");
    expect(&r, 400, "'form'");
    r = http_get(a, "/bars?symbol=EURUSD&from=yesterday");
    expect(&r, 422, NULL);
    r = http_get(a, "/bars?symbol=EURUSD&cursor=-5");
    expect(&r, 422, NULL);
    /* a range with no bars is an empty page, not a 404 */
    r = http_get(a, "/bars?symbol=EURUSD&from=2030-01-01T00:00:00Z");
    expect(&r, 200, "\"count\":0");
    app_stop(a);
}

/* ---------- dashboards polling zones ---------- */

Test(user_files, zones_answer_304_while_unchanged, .timeout = 60)
{
    struct app *a = start_in_memory();
    post_ok(a, "EURUSD", 1.05, 200);
    const char *paths[] = {"/zones?symbol=EURUSD&limit=5", "/zones/nearest?symbol=EURUSD"};
    for (int k = 0; k < 2; k++) {
        struct http_reply r = http_get(a, paths[k]);
        cr_assert_eq(r.status, 200, "%s", r.body);
        cr_assert(r.etag[0] == '"', "no ETag on %s", paths[k]);
        cr_assert_str_eq(r.cache_control, "private, max-age=1");
        char inm[96];
        snprintf(inm, sizeof inm, "If-None-Match: W/\"0\", %s", r.etag);
        struct http_reply same = http_get_with(a, paths[k], inm);
        cr_assert_eq(same.status, 304, "%s", same.body);
        cr_assert_eq(same.len, 0);
        cr_assert_str_eq(same.etag, r.etag);
        http_free(&same);
        struct http_reply other = http_get_with(a, paths[k], "If-None-Match: \"1\"");
        cr_assert_eq(other.status, 200);
        cr_assert_str_eq(other.body, r.body);
        http_free(&other);
        http_free(&r);
    }
    /* the stored answer serves only its own query */
    struct http_reply three = http_get(a, "/zones?symbol=EURUSD&limit=3");
    cr_assert_not_null(strstr(three.body, "\"count\":3,"), "%s", three.body);
    http_free(&three);
    /* a new bar is a new snapshot: the old ETag gets the new zones */
    struct http_reply r = http_get(a, paths[0]);
    char inm[96];
    snprintf(inm, sizeof inm, "If-None-Match: %s", r.etag);
    struct bar b = {.ts = 1665360000 + 200 * 900, .open = 1.05, .high = 1.06, .low = 1.04,
                    .close = 1.055, .volume = 5};
    char *j = harness_bars_json("EURUSD", "M15", &b, 0, 1);
    struct http_reply w = http_post_json(a, "/bars", j);
    cr_assert_eq(w.status, 200, "%s", w.body);
    http_free(&w);
    free(j);
    struct http_reply after = http_get_with(a, paths[0], inm);
    cr_assert_eq(after.status, 200);
    cr_assert_str_neq(after.etag, r.etag);
    http_free(&after);
    http_free(&r);
    app_stop(a);
}

/* ---------- fixing mistakes ---------- */

static long count_rows(const char *url, const char *table)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE symbol = 'EURUSD'", table);
    return harness_sql_long(url, sql);
}

/* Opens one trade on EURUSD at its last close (either side); fails the test if none. */
static void open_a_trade(const struct app *a, double entry)
{
    const char *sides[] = {"BUY", "SELL"};
    for (int k = 0; k < 2; k++) {
        char body[320];
        snprintf(body, sizeof body,
                 "{\"symbol\":\"EURUSD\",\"side\":\"%s\",\"entry\":%.5f,\"trend_score\":0.7,"
                 "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0,\"qty\":100000}",
                 sides[k], entry);
        struct http_reply r = send(a, "POST", "/setups", "application/json", body,
                                   strlen(body));
        long status = r.status;
        http_free(&r);
        if (status == 201)
            return;
    }
    cr_assert_fail("no setup opened a trade");
}

Test(user_files, delete_symbol_removes_everything_in_one_go, .timeout = 180)
{
    char url[512];
    harness_db("liq_t_delete_symbol", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    cfg.params.min_liquidity_strength = 0;
    cfg.params.min_rr_ratio = 0.1;
    snprintf(cfg.api_key, sizeof cfg.api_key, "k3y");
    struct app *a = harness_start(&cfg);
    g_key = "k3y";
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    char *j = harness_bars_json("EURUSD", "M15", bars, 0, 2000);
    struct http_reply r = send(a, "POST", "/bars", "application/json", j, strlen(j));
    expect(&r, 200, NULL);
    free(j);
    post_ok(a, "GBPUSD", 1.2, 50);
    open_a_trade(a, bars[1999].close);
    cr_assert_gt(count_rows(url, "liquidity_trades"), 0);

    r = http_do(a, "DELETE", "/symbols/EURUSD", NULL, NULL, 0);
    cr_assert_eq(r.status, 401, "auth required: %s", r.body);
    http_free(&r);
    r = send(a, "DELETE", "/symbols/EURUSD", NULL, NULL, 0);
    cr_assert_eq(r.status, 409, "an open trade refuses: %s", r.body);
    cr_assert_not_null(strstr(r.body, "?force=true"), "%s", r.body);
    http_free(&r);
    cr_assert_eq(count_rows(url, "bars"), 2000);
    r = send(a, "DELETE", "/symbols/EURUSD?force=true", NULL, NULL, 0);
    expect(&r, 200, "\"deleted\":\"EURUSD\",\"bars\":2000,");
    const char *tables[] = {"bars", "liquidity_levels", "zone_events", "liquidity_trades",
                            "stop_decisions", "target_selections", "trade_events",
                            "symbols"};
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        cr_assert_eq(count_rows(url, tables[t]), 0, "%s still has EURUSD rows", tables[t]);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars WHERE symbol = 'GBPUSD'"), 50);
    r = http_get(a, "/zones?symbol=EURUSD");
    expect(&r, 404, NULL);
    r = http_get(a, "/symbols");
    cr_assert_null(strstr(r.body, "\"EURUSD\""), "%s", r.body);
    http_free(&r);
    r = http_get(a, "/trades?symbol=EURUSD&status=open");
    cr_assert_not_null(strstr(r.body, "\"trades\":[]"), "%s", r.body);
    http_free(&r);
    r = send(a, "DELETE", "/symbols/EURUSD", NULL, NULL, 0);
    expect(&r, 404, NULL);
    /* the name is free again, even for another timeframe */
    post_ok_tf(a, "EURUSD", 1.05, 24, "H1");
    app_stop(a);
    /* and a restart rebuilds exactly that */
    a = harness_start(&cfg);
    r = http_get(a, "/symbols");
    cr_assert_not_null(strstr(r.body, "\"symbol\":\"EURUSD\",\"pip_size\":0.0001,"
                                      "\"pip_size_inferred\":false,\"timeframe\":\"H1\","
                                      "\"bars\":24,"), "%s", r.body);
    http_free(&r);
    app_stop(a);
    free(bars);
    g_key = NULL;
}

/* ---------- the shipped instrument table ---------- */

Test(user_files, round_levels_sit_where_traders_see_them, .timeout = 60)
{
    struct app_config cfg;
    harness_config(&cfg, NULL);
    char err[256] = "";
    cr_assert_eq(config_load(&cfg, LIQ_SOURCE_DIR "/config/liquidityd.conf", err, sizeof err), 0,
                 "%s", err);
    cfg.port = 0;
    cfg.params.liquidity_db_persist = 0;
    struct app *a = harness_start(&cfg);
    struct {
        const char *symbol;
        double price, step;
    } cases[] = {{"EURUSD", 1.05, 0.005}, {"USDJPY", 145.2, 0.5}, {"XAUUSD", 1905.3, 10.0},
                 {"XAUUSDm", 1905.3, 10.0}, {"NIFTY", 22480.0, 50.0}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        post_ok(a, cases[k].symbol, cases[k].price, 96);
        char path[128];
        snprintf(path, sizeof path, "/zones?symbol=%s&source=ROUND&active=all&limit=50",
                 cases[k].symbol);
        struct http_reply r = http_get(a, path);
        cr_assert_eq(r.status, 200, "%s", r.body);
        json_t *j = http_json(&r);
        json_t *zones = json_object_get(j, "zones");
        cr_assert_gt(json_array_size(zones), 0, "%s: no ROUND zone", cases[k].symbol);
        size_t i;
        json_t *z;
        json_array_foreach(zones, i, z)
        {
            /* a ROUND level k*step lies inside its zone's band */
            double lo = json_number_value(json_object_get(z, "price_low"));
            double hi = json_number_value(json_object_get(z, "price_high"));
            double k0 = ceil(lo / cases[k].step - 1e-9);
            cr_assert_leq(k0 * cases[k].step, hi + 1e-9, "%s: band [%g, %g] holds no multiple of %g",
                          cases[k].symbol, lo, hi, cases[k].step);
        }
        json_decref(j);
        http_free(&r);
    }
    app_stop(a);
}

/* the answer of path with every "from" replaced by "to" (malloc'd) */
static char *body_renamed(const struct app *a, const char *path, const char *from,
                          const char *to)
{
    struct http_reply r = http_get(a, path);
    cr_assert_eq(r.status, 200, "%s: %s", path, r.body);
    size_t cap = r.len * 2 + 16, n = 0;
    char *out = malloc(cap);
    cr_assert_not_null(out);
    for (const char *p = r.body; *p;) {
        if (strncmp(p, from, strlen(from)) == 0) {
            n += (size_t)snprintf(out + n, cap - n, "%s", to);
            p += strlen(from);
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    http_free(&r);
    return out;
}

Test(user_files, a_corrected_file_replaces_bars_and_rebuilds_zones, .timeout = 180)
{
    char url[512];
    harness_db("liq_t_replace", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    struct app *a = harness_start(&cfg);
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    char *j = harness_bars_json("EURUSD", "M15", bars, 0, 2000);
    struct http_reply r = http_post_json(a, "/bars", j);
    expect(&r, 200, NULL);
    free(j);
    /* the correction: bar 1700's high was wrong, and the file goes on to bar 2099 */
    bars[1700].high += 0.0040;
    j = harness_bars_json("EURUSD", "M15", bars, 1500, 2100);
    r = http_post_json(a, "/bars?replace=true", j);
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(r.body, "{\"accepted\":600,\"duplicates\":0,\"replaced\":500}");
    http_free(&r);
    free(j);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars WHERE symbol = 'EURUSD'"),
                 2100);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT round(high * 100000) FROM bars WHERE symbol = 'EURUSD' "
             "AND ts = to_timestamp(%lld)", (long long)bars[1700].ts);
    cr_assert_eq(harness_sql_long(url, sql), (long)llround(bars[1700].high * 100000));
    /* the zones are those of the corrected year fed from scratch (EURUSD.fix: same pip) */
    j = harness_bars_json("EURUSD.fix", "M15", bars, 0, 2100);
    r = http_post_json(a, "/bars", j);
    expect(&r, 200, NULL);
    free(j);
    const char *q = "/zones?symbol=%s&active=all&limit=10000";
    char p1[96], p2[96];
    snprintf(p1, sizeof p1, q, "EURUSD");
    snprintf(p2, sizeof p2, q, "EURUSD.fix");
    char *replaced = body_renamed(a, p1, "\"EURUSD", "\"X");
    char *fresh = body_renamed(a, p2, "\"EURUSD.fix", "\"X");
    cr_assert_str_eq(replaced, fresh);
    app_stop(a);
    /* and the database holds them: a restart rebuilds the same zones */
    a = harness_start(&cfg);
    char *restarted = body_renamed(a, p1, "\"EURUSD", "\"X");
    cr_assert_str_eq(restarted, replaced);
    cr_assert_gt(harness_sql_long(url, "SELECT count(*) FROM zone_events WHERE symbol = 'EURUSD'"),
                 0);
    /* out of order inside a replace is refused and changes nothing */
    struct bar two[2] = {bars[1900], bars[1899]};
    j = harness_bars_json("EURUSD", "M15", two, 0, 2);
    r = http_post_json(a, "/bars?replace=true", j);
    expect(&r, 422, NULL);
    free(j);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars WHERE symbol = 'EURUSD'"),
                 2100);
    app_stop(a);
    free(replaced);
    free(fresh);
    free(restarted);
    free(bars);
}

/* A replace starts AT its first bar's time: the stored bar at that time is replaced, not
 * kept beside the new one (the cut is `<`, never `<=`), whichever stored bar it starts on;
 * the zones are those of the corrected bars fed from scratch. */
Test(user_files, a_replace_replaces_the_stored_bar_at_its_first_time, .timeout = 60)
{
    struct app *a = start_in_memory();
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    char *j = harness_bars_json("EURUSD", "M15", bars, 0, 300);
    struct http_reply r = http_post_json(a, "/bars", j);
    expect(&r, 200, NULL);
    free(j);
    const size_t starts[] = {0, 1, 157, 299};
    for (size_t k = 0; k < sizeof starts / sizeof starts[0]; k++) {
        size_t from = starts[k];
        bars[from].high += 0.0011 * (double)(k + 1); /* the first posted bar differs */
        j = harness_bars_json("EURUSD", "M15", bars, from, 300);
        r = http_post_json(a, "/bars?replace=true", j);
        free(j);
        cr_assert_eq(r.status, 200, "replace from bar %zu: %s", from, r.body);
        char want[96];
        snprintf(want, sizeof want, "{\"accepted\":%zu,\"duplicates\":0,\"replaced\":%zu}",
                 300 - from, 300 - from);
        cr_assert_str_eq(r.body, want, "replace from bar %zu", from);
        http_free(&r);
        r = http_get(a, "/bars?symbol=EURUSD&limit=1000");
        json_t *got = http_json(&r);
        cr_assert_eq(json_integer_value(json_object_get(got, "count")), 300,
                     "replace from bar %zu: the stored bar at its time was kept: %.300s", from,
                     r.body);
        json_t *first = json_array_get(json_object_get(got, "bars"), from);
        cr_assert_float_eq(json_number_value(json_object_get(first, "high")), bars[from].high,
                           1e-9, "replace from bar %zu", from);
        json_decref(got);
        http_free(&r);
    }
    j = harness_bars_json("EURUSD.fix", "M15", bars, 0, 300);
    r = http_post_json(a, "/bars", j);
    expect(&r, 200, NULL);
    free(j);
    char *replaced = body_renamed(a, "/zones?symbol=EURUSD&active=all&limit=10000", "\"EURUSD",
                                  "\"X");
    char *fresh = body_renamed(a, "/zones?symbol=EURUSD.fix&active=all&limit=10000",
                               "\"EURUSD.fix", "\"X");
    cr_assert_str_eq(replaced, fresh);
    free(replaced);
    free(fresh);
    app_stop(a);
    free(bars);
}

Test(user_files, with_tz_days_stay_utc_days, .timeout = 60)
{
    struct app *a = start_in_memory();
    /* the MT5 fixture is 2022-10-10 00:00-23:45 Athens time = 2022-10-09 21:00Z - 10-10 20:45Z:
     * its first 12 bars make the UTC day of 9 October, complete once 10 October's bars come */
    struct http_reply r = post_file(a, DATA "EURUSD_M15_mt5_export.tsv",
                                    "symbol=EURUSD&timeframe=M15&tz=Europe/Athens",
                                    "text/tab-separated-values");
    expect(&r, 200, "\"accepted\":96");
    struct bar_batch ref = reference_bars();
    double high9 = 0;
    for (size_t i = 0; i < 12; i++)
        high9 = fmax(high9, ref.bars[i].high);
    bar_batch_free(&ref);
    r = http_get(a, "/zones?symbol=EURUSD&source=HIGH_DAILY&active=all&limit=50");
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *j = http_json(&r);
    int found = 0;
    size_t i;
    json_t *z;
    json_array_foreach(json_object_get(j, "zones"), i, z)
    {
        double lo = json_number_value(json_object_get(z, "price_low"));
        double hi = json_number_value(json_object_get(z, "price_high"));
        found |= lo - 1e-9 <= high9 && high9 <= hi + 1e-9;
    }
    cr_assert(found, "no HIGH_DAILY zone at the UTC day's high %.5f: %s", high9, r.body);
    /* distances without binary noise (0.00471, not 0.00470999999999999) */
    cr_assert_null(strstr(r.body, "99999999"), "%s", r.body);
    cr_assert_null(strstr(r.body, "00000001"), "%s", r.body);
    json_decref(j);
    http_free(&r);
    app_stop(a);
}
