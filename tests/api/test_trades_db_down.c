/*
 * Trades while the database refuses the service (issue 16, item 8: the failure paths of
 * service/trading.c and storage/trades_store.c, which the suite never ran). The service's
 * own database is closed to connections (ALTER DATABASE ... ALLOW_CONNECTIONS false, its
 * sessions terminated) while the rest of the PostgreSQL server runs on, so other tests are
 * not touched. Then: a trail, a close and a real setup answer 503 with a JSON error and a
 * Retry-After and change nothing; a dry-run setup, GET /zones, GET /bars and a zone without
 * its history (history_available false) still answer from memory; GET /trades, POST /bars
 * and GET /reports/liquidity answer 503. When the database opens again the service
 * reconnects by itself and the same trail is applied once.
 * With persistence off the same trade lives in memory: setup, trail, close, 404 after.
 */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/harness.h"
#include "tests/support/spawn.h"
#include "tests/support/trading.h"

#define NBARS 6000

static void admin(const char *sql)
{
    harness_sql_exec(getenv("LIQ_DATABASE_URL"), sql);
}

static void db_closed(const char *db, int closed)
{
    char sql[256];
    snprintf(sql, sizeof sql, "ALTER DATABASE %s ALLOW_CONNECTIONS %s", db,
             closed ? "false" : "true");
    admin(sql);
    if (closed) {
        snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = '%s' AND pid <> pg_backend_pid()", db);
        admin(sql);
    }
}

static char *setup_body(const char *side, double entry)
{
    char *b = NULL;
    cr_assert_geq(asprintf(&b, "{\"symbol\":\"EURUSD\",\"side\":\"%s\",\"entry\":%.5f,"
                               "\"trend_score\":0.9,\"regime_mode\":\"NORMAL\","
                               "\"regime_transition_strength\":0}", side, entry), 0);
    return b;
}

/* A trade opened at the close of the last bar posted (posting 20 more bars at a time until
 * one is accepted); its id. *end: bars posted. */
static long open_trade(struct app *a, const struct bar *bars, size_t *end)
{
    for (; *end < NBARS + 3000; *end += 20) {
        support_post_bars(a, "EURUSD", bars, *end - 20, *end);
        long id = support_open_trade(a, "EURUSD", bars[*end - 1].close);
        if (id)
            return id;
    }
    cr_assert_fail("no setup accepted");
    return 0;
}

/* The service (database url, or NULL: persistence off) with NBARS bars and a trade open. */
static struct app *start_trading(const char *url, struct bar **bars, size_t *end, long *id)
{
    struct app_config cfg;
    harness_config(&cfg, url);
    cfg.params.min_rr_ratio = 0.5;
    cfg.params.min_liquidity_strength = 0.05;
    struct app *a = harness_start(&cfg);
    size_t n;
    *bars = harness_eurusd(&n);
    support_post_bars(a, "EURUSD", *bars, 0, NBARS);
    *end = NBARS + 20;
    *id = open_trade(a, *bars, end);
    return a;
}

static struct http_reply trail(struct app *a, long id, const struct bar *b, long ts)
{
    return support_trail(a, id, b, ts);
}

static void assert_unavailable(struct http_reply *r, const char *what)
{
    cr_assert_eq(r->status, 503, "%s: %ld %s", what, r->status, r->body);
    json_t *j = http_json(r);
    cr_assert_not_null(json_object_get(json_object_get(j, "error"), "code"), "%s", what);
    json_decref(j);
    http_free(r);
}

static char *get_body(struct app *a, const char *path, long want)
{
    struct http_reply r = http_get(a, path);
    cr_assert_eq(r.status, want, "GET %s: %ld %s", path, r.status, r.body);
    return r.body;
}

Test(db_down, trades_answer_503_change_nothing_and_recover, .timeout = 300)
{
    char url[512];
    harness_db("t_trades_db_down", url, sizeof url);
    struct bar *bars;
    size_t end;
    long id;
    struct app *a = start_trading(url, &bars, &end, &id);
    char path[64];
    snprintf(path, sizeof path, "/trades/%ld", id);
    char *before = get_body(a, path, 200);
    long events_before = harness_sql_long(url, "SELECT count(*) FROM trade_events");
    long ts = (long)bars[end - 1].ts + 60;

    char zpath[96];
    {
        struct http_reply zr = http_get(a, "/zones?symbol=EURUSD&limit=1");
        json_t *zj = http_json(&zr);
        json_t *z0 = json_array_get(json_object_get(zj, "zones"), 0);
        cr_assert_not_null(z0);
        snprintf(zpath, sizeof zpath, "/zones/%s", json_string_value(json_object_get(z0, "id")));
        json_decref(zj);
        http_free(&zr);
    }

    db_closed("t_trades_db_down", 1);
    struct http_reply r = trail(a, id, &bars[end], ts);
    assert_unavailable(&r, "trail");
    char cbody[64];
    snprintf(cbody, sizeof cbody, "{\"price\":%.5f}", bars[end].close);
    char cpath[80];
    snprintf(cpath, sizeof cpath, "/trades/%ld/close", id);
    r = http_post_json(a, cpath, cbody);
    assert_unavailable(&r, "close");
    char *sb = setup_body("BUY", bars[end - 1].close);
    r = http_post_json(a, "/setups", sb);
    cr_assert(r.status == 503 || r.status == 422, "setup: %ld %s", r.status, r.body);
    if (r.status == 503)
        assert_unavailable(&r, "setup");
    else
        http_free(&r);
    r = http_post_json(a, "/setups?dry_run=true", sb);
    cr_assert(r.status == 200 || r.status == 422, "a dry run needs no database: %ld %s",
              r.status, r.body);
    http_free(&r);
    free(sb);
    r = http_get(a, "/trades?status=open");
    assert_unavailable(&r, "GET /trades");
    r = http_get(a, path);
    cr_assert(r.status == 503, "GET /trades/{id} reads the database: %ld", r.status);
    http_free(&r);
    char *zones = get_body(a, "/zones?symbol=EURUSD&limit=5", 200); /* from memory */
    free(zones);
    char *bars_read = get_body(a, "/bars?symbol=EURUSD&limit=3", 200); /* the bar log */
    free(bars_read);
    r = http_get(a, "/reports/liquidity?symbol=EURUSD&period=daily");
    assert_unavailable(&r, "GET /reports/liquidity (computed and stored in one transaction)");
    r = http_get(a, zpath); /* the zone from memory, its history (database) marked missing */
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *zj = http_json(&r);
    cr_assert(json_is_false(json_object_get(zj, "history_available")), "%s", r.body);
    cr_assert(json_is_null(json_object_get(zj, "history")), "%s", r.body);
    json_decref(zj);
    http_free(&r);
    char *more = harness_bars_json("EURUSD", "M15", bars, end, end + 5);
    r = http_post_json(a, "/bars", more);
    cr_assert(r.retry_after[0] != '\0', "503 on POST /bars with a Retry-After");
    assert_unavailable(&r, "POST /bars");
    free(more);
    r = http_get(a, "/health");
    cr_assert(r.status == 200 || r.status == 503, "%ld", r.status);
    cr_assert(strstr(r.body, "\"ok\"") == NULL || strstr(r.body, "degraded") != NULL,
              "health while the database is closed: %s", r.body);
    http_free(&r);

    db_closed("t_trades_db_down", 0);
    /* the service reconnects by itself: the same trail is applied, once */
    double t0 = spawn_now();
    long st = 0;
    while (spawn_now() - t0 < 30) {
        r = trail(a, id, &bars[end], ts);
        st = r.status;
        if (st == 200) {
            json_t *j = http_json(&r);
            cr_assert(!json_is_true(json_object_get(j, "duplicate")),
                      "the trail refused while the database was closed was not applied");
            json_decref(j);
        }
        http_free(&r);
        if (st != 503)
            break;
        usleep(100000);
    }
    cr_assert_eq(st, 200, "no trail accepted 30 s after the database opened again");
    r = trail(a, id, &bars[end], ts);
    cr_assert_eq(r.status, 200);
    json_t *j = http_json(&r);
    cr_assert(json_is_true(json_object_get(j, "duplicate")), "the same ts again: duplicate");
    json_decref(j);
    http_free(&r);
    long events_after = harness_sql_long(url, "SELECT count(*) FROM trade_events");
    cr_assert_geq(events_after, events_before, "events lost");
    char *after = get_body(a, path, 200);
    json_t *jb = json_loads(before, 0, NULL), *ja = json_loads(after, 0, NULL);
    cr_assert_eq(json_integer_value(json_object_get(ja, "trade_id")), id);
    cr_assert_str_eq(json_string_value(json_object_get(jb, "status")), "open");
    json_decref(jb);
    json_decref(ja);
    free(before);
    free(after);
    app_stop(a);
    free(bars);
}

Test(db_down, trades_live_in_memory_with_persistence_off, .timeout = 120)
{
    struct bar *bars;
    size_t end;
    long id;
    struct app *a = start_trading(NULL, &bars, &end, &id);
    long ts = (long)bars[end - 1].ts + 60;
    int open = 1;
    for (size_t k = 0; open && k < 40; k++) {
        support_post_bars(a, "EURUSD", bars, end, end + 1);
        struct http_reply r = trail(a, id, &bars[end], ts + (long)k * 900);
        cr_assert_eq(r.status, 200, "%s", r.body);
        json_t *j = http_json(&r);
        open = !strcmp(json_string_value(json_object_get(j, "status")), "open");
        json_decref(j);
        http_free(&r);
        /* the same ts again: a duplicate while open; a closed trade has left memory */
        r = trail(a, id, &bars[end], ts + (long)k * 900);
        cr_assert_eq(r.status, open ? 200 : 404, "%ld %s", r.status, r.body);
        if (open) {
            j = http_json(&r);
            cr_assert(json_is_true(json_object_get(j, "duplicate")), "%s", r.body);
            json_decref(j);
        }
        http_free(&r);
        end++;
    }
    char path[64];
    snprintf(path, sizeof path, "/trades/%ld", id);
    if (open) {
        char *t = get_body(a, path, 200);
        free(t);
        char cpath[80], cbody[64];
        snprintf(cpath, sizeof cpath, "/trades/%ld/close", id);
        snprintf(cbody, sizeof cbody, "{\"price\":%.5f}", bars[end - 1].close);
        struct http_reply r = http_post_json(a, cpath, cbody);
        cr_assert_eq(r.status, 200, "%s", r.body);
        http_free(&r);
        r = http_post_json(a, cpath, cbody);
        cr_assert_eq(r.status, 404, "a closed trade has left memory: %ld %s", r.status, r.body);
        http_free(&r);
    }
    char *gone = get_body(a, path, 404);
    free(gone);
    app_stop(a);
    free(bars);
}
