/*
 * Ghost symbols (issue 21 item 2): a symbol exists only once something of it is committed.
 * A first write of a new symbol that fails - PostgreSQL raises (a trigger), the statement
 * times out, the bars are refused - must leave nothing: no registry entry (/health's count,
 * GET /symbols, max_symbols), no lease (symbol_leases, lease_log, the lease cache). The
 * failures are real PostgreSQL ones, more of them than max_symbols; then new symbols are
 * still taken up to the limit and every count agrees. The second test races failing and
 * succeeding first writes of the same symbols against reads of them (run under ASan in
 * the sanitizer tree): whatever committed is listed everywhere, nothing else anywhere.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/harness.h"

static void one_bar(char *buf, size_t len, const char *symbol, long ts)
{
    snprintf(buf, len,
             "{\"symbol\":\"%s\",\"timeframe\":\"M15\",\"ts\":%ld,\"open\":1.1,\"high\":1.2,"
             "\"low\":1.0,\"close\":1.1,\"volume\":1}",
             symbol, ts);
}

static long post_bar(const struct app *a, const char *symbol, long ts)
{
    char body[256];
    one_bar(body, sizeof body, symbol, ts);
    struct http_reply r = http_post_json(a, "/bars", body);
    long st = r.status;
    http_free(&r);
    return st;
}

/* /health's "symbols" and the length of GET /symbols' list. */
static void counts(const struct app *a, long *health, long *listed)
{
    struct http_reply r = http_get(a, "/health");
    json_t *h = http_json(&r);
    *health = (long)json_integer_value(json_object_get(h, "symbols"));
    json_decref(h);
    http_free(&r);
    r = http_get(a, "/symbols");
    json_t *s = http_json(&r);
    *listed = (long)json_array_size(json_object_get(s, "symbols"));
    json_decref(s);
    http_free(&r);
}

#define REFUSE_SQL                                                                          \
    "CREATE FUNCTION ghost_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "         \
    "IF NEW.symbol LIKE 'SLOW%' THEN PERFORM pg_sleep(2); END IF; "                        \
    "RAISE EXCEPTION 'refused by the test'; END $$; "                                       \
    "CREATE TRIGGER ghost_symbols BEFORE INSERT ON symbols FOR EACH ROW "                  \
    "WHEN (NEW.symbol LIKE 'GHOST%') EXECUTE FUNCTION ghost_refuse(); "                     \
    "CREATE TRIGGER ghost_bars BEFORE INSERT ON bars FOR EACH ROW "                        \
    "WHEN (NEW.symbol LIKE 'BARS%' OR NEW.symbol LIKE 'SLOW%') "                            \
    "EXECUTE FUNCTION ghost_refuse()"

Test(ghosts, failed_first_writes_leave_no_symbol_and_no_lease, .timeout = 120)
{
    char url[512];
    harness_db("liq_t_ghosts", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    cfg.max_symbols = 4;
    cfg.database_statement_timeout_ms = 500;
    struct app *a = harness_start(&cfg);
    harness_sql_exec(url, REFUSE_SQL);
    cr_assert_eq(post_bar(a, "GOOD0", 1665360000), 200);
    /* three times max_symbols failed first writes: the symbols row refused, the bars'
     * COPY refused, a statement timeout (the trigger sleeps past it), a 422 */
    char sym[32], path[96];
    int failed = 0;
    for (int i = 0; i < 12; i++) {
        const char *kind = i % 4 == 0 ? "BARS" : i == 5 ? "SLOW" : "GHOST";
        snprintf(sym, sizeof sym, "%s%d", kind, i);
        long st = post_bar(a, sym, 1665360000);
        cr_assert_eq(st, 503, "%s: the database refused it: %ld", sym, st);
        failed++;
        /* the same new symbol again, and a read of it: still nothing */
        cr_assert_eq(post_bar(a, sym, 1665360900), 503, "%s again", sym);
        snprintf(path, sizeof path, "/zones?symbol=%s", sym);
        struct http_reply r = http_get(a, path);
        cr_assert_eq(r.status, 404, "%s after its failed writes: %ld %s", sym, r.status, r.body);
        http_free(&r);
    }
    /* bars out of order in a new symbol's first request: a 422, and no symbol either */
    const char *unordered =
        "[{\"symbol\":\"ORDER1\",\"timeframe\":\"M15\",\"ts\":1665360900,\"open\":1.1,"
        "\"high\":1.2,\"low\":1.0,\"close\":1.1,\"volume\":1},"
        "{\"symbol\":\"ORDER1\",\"timeframe\":\"M15\",\"ts\":1665360000,\"open\":1.1,"
        "\"high\":1.2,\"low\":1.0,\"close\":1.1,\"volume\":1}]";
    struct http_reply r = http_post_json(a, "/bars", unordered);
    cr_assert_eq(r.status / 100, 4, "out of order: %ld %s", r.status, r.body);
    http_free(&r);
    cr_assert_eq(failed, 12);
    long health, listed;
    counts(a, &health, &listed);
    cr_assert_eq(health, 1, "failed first writes counted in /health: %ld", health);
    cr_assert_eq(listed, 1);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM symbol_leases"), 1,
                 "a failed first write left a lease row");
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM lease_log"), 1,
                 "a failed first write left a lease_log row");
    /* new symbols are still taken, up to max_symbols, and the counts agree */
    for (int i = 1; i < 4; i++) {
        snprintf(sym, sizeof sym, "GOOD%d", i);
        cr_assert_eq(post_bar(a, sym, 1665360000), 200, "%s after the failures", sym);
    }
    cr_assert_eq(post_bar(a, "GOOD4", 1665360000), 507, "the limit is max_symbols still");
    counts(a, &health, &listed);
    cr_assert_eq(health, 4);
    cr_assert_eq(listed, 4);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM symbol_leases"), 4);
    /* a symbol whose first writes failed is written once the database takes it */
    harness_sql_exec(url, "DROP TRIGGER ghost_symbols ON symbols");
    cr_assert_eq(post_bar(a, "GOOD1", 1665360900), 200);
    r = http_get(a, "/metrics");
    cr_assert(strstr(r.body, "liq_leases_held 4\n") != NULL, "%s", r.body);
    http_free(&r);
    app_stop(a);
}

/* --- failing first writes racing reads of the same symbols --------------------------- */

#define RACE_SYMBOLS 6
#define RACE_WRITES 40

struct racer {
    const struct app *a;
    int id;
    atomic_int *stop;
    long ok[RACE_SYMBOLS]; /* writes answered 200, per symbol */
    long bad;              /* an answer outside the expected ones */
    long last_bad;
};

static void *race_writer(void *arg)
{
    struct racer *w = arg;
    char sym[16];
    for (int i = 0; i < RACE_WRITES; i++) {
        int k = (i + w->id) % RACE_SYMBOLS;
        snprintf(sym, sizeof sym, "RACE%d", k);
        /* each writer its own bar time: a commit of another writer's is no duplicate */
        long st = post_bar(w->a, sym, 1665360000 + 900L * (w->id * RACE_WRITES + i));
        if (st == 200)
            w->ok[k]++;
        else if (st != 503 && st != 422) {
            w->bad++;
            w->last_bad = st;
        }
    }
    return NULL;
}

static void *race_reader(void *arg)
{
    struct racer *w = arg;
    char path[96];
    for (int i = 0; !atomic_load(w->stop); i++) {
        int k = i % RACE_SYMBOLS;
        const char *what = i % 4 == 0 ? "/zones?symbol=RACE%d" : i % 4 == 1 ? "/symbols"
                           : i % 4 == 2 ? "/bars?symbol=RACE%d" : "/health";
        snprintf(path, sizeof path, what, k);
        struct http_reply r = http_get(w->a, path);
        if (r.status != 200 && r.status != 404 && r.status != 503) {
            w->bad++;
            w->last_bad = r.status;
        }
        http_free(&r);
    }
    return NULL;
}

Test(ghosts, failing_first_writes_racing_reads_leave_only_what_committed, .timeout = 300)
{
    char url[512];
    harness_db("liq_t_ghost_race", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    cfg.threads = 4;
    struct app *a = harness_start(&cfg);
    /* every symbols row of RACE* fails until the test's lottery lets one through (RACE4
     * and RACE5 never): many first writes fail while others of the same symbol wait for
     * them or succeed */
    harness_sql_exec(url,
                     "CREATE FUNCTION race_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
                     "BEGIN IF NEW.symbol IN ('RACE4', 'RACE5') OR random() < 0.85 THEN "
                     "RAISE EXCEPTION 'lost the lottery'; "
                     "END IF; RETURN NEW; END $$; "
                     "CREATE TRIGGER race_symbols BEFORE INSERT ON symbols FOR EACH ROW "
                     "WHEN (NEW.symbol LIKE 'RACE%') EXECUTE FUNCTION race_refuse()");
    atomic_int stop = 0;
    struct racer w[4], rd[2];
    pthread_t tw[4], tr[2];
    for (int i = 0; i < 2; i++) {
        rd[i] = (struct racer){.a = a, .id = i, .stop = &stop};
        cr_assert_eq(pthread_create(&tr[i], NULL, race_reader, &rd[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        w[i] = (struct racer){.a = a, .id = i, .stop = &stop};
        cr_assert_eq(pthread_create(&tw[i], NULL, race_writer, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(tw[i], NULL);
    atomic_store(&stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(tr[i], NULL);
    long committed = 0;
    for (int i = 0; i < 4; i++)
        cr_assert_eq(w[i].bad, 0, "writer %d answered %ld", i, w[i].last_bad);
    for (int i = 0; i < 2; i++)
        cr_assert_eq(rd[i].bad, 0, "reader %d answered %ld", i, rd[i].last_bad);
    char sql[256], path[96];
    for (int k = 0; k < RACE_SYMBOLS; k++) {
        long ok = 0;
        for (int i = 0; i < 4; i++)
            ok += w[i].ok[k];
        committed += ok > 0;
        if (k >= 4)
            cr_assert_eq(ok, 0, "RACE%d is refused every time", k);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM bars WHERE symbol = 'RACE%d'", k);
        cr_assert_eq(harness_sql_long(url, sql), ok, "RACE%d: 200s and stored bars", k);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM symbol_leases WHERE symbol = 'RACE%d'",
                 k);
        cr_assert_eq(harness_sql_long(url, sql), ok > 0, "RACE%d: a lease iff stored", k);
        snprintf(path, sizeof path, "/bars?symbol=RACE%d", k);
        struct http_reply r = http_get(a, path);
        cr_assert_eq(r.status, ok > 0 ? 200 : 404, "RACE%d: %ld %s", k, r.status, r.body);
        http_free(&r);
    }
    long health, listed;
    counts(a, &health, &listed);
    cr_assert_eq(health, committed, "/health counts %ld, %ld committed", health, committed);
    cr_assert_eq(listed, committed);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM symbols"), committed);
    app_stop(a);
}
