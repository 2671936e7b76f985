/*
 * A restarted lone instance serves its symbols as soon as /health is ok (issue 21 item 6).
 * The real liquidityd is loaded with the EURUSD M15 year and killed with SIGKILL, then
 * restarted on the same database under the same instance name (spawn.c: "spawned"): it
 * re-takes its own leases at once (no lease_ttl_ms wait), and until the symbols it owns are
 * served /health answers 503 "starting" - observed deterministically by holding the
 * EURUSD lease row locked from the test, so taking it waits, then letting it go. As soon as
 * /health says ok, GET /zones answers 200 with the zones of before the kill (no 503
 * symbol_moving). Another instance's live lease (OTHER, given to "elsewhere") is still
 * waited for: 503, and its row is not taken. The time from kill -9 to zones served is
 * measured by bench/restart_kill9, not here.
 */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tests/support/harness.h"
#include "tests/support/spawn.h"

static char *zones_body(int port, const char *symbol, long *status)
{
    char path[96];
    snprintf(path, sizeof path, "/zones?symbol=%s&active=all&limit=10000", symbol);
    struct http_reply r;
    if (spawn_http(port, "GET", path, NULL, NULL, 0, NULL, &r) != 0) {
        *status = 0;
        return NULL;
    }
    *status = r.status;
    char *b = strdup(r.body);
    http_free(&r);
    return b;
}

/* /health's status code and "status" field ("" when it does not answer). */
static long health(int port, char *status, size_t len)
{
    struct http_reply r;
    status[0] = '\0';
    if (spawn_http(port, "GET", "/health", NULL, NULL, 0, NULL, &r) != 0)
        return 0;
    long code = r.status;
    json_t *j = json_loadb(r.body, r.len, 0, NULL);
    const char *s = j ? json_string_value(json_object_get(j, "status")) : NULL;
    snprintf(status, len, "%s", s ? s : "");
    json_decref(j);
    http_free(&r);
    return code;
}

Test(restart_own, a_restarted_instance_serves_its_symbols_as_soon_as_health_is_ok,
     .timeout = 300)
{
    char url[512], dburl[600];
    harness_db("liq_t_restart_own", url, sizeof url);
    snprintf(dburl, sizeof dburl, "LIQ_DATABASE_URL=%s", url);
    /* the test holds a lease row locked for a while: the restart's take waits for it */
    const char *env[] = {dburl, "LIQ_DATABASE_LOCK_TIMEOUT_MS=60000",
                         "LIQ_DATABASE_TIMEOUT_MS=60000", "LIQ_DATABASE_STATEMENT_TIMEOUT_MS=0",
                         NULL};
    struct spawned p;
    spawn_start(&p, env, NULL, "restart_own_1");
    size_t len = 0;
    char *csv = harness_read_file(LIQ_DATA_DIR "/EURUSD_15M.csv", &len);
    struct http_reply r;
    cr_assert_eq(spawn_http(p.port, "POST", "/bars?symbol=EURUSD&timeframe=M15", "text/csv",
                            csv, len, NULL, &r), 0);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    http_free(&r);
    free(csv);
    const char *other = "{\"symbol\":\"OTHER\",\"timeframe\":\"M15\",\"ts\":1665360000,"
                        "\"open\":1.1,\"high\":1.2,\"low\":1.0,\"close\":1.1,\"volume\":1}";
    cr_assert_eq(spawn_http(p.port, "POST", "/bars", "application/json", other, strlen(other),
                            NULL, &r), 0);
    cr_assert_eq(r.status, 200, "%ld %s", r.status, r.body);
    http_free(&r);
    long st = 0;
    char *before = zones_body(p.port, "EURUSD", &st);
    cr_assert_eq(st, 200);
    spawn_kill(&p);
    /* OTHER is now another live instance's; EURUSD's row is held by the test */
    harness_sql_exec(url, "UPDATE symbol_leases SET owner = 'elsewhere#1', "
                          "expires_at = clock_timestamp() + interval '1 hour' "
                          "WHERE symbol = 'OTHER'");
    PGconn *locker = PQconnectdb(url);
    cr_assert_eq(PQstatus(locker), CONNECTION_OK);
    PGresult *res = PQexec(locker, "BEGIN; SELECT 1 FROM symbol_leases WHERE symbol = "
                                   "'EURUSD' FOR UPDATE");
    cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(locker));
    PQclear(res);

    struct spawned q;
    spawn_start(&q, env, NULL, "restart_own_2"); /* listening: the take still waits */
    char status[32];
    long code = 0;
    double t0 = spawn_now();
    while (spawn_now() - t0 < 30 && (code = health(q.port, status, sizeof status)) != 503)
        ;
    cr_assert_eq(code, 503, "/health while its symbols are not served: %ld", code);
    cr_assert_str_eq(status, "starting");
    cr_assert_eq(health(q.port, status, sizeof status), 503, "still starting: the take waits");
    res = PQexec(locker, "COMMIT");
    PQclear(res);
    PQfinish(locker);
    t0 = spawn_now();
    while (spawn_now() - t0 < 60 && (code = health(q.port, status, sizeof status)) != 200)
        cr_assert(code == 503 && strcmp(status, "starting") == 0, "%ld %s", code, status);
    cr_assert_eq(code, 200, "/health never ok: %ld %s", code, status);
    /* ok: its own symbols are served at once, as before the kill */
    char *after = zones_body(q.port, "EURUSD", &st);
    cr_assert_eq(st, 200, "GET /zones right after /health ok: %ld %s", st, after);
    cr_assert_str_eq(after, before, "the zones of before the kill");
    /* another instance's live lease is waited for, not taken */
    free(zones_body(q.port, "OTHER", &st));
    cr_assert_eq(st, 503, "OTHER is another live instance's: %ld", st);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM symbol_leases WHERE symbol = "
                                       "'OTHER' AND owner = 'elsewhere#1'"),
                 1);
    free(before);
    free(after);
    spawn_kill(&q);
}
