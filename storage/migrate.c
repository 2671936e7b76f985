/*
 * migrate.c - schema migrations, each in a transaction, under an advisory lock.
 */
#include "storage/migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/pg.h"

#define MIGRATION_LOCK_KEY "7321001"

static int exec_ok(PGconn *c, PGresult *r, char *err, int errlen)
{
    ExecStatusType st = PQresultStatus(r);
    int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        snprintf(err, (size_t)errlen, "%s", PQerrorMessage(c));
    return ok;
}

static int run(PGconn *c, const char *sql, char *err, int errlen)
{
    PGresult *r = PQexec(c, sql);
    int ok = exec_ok(c, r, err, errlen);
    PQclear(r);
    return ok ? 0 : -1;
}

static int is_applied(PGconn *c, const char *name, int *applied, char *err, int errlen)
{
    const char *params[1] = {name};
    PGresult *r = PQexecParams(c, "SELECT 1 FROM schema_migrations WHERE name = $1", 1, NULL,
                               params, NULL, NULL, 0);
    int ok = exec_ok(c, r, err, errlen);
    if (ok)
        *applied = PQntuples(r) > 0;
    PQclear(r);
    return ok ? 0 : -1;
}

static int apply_one(PGconn *c, const struct migration *m, char *err, int errlen)
{
    if (run(c, "BEGIN", err, errlen) != 0)
        return -1;
    const char *params[1] = {m->name};
    if (run(c, m->sql, err, errlen) != 0)
        goto rollback;
    PGresult *r = PQexecParams(c, "INSERT INTO schema_migrations (name) VALUES ($1)", 1, NULL,
                               params, NULL, NULL, 0);
    int ok = exec_ok(c, r, err, errlen);
    PQclear(r);
    if (!ok)
        goto rollback;
    return run(c, "COMMIT", err, errlen);
rollback:
    pg_rollback(c);
    return -1;
}

int migrate_apply(int *applied, char *err, int errlen)
{
    *applied = 0;
    PGconn *c = pg_connect_raw();
    if (c == NULL) {
        snprintf(err, (size_t)errlen, "cannot connect to the database");
        return -1;
    }
    int rc = run(c, "SELECT pg_advisory_lock(" MIGRATION_LOCK_KEY ")", err, errlen);
    if (rc == 0)
        rc = run(c,
                 "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, "
                 "applied_at timestamptz NOT NULL DEFAULT now())",
                 err, errlen);
    for (int i = 0; rc == 0 && i < MIGRATION_COUNT; i++) {
        int done = 0;
        rc = is_applied(c, MIGRATIONS[i].name, &done, err, errlen);
        if (rc != 0 || done)
            continue;
        rc = apply_one(c, &MIGRATIONS[i], err, errlen);
        if (rc != 0) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s: %s", MIGRATIONS[i].name, err);
            snprintf(err, (size_t)errlen, "%s", msg);
        } else {
            (*applied)++;
        }
    }
    PQclear(PQexec(c, "SELECT pg_advisory_unlock(" MIGRATION_LOCK_KEY ")"));
    PQfinish(c);
    return rc;
}
