/*
 * Group commit under concurrency (issue 24, item "writes that share one fsync", part a):
 * many threads write at once - bars of eight symbols, then setups, trails and closes of
 * trades on them - with database_group_commit on, so their COMMITs share WAL flushes
 * (storage/pg_group.c). Every answer is recorded, and afterwards each must match the
 * database row for row: every acknowledged bar stored, every acknowledged trade stored with
 * the stop and status its last answer gave, nothing stored that was not acknowledged; the
 * service's memory (GET /trades/{id}) equals the rows; and /metrics shows the writes really
 * shared flushes (fewer flushes than grouped writes).
 *
 * The worker threads only record (Criterion asserts on the test's thread); the checks run
 * after every thread joined.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/harness.h"

#define SYMBOLS 8
#define WORKERS 16
#define BARS 3000       /* bars per symbol before trading */
#define BATCH 100       /* bars per POST /bars: 30 concurrent posts per symbol */
#define TRADES 6        /* trades each worker opens */
#define TRAILS 8        /* trails of each trade */

struct trade_rec {
    long id;
    char status[16];
    double stop;
};

struct worker {
    struct app *a;
    const struct bar *bars;
    int k;                      /* worker index; symbol GC<k % SYMBOLS> */
    char err[512];              /* the first wrong answer, "" if none */
    struct trade_rec trades[TRADES];
    int ntrades;
    long writes;                /* writes acknowledged */
};

static void symbol_of(int k, char *out, size_t len)
{
    snprintf(out, len, "GC%d", k % SYMBOLS);
}

static void fail(struct worker *w, const char *what, const struct http_reply *r)
{
    if (w->err[0] == '\0')
        snprintf(w->err, sizeof w->err, "worker %d: %s: %ld %.300s", w->k, what, r->status,
                 r->body ? r->body : "");
}

/* Worker k < SYMBOLS posts symbol k's first BARS bars in batches. */
static void *post_bars(void *arg)
{
    struct worker *w = arg;
    char sym[16];
    symbol_of(w->k, sym, sizeof sym);
    for (size_t i = 0; i < BARS && w->err[0] == '\0'; i += BATCH) {
        char *json = harness_bars_json(sym, "M15", w->bars, i, i + BATCH);
        struct http_reply r = http_post_json(w->a, "/bars", json);
        free(json);
        if (r.status != 200)
            fail(w, "POST /bars", &r);
        else
            w->writes++;
        http_free(&r);
    }
    return NULL;
}

/* The trade's state from an answer holding status and stop_price (trail, close). */
static int take_state(struct trade_rec *t, const struct http_reply *r)
{
    json_t *j = json_loadb(r->body, r->len, 0, NULL);
    if (j == NULL)
        return -1;
    const char *st = json_string_value(json_object_get(j, "status"));
    json_t *stop = json_object_get(j, "stop_price");
    int ok = st != NULL && json_is_number(stop);
    if (ok) {
        snprintf(t->status, sizeof t->status, "%s", st);
        t->stop = json_number_value(stop);
    }
    json_decref(j);
    return ok ? 0 : -1;
}

/* Opens TRADES trades on the worker's symbol, trails each TRAILS times along the bars after
 * BARS, and closes every other one. */
static void *trade(void *arg)
{
    struct worker *w = arg;
    char sym[16];
    symbol_of(w->k, sym, sizeof sym);
    const struct bar *last = &w->bars[BARS - 1];
    for (int n = 0; n < TRADES && w->err[0] == '\0'; n++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"symbol\":\"%s\",\"side\":\"%s\",\"entry\":%.5f,\"trend_score\":0.9,"
                 "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}", sym,
                 n % 2 ? "SELL" : "BUY", last->close);
        struct http_reply r = http_post_json(w->a, "/setups", body);
        if (r.status == 201) {
            json_t *j = json_loadb(r.body, r.len, 0, NULL);
            struct trade_rec *t = &w->trades[w->ntrades++];
            t->id = j ? (long)json_integer_value(json_object_get(j, "trade_id")) : 0;
            snprintf(t->status, sizeof t->status, "open");
            t->stop = j ? json_number_value(json_object_get(json_object_get(j, "stop"),
                                                            "price")) : NAN;
            json_decref(j);
            w->writes++;
            if (t->id <= 0)
                fail(w, "POST /setups without trade_id", &r);
        } else if (r.status != 422) {
            fail(w, "POST /setups", &r);
        }
        http_free(&r);
    }
    for (int s = 0; s < TRAILS && w->err[0] == '\0'; s++) {
        const struct bar *b = &w->bars[BARS + s];
        for (int i = 0; i < w->ntrades && w->err[0] == '\0'; i++) {
            struct trade_rec *t = &w->trades[i];
            if (strcmp(t->status, "open") != 0)
                continue;
            char path[64], body[200];
            snprintf(path, sizeof path, "/trades/%ld/trail", t->id);
            snprintf(body, sizeof body, "{\"price\":%.5f,\"high\":%.5f,\"low\":%.5f}",
                     b->close, b->high, b->low);
            struct http_reply r = http_do(w->a, "PATCH", path, "application/json", body,
                                          strlen(body));
            if (r.status != 200 || take_state(t, &r) != 0)
                fail(w, path, &r);
            else
                w->writes++;
            http_free(&r);
        }
    }
    for (int i = 0; i < w->ntrades && w->err[0] == '\0'; i += 2) {
        struct trade_rec *t = &w->trades[i];
        if (strcmp(t->status, "open") != 0)
            continue;
        char path[64], body[64];
        snprintf(path, sizeof path, "/trades/%ld/close", t->id);
        snprintf(body, sizeof body, "{\"price\":%.5f}", w->bars[BARS + TRAILS].close);
        struct http_reply r = http_post_json(w->a, path, body);
        if (r.status != 200 || take_state(t, &r) != 0)
            fail(w, path, &r);
        else
            w->writes++;
        http_free(&r);
    }
    return NULL;
}

static void run_all(struct worker *w, int n, void *(*fn)(void *))
{
    pthread_t th[WORKERS];
    for (int i = 0; i < n; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, fn, &w[i]), 0);
    for (int i = 0; i < n; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < n; i++)
        cr_assert_str_empty(w[i].err, "%s", w[i].err);
}

static double metric(struct app *a, const char *name)
{
    struct http_reply r = http_get(a, "/metrics");
    cr_assert_eq(r.status, 200);
    char key[128];
    snprintf(key, sizeof key, "\n%s ", name);
    const char *p = strstr(r.body, key);
    cr_assert_not_null(p, "%s not in /metrics", name);
    double v = strtod(p + strlen(key), NULL);
    http_free(&r);
    return v;
}

Test(group_commit, concurrent_writes_of_many_symbols_answer_what_the_database_holds,
     .timeout = 600)
{
    char url[512], sql[256];
    harness_db("t_group_commit", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    cfg.threads = WORKERS;
    cfg.database_group_commit = 1;
    cfg.params.min_rr_ratio = 0.5;
    cfg.params.min_liquidity_strength = 0.05;
    char names[SYMBOLS][16];
    for (int k = 0; k < SYMBOLS; k++) {
        symbol_of(k, names[k], sizeof names[k]);
        cfg.instruments[k] = (struct instrument){.pip_size = 0.0001};
        snprintf(cfg.instruments[k].symbol, sizeof cfg.instruments[k].symbol, "%s", names[k]);
    }
    cfg.ninstruments = SYMBOLS;
    struct app *a = harness_start(&cfg);
    size_t nbars;
    struct bar *bars = harness_eurusd(&nbars);
    cr_assert_gt(nbars, BARS + TRAILS + 1);

    static struct worker w[WORKERS];
    memset(w, 0, sizeof w);
    for (int i = 0; i < WORKERS; i++)
        w[i] = (struct worker){.a = a, .bars = bars, .k = i};
    run_all(w, SYMBOLS, post_bars);
    for (int k = 0; k < SYMBOLS; k++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM bars WHERE symbol = '%s'", names[k]);
        cr_assert_eq(harness_sql_long(url, sql), BARS, "%s: acknowledged bars stored", names[k]);
    }

    run_all(w, WORKERS, trade);
    long writes = 0, trades = 0;
    for (int i = 0; i < WORKERS; i++) {
        writes += w[i].writes;
        trades += w[i].ntrades;
        for (int n = 0; n < w[i].ntrades; n++) {
            const struct trade_rec *t = &w[i].trades[n];
            snprintf(sql, sizeof sql,
                     "SELECT count(*) FROM liquidity_trades WHERE id = %ld AND status = '%s' "
                     "AND stop_price = %.17g", t->id, t->status, t->stop);
            cr_assert_eq(harness_sql_long(url, sql), 1,
                         "trade %ld: the database does not hold the acknowledged %s, stop %.17g",
                         t->id, t->status, t->stop);
            char path[64];
            snprintf(path, sizeof path, "/trades/%ld", t->id);
            struct http_reply r = http_get(a, path);
            cr_assert_eq(r.status, 200, "%s", r.body);
            struct trade_rec mem;
            cr_assert_eq(take_state(&mem, &r), 0, "%s", r.body);
            cr_assert_str_eq(mem.status, t->status, "trade %ld in memory", t->id);
            cr_assert_eq(mem.stop, t->stop, "trade %ld in memory", t->id);
            http_free(&r);
        }
    }
    cr_assert_gt(trades, WORKERS, "too few setups accepted (%ld) to test anything", trades);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM liquidity_trades"), trades,
                 "the database holds trades nobody was answered for");

    /* the writes that met another COMMIT under way shared flushes (a COMMIT alone flushes
     * on its own and is not counted) */
    double gw = metric(a, "liq_db_group_commit_writes_total");
    double gf = metric(a, "liq_db_group_commit_flushes_total");
    cr_assert_leq(gw, (double)writes, "%.0f grouped writes, %ld acknowledged", gw, writes);
    cr_assert_gt(gw, 0, "16 threads writing and no COMMIT met another");
    cr_assert_lt(gf, gw, "no write shared a flush: %.0f flushes for %.0f writes", gf, gw);
    fprintf(stderr, "group_commit: %.0f writes shared %.0f flushes (%ld trades)\n", gw, gf,
            trades);
    app_stop(a);
    free(bars);
}
