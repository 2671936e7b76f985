/*
 * POST /bars -> zone engine -> PostgreSQL -> GET /zones, end to end, against the private
 * PostgreSQL of `scripts/dev test` (DESIGN.md sections 2-4).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/migrate.h"
#include "tests/support/harness.h"

#define FIVE_DAYS (5 * 96)

struct day_levels {
    int64_t start;
    double high, low, close;
};

/* The test's own computation of each UTC day's high, low and close. */
static size_t daily_levels(const struct bar *bars, size_t n, struct day_levels *out)
{
    size_t nd = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t d = day_start(bars[i].ts);
        if (nd == 0 || out[nd - 1].start != d)
            out[nd++] = (struct day_levels){d, bars[i].high, bars[i].low, bars[i].close};
        out[nd - 1].high = fmax(out[nd - 1].high, bars[i].high);
        out[nd - 1].low = fmin(out[nd - 1].low, bars[i].low);
        out[nd - 1].close = bars[i].close;
    }
    return nd;
}

/* A zone of GET /zones carrying `source` within merging reach of `price`: a level that
 * overlaps an existing zone joins it (DESIGN.md "merge"), so the zone's centre may sit up
 * to one band width away from the level. */
static int has_zone(json_t *zones, const char *source, double price)
{
    size_t i;
    json_t *z;
    json_array_foreach(zones, i, z)
    {
        int has = 0;
        size_t k;
        json_t *s;
        json_array_foreach(json_object_get(z, "sources"), k, s) has |=
            strcmp(json_string_value(s), source) == 0;
        double lo = json_number_value(json_object_get(z, "price_low"));
        double hi = json_number_value(json_object_get(z, "price_high"));
        double reach = hi - lo;
        if (has && lo - reach <= price + 1e-12 && price <= hi + reach + 1e-12)
            return 1;
    }
    return 0;
}

static long bars_in_db(const char *url)
{
    return harness_sql_long(url, "SELECT count(*) FROM bars");
}

Test(bars_zones, five_days_give_previous_day_levels_that_survive_a_restart, .timeout = 120)
{
    char url[512];
    harness_db("t_bars_zones", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    cfg.params.merge_distance_pips = 0; /* keep each daily level in a band of its own */
    struct app *a = harness_start(&cfg);

    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    char *json = harness_bars_json("EURUSD", "M15", bars, 0, FIVE_DAYS);
    struct http_reply r = http_post_json(a, "/bars", json);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *j = http_json(&r);
    cr_assert_eq(json_integer_value(json_object_get(j, "accepted")), FIVE_DAYS);
    cr_assert_eq(json_integer_value(json_object_get(j, "duplicates")), 0);
    json_decref(j);
    http_free(&r);
    cr_assert_eq(bars_in_db(url), FIVE_DAYS, "acknowledged bars are committed");

    /* the same batch again: all duplicates, nothing added */
    r = http_post_json(a, "/bars", json);
    j = http_json(&r);
    cr_assert_eq(json_integer_value(json_object_get(j, "accepted")), 0);
    cr_assert_eq(json_integer_value(json_object_get(j, "duplicates")), FIVE_DAYS);
    json_decref(j);
    http_free(&r);

    struct day_levels days[8];
    size_t nd = daily_levels(bars, FIVE_DAYS, days);
    cr_assert_eq(nd, 5);
    r = http_get(a, "/zones?symbol=EURUSD&active=all&limit=10000");
    cr_assert_eq(r.status, 200);
    j = http_json(&r);
    json_t *zones = json_object_get(j, "zones");
    /* each finished day (all but the last) left its high, low and close */
    for (size_t d = 0; d + 1 < nd; d++) {
        cr_expect(has_zone(zones, "HIGH_DAILY", days[d].high), "day %zu high %.5f", d,
                  days[d].high);
        cr_expect(has_zone(zones, "LOW_DAILY", days[d].low), "day %zu low %.5f", d, days[d].low);
    }
    double last_close = bars[FIVE_DAYS - 1].close;
    cr_expect(has_zone(zones, "ROUND", floor(last_close / 0.005 + 1e-9) * 0.005) ||
              has_zone(zones, "ROUND", ceil(last_close / 0.005 - 1e-9) * 0.005));
    /* sorted by distance from the last close */
    double prev = -1;
    size_t i;
    json_t *z;
    json_array_foreach(zones, i, z)
    {
        double dist = json_number_value(json_object_get(z, "distance"));
        cr_assert_geq(dist, prev);
        prev = dist;
    }
    long stored = harness_sql_long(url, "SELECT count(*) FROM liquidity_levels WHERE merged_into IS NULL");
    cr_assert_eq((size_t)stored, json_array_size(zones), "every zone is in liquidity_levels");
    json_decref(j);
    char *before = strdup(r.body);
    http_free(&r);

    /* restart: the zones are rebuilt from PostgreSQL, byte for byte */
    app_stop(a);
    a = harness_start(&cfg);
    r = http_get(a, "/zones?symbol=EURUSD&active=all&limit=10000");
    cr_assert_eq(r.status, 200);
    cr_assert_str_eq(r.body, before);
    http_free(&r);
    free(before);

    app_stop(a);
    free(json);
    free(bars);
}

Test(bars_zones, previous_close_is_a_zone_when_enabled, .timeout = 60)
{
    struct app_config cfg;
    harness_config(&cfg, NULL);
    cfg.params.liquidity_sources = (1u << SRC_PREVIOUS_CLOSE) | (1u << SRC_LOW_DAILY);
    cfg.params.merge_distance_pips = 0;
    struct app *a = harness_start(&cfg);
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    char *json = harness_bars_json("EURUSD", "M15", bars, 0, 2 * 96 + 1);
    struct http_reply r = http_post_json(a, "/bars", json);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    struct day_levels days[4];
    daily_levels(bars, 2 * 96, days);
    r = http_get(a, "/zones?symbol=EURUSD&active=all");
    json_t *j = http_json(&r);
    cr_assert(has_zone(json_object_get(j, "zones"), "PREVIOUS_CLOSE", days[1].close));
    cr_assert(has_zone(json_object_get(j, "zones"), "LOW_DAILY", days[1].low));
    json_decref(j);
    http_free(&r);
    app_stop(a);
    free(json);
    free(bars);
}

Test(bars_zones, bad_requests_get_json_errors_and_change_nothing, .timeout = 60)
{
    char url[512];
    harness_db("t_bars_bad", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    cfg.body_limit_bytes = 64 * 1024;
    struct app *a = harness_start(&cfg);
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    char *json = harness_bars_json("EURUSD", "M15", bars, 0, 10);
    struct http_reply r = http_post_json(a, "/bars", json);
    cr_assert_eq(r.status, 200);
    http_free(&r);

    /* malformed JSON: 400 */
    r = http_post_json(a, "/bars", "[{\"symbol\":\"EURUSD\",");
    cr_assert_eq(r.status, 400);
    json_t *j = http_json(&r);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
                     "malformed_json");
    json_decref(j);
    http_free(&r);

    /* an invalid bar inside a batch: 422 naming it, the valid ones not applied */
    char *batch = harness_bars_json("EURUSD", "M15", bars, 10, 20);
    /* third bar: high below low */
    char *third = strstr(strstr(strstr(batch, "},{") + 1, "},{") + 1, "\"high\":");
    memcpy(third, "\"high\":0.5", 10);
    r = http_post_json(a, "/bars", batch);
    cr_assert_eq(r.status, 422, "%s", r.body);
    j = http_json(&r);
    json_t *items = json_object_get(json_object_get(json_object_get(j, "error"), "details"),
                                    "items");
    cr_assert_eq(json_array_size(items), 1);
    cr_assert_eq(json_integer_value(json_object_get(json_array_get(items, 0), "index")), 2);
    json_decref(j);
    http_free(&r);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars"), 10);

    /* a body of exactly body_limit_bytes is taken, one byte more is 413: with a
     * Content-Length (decided on the headers) and chunked (decided while reading) */
    for (int chunked = 0; chunked < 2; chunked++) {
        size_t limit = (size_t)cfg.body_limit_bytes;
        char *edge = malloc(limit + 2);
        char *ten = harness_bars_json("EURUSD", "M15", bars, 0, 10); /* duplicates */
        size_t tl = strlen(ten);
        cr_assert_lt(tl, limit);
        memcpy(edge, ten, tl);
        memset(edge + tl, ' ', limit + 1 - tl);
        edge[limit + 1] = '\0';
        const char *te = chunked ? "Transfer-Encoding: chunked" : "X-Edge: 1";
        r = http_do_with(a, "POST", "/bars", "application/json", edge, limit, te);
        cr_assert_eq(r.status, 200, "a body of exactly the limit (%zu bytes, %s): %ld %s",
                     limit, te, r.status, r.body);
        http_free(&r);
        r = http_do_with(a, "POST", "/bars", "application/json", edge, limit + 1, te);
        cr_assert_eq(r.status, 413, "the limit + 1 (%s): %ld %s", te, r.status, r.body);
        http_free(&r);
        free(ten);
        free(edge);
    }

    /* oversized body: 413 */
    size_t big = 200 * 1024;
    char *huge = malloc(big);
    memset(huge, ' ', big);
    r = http_do(a, "POST", "/bars", "application/json", huge, big);
    cr_assert_eq(r.status, 413);
    http_free(&r);
    free(huge);

    /* wrong content type: 415; unknown route 404; wrong method 405 */
    r = http_do(a, "POST", "/bars", "text/html", "x", 1);
    cr_assert_eq(r.status, 415);
    http_free(&r);
    r = http_get(a, "/nothing");
    cr_assert_eq(r.status, 404);
    http_free(&r);
    r = http_do(a, "DELETE", "/bars", NULL, NULL, 0);
    cr_assert_eq(r.status, 405);
    http_free(&r);

    /* older than the last bar: 422, nothing applied */
    char *old = harness_bars_json("EURUSD", "M15", bars, 20, 21);
    r = http_post_json(a, "/bars", old);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    free(old);
    old = harness_bars_json("EURUSD", "M15", bars, 15, 16);
    r = http_post_json(a, "/bars", old);
    cr_assert_eq(r.status, 422, "%s", r.body);
    http_free(&r);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars"), 11);

    /* another timeframe for the same symbol: 409 */
    r = http_post_json(a, "/bars",
                       "{\"symbol\":\"EURUSD\",\"timeframe\":\"H1\",\"ts\":\"2023-01-02T00:00:00Z\","
                       "\"open\":1.0,\"high\":1.1,\"low\":0.9,\"close\":1.0,\"volume\":1}");
    cr_assert_eq(r.status, 409, "%s", r.body);
    http_free(&r);

    /* unknown symbol: 404; bad parameter: 422 */
    r = http_get(a, "/zones?symbol=GBPUSD");
    cr_assert_eq(r.status, 404);
    http_free(&r);
    r = http_get(a, "/zones?symbol=EURUSD&side=left");
    cr_assert_eq(r.status, 422);
    http_free(&r);
    r = http_get(a, "/zones?symbol=eur;drop");
    cr_assert_eq(r.status, 422);
    http_free(&r);

    app_stop(a);
    free(old);
    free(batch);
    free(json);
    free(bars);
}

Test(bars_zones, health_reports_the_database, .timeout = 30)
{
    char url[512];
    harness_db("t_health", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    struct app *a = harness_start(&cfg);
    struct http_reply r = http_get(a, "/health");
    cr_assert_eq(r.status, 200);
    json_t *j = http_json(&r);
    cr_assert_str_eq(json_string_value(json_object_get(j, "database")), "up");
    cr_assert_str_eq(json_string_value(json_object_get(j, "status")), "ok");
    json_decref(j);
    http_free(&r);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM schema_migrations"), MIGRATION_COUNT);
    app_stop(a);
}

Test(bars_zones, nearest_and_one_zone_with_its_history, .timeout = 60)
{
    char url[512];
    harness_db("t_zone_one", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    struct app *a = harness_start(&cfg);
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    char *json = harness_bars_json("EURUSD", "M15", bars, 0, FIVE_DAYS);
    struct http_reply r = http_post_json(a, "/bars", json);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);

    /* nearest: the closest active zone on each side of the price */
    double price = bars[FIVE_DAYS - 1].close;
    char path[128];
    snprintf(path, sizeof path, "/zones/nearest?symbol=EURUSD&price=%.5f", price);
    r = http_get(a, path);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *near = http_json(&r);
    http_free(&r);
    json_t *above = json_object_get(near, "above"), *below = json_object_get(near, "below");
    cr_assert(json_is_object(above) && json_is_object(below));
    cr_assert_geq(json_number_value(json_object_get(above, "price")), price);
    cr_assert_lt(json_number_value(json_object_get(below, "price")), price);
    snprintf(path, sizeof path, "/zones?symbol=EURUSD&price=%.5f&side=above&limit=1", price);
    r = http_get(a, path);
    json_t *list = http_json(&r);
    http_free(&r);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
                         json_object_get(list, "zones"), 0), "id")),
                     json_string_value(json_object_get(above, "id")),
                     "nearest above = first of GET /zones?side=above");
    json_decref(list);

    /* one zone by id, with its history from zone_events */
    const char *id = json_string_value(json_object_get(below, "id"));
    snprintf(path, sizeof path, "/zones/%s", id);
    r = http_get(a, path);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *z = http_json(&r);
    http_free(&r);
    cr_assert_str_eq(json_string_value(json_object_get(z, "id")), id);
    cr_assert(json_is_true(json_object_get(z, "history_available")));
    json_t *hist = json_object_get(z, "history");
    cr_assert_geq(json_array_size(hist), 1);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(hist, 0), "event")),
                     "created", "a zone's history starts with its creation");
    long zone_id = (long)json_integer_value(json_object_get(z, "zone_id"));
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM zone_events WHERE symbol = 'EURUSD' AND zone_id = %ld",
             zone_id);
    cr_assert_eq((size_t)harness_sql_long(url, sql), json_array_size(hist));
    json_decref(z);
    json_decref(near);

    /* ids that are not ids, and unknown zones */
    const char *bad[] = {"/zones/42", "/zones/EURUSD:0", "/zones/EURUSD:-1", "/zones/EURUSD:x",
                         "/zones/EURUSD:99999", "/zones/GBPUSD:1", "/zones/eurusd:1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r = http_get(a, bad[i]);
        cr_expect_eq(r.status, 404, "%s -> %ld", bad[i], r.status);
        http_free(&r);
    }
    r = http_get(a, "/zones/nearest?symbol=EURUSD&price=-1");
    cr_assert_eq(r.status, 422);
    http_free(&r);
    app_stop(a);
    free(json);
    free(bars);
}

/* Issue 13 item 11: liquidity_levels says what the API says. A month of EURUSD merges
 * frozen VWAP zones into their neighbours; no merged row may stay active, and the table's
 * active rows are exactly the zones GET /symbols counts as active. */
static int on_tick(double v, double tick)
{
    double k = v / tick;
    return fabs(k - round(k)) < 1e-6;
}

/* Every zone GET /zones shows is on EURUSD's tick (0.00001): its band covers the band the
 * engine stored (liquidity_levels keeps the computed values) by less than one tick on each
 * side, and its price is the stored price to the nearest tick (docs/trading.md "Prices on
 * the tick"). */
static void expect_zones_on_the_tick(struct app *a, const char *url)
{
    const double tick = 0.00001;
    struct http_reply r = http_get(a, "/zones?symbol=EURUSD&active=all&limit=10000");
    cr_assert_eq(r.status, 200);
    json_t *j = http_json(&r);
    http_free(&r);
    json_t *zones = json_object_get(j, "zones");
    cr_assert_gt(json_array_size(zones), 10);
    size_t i;
    json_t *z;
    json_array_foreach(zones, i, z)
    {
        double lo = json_number_value(json_object_get(z, "price_low"));
        double hi = json_number_value(json_object_get(z, "price_high"));
        double mid = json_number_value(json_object_get(z, "price"));
        cr_assert(on_tick(lo, tick) && on_tick(hi, tick) && on_tick(mid, tick),
                  "zone %zu off the tick: %.17g %.17g %.17g", i, lo, hi, mid);
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM liquidity_levels WHERE symbol = 'EURUSD' AND "
                 "zone_id = %lld AND price_low >= %.17g - 1e-12 AND price_low < %.17g + %g "
                 "AND price_high <= %.17g + 1e-12 AND price_high > %.17g - %g AND "
                 "abs(price - %.17g) <= %g / 2 + 1e-12",
                 (long long)json_integer_value(json_object_get(z, "zone_id")), lo, lo, tick,
                 hi, hi, tick, mid, tick);
        cr_assert_eq(harness_sql_long(url, sql), 1, "zone %zu: shown band %.5f..%.5f (%.5f) is "
                     "not the stored one widened to the tick", i, lo, hi, mid);
    }
    cr_assert_gt(harness_sql_long(url, "SELECT count(*) FROM liquidity_levels WHERE "
                                       "abs(price_low / 0.00001 - round(price_low / 0.00001)) "
                                       "> 1e-6"), 0,
                 "no stored band edge is off the tick: this check shows nothing");
    json_decref(j);
}

Test(bars_zones, the_table_marks_the_same_zones_active_as_the_api, .timeout = 120)
{
    char url[512];
    harness_db("t_zone_active_sql", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    struct app *a = harness_start(&cfg);
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    for (size_t from = 0; from < 6 * FIVE_DAYS; from += FIVE_DAYS) {
        char *json = harness_bars_json("EURUSD", "M15", bars, from, from + FIVE_DAYS);
        struct http_reply r = http_post_json(a, "/bars", json);
        cr_assert_eq(r.status, 200, "%s", r.body);
        http_free(&r);
        free(json);
    }
    long merged = harness_sql_long(url, "SELECT count(*) FROM liquidity_levels "
                                        "WHERE merged_into IS NOT NULL");
    cr_assert_gt(merged, 0, "the month merges some zones (else this test shows nothing)");
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM liquidity_levels "
                                       "WHERE merged_into IS NOT NULL AND active"), 0);
    struct http_reply r = http_get(a, "/symbols");
    json_t *j = http_json(&r);
    http_free(&r);
    json_t *sym = json_array_get(json_object_get(j, "symbols"), 0);
    long api_active = (long)json_integer_value(json_object_get(sym, "zones_active"));
    cr_assert_gt(api_active, 0);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM liquidity_levels "
                                       "WHERE symbol = 'EURUSD' AND active"), api_active);
    json_decref(j);
    expect_zones_on_the_tick(a, url);
    app_stop(a);
    free(bars);
}
