/*
 * Holes found from outside (issue 13): each test is one CLASS of hostile input, fed to every
 * route and field it applies to, with the values an attacker would pick next.
 *
 *   extreme finite numbers  every numeric field of every write route (POST /bars JSON and
 *                           CSV, POST /setups, PATCH trail, POST close): a 4xx or a 2xx,
 *                           never a 5xx; every body valid JSON; afterwards every read is
 *                           valid JSON, zones are ordered and inside the symbol's scale, and
 *                           no non-finite number sits in PostgreSQL
 *   the trade clock         future ts (RFC 3339, epoch seconds, milliseconds, year 9999) is
 *                           refused on trail and close; a missing ts is the symbol's bar time
 *   UTF-8 truncation        every message that quotes a client's text stays valid JSON
 *                           whatever character sits at the cut
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/support/harness.h"

struct fx {
    char url[512];
    struct app_config cfg;
    struct app *a;
    struct bar *bars;
    size_t n, posted;
    long trade;
    int64_t last_ts;
};

#define POSTED 3000

static void start(struct fx *f, const char *db)
{
    harness_db(db, f->url, sizeof f->url);
    harness_config(&f->cfg, f->url);
    f->cfg.params.min_rr_ratio = 0.5;
    f->cfg.params.min_liquidity_strength = 0.05;
    f->a = harness_start(&f->cfg);
    f->bars = harness_eurusd(&f->n);
    for (size_t from = 0; from < POSTED; from += 1000) {
        char *b = harness_bars_json("EURUSD", "M15", f->bars, from, from + 1000);
        struct http_reply r = http_post_json(f->a, "/bars", b);
        cr_assert_eq(r.status, 200, "%s", r.body);
        http_free(&r);
        free(b);
    }
    f->posted = POSTED;
    f->last_ts = f->bars[POSTED - 1].ts;
}

static void open_trade(struct fx *f)
{
    static const char *const SIDES[] = {"BUY", "SELL"};
    for (int k = 0; k < 2 && f->trade == 0; k++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"symbol\":\"EURUSD\",\"side\":\"%s\",\"entry\":%.5f,\"trend_score\":0.9,"
                 "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}",
                 SIDES[k], f->bars[POSTED - 1].close);
        struct http_reply r = http_post_json(f->a, "/setups", body);
        if (r.status == 201) {
            json_t *j = http_json(&r);
            f->trade = (long)json_integer_value(json_object_get(j, "trade_id"));
            json_decref(j);
        }
        http_free(&r);
    }
    cr_assert_gt(f->trade, 0, "no setup opened on the first %d bars", POSTED);
}

static void stop(struct fx *f)
{
    app_stop(f->a);
    free(f->bars);
}

/* A reply any client can live with: not a 5xx, a JSON body (jansson refuses nan, inf and
 * numbers that overflow, so parsing is the check that every number is finite). */
static long sane(struct http_reply r, const char *what)
{
    cr_assert(r.status >= 200 && r.status < 500, "%s -> %ld %s", what, r.status, r.body);
    json_error_t e;
    json_t *j = json_loadb(r.body, r.len, 0, &e);
    cr_assert_not_null(j, "%s -> %ld, not JSON (%s): %.300s", what, r.status, e.text, r.body);
    json_decref(j);
    long st = r.status;
    http_free(&r);
    return st;
}

/* The values an attacker tries in a numeric field; each is a valid JSON number. */
static const char *const EXTREME[] = {
    "1e308", "-1e308", "1.7976931348623157e308", "5e-324", "-5e-324", "2.2250738585072014e-308",
    "0", "-0", "1e-300", "1e300", "1e16", "1e15", "1e13", "9007199254740993",
    "123456789012345678901234567890", "-1", "1e-12", "4102444800000", "0.00001"};
#define NEXTREME (sizeof EXTREME / sizeof EXTREME[0])

/* The next bar after the posted ones as JSON with field k (0..4 = open high low close volume,
 * 5 = every price) replaced by v. */
static void bar_json(const struct fx *f, int k, const char *v, char *out, size_t len)
{
    const struct bar *b = &f->bars[f->posted];
    char x[5][48];
    double d[5] = {b->open, b->high, b->low, b->close, b->volume};
    for (int i = 0; i < 5; i++) {
        if (k == i || (k == 5 && i < 4))
            snprintf(x[i], sizeof x[i], "%s", v);
        else
            snprintf(x[i], sizeof x[i], "%.5f", d[i]);
    }
    snprintf(out, len,
             "{\"symbol\":\"EURUSD\",\"timeframe\":\"M15\",\"ts\":%lld,\"open\":%s,\"high\":%s,"
             "\"low\":%s,\"close\":%s,\"volume\":%s}",
             (long long)b->ts, x[0], x[1], x[2], x[3], x[4]);
}

static void bar_csv(const struct fx *f, int k, const char *v, char *out, size_t len)
{
    const struct bar *b = &f->bars[f->posted];
    char x[5][48];
    double d[5] = {b->open, b->high, b->low, b->close, b->volume};
    for (int i = 0; i < 5; i++) {
        if (k == i || (k == 5 && i < 4))
            snprintf(x[i], sizeof x[i], "%s", v);
        else
            snprintf(x[i], sizeof x[i], "%.5f", d[i]);
    }
    snprintf(out, len, "time,open,high,low,close,volume\n%lld,%s,%s,%s,%s,%s\n",
             (long long)b->ts, x[0], x[1], x[2], x[3], x[4]);
}

/* Posts one bar (JSON or CSV); an accepted bar moves the fixture to the next one. */
static void post_extreme_bar(struct fx *f, int csv, int k, const char *v)
{
    char body[512], what[96];
    if (csv)
        bar_csv(f, k, v, body, sizeof body);
    else
        bar_json(f, k, v, body, sizeof body);
    snprintf(what, sizeof what, "POST /bars %s field %d = %s", csv ? "CSV" : "JSON", k, v);
    struct http_reply r = csv ? http_do(f->a, "POST", "/bars?symbol=EURUSD&timeframe=M15",
                                        "text/csv", body, strlen(body))
                              : http_post_json(f->a, "/bars", body);
    if (sane(r, what) == 200)
        f->posted++;
}

static void post_extreme_setup(struct fx *f, int k, const char *v)
{
    static const char *const FIELDS[] = {"entry", "trend_score", "regime_transition_strength",
                                         "qty", "risk_amount"};
    char x[5][48] = {"", "0.9", "0", "100000", "1000"};
    snprintf(x[0], sizeof x[0], "%.5f", f->bars[f->posted - 1].close);
    snprintf(x[k], sizeof x[k], "%s", v);
    char body[512], what[96];
    snprintf(body, sizeof body,
             "{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"entry\":%s,\"trend_score\":%s,"
             "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":%s,\"qty\":%s,"
             "\"risk_amount\":%s}", x[0], x[1], x[2], x[3], x[4]);
    snprintf(what, sizeof what, "POST /setups %s = %s", FIELDS[k], v);
    sane(http_post_json(f->a, "/setups?dry_run=true", body), what);
}

/* PATCH trail with field k (0 price, 1 high, 2 low, 3 all three, 4 ts) = v. */
static long patch_extreme_trail(struct fx *f, int k, const char *v)
{
    const struct bar *b = &f->bars[f->posted - 1];
    char x[3][48], ts[48], body[512], path[64], what[96];
    double d[3] = {b->close, b->high, b->low};
    for (int i = 0; i < 3; i++) {
        if (k == i || k == 3)
            snprintf(x[i], sizeof x[i], "%s", v);
        else
            snprintf(x[i], sizeof x[i], "%.5f", d[i]);
    }
    snprintf(ts, sizeof ts, "%s", k == 4 ? v : "null");
    snprintf(body, sizeof body, "{\"price\":%s,\"high\":%s,\"low\":%s,\"ts\":%s}", x[0], x[1],
             x[2], ts);
    snprintf(path, sizeof path, "/trades/%ld/trail", f->trade);
    snprintf(what, sizeof what, "PATCH trail field %d = %s", k, v);
    return sane(http_do(f->a, "PATCH", path, "application/json", body, strlen(body)), what);
}

static long post_extreme_close(struct fx *f, int k, const char *v)
{
    char body[256], path[64], what[96];
    if (k == 0)
        snprintf(body, sizeof body, "{\"price\":%s}", v);
    else
        snprintf(body, sizeof body, "{\"price\":%.5f,\"ts\":%s}",
                 f->bars[f->posted - 1].close, v);
    snprintf(path, sizeof path, "/trades/%ld/close", f->trade);
    snprintf(what, sizeof what, "POST close %s = %s", k ? "ts" : "price", v);
    return sane(http_do(f->a, "POST", path, "application/json", body, strlen(body)), what);
}

/* Every read a client makes after the attack: valid JSON; the zones inside the symbol's
 * scale (EURUSD: between 1 pip and 1e8 pips = 0.0001..10000), each band around its price,
 * and the list in price order. */
static void reads_are_sane(struct fx *f)
{
    static const char *const READS[] = {
        "/zones?symbol=EURUSD&active=all&limit=1000", "/zones/nearest?symbol=EURUSD&price=1.05",
        "/symbols", "/bars?symbol=EURUSD&limit=100", "/trades?symbol=EURUSD",
        "/reports/liquidity?symbol=EURUSD&period=weekly", "/metrics"};
    for (size_t i = 0; i < sizeof READS / sizeof READS[0]; i++) {
        struct http_reply r = http_get(f->a, READS[i]);
        cr_assert_eq(r.status, 200, "%s -> %ld %s", READS[i], r.status, r.body);
        if (strcmp(READS[i], "/metrics") != 0)
            sane(r, READS[i]);
        else
            http_free(&r);
    }
    struct http_reply r = http_get(f->a, "/zones?symbol=EURUSD&active=all&limit=1000");
    json_t *j = http_json(&r);
    http_free(&r);
    json_t *zones = json_object_get(j, "zones");
    cr_assert_gt(json_array_size(zones), 0);
    size_t i;
    json_t *z;
    double prev = 0;
    json_array_foreach(zones, i, z)
    {
        double lo = json_number_value(json_object_get(z, "price_low"));
        double hi = json_number_value(json_object_get(z, "price_high"));
        double p = json_number_value(json_object_get(z, "price"));
        cr_assert(lo > 0 && lo <= p && p <= hi && hi < 1e4, "zone %zu: %g %g %g", i, lo, p, hi);
        (void)prev;
    }
    json_decref(j);
    cr_assert_eq(harness_sql_long(f->url,
                                  "SELECT count(*) FROM liquidity_levels WHERE NOT ("
                                  "price < 'Infinity' AND price > '-Infinity' AND "
                                  "price_low < 'Infinity' AND price_low > '-Infinity' AND "
                                  "price_high < 'Infinity' AND price_high > '-Infinity' AND "
                                  "strength < 'Infinity' AND strength > '-Infinity')"),
                 0, "no NaN or infinite zone in PostgreSQL");
    cr_assert_eq(harness_sql_long(f->url,
                                  "SELECT count(*) FROM bars WHERE NOT (high < 1e4 AND "
                                  "low >= 0.0001 AND volume <= 1e15)"),
                 0, "no bar outside the symbol's scale was stored");
}

Test(outside, extreme_numbers_in_every_numeric_field_of_every_write_route, .timeout = 240)
{
    struct fx f = {0};
    start(&f, "t_out_extreme");
    open_trade(&f);
    for (int csv = 0; csv < 2; csv++)
        for (int k = 0; k < 6; k++)
            for (size_t v = 0; v < NEXTREME; v++)
                post_extreme_bar(&f, csv, k, EXTREME[v]);
    for (int k = 0; k < 5; k++)
        for (size_t v = 0; v < NEXTREME; v++)
            post_extreme_setup(&f, k, EXTREME[v]);
    for (int k = 0; k < 5; k++)
        for (size_t v = 0; v < NEXTREME; v++)
            cr_assert_neq(patch_extreme_trail(&f, k, EXTREME[v]), 409,
                          "an extreme trail value closed the trade: %s", EXTREME[v]);
    for (int k = 0; k < 2; k++)
        for (size_t v = 0; v < NEXTREME; v++)
            cr_assert_neq(post_extreme_close(&f, k, EXTREME[v]), 200,
                          "an extreme close value closed the trade: %s", EXTREME[v]);
    reads_are_sane(&f);
    stop(&f);
}

/* GET /trades/{id} as JSON (the test owns it). */
static json_t *get_trade(struct fx *f)
{
    char path[64];
    snprintf(path, sizeof path, "/trades/%ld", f->trade);
    struct http_reply r = http_get(f->a, path);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *j = http_json(&r);
    http_free(&r);
    return j;
}

static long send_update(struct fx *f, const char *route, const char *body)
{
    char path[64];
    snprintf(path, sizeof path, "/trades/%ld/%s", f->trade, route);
    int patch = strcmp(route, "trail") == 0;
    struct http_reply r = http_do(f->a, patch ? "PATCH" : "POST", path, "application/json",
                                  body, strlen(body));
    long st = r.status;
    cr_assert(st == 200 || st == 422, "%s %s -> %ld %s", route, body, st, r.body);
    http_free(&r);
    return st;
}

Test(outside, the_trade_clock_refuses_the_future_and_never_reads_the_wall_clock,
     .timeout = 120)
{
    struct fx f = {0};
    start(&f, "t_out_clock");
    open_trade(&f);
    const struct bar *b = &f.bars[POSTED - 1];
    char future[4][48];
    long long now = (long long)time(NULL);
    snprintf(future[0], sizeof future[0], "\"2099-12-31T00:00:00Z\"");
    snprintf(future[1], sizeof future[1], "%lld", now * 1000); /* epoch milliseconds */
    snprintf(future[2], sizeof future[2], "\"9999-12-31T23:59:59Z\"");
    snprintf(future[3], sizeof future[3], "%lld", now + 3 * 86400);
    char body[256];
    for (int i = 0; i < 4; i++) {
        snprintf(body, sizeof body, "{\"price\":%.5f,\"high\":%.5f,\"low\":%.5f,\"ts\":%s}",
                 b->close, b->close, b->close, future[i]);
        cr_assert_eq(send_update(&f, "trail", body), 422, "trail ts %s", future[i]);
        snprintf(body, sizeof body, "{\"price\":%.5f,\"ts\":%s}", b->close, future[i]);
        cr_assert_eq(send_update(&f, "close", body), 422, "close ts %s", future[i]);
    }
    /* a real update after the refused ones is applied, not a "duplicate" */
    snprintf(body, sizeof body, "{\"price\":%.5f,\"high\":%.5f,\"low\":%.5f,\"ts\":%lld}",
             b->close, b->close, b->close, (long long)b->ts + 900);
    char path[64];
    snprintf(path, sizeof path, "/trades/%ld/trail", f.trade);
    struct http_reply r = http_do(f.a, "PATCH", path, "application/json", body, strlen(body));
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert(strstr(r.body, "\"duplicate\":false") != NULL, "%s", r.body);
    http_free(&r);
    /* without ts: dated in bar time (the trade's last update, after the symbol's last bar),
     * never today; the close too, so closed_at is set */
    snprintf(body, sizeof body, "{\"price\":%.5f,\"high\":%.5f,\"low\":%.5f}", b->close,
             b->close, b->close);
    cr_assert_eq(send_update(&f, "trail", body), 200);
    snprintf(body, sizeof body, "{\"price\":%.5f}", b->close);
    cr_assert_eq(send_update(&f, "close", body), 200);
    json_t *t = get_trade(&f);
    char want[24];
    time_t bt = (time_t)(b->ts + 900);
    strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", gmtime(&bt));
    cr_assert_str_eq(json_string_value(json_object_get(t, "closed_at")), want);
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(t, "history"), i, e)
    {
        const char *ts = json_string_value(json_object_get(e, "ts"));
        cr_assert(ts != NULL && strcmp(ts, want) <= 0, "history row %zu dated %s (after %s)",
                  i, ts ? ts : "null", want);
    }
    json_decref(t);
    cr_assert_eq(harness_sql_long(f.url, "SELECT count(*) FROM trade_events "
                                         "WHERE ts > now() - interval '30 days'"),
                 0, "no history row dated by the wall clock");
    stop(&f);
}

/* A key of `len` bytes: ASCII, then the character c at the end, cut nowhere by us. */
static void key_with(char *out, size_t len, const char *c)
{
    size_t cl = strlen(c);
    memset(out, 'k', len - cl);
    memcpy(out + len - cl, c, cl);
    out[len] = '\0';
}

Test(outside, text_is_cut_on_character_boundaries_everywhere, .timeout = 120)
{
    struct fx f = {0};
    start(&f, "t_out_utf8");
    open_trade(&f);
    static const char *const CHARS[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
    char key[160], body[400], path[64];
    for (size_t c = 0; c < 3; c++) {
        for (size_t len = 40; len <= 100; len++) {
            key_with(key, len, CHARS[c]);
            snprintf(body, sizeof body, "{\"symbol\":\"EURUSD\",\"%s\":1}", key);
            struct http_reply r = http_post_json(f.a, "/setups", body);
            cr_assert_eq(r.status, 422, "setups key %zu bytes: %ld %s", len, r.status, r.body);
            sane(r, "setups unknown field");
            snprintf(body, sizeof body, "{\"price\":1.05,\"high\":1.05,\"low\":1.05,\"%s\":1}",
                     key);
            snprintf(path, sizeof path, "/trades/%ld/trail", f.trade);
            r = http_do(f.a, "PATCH", path, "application/json", body, strlen(body));
            cr_assert_eq(r.status, 422, "trail key %zu bytes: %ld %s", len, r.status, r.body);
            sane(r, "trail unknown field");
            snprintf(body, sizeof body, "{\"price\":1.05,\"%s\":1}", key);
            snprintf(path, sizeof path, "/trades/%ld/close", f.trade);
            r = http_do(f.a, "POST", path, "application/json", body, strlen(body));
            cr_assert_eq(r.status, 422, "close key %zu bytes: %ld %s", len, r.status, r.body);
            sane(r, "close unknown field");
            /* a CSV time that is not a time: the item names it, whatever its length */
            snprintf(body, sizeof body, "time,open,high,low,close,volume\n%s,1,1,1,1,1\n", key);
            r = http_do(f.a, "POST", "/bars?symbol=EURUSD&timeframe=M15", "text/csv", body,
                        strlen(body));
            cr_assert_eq(r.status, 422, "csv %zu bytes: %ld %s", len, r.status, r.body);
            json_t *j = http_json(&r);
            json_t *items = json_object_get(json_object_get(json_object_get(j, "error"),
                                                            "details"), "items");
            cr_assert_eq(json_array_size(items), 1, "csv time of %zu bytes: %s", len, r.body);
            json_decref(j);
            http_free(&r);
        }
    }
    stop(&f);
}

/* Bars stored before the bounds (an old database: volume 1e308, high 1e300) must not poison
 * the zones the restart rebuilds: they are left out of the replay, every read stays JSON. */
Test(outside, stored_extreme_bars_do_not_poison_the_zones_rebuilt_at_restart, .timeout = 120)
{
    struct fx f = {0};
    harness_db("t_out_restart", f.url, sizeof f.url);
    harness_config(&f.cfg, f.url);
    f.a = harness_start(&f.cfg);
    f.bars = harness_eurusd(&f.n);
    char *b = harness_bars_json("EURUSD", "M15", f.bars, 0, 1000);
    struct http_reply r = http_post_json(f.a, "/bars", b);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    free(b);
    app_stop(f.a);
    cr_assert_eq(harness_sql_long(f.url,
                                  "WITH u AS (UPDATE bars SET volume = 1e308 WHERE ts IN "
                                  "(SELECT ts FROM bars ORDER BY ts OFFSET 500 LIMIT 2) "
                                  "RETURNING 1) SELECT count(*) FROM u"), 2);
    cr_assert_eq(harness_sql_long(f.url,
                                  "WITH u AS (UPDATE bars SET high = 1e300 WHERE ts IN "
                                  "(SELECT ts FROM bars ORDER BY ts OFFSET 700 LIMIT 1) "
                                  "RETURNING 1) SELECT count(*) FROM u"), 1);
    /* bars stored before the bounds existed predate engine checkpoints too: the one the stop
     * wrote (of the clean bars) goes, so the start replays the stored bars */
    harness_sql_exec(f.url, "DELETE FROM engine_checkpoints");
    f.a = harness_start(&f.cfg);
    static const char *const READS[] = {"/zones?symbol=EURUSD&active=all&limit=1000",
                                        "/zones/nearest?symbol=EURUSD&price=1.0", "/symbols"};
    for (size_t i = 0; i < sizeof READS / sizeof READS[0]; i++) {
        r = http_get(f.a, READS[i]);
        cr_assert_eq(r.status, 200, "%s -> %ld %s", READS[i], r.status, r.body);
        sane(r, READS[i]);
    }
    r = http_get(f.a, "/symbols");
    cr_assert(strstr(r.body, "\"bars\":997") != NULL, "3 stored bars left out: %s", r.body);
    http_free(&r);
    stop(&f);
}
