/*
 * The service with liquidity_db_persist off (issue 16 item 8: the persistence-off paths of
 * service/state.c and api/symbols.c). /health says the database is disabled and is 200;
 * the database-only reads answer 503 persistence_off. DELETE /symbols works on memory:
 * refused (409) while the symbol has an open trade, changing nothing; forced, it removes
 * the bars it counts and the trade, leaves the other symbols alone, and the symbol starts
 * afresh: the same bars posted again give exactly the zones of a symbol that never had
 * any others.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/harness.h"

static long post(struct app *a, const char *symbol, const struct bar *bars, size_t from,
                 size_t to)
{
    char *json = harness_bars_json(symbol, "M15", bars, from, to);
    struct http_reply r = http_post_json(a, "/bars", json);
    free(json);
    long st = r.status;
    cr_expect_eq(st, 200, "%s", r.body);
    http_free(&r);
    return st;
}

static char *body_of(struct app *a, const char *path, long want)
{
    struct http_reply r = http_get(a, path);
    cr_assert_eq(r.status, want, "GET %s: %ld %s", path, r.status, r.body);
    return r.body;
}

static void expect_error(struct http_reply *r, long status, const char *code)
{
    cr_expect_eq(r->status, status, "%s", r->body);
    json_t *j = json_loads(r->body, 0, NULL);
    const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    cr_expect(c != NULL && strcmp(c, code) == 0, "want %s: %s", code, r->body);
    json_decref(j);
    http_free(r);
}

/* The zones of symbol with the symbol's name written SYM (to compare two symbols). */
static char *zones_without_name(struct app *a, const char *symbol)
{
    char path[96];
    snprintf(path, sizeof path, "/zones?symbol=%s&active=all&limit=500", symbol);
    char *b = body_of(a, path, 200);
    char *out = malloc(strlen(b) + 1);
    cr_assert_not_null(out);
    size_t n = strlen(symbol), o = 0;
    for (const char *p = b; *p;) {
        if (strncmp(p, symbol, n) == 0) {
            memcpy(out + o, "SYM", 3);
            o += 3;
            p += n;
        } else {
            out[o++] = *p++;
        }
    }
    out[o] = '\0';
    free(b);
    return out;
}

/* Posts more bars (20 at a time) until a setup is accepted; its trade id. */
static long open_trade(struct app *a, const struct bar *bars, size_t *end)
{
    static const char *const sides[] = {"BUY", "SELL"};
    for (; *end < 9000; *end += 20) {
        post(a, "EURUSD", bars, *end, *end + 20);
        for (int k = 0; k < 2; k++) {
            char body[300];
            snprintf(body, sizeof body, "{\"symbol\":\"EURUSD\",\"side\":\"%s\",\"entry\":%.5f,"
                     "\"trend_score\":0.9,\"regime_mode\":\"NORMAL\","
                     "\"regime_transition_strength\":0}", sides[k], bars[*end + 19].close);
            struct http_reply r = http_post_json(a, "/setups", body);
            cr_assert(r.status == 201 || r.status == 422, "%ld %s", r.status, r.body);
            long id = 0;
            if (r.status == 201) {
                json_t *j = http_json(&r);
                id = (long)json_integer_value(json_object_get(j, "trade_id"));
                json_decref(j);
            }
            http_free(&r);
            if (id > 0) {
                *end += 20;
                return id;
            }
        }
    }
    cr_assert_fail("no setup accepted");
    return 0;
}

Test(persistence_off, deletes_work_on_memory_and_database_reads_say_why, .timeout = 300)
{
    struct app_config cfg;
    harness_config(&cfg, NULL);
    cfg.params.min_rr_ratio = 0.5;
    cfg.params.min_liquidity_strength = 0.05;
    struct app *a = harness_start(&cfg);
    size_t n;
    struct bar *bars = harness_eurusd(&n);
    cr_assert_gt(n, 9000);

    struct http_reply r = http_get(a, "/health");
    cr_expect_eq(r.status, 200, "%s", r.body);
    json_t *j = http_json(&r);
    cr_expect_str_eq(json_string_value(json_object_get(j, "database")), "disabled");
    cr_expect(json_is_false(json_object_get(j, "persistence")));
    json_decref(j);
    http_free(&r);
    r = http_get(a, "/trades");
    expect_error(&r, 503, "persistence_off");

    for (size_t i = 0; i < 6000; i += 2000)
        post(a, "EURUSD", bars, i, i + 2000);
    post(a, "EURUSDm", bars, 0, 500);
    r = http_get(a, "/reports/liquidity?symbol=EURUSD&period=daily");
    expect_error(&r, 503, "persistence_off");
    size_t end = 6000;
    long id = open_trade(a, bars, &end);
    char tpath[64];
    snprintf(tpath, sizeof tpath, "/trades/%ld", id);
    char *trade = body_of(a, tpath, 200);
    char *zones = body_of(a, "/zones?symbol=EURUSD&active=all&limit=500", 200);
    char *other = body_of(a, "/zones?symbol=EURUSDm&active=all&limit=500", 200);

    r = http_do(a, "DELETE", "/symbols/EURUSD", NULL, NULL, 0);
    expect_error(&r, 409, "open_trades");
    r = http_do(a, "DELETE", "/symbols/EURUSD?force=maybe", NULL, NULL, 0);
    expect_error(&r, 422, "invalid_parameter");
    char *now = body_of(a, "/zones?symbol=EURUSD&active=all&limit=500", 200);
    cr_expect_str_eq(now, zones, "a refused delete changed the zones");
    free(now);
    now = body_of(a, tpath, 200);
    cr_expect_str_eq(now, trade, "a refused delete changed the trade");
    free(now);

    r = http_do(a, "DELETE", "/symbols/EURUSD?force=true", NULL, NULL, 0);
    cr_assert_eq(r.status, 200, "%s", r.body);
    j = http_json(&r);
    cr_expect_str_eq(json_string_value(json_object_get(j, "deleted")), "EURUSD");
    cr_expect_eq(json_integer_value(json_object_get(j, "bars")), (json_int_t)end, "%s", r.body);
    json_decref(j);
    http_free(&r);
    r = http_get(a, tpath);
    cr_expect_eq(r.status, 404, "the forced delete left trade %ld: %s", id, r.body);
    http_free(&r);
    r = http_do(a, "DELETE", "/symbols/EURUSD", NULL, NULL, 0);
    expect_error(&r, 404, "unknown_symbol");
    now = body_of(a, "/zones?symbol=EURUSDm&active=all&limit=500", 200);
    cr_expect_str_eq(now, other, "deleting EURUSD changed EURUSDm");
    free(now);

    /* afresh: the same bars give the zones of a symbol that never had others */
    post(a, "EURUSD", bars, 0, 500);
    char *again = zones_without_name(a, "EURUSD");
    char *fresh = zones_without_name(a, "EURUSDm");
    cr_expect_not_null(strstr(fresh, "\"zone_id\""), "500 bars made no zone: %s", fresh);
    cr_expect_str_eq(again, fresh, "EURUSD after its delete is not a fresh symbol");
    free(again);
    free(fresh);
    free(trade);
    free(zones);
    free(other);
    free(bars);
    app_stop(a);
}
