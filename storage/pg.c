/*
 * pg.c - per-thread PostgreSQL connections with every statement prepared once.
 *
 * Each worker thread owns one PGconn, kept in thread-specific storage whose destructor
 * closes it when the thread ends. The statement table is the union of the store modules'
 * tables; it is prepared right after connecting, so a request never pays for a PREPARE.
 * No call blocks in libpq: each waits for its results with a deadline (storage/pg_wait.c).
 */
#include "storage/pg.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "storage/pg_session.h"
#include "storage/pg_wait.h"
#include "storage/stores.h"

struct thread_conn {
    PGconn *conn;
    int broken;
};

static char *g_url;
static pthread_key_t g_key;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static atomic_uint_fast64_t g_errors, g_reconnects, g_connects;

static void thread_conn_free(void *p)
{
    struct thread_conn *tc = p;
    if (tc->conn != NULL)
        PQfinish(tc->conn);
    free(tc);
}

static void make_key(void)
{
    pthread_key_create(&g_key, thread_conn_free);
}

void pg_configure(const char *url)
{
    free(g_url);
    g_url = strdup(url);
    pthread_once(&g_once, make_key);
}

const char *pg_url(void)
{
    return g_url ? g_url : "";
}

static void notice_quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

/*
 * PQexec's contract with a deadline: every result of what was just sent on c (sent: 1),
 * the last one kept (an error kept over later ones; a COPY's start ends the reading), or
 * NULL. Past end the call is given up (pg_wait.h); commit says a COMMIT was sent.
 */
static PGresult *collect(PGconn *c, int sent, int64_t end, int commit)
{
    if (!sent)
        return NULL;
    PGresult *keep = NULL, *r;
    for (;;) {
        int timed_out = 0;
        r = pgw_next_result(c, end, &timed_out);
        if (timed_out) {
            PQclear(keep);
            pgw_give_up(c, commit);
            return NULL;
        }
        if (r == NULL)
            break;
        ExecStatusType st = PQresultStatus(r);
        if (keep != NULL && PQresultStatus(keep) == PGRES_FATAL_ERROR) {
            PQclear(r);
        } else {
            PQclear(keep);
            keep = r;
        }
        if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH)
            break;
    }
    return keep;
}

/* One SQL text without parameters, until end. */
static PGresult *run_sql(PGconn *c, const char *sql, int64_t end)
{
    size_t n = strlen(sql); /* a COMMIT cut by the deadline: its outcome is unknown */
    return collect(c, PQsendQuery(c, sql) == 1, end, n >= 6 && !strcmp(sql + n - 6, "COMMIT"));
}

static int session_setup(PGconn *c, int64_t end)
{
    const struct pg_limits *l = pg_limits_get();
    char st[16], lk[16];
    snprintf(st, sizeof st, "%d", l->statement_timeout_ms);
    snprintf(lk, sizeof lk, "%d", l->lock_timeout_ms);
    const char *v[2] = {st, lk};
    PGresult *r = collect(c, PQsendQueryParams(c, "SELECT set_config('statement_timeout', $1, "
                                                  "false), set_config('lock_timeout', $2, false)",
                                               2, NULL, v, NULL, NULL, 0) == 1,
                          end, 0);
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    return ok ? 0 : -1;
}

static int prepare_all(PGconn *c)
{
    /* Staging table for zone upserts; per session, emptied at each commit. Made first:
     * statements that read it are prepared against it. */
    PGresult *t = run_sql(c, "CREATE TEMP TABLE IF NOT EXISTS zone_stage "
                             "(LIKE liquidity_levels INCLUDING DEFAULTS) ON COMMIT DELETE ROWS",
                          pgw_call_end());
    int made = PQresultStatus(t) == PGRES_COMMAND_OK;
    PQclear(t);
    if (!made) {
        pg_fail(c, "CREATE TEMP TABLE zone_stage");
        return -1;
    }
    for (size_t i = 0; i < STORE_STATEMENT_COUNT; i++) {
        const struct pg_stmt *s = &STORE_STATEMENTS[i];
        PGresult *r = collect(c, PQsendPrepare(c, s->name, s->sql, 0, NULL) == 1,
                              pgw_call_end(), 0);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok) { /* PostgreSQL's message may quote a client's value: log_str escapes it */
            struct log_line l;
            char msg[96];
            snprintf(msg, sizeof msg, "prepare %s failed", s->name);
            log_always(&l, LOG_ERROR, msg);
            log_str(&l, "pg", PQerrorMessage(c));
            log_end(&l);
        }
        PQclear(r);
        if (!ok)
            return -1;
    }
    return 0;
}

static PGconn *connect_until(int raw, int64_t end)
{
    char err[512];
    PGconn *c = pgw_connect(pg_url(), raw, end, err, sizeof err);
    if (c == NULL) {
        atomic_fetch_add(&g_errors, 1);
        struct log_line l;
        log_begin(&l, LOG_ERROR, "database: cannot connect");
        log_str(&l, "pg", err);
        log_end(&l);
        return NULL;
    }
    PQsetNoticeProcessor(c, notice_quiet, NULL);
    return c;
}

PGconn *pg_connect_raw(void)
{
    /* migrations and admin work: blocking, no statement deadline (docs/operations.md);
     * each host of the URL still gets the connect timeout */
    return connect_until(1, pgw_now_ms() + 8L * pg_limits_get()->connect_timeout_ms);
}

int pg_session_alive(PGconn *c)
{
    /* twice: one read may stop after the server's FATAL message, before the stream ends */
    for (int i = 0; i < 2 && PQstatus(c) == CONNECTION_OK; i++)
        if (PQconsumeInput(c) == 0)
            return 0;
    return PQstatus(c) == CONNECTION_OK;
}

PGconn *pg_session_new(void)
{
    /* connecting (every host) within one call deadline, then each round trip its own: on a
     * stalled server the first one that runs out gives the connection up, and the rest
     * fail at once */
    PGconn *c = connect_until(0, pgw_call_end());
    if (c == NULL)
        return NULL;
    /* Migrations may not be applied yet when migrate itself connects: prepare lazily. */
    if (session_setup(c, pgw_call_end()) != 0 || prepare_all(c) != 0) {
        PQfinish(c);
        return NULL;
    }
    pgw_note_node(c);
    atomic_fetch_add(&g_connects, 1);
    return c;
}

PGconn *pg_conn(void)
{
    pthread_once(&g_once, make_key);
    struct thread_conn *tc = pthread_getspecific(g_key);
    if (tc == NULL) {
        tc = calloc(1, sizeof *tc);
        if (tc == NULL)
            return NULL;
        pthread_setspecific(g_key, tc);
    }
    if (tc->conn != NULL && !tc->broken && pg_session_alive(tc->conn))
        return tc->conn;
    if (tc->conn != NULL) {
        PQfinish(tc->conn);
        tc->conn = NULL;
        atomic_fetch_add(&g_reconnects, 1);
    }
    if (pgw_stopped())
        return NULL;
    PGconn *c = pg_spare_take();
    if (c == NULL && (c = pg_session_new()) == NULL)
        return NULL;
    tc->conn = c;
    tc->broken = 0;
    return c;
}

void pg_close_thread(void)
{
    pthread_once(&g_once, make_key);
    struct thread_conn *tc = pthread_getspecific(g_key);
    if (tc != NULL) {
        thread_conn_free(tc);
        pthread_setspecific(g_key, NULL);
    }
}

void pg_mark_broken(void)
{
    struct thread_conn *tc = pthread_getspecific(g_key);
    if (tc != NULL)
        tc->broken = 1;
}

int pg_alive(void)
{
    PGconn *c = pg_conn();
    if (c == NULL)
        return 0;
    PGresult *r = run_sql(c, "SELECT 1", pgw_call_end());
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    if (!ok)
        pg_mark_broken();
    return ok;
}

void pg_fail(PGconn *c, const char *what)
{
    atomic_fetch_add(&g_errors, 1);
    struct log_line l;
    char msg[160];
    snprintf(msg, sizeof msg, "database: %s", what);
    log_always(&l, LOG_ERROR, msg);
    log_str(&l, "pg", PQerrorMessage(c)); /* may quote a client's value: log_str escapes it */
    log_end(&l);
    if (PQstatus(c) != CONNECTION_OK)
        pg_mark_broken();
}

/* PG_FENCED when r failed on the lease fence (PG_SQLSTATE_LEASE_LOST), else PG_ERROR. */
static int failure_code(const PGresult *r)
{
    const char *code = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return code != NULL && strcmp(code, PG_SQLSTATE_LEASE_LOST) == 0 ? PG_FENCED : PG_ERROR;
}

/* Runs a prepared statement: its result when OK (*rc = PG_OK), else NULL with the failure
 * logged and counted and *rc = PG_ERROR or PG_FENCED. */
static PGresult *exec_prepared(PGconn *c, const char *stmt, int nparams,
                               const char *const *values, int *rc)
{
    PGresult *r = collect(c, PQsendQueryPrepared(c, stmt, nparams, values, NULL, NULL, 0) == 1,
                          pgw_call_end(), 0);
    ExecStatusType st = PQresultStatus(r);
    *rc = PG_OK;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return r;
    *rc = failure_code(r);
    pg_fail(c, stmt);
    PQclear(r);
    return NULL;
}

PGresult *pg_exec(PGconn *c, const char *stmt, int nparams, const char *const *values)
{
    int rc = PG_OK;
    return exec_prepared(c, stmt, nparams, values, &rc);
}

int pg_command(PGconn *c, const char *sql)
{
    PGresult *r = run_sql(c, sql, pgw_call_end());
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        pg_fail(c, sql);
    PQclear(r);
    return ok ? 0 : -1;
}

int pg_begin(PGconn *c)
{
    return pg_command(c, "BEGIN");
}

int pg_commit(PGconn *c)
{
    /* shared: one round trip; the SET lasts until this COMMIT only (pg_group.c) */
    int shared = pg_group_enter(1);
    int ok = shared ? pg_command(c, "SET LOCAL synchronous_commit TO off; COMMIT") == 0 &&
                          pg_group_flush(c) == PG_OK
                    : pg_command(c, "COMMIT") == 0;
    pg_group_leave();
    return ok ? 0 : -1;
}

void pg_rollback(PGconn *c)
{
    struct thread_conn *tc = pthread_getspecific(g_key);
    if (PQstatus(c) == CONNECTION_OK && !(tc != NULL && tc->conn == c && tc->broken))
        PQclear(run_sql(c, "ROLLBACK", pgw_call_end()));
}

int pg_copy_begin(PGconn *c, const char *copy_sql)
{
    PGresult *r = run_sql(c, copy_sql, pgw_call_end());
    int ok = PQresultStatus(r) == PGRES_COPY_IN;
    if (!ok)
        pg_fail(c, copy_sql);
    PQclear(r);
    return ok ? 0 : -1;
}

int pg_copy_put(PGconn *c, const char *buf, int len)
{
    if (pgw_put_copy(c, buf, len, pgw_call_end()) == 1)
        return 0;
    pg_fail(c, "COPY data");
    return -1;
}

PGresult *pg_get_result(PGconn *c)
{
    int timed_out = 0;
    PGresult *r = pgw_next_result(c, pgw_call_end(), &timed_out);
    if (timed_out)
        pgw_give_up(c, 0);
    return r;
}

int pg_copy_send_end(PGconn *c)
{
    return pgw_put_copy_end(c, pgw_call_end()) == 1 ? 0 : -1;
}

int pg_copy_end(PGconn *c)
{
    if (pg_copy_send_end(c) != 0) {
        pg_fail(c, "COPY end");
        return -1;
    }
    int ok = 1;
    PGresult *r;
    while ((r = pg_get_result(c)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            ok = 0;
            pg_fail(c, "COPY");
        }
        PQclear(r);
    }
    return ok ? 0 : -1;
}

void pg_counters_get(struct pg_counters *out)
{
    out->errors = atomic_load(&g_errors);
    out->reconnects = atomic_load(&g_reconnects);
    out->connects = atomic_load(&g_connects);
}

int pg_exec_or_queue(PGconn *c, const char *stmt, int n, const char *const *v)
{
    if (PQpipelineStatus(c) != PQ_PIPELINE_OFF)
        return PQsendQueryPrepared(c, stmt, n, v, NULL, NULL, 0) == 1 ? 0 : -1;
    int rc = PG_OK;
    PQclear(exec_prepared(c, stmt, n, v, &rc));
    return rc;
}

/* --- pipelined transactions --------------------------------------------------------------
 *
 * A trade write is a handful of small statements in one transaction. Sent one at a time,
 * each costs a round trip to PostgreSQL - a send, a poll and two context switches on each
 * side, which on a 2-core machine under 16 connections was most of a setup's CPU. Between
 * pg_pipeline_begin and _end they go out together in libpq's pipeline mode and
 * their results are read once, at the end: a setup takes 2 round trips (nextval, then
 * BEGIN..COMMIT) instead of 8, a trail 1 instead of 3. Statement order and transaction
 * semantics are unchanged: PostgreSQL runs them one after the other, and after a failed
 * statement it skips the rest (COMMIT included) up to the sync.
 */

int pg_pipeline_begin(PGconn *c)
{
    if (PQenterPipelineMode(c) != 1) {
        pg_fail(c, "pipeline mode");
        return -1;
    }
    if (PQsendQueryParams(c, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) != 1) {
        pg_fail(c, "BEGIN");
        if (PQexitPipelineMode(c) != 1)
            pg_mark_broken(); /* never hand out a connection stuck in pipeline mode */
        return -1;
    }
    return 0;
}

static int pipeline_end(PGconn *c, int commit, int grouped)
{
    int ok = 1, fenced = 0;
    if (grouped && PQsendQueryParams(c, "SET LOCAL synchronous_commit TO off", 0, NULL, NULL,
                                     NULL, NULL, 0) != 1)
        ok = 0;
    if (commit && PQsendQueryParams(c, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) != 1)
        ok = 0;
    if (PQpipelineSync(c) != 1) {
        pg_fail(c, "pipeline sync");
        if (PQexitPipelineMode(c) != 1)
            pg_mark_broken();
        return -1;
    }
    /* each statement's results end with a NULL; the sync's result ends the pipeline. Two
     * NULLs in a row only happen when the connection is gone. */
    int nulls = 0;
    int64_t end = pgw_call_end();
    for (;;) {
        int timed_out = 0;
        PGresult *r = pgw_next_result(c, end, &timed_out);
        if (timed_out) {
            /* what was sent may have committed (commit) or not: the caller cannot tell */
            pgw_give_up(c, commit);
            ok = 0;
            break;
        }
        if (r == NULL) {
            if (++nulls == 2) {
                ok = 0;
                pg_fail(c, "pipeline results");
                break;
            }
            continue;
        }
        nulls = 0;
        ExecStatusType st = PQresultStatus(r);
        int failed = st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR;
        if (failed && failure_code(r) == PG_FENCED)
            fenced = 1;
        PQclear(r);
        if (st == PGRES_PIPELINE_SYNC)
            break;
        if (failed) {
            ok = 0;
            pg_fail(c, "pipelined statement");
        } else if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            ok = 0; /* PGRES_PIPELINE_ABORTED: skipped after an earlier error */
        }
    }
    if (PQexitPipelineMode(c) != 1) {
        pg_fail(c, "pipeline exit");
        pg_mark_broken(); /* results left unread: the next use reconnects */
        ok = 0;
    }
    if (ok && !fenced && grouped && pg_group_flush(c) != PG_OK)
        ok = 0;
    return fenced ? PG_FENCED : ok ? PG_OK : PG_ERROR;
}

int pg_pipeline_end(PGconn *c, int commit)
{
    int grouped = pg_group_enter(commit);
    int r = pipeline_end(c, commit, grouped);
    if (commit)
        pg_group_leave();
    return r;
}
