/*
 * Starting against a database that is not (yet) the service's (issue 16 item 8: the error
 * paths of storage/migrate.c, service/lifecycle.c and the restore at start). A migration
 * that fails is rolled back whole and names itself; the service then refuses to start
 * (app_start NULL, the reason in err) instead of serving a half-made schema, and starts
 * once the obstacle is gone, applying every migration exactly once. An unreachable database
 * and a stored row the service cannot read back refuse the start the same way.
 */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/lifecycle.h"
#include "storage/migrate.h"
#include "tests/support/harness.h"

/* app_start must refuse; its reason must contain want. */
static void expect_refused(const char *url, const char *want)
{
    struct app_config cfg;
    harness_config(&cfg, url);
    char err[512] = "";
    struct app *a = app_start(&cfg, err, sizeof err);
    cr_expect_null(a, "started on %s", url);
    if (a != NULL)
        app_stop(a);
    cr_expect_not_null(strstr(err, want), "reason '%s' lacks '%s'", err, want);
}

Test(migration_faults, a_failing_migration_is_rolled_back_and_named, .timeout = 120)
{
    char url[512];
    harness_db("t_migration_faults", url, sizeof url);
    /* a table of the first migration already there, of another shape */
    harness_sql_exec(url, "CREATE TABLE bars (note text)");
    expect_refused(url, "migrations: 001_init.sql: ");
    cr_expect_eq(harness_sql_long(url, "SELECT count(*) FROM schema_migrations"), 0,
                 "a failed migration was recorded");
    cr_expect_eq(harness_sql_long(url, "SELECT count(*) FROM pg_tables WHERE tablename = "
                                       "'symbols'"), 0,
                 "the failed migration's other tables were kept");

    /* the ledger itself of another shape: the check whether a migration ran fails */
    harness_sql_exec(url, "DROP TABLE bars");
    harness_sql_exec(url, "DROP TABLE schema_migrations");
    harness_sql_exec(url, "CREATE TABLE schema_migrations (name integer PRIMARY KEY)");
    expect_refused(url, "migrations: ");
    cr_expect_eq(harness_sql_long(url, "SELECT count(*) FROM pg_tables WHERE tablename = "
                                       "'symbols'"), 0);
    harness_sql_exec(url, "DROP TABLE schema_migrations");

    /* the obstacle gone: every migration applies, once */
    int applied = -1;
    char err[512] = "";
    cr_assert_eq(service_migrate(url, &applied, err, sizeof err), 0, "%s", err);
    cr_expect_eq(applied, MIGRATION_COUNT);
    cr_expect_eq(harness_sql_long(url, "SELECT count(*) FROM schema_migrations"),
                 MIGRATION_COUNT);
    cr_assert_eq(service_migrate(url, &applied, err, sizeof err), 0, "%s", err);
    cr_expect_eq(applied, 0, "a migration ran twice");
    struct app_config cfg;
    harness_config(&cfg, url);
    struct app *a = harness_start(&cfg);
    struct http_reply r = http_get(a, "/health");
    cr_expect_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    app_stop(a);
}

Test(migration_faults, an_unreachable_database_refuses_the_start)
{
    char url[600];
    snprintf(url, sizeof url, "%s", getenv("LIQ_DATABASE_URL"));
    /* the same server, a database that does not exist */
    char *q = strchr(url, '?');
    cr_assert_not_null(q);
    char *slash = q;
    while (slash > url && *slash != '/')
        slash--;
    char tail[300];
    snprintf(tail, sizeof tail, "%s", q);
    snprintf(slash, sizeof url - (size_t)(slash - url), "/t_no_such_database%s", tail);
    expect_refused(url, "cannot connect to the database");
    int applied = -1;
    char err[256] = "";
    cr_expect_eq(service_migrate(url, &applied, err, sizeof err), -1);
    cr_expect_eq(applied, 0);
}

Test(migration_faults, a_stored_symbol_that_does_not_read_back_refuses_the_start,
     .timeout = 120)
{
    char url[512];
    harness_db("t_migration_restore", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    struct app *a = harness_start(&cfg);
    size_t n;
    struct bar *bars = harness_eurusd(&n);
    char *json = harness_bars_json("EURUSD", "M15", bars, 0, 300);
    struct http_reply r = http_post_json(a, "/bars", json);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    free(json);
    free(bars);
    app_stop(a);
    /* a timeframe this build does not know */
    harness_sql_exec(url, "ALTER TABLE symbols DROP CONSTRAINT IF EXISTS symbols_base_timeframe_check");
    harness_sql_exec(url, "UPDATE symbols SET base_timeframe = 'M7' WHERE symbol = 'EURUSD'");
    char err[512] = "";
    struct app *b = app_start(&cfg, err, sizeof err);
    cr_expect_null(b, "started with a symbol row it cannot read");
    if (b != NULL)
        app_stop(b);
    cr_expect_neq(err[0], '\0');
    harness_sql_exec(url, "UPDATE symbols SET base_timeframe = 'M15' WHERE symbol = 'EURUSD'");
    b = harness_start(&cfg);
    r = http_get(b, "/bars?symbol=EURUSD&limit=1000");
    cr_expect_eq(r.status, 200, "%s", r.body);
    json_t *j = http_json(&r);
    cr_expect_eq(json_array_size(json_object_get(j, "bars")), 300, "%s", r.body);
    json_decref(j);
    http_free(&r);
    app_stop(b);
}
