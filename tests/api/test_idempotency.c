/*
 * Idempotency-Key (issue 6, item 3): a retried write - POST /bars, POST /setups, PATCH
 * /trades/{id}/trail, POST /trades/{id}/close, DELETE /symbols/{symbol} - returns the first
 * answer - status and body byte for byte - and changes nothing; the same key with another
 * request (body, path id, query, route) is a 422; concurrent retries of one key all get the
 * one answer; two Idempotency-Key headers are refused and apply nothing. The key's row is
 * written in the write's own transaction (api/idempotency.h).
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/harness.h"
#include "tests/support/spawn.h"

struct fx {
    char url[512];
    struct app_config cfg;
    struct app *a;
    struct bar *bars;
    size_t n;
    long ts;          /* the last posted bar's time (prepare_setups) */
    double entry;     /* the accepted setups' entry */
    char setup[256];  /* the body of an accepted setup */
};

static void start(struct fx *f, const char *db)
{
    memset(f, 0, sizeof *f);
    harness_db(db, f->url, sizeof f->url);
    harness_config(&f->cfg, f->url);
    f->cfg.threads = 4;
    f->cfg.params.min_rr_ratio = 0.5;
    f->cfg.params.min_liquidity_strength = 0.05;
    f->a = harness_start(&f->cfg);
    f->bars = harness_eurusd(&f->n);
}

static void stop(struct fx *f)
{
    app_stop(f->a);
    free(f->bars);
}

/* One request with the Idempotency-Key header lines key (NULL: none) and key2 (NULL: one). */
static struct http_reply keyed2(const struct fx *f, const char *method, const char *path,
                                const char *ct, const char *body, const char *key,
                                const char *key2)
{
    char h1[400], h2[400];
    snprintf(h1, sizeof h1, "Idempotency-Key: %s", key ? key : "");
    snprintf(h2, sizeof h2, "Idempotency-Key: %s", key2 ? key2 : "");
    const char *hdr[] = {h1, key2 ? h2 : NULL, NULL};
    struct http_reply r;
    cr_assert_eq(spawn_http(app_port(f->a), method, path, ct, body, body ? strlen(body) : 0,
                            key ? hdr : NULL, &r), 0);
    return r;
}

static struct http_reply keyed(const struct fx *f, const char *method, const char *path,
                               const char *ct, const char *body, const char *key)
{
    return keyed2(f, method, path, ct, body, key, NULL);
}

static long count(const struct fx *f, const char *sql)
{
    return harness_sql_long(f->url, sql);
}

Test(idempotency, retried_bars_get_the_first_answer_and_change_nothing)
{
    struct fx f;
    start(&f, "t_idem_bars");
    char *b = harness_bars_json("EURUSD", "M15", f.bars, 0, 10);
    struct http_reply r1 = keyed(&f, "POST", "/bars", "application/json", b, "k-1");
    cr_assert_eq(r1.status, 200, "%s", r1.body);
    cr_assert_str_eq(r1.body, "{\"accepted\":10,\"duplicates\":0}");
    for (int i = 0; i < 3; i++) {
        struct http_reply r2 = keyed(&f, "POST", "/bars", "application/json", b, "k-1");
        cr_assert_eq(r2.status, 200);
        cr_assert_str_eq(r2.body, r1.body, "a retry answers as the first time");
        http_free(&r2);
    }
    cr_assert_eq(count(&f, "SELECT count(*) FROM bars"), 10);
    cr_assert_eq(count(&f, "SELECT count(*) FROM idempotency_keys"), 1);
    /* without the key the same body is plain duplicates */
    struct http_reply r3 = keyed(&f, "POST", "/bars", "application/json", b, NULL);
    cr_assert_str_eq(r3.body, "{\"accepted\":0,\"duplicates\":10}");
    http_free(&r3);
    /* a key first seen on an all-duplicates request stores that answer (no transaction of
     * the service's own: the key is written alone) */
    struct http_reply r4 = keyed(&f, "POST", "/bars", "application/json", b, "k-dups");
    cr_assert_str_eq(r4.body, "{\"accepted\":0,\"duplicates\":10}");
    http_free(&r4);
    r4 = keyed(&f, "POST", "/bars", "application/json", b, "k-dups");
    cr_assert_str_eq(r4.body, "{\"accepted\":0,\"duplicates\":10}");
    http_free(&r4);
    cr_assert_eq(count(&f, "SELECT count(*) FROM idempotency_keys"), 2);
    http_free(&r1);
    free(b);
    stop(&f);
}

Test(idempotency, same_key_with_another_body_is_refused_and_changes_nothing)
{
    struct fx f;
    start(&f, "t_idem_reuse");
    char *b1 = harness_bars_json("EURUSD", "M15", f.bars, 0, 10);
    char *b2 = harness_bars_json("EURUSD", "M15", f.bars, 10, 20);
    struct http_reply r = keyed(&f, "POST", "/bars", "application/json", b1, "reuse");
    cr_assert_eq(r.status, 200);
    http_free(&r);
    r = keyed(&f, "POST", "/bars", "application/json", b2, "reuse");
    cr_assert_eq(r.status, 422, "%s", r.body);
    json_t *j = http_json(&r);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "code")),
                     "idempotency_key_reused");
    json_decref(j);
    http_free(&r);
    cr_assert_eq(count(&f, "SELECT count(*) FROM bars"), 10, "the second body was not applied");
    /* the same CSV under another query is another request too */
    const char *csv = "Date,Open,High,Low,Close,Tickvol,Volume,Spread\n"
                      "2023.01.02 00:00:00,1.07,1.071,1.069,1.0705,10,0,0\n";
    r = keyed(&f, "POST", "/bars?symbol=GBPUSD&timeframe=M15", "text/csv", csv, "csv-k");
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    r = keyed(&f, "POST", "/bars?symbol=AUDUSD&timeframe=M15", "text/csv", csv, "csv-k");
    cr_assert_eq(r.status, 422, "%s", r.body);
    http_free(&r);
    cr_assert_eq(count(&f, "SELECT count(*) FROM symbols WHERE symbol = 'AUDUSD'"), 0);
    /* keys must be 1..255 visible ASCII characters */
    char longkey[300];
    memset(longkey, 'k', 299);
    longkey[299] = '\0';
    r = keyed(&f, "POST", "/bars", "application/json", b2, longkey);
    cr_assert_eq(r.status, 422, "%s", r.body);
    cr_assert(strstr(r.body, "invalid_idempotency_key"));
    http_free(&r);
    cr_assert_eq(count(&f, "SELECT count(*) FROM bars"), 11);
    free(b1);
    free(b2);
    stop(&f);
}

struct racer {
    const struct fx *f;
    const char *body;
    struct http_reply r;
};

static void *race(void *arg)
{
    struct racer *x = arg;
    x->r = keyed(x->f, "POST", "/bars", "application/json", x->body, "raced");
    return NULL;
}

Test(idempotency, concurrent_retries_of_one_key_get_one_answer)
{
    struct fx f;
    start(&f, "t_idem_race");
    char *b = harness_bars_json("EURUSD", "M15", f.bars, 0, 500);
    struct racer x[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        x[i] = (struct racer){&f, b, {0}};
        pthread_create(&th[i], NULL, race, &x[i]);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 8; i++) {
        cr_assert_eq(x[i].r.status, 200, "%s", x[i].r.body);
        cr_assert_str_eq(x[i].r.body, "{\"accepted\":500,\"duplicates\":0}",
                         "racer %d: %s", i, x[i].r.body);
        http_free(&x[i].r);
    }
    cr_assert_eq(count(&f, "SELECT count(*) FROM bars"), 500);
    free(b);
    stop(&f);
}

Test(idempotency, retried_setup_opens_one_trade)
{
    struct fx f;
    start(&f, "t_idem_setup");
    for (size_t from = 0; from < 3000; from += 1000) {
        char *b = harness_bars_json("EURUSD", "M15", f.bars, from, from + 1000);
        struct http_reply r = http_post_json(f.a, "/bars", b);
        cr_assert_eq(r.status, 200, "%s", r.body);
        http_free(&r);
        free(b);
    }
    static const char *const SIDES[] = {"BUY", "SELL"};
    struct http_reply first = {0};
    char body[256];
    const char *key = NULL;
    for (int k = 0; k < 2 && first.status != 201; k++) {
        http_free(&first);
        snprintf(body, sizeof body,
                 "{\"symbol\":\"EURUSD\",\"side\":\"%s\",\"entry\":%.5f,\"trend_score\":0.9,"
                 "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}",
                 SIDES[k], f.bars[2999].close);
        key = k ? "setup-sell" : "setup-buy";
        first = keyed(&f, "POST", "/setups", "application/json", body, key);
    }
    cr_assert_eq(first.status, 201, "no setup opened: %s", first.body);
    long trades = count(&f, "SELECT count(*) FROM liquidity_trades");
    cr_assert_eq(trades, 1);
    struct http_reply again = keyed(&f, "POST", "/setups", "application/json", body, key);
    cr_assert_eq(again.status, 201);
    cr_assert_str_eq(again.body, first.body, "the retry returns the first trade");
    cr_assert_eq(count(&f, "SELECT count(*) FROM liquidity_trades"), 1, "no second trade");
    cr_assert_eq(count(&f, "SELECT count(*) FROM stop_decisions"), 1);
    /* dry runs are answered and stored too, and open nothing */
    struct http_reply d1 = keyed(&f, "POST", "/setups?dry_run=true", "application/json", body,
                                 "dry");
    struct http_reply d2 = keyed(&f, "POST", "/setups?dry_run=true", "application/json", body,
                                 "dry");
    cr_assert_eq(d1.status, 200);
    cr_assert_str_eq(d1.body, d2.body);
    /* the same key for the non-dry request is another request */
    struct http_reply d3 = keyed(&f, "POST", "/setups", "application/json", body, "dry");
    cr_assert_eq(d3.status, 422, "%s", d3.body);
    cr_assert_eq(count(&f, "SELECT count(*) FROM liquidity_trades"), 1);
    http_free(&d1);
    http_free(&d2);
    http_free(&d3);
    http_free(&first);
    http_free(&again);
    stop(&f);
}

/* Issue 13 item 7: one key, 16 concurrent requests with 16 different bodies. Exactly one
 * wins (200); every other one is a plain 422 idempotency_key_reused - no Retry-After left
 * over from the rolled-back write, no write failure counted - and only the winner's bars
 * are stored. */
struct contender {
    const struct fx *f;
    char *body;
    const char *key;
    struct http_reply r;
};

static void *contend(void *arg)
{
    struct contender *x = arg;
    x->r = keyed(x->f, "POST", "/bars", "application/json", x->body, x->key);
    return NULL;
}

/* One round: 16 threads, one key, 16 bodies (200 + i bars of symbol). */
static void contest(struct fx *f, const char *symbol, const char *key)
{
    enum { N = 16 };
    struct contender x[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        x[i] = (struct contender){f, harness_bars_json(symbol, "M15", f->bars, 0,
                                                       (size_t)(200 + i)), key, {0}};
        pthread_create(&th[i], NULL, contend, &x[i]);
    }
    for (int i = 0; i < N; i++)
        pthread_join(th[i], NULL);
    int winners = 0;
    long stored = -1;
    for (int i = 0; i < N; i++) {
        if (x[i].r.status == 200) {
            winners++;
            stored = 200 + i;
            char want[64];
            snprintf(want, sizeof want, "{\"accepted\":%d,\"duplicates\":0}", 200 + i);
            cr_assert_str_eq(x[i].r.body, want);
        } else {
            cr_assert_eq(x[i].r.status, 422, "%s contender %d: %ld %s", key, i, x[i].r.status,
                         x[i].r.body);
            cr_assert(strstr(x[i].r.body, "\"idempotency_key_reused\"") != NULL, "%s",
                      x[i].r.body);
            cr_assert_str_eq(x[i].r.retry_after, "", "a 422 carries no Retry-After");
        }
        http_free(&x[i].r);
        free(x[i].body);
    }
    cr_assert_eq(winners, 1);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM bars WHERE symbol = '%s'", symbol);
    cr_assert_eq(count(f, sql), stored);
}

Test(idempotency, one_key_with_sixteen_different_bodies_has_one_winner_and_clean_refusals)
{
    struct fx f;
    start(&f, "t_idem_contest");
    static const char *const ROUNDS[][2] = {{"RACE0", "contested-0"}, {"RACE1", "contested-1"},
                                            {"RACE2", "contested-2"}, {"RACE3", "contested-3"}};
    for (size_t r = 0; r < sizeof ROUNDS / sizeof ROUNDS[0]; r++)
        contest(&f, ROUNDS[r][0], ROUNDS[r][1]);
    struct http_reply m = http_get(f.a, "/metrics");
    cr_assert(strstr(m.body, "\nliq_write_failures_total 0\n") != NULL,
              "a lost key race is no write failure");
    http_free(&m);
    stop(&f);
}

/* --- trail, close, delete ---------------------------------------------------------- */

static void post_bars(struct fx *f, const char *symbol, size_t from, size_t to)
{
    char *b = harness_bars_json(symbol, "M15", f->bars, from, to);
    struct http_reply r = http_post_json(f->a, "/bars", b);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    free(b);
}

static void expect_code(const struct http_reply *r, long status, const char *code)
{
    cr_assert_eq(r->status, status, "%ld %s", r->status, r->body);
    json_t *j = http_json(r);
    const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    cr_assert_str_eq(c ? c : "", code, "%s", r->body);
    json_decref(j);
}

/* 3000 EURUSD bars, then the body of a setup that is accepted (BUY or SELL at the close). */
static void prepare_setups(struct fx *f)
{
    for (size_t from = 0; from < 3000; from += 1000)
        post_bars(f, "EURUSD", from, from + 1000);
    f->ts = (long)f->bars[2999].ts;
    f->entry = f->bars[2999].close;
    static const char *const SIDES[] = {"BUY", "SELL"};
    for (int k = 0; k < 2; k++) {
        snprintf(f->setup, sizeof f->setup,
                 "{\"symbol\":\"EURUSD\",\"side\":\"%s\",\"entry\":%.5f,\"trend_score\":0.9,"
                 "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}",
                 SIDES[k], f->entry);
        struct http_reply r = keyed(f, "POST", "/setups?dry_run=true", "application/json",
                                    f->setup, NULL);
        long st = r.status;
        http_free(&r);
        if (st == 200)
            return;
    }
    cr_assert_fail("no setup accepted");
}

/* Opens a trade (with key, or none); its id. */
static long open_trade(struct fx *f, const char *key)
{
    struct http_reply r = keyed(f, "POST", "/setups", "application/json", f->setup, key);
    cr_assert_eq(r.status, 201, "%s", r.body);
    json_t *j = http_json(&r);
    long id = (long)json_integer_value(json_object_get(j, "trade_id"));
    json_decref(j);
    http_free(&r);
    cr_assert_gt(id, 0);
    return id;
}

/* The trade's applied trail updates, as stored. */
static long updates(const struct fx *f, long id)
{
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT (state->>'updates')::bigint FROM liquidity_trades WHERE id = %ld", id);
    return count(f, sql);
}

static long closed_events(const struct fx *f, long id)
{
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM trade_events WHERE trade_id = %ld AND kind = 'closed'", id);
    return count(f, sql);
}

/* A trail at the entry (nothing hit) at the last bar's time + dt. */
static void trail_body(const struct fx *f, long dt, char *out, size_t n)
{
    snprintf(out, n, "{\"price\":%.5f,\"high\":%.5f,\"low\":%.5f,\"ts\":%ld}", f->entry,
             f->entry, f->entry, f->ts + dt);
}

/* A close at the entry at the last bar's time + dt. */
static void close_body(const struct fx *f, long dt, char *out, size_t n)
{
    snprintf(out, n, "{\"price\":%.5f,\"ts\":%ld}", f->entry, f->ts + dt);
}

/* "/trades/{id}/{what}" */
static void trade_path(long id, const char *what, char *out, size_t n)
{
    snprintf(out, n, "/trades/%ld/%s", id, what);
}

Test(idempotency, retried_trail_replays_and_reuse_on_another_trade_or_body_is_refused,
     .timeout = 180)
{
    struct fx f;
    start(&f, "t_idem_trail");
    prepare_setups(&f);
    long a = open_trade(&f, "open-a");
    long b = open_trade(&f, NULL);
    char body[256], other[256], pa[64], pb[64];
    trail_body(&f, 900, body, sizeof body);
    trail_body(&f, 1800, other, sizeof other);
    trade_path(a, "trail", pa, sizeof pa);
    trade_path(b, "trail", pb, sizeof pb);

    struct http_reply r1 = keyed(&f, "PATCH", pa, "application/json", body, "tr1");
    cr_assert_eq(r1.status, 200, "%s", r1.body);
    cr_assert_eq(updates(&f, a), 1);
    for (int i = 0; i < 2; i++) {
        struct http_reply r2 = keyed(&f, "PATCH", pa, "application/json", body, "tr1");
        cr_assert_eq(r2.status, 200);
        cr_assert_str_eq(r2.body, r1.body, "a retry answers as the first time");
        http_free(&r2);
    }
    cr_assert_eq(updates(&f, a), 1, "the retries applied nothing");

    /* the probe's case: the same key and body on another trade */
    struct http_reply r = keyed(&f, "PATCH", pb, "application/json", body, "tr1");
    expect_code(&r, 422, "idempotency_key_reused");
    http_free(&r);
    cr_assert_eq(updates(&f, b), 0, "trade b untouched");
    /* the same key with another body */
    r = keyed(&f, "PATCH", pa, "application/json", other, "tr1");
    expect_code(&r, 422, "idempotency_key_reused");
    http_free(&r);
    cr_assert_eq(updates(&f, a), 1);
    /* the key of the setup that opened trade a, on a trail of it */
    r = keyed(&f, "PATCH", pa, "application/json", other, "open-a");
    expect_code(&r, 422, "idempotency_key_reused");
    http_free(&r);
    cr_assert_eq(updates(&f, a), 1);
    /* the trail's key on a close of the same trade */
    char pc[64], close[128];
    trade_path(a, "close", pc, sizeof pc);
    close_body(&f, 1800, close, sizeof close);
    r = keyed(&f, "POST", pc, "application/json", close, "tr1");
    expect_code(&r, 422, "idempotency_key_reused");
    http_free(&r);
    cr_assert_eq(count(&f, "SELECT count(*) FROM liquidity_trades WHERE status = 'open'"), 2);
    /* a duplicate trail (ts not after the last) commits nothing: its key is stored alone */
    struct http_reply d1 = keyed(&f, "PATCH", pa, "application/json", body, "dup");
    cr_assert_eq(d1.status, 200, "%s", d1.body);
    cr_assert(strstr(d1.body, "\"duplicate\":true") != NULL, "%s", d1.body);
    struct http_reply d2 = keyed(&f, "PATCH", pa, "application/json", body, "dup");
    cr_assert_str_eq(d2.body, d1.body);
    http_free(&d1);
    http_free(&d2);
    cr_assert_eq(updates(&f, a), 1);
    http_free(&r1);
    stop(&f);
}

Test(idempotency, retried_close_replays_the_close_not_409, .timeout = 180)
{
    struct fx f;
    start(&f, "t_idem_close");
    prepare_setups(&f);
    long a = open_trade(&f, NULL);
    long b = open_trade(&f, NULL);
    char body[128], other[128], pa[64], pb[64];
    close_body(&f, 900, body, sizeof body);
    close_body(&f, 1800, other, sizeof other);
    trade_path(a, "close", pa, sizeof pa);
    trade_path(b, "close", pb, sizeof pb);

    struct http_reply r1 = keyed(&f, "POST", pa, "application/json", body, "c1");
    cr_assert_eq(r1.status, 200, "%s", r1.body);
    cr_assert(strstr(r1.body, "\"status\":\"closed\"") != NULL, "%s", r1.body);
    struct http_reply r2 = keyed(&f, "POST", pa, "application/json", body, "c1");
    cr_assert_eq(r2.status, 200, "the retry is the close's answer, not 409: %s", r2.body);
    cr_assert_str_eq(r2.body, r1.body);
    http_free(&r2);
    cr_assert_eq(closed_events(&f, a), 1, "closed once");

    struct http_reply r = keyed(&f, "POST", pb, "application/json", body, "c1");
    expect_code(&r, 422, "idempotency_key_reused");
    http_free(&r);
    r = keyed(&f, "POST", pa, "application/json", other, "c1");
    expect_code(&r, 422, "idempotency_key_reused");
    http_free(&r);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM liquidity_trades WHERE id = %ld AND "
                              "status = 'open'", b);
    cr_assert_eq(count(&f, sql), 1, "trade b is still open");
    cr_assert_eq(closed_events(&f, b), 0);
    /* without a key a second close is the plain 409 */
    r = keyed(&f, "POST", pa, "application/json", body, NULL);
    expect_code(&r, 409, "trade_closed");
    http_free(&r);
    http_free(&r1);
    stop(&f);
}

Test(idempotency, retried_delete_replays_and_never_deletes_twice, .timeout = 180)
{
    struct fx f;
    start(&f, "t_idem_delete");
    post_bars(&f, "DELX", 0, 200);
    post_bars(&f, "DELY", 0, 100);
    struct http_reply r1 = keyed(&f, "DELETE", "/symbols/DELX", NULL, NULL, "d1");
    cr_assert_eq(r1.status, 200, "%s", r1.body);
    cr_assert(strstr(r1.body, "\"bars\":200") != NULL, "%s", r1.body);
    struct http_reply r2 = keyed(&f, "DELETE", "/symbols/DELX", NULL, NULL, "d1");
    cr_assert_eq(r2.status, 200, "the retry is the delete's answer, not 404: %s", r2.body);
    cr_assert_str_eq(r2.body, r1.body);
    http_free(&r2);

    /* bars uploaded since, and another delete with another key in between: a late retry
     * of d1 still replays and deletes nothing */
    post_bars(&f, "DELX", 0, 50);
    struct http_reply r = keyed(&f, "DELETE", "/symbols/DELX", NULL, NULL, "d2");
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    post_bars(&f, "DELX", 0, 30);
    r = keyed(&f, "DELETE", "/symbols/DELX", NULL, NULL, "d1");
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(r.body, r1.body);
    http_free(&r);
    cr_assert_eq(count(&f, "SELECT count(*) FROM bars WHERE symbol = 'DELX'"), 30);

    /* the same key with another query or another symbol */
    r = keyed(&f, "DELETE", "/symbols/DELX?force=true", NULL, NULL, "d1");
    expect_code(&r, 422, "idempotency_key_reused");
    http_free(&r);
    r = keyed(&f, "DELETE", "/symbols/DELY", NULL, NULL, "d1");
    expect_code(&r, 422, "idempotency_key_reused");
    http_free(&r);
    cr_assert_eq(count(&f, "SELECT count(*) FROM bars WHERE symbol = 'DELX'"), 30);
    cr_assert_eq(count(&f, "SELECT count(*) FROM bars WHERE symbol = 'DELY'"), 100);
    http_free(&r1);
    stop(&f);
}

Test(idempotency, two_key_headers_are_refused_and_apply_nothing, .timeout = 180)
{
    struct fx f;
    start(&f, "t_idem_two");
    prepare_setups(&f);
    long a = open_trade(&f, NULL);
    char body[256], close[128], pt[64], pc[64];
    trail_body(&f, 900, body, sizeof body);
    close_body(&f, 900, close, sizeof close);
    trade_path(a, "trail", pt, sizeof pt);
    trade_path(a, "close", pc, sizeof pc);

    struct http_reply r = keyed2(&f, "PATCH", pt, "application/json", body, "k4", "k5");
    expect_code(&r, 422, "invalid_idempotency_key");
    http_free(&r);
    cr_assert_eq(updates(&f, a), 0);
    r = keyed2(&f, "POST", pc, "application/json", close, "k4", "k4");
    expect_code(&r, 422, "invalid_idempotency_key");
    http_free(&r);
    cr_assert_eq(closed_events(&f, a), 0);
    r = keyed2(&f, "DELETE", "/symbols/EURUSD?force=true", NULL, NULL, "k4", "k5");
    expect_code(&r, 422, "invalid_idempotency_key");
    http_free(&r);
    cr_assert_eq(count(&f, "SELECT count(*) FROM bars"), 3000);
    char *bars = harness_bars_json("EURUSD", "M15", f.bars, 3000, 3010);
    r = keyed2(&f, "POST", "/bars", "application/json", bars, "k4", "k5");
    expect_code(&r, 422, "invalid_idempotency_key");
    http_free(&r);
    free(bars);
    r = keyed2(&f, "POST", "/setups", "application/json", f.setup, "k4", "k5");
    expect_code(&r, 422, "invalid_idempotency_key");
    http_free(&r);
    cr_assert_eq(count(&f, "SELECT count(*) FROM bars"), 3000);
    cr_assert_eq(count(&f, "SELECT count(*) FROM liquidity_trades"), 1);
    cr_assert_eq(count(&f, "SELECT count(*) FROM idempotency_keys"), 0, "no key stored");
    /* the merged form a proxy would send is the same 422 */
    r = keyed(&f, "PATCH", pt, "application/json", body, "k4, k5");
    expect_code(&r, 422, "invalid_idempotency_key");
    http_free(&r);
    stop(&f);
}
