/*
 * test_fence_paths.c - the lease fence on every kind of claimed write, one instance on a
 * real PostgreSQL: a symbol's lease is taken behind the instance's back (as if it had been
 * paused past its TTL), then its next write of that symbol - a trail (the pipelined trade
 * update), a bar replace, a symbol delete - must fail the fence inside its transaction and
 * come back 421 with nothing stored. The fenced setup and the fenced bar append are in
 * test_scaling.c. The verdict travels as PG_FENCED through the write's return value
 * (storage/pg.c), not through a side channel.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/harness.h"

/* One instance owning EURUSD, the symbol stored (3000 bars); its own database each, so
 * the lease lost is the first one (a lost lease wakes the renewal round, which would see
 * any other lease taken since). */
static struct app *instance(const char *db, char *url, size_t urllen, struct bar **bars)
{
    harness_db(db, url, urllen);
    struct app_config cfg;
    harness_config(&cfg, url);
    cfg.params.min_liquidity_strength = 0.1;
    cfg.handover_idle_ms = 600000;
    cfg.lease_ttl_ms = 600000; /* no renewal round in the middle of the test */
    struct app *a = harness_start(&cfg);
    size_t n = 0;
    *bars = harness_eurusd(&n);
    cr_assert_geq(n, 3000);
    char *json = harness_bars_json("EURUSD", "M15", *bars, 0, 3000);
    struct http_reply r = http_post_json(a, "/bars", json);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    free(json);
    return a;
}

/* The lease of symbol given to an intruder: a new token the instance does not know. */
static void take_lease(const char *url, const char *symbol)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "UPDATE symbol_leases SET owner = 'intruder#1', "
             "token = nextval('lease_token_seq'), "
             "expires_at = clock_timestamp() + interval '1 hour' "
             "WHERE symbol = '%s' RETURNING 1", symbol);
    cr_assert_eq(harness_sql_long(url, sql), 1, "%s has a lease row", symbol);
}

static long count(const char *url, const char *table, const char *symbol)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE symbol = '%s'", table, symbol);
    return harness_sql_long(url, sql);
}

/* A trade on EURUSD (BUY or SELL, whichever the zones allow); its id. */
static long open_trade(const struct app *a, double entry)
{
    const char *sides[2] = {"BUY", "SELL"};
    for (int s = 0; s < 2; s++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"symbol\":\"EURUSD\",\"side\":\"%s\",\"entry\":%.5f,\"trend_score\":0.7,"
                 "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}",
                 sides[s], entry);
        struct http_reply r = http_post_json(a, "/setups", body);
        long id = 0;
        if (r.status == 200 || r.status == 201) {
            json_t *j = http_json(&r);
            id = (long)json_integer_value(json_object_get(j, "trade_id"));
            json_decref(j);
        }
        http_free(&r);
        if (id > 0)
            return id;
    }
    return 0;
}

Test(fence_paths, a_fenced_trail_answers_421_and_stores_nothing)
{
    char url[512];
    struct bar *bars = NULL;
    struct app *a = instance("liq_fence_trail", url, sizeof url, &bars);
    long id = open_trade(a, bars[2999].close);
    cr_assert_gt(id, 0, "a setup should open on EURUSD");
    /* the fence is queued in the update's pipeline; its verdict comes from
     * pg_pipeline_end */
    take_lease(url, "EURUSD");
    const char *updated_sql = "SELECT count(*) FROM liquidity_trades "
                              "WHERE state->>'updates' <> '0'";
    long events = harness_sql_long(url, "SELECT count(*) FROM trade_events");
    long updated = harness_sql_long(url, updated_sql);
    char path[64], body[256];
    snprintf(path, sizeof path, "/trades/%ld/trail", id);
    snprintf(body, sizeof body, "{\"price\":%.5f,\"high\":%.5f,\"low\":%.5f}",
             bars[2999].close, bars[2999].close, bars[2999].close);
    struct http_reply r = http_do(a, "PATCH", path, "application/json", body, strlen(body));
    cr_assert_eq(r.status, 421, "a fenced trail: %ld %s", r.status, r.body);
    http_free(&r);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM trade_events"), events);
    cr_assert_eq(harness_sql_long(url, updated_sql), updated);
    /* the lease is marked lost: the next write is no longer tried (503) */
    r = http_do(a, "PATCH", path, "application/json", body, strlen(body));
    cr_assert_eq(r.status, 503, "after a lost lease: %ld %s", r.status, r.body);
    http_free(&r);
    app_stop(a);
    free(bars);
}

Test(fence_paths, a_fenced_replace_answers_421_and_stores_nothing)
{
    char url[512];
    struct bar *bars = NULL;
    struct app *a = instance("liq_fence_replace", url, sizeof url, &bars);
    /* the fence runs in the open transaction, before COMMIT */
    take_lease(url, "EURUSD");
    char *json = harness_bars_json("EURUSD", "M15", bars, 2900, 3000);
    struct http_reply r =
        http_do(a, "POST", "/bars?replace=true", "application/json", json, strlen(json));
    free(json);
    cr_assert_eq(r.status, 421, "a fenced replace: %ld %s", r.status, r.body);
    http_free(&r);
    cr_assert_eq(count(url, "bars", "EURUSD"), 3000, "the fenced replace removed nothing");
    app_stop(a);
    free(bars);
}

Test(fence_paths, a_fenced_delete_answers_421_and_stores_nothing)
{
    char url[512];
    struct bar *bars = NULL;
    struct app *a = instance("liq_fence_delete", url, sizeof url, &bars);
    long levels = count(url, "liquidity_levels", "EURUSD");
    cr_assert_gt(levels, 0);
    /* the fence after the rows' DELETE, in the same transaction */
    take_lease(url, "EURUSD");
    struct http_reply r = http_do(a, "DELETE", "/symbols/EURUSD", NULL, NULL, 0);
    cr_assert_eq(r.status, 421, "a fenced delete: %ld %s", r.status, r.body);
    http_free(&r);
    cr_assert_eq(count(url, "bars", "EURUSD"), 3000, "the fenced delete removed nothing");
    cr_assert_eq(count(url, "liquidity_levels", "EURUSD"), levels);
    app_stop(a);
    free(bars);
}
