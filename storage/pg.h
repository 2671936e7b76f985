/*
 * pg.h - PostgreSQL connections: one PGconn per worker thread, prepared once.
 *
 * pg_conn() hands the calling thread its own connection, opening it (and preparing every
 * statement of the storage layer) on first use and resetting it after the server went
 * away. NULL means the database cannot be reached now: the caller answers 503. No lock is
 * shared between threads; the only shared state is the URL and the counters.
 */
#ifndef LIQ_PG_H
#define LIQ_PG_H

#include <libpq-fe.h>
#include <stdint.h>

struct pg_stmt {
    const char *name;
    const char *sql;
};

/* The deadlines of every database call (docs/operations.md, "Database deadlines"):
 * connect_timeout_ms per host of the URL; call_timeout_ms the longest wait for one round
 * trip (a statement, a pipeline, a COMMIT), after which the call is cancelled and its
 * connection given up; statement_timeout_ms and lock_timeout_ms are set on the server for
 * the workers' sessions (not the migrations'). Set before threads start. */
struct pg_limits {
    int connect_timeout_ms, call_timeout_ms, statement_timeout_ms, lock_timeout_ms;
    int group_commit; /* pg_commit and a pipeline's COMMIT share WAL flushes (below) */
};
void pg_limits_set(const struct pg_limits *l);
const struct pg_limits *pg_limits_get(void);
/* Shutdown: every database wait, running or to come, ends within ms; after that no new
 * connection is opened. */
void pg_shutdown_within(int ms);
/* Why this thread's last database work failed: a call ran out of time, or it ran out of
 * time after a COMMIT was sent (the outcome is unknown: it may have committed).
 * Reset at the start of each request. */
#define PG_FAIL_NONE 0
#define PG_FAIL_TIMEOUT 1
#define PG_FAIL_UNKNOWN 2
int pg_last_failure(void);
void pg_failure_reset(void);
/* The database node the connections reach (host:port of the last connection made), since
 * when (epoch seconds), how often it changed, and the deadline counters. */
struct pg_node {
    char node[300];
    int64_t since;
    uint64_t changes, timeouts, commit_unknown, cancels;
};
void pg_node_get(struct pg_node *out);

/* Sets the connection URL for every later pg_conn(). Call once before threads start. */
void pg_configure(const char *url);
const char *pg_url(void);

/* This thread's connection, connected and prepared, or NULL if the database is down. */
PGconn *pg_conn(void);
/* Closes this thread's connection (thread exit does it too). */
void pg_close_thread(void);
/* Sessions made ahead: pg_warm makes up to n (connected, prepared) and keeps them for the
 * workers' first pg_conn(); returns how many it made (it stops at the first failure or a
 * shutdown). pg_warm_start shares n among up to 4 threads of their own (-1 when it cannot
 * start one or they already run); pg_warm_wait waits up to ms for them to finish (0 when
 * they have, -1 when time ran out); pg_warm_stop joins them and closes the spares still
 * unused. pg_spare_count: spares waiting. */
int pg_warm(int n);
int pg_warm_start(int n);
int pg_warm_wait(int ms);
void pg_warm_stop(void);
int pg_spare_count(void);
/* Marks this thread's connection for a reset before its next use (after an error). */
void pg_mark_broken(void);
/* A new connection of its own (not prepared), or NULL: for migrations and admin work. */
PGconn *pg_connect_raw(void);
/* 1 if this thread's connection (pg_conn) answers SELECT 1 now; 0 otherwise, and the
 * connection is marked for a reset. What GET /health asks. */
int pg_alive(void);

/* Runs a prepared statement; returns the result when its status is OK, else NULL (the
 * error is logged and counted). The caller PQclear()s a non-NULL result. */
PGresult *pg_exec(PGconn *c, const char *stmt, int nparams, const char *const *values);
/* Counts, logs (one JSON line) and, if the connection broke, marks it for a reset:
 * what every failed call on c goes through. */
void pg_fail(PGconn *c, const char *what);
/* The SQLSTATE liq_lease_fence() raises (migrations/006_symbol_leases.sql): the write's
 * lease token is no longer the symbol's current one. */
#define PG_SQLSTATE_LEASE_LOST "LQ421"
/* What a write returns (pg_exec_or_queue, pg_pipeline_end, and the stores' writes that
 * pass them on): done; failed; or refused by the lease fence - the write's lease is lost,
 * which the service answers with 421, not 503. */
#define PG_OK 0
#define PG_ERROR (-1)
#define PG_FENCED (-2)
/* Runs one SQL command without parameters (storage's own: a temp table, a migration):
 * 0 on success. */
int pg_command(PGconn *c, const char *sql);
/* A write's transaction (service/write.c is the one caller; no BEGIN, COMMIT or ROLLBACK
 * is written outside storage/ - tests/api/test_sql_grep.c): 0 on success. With group
 * commit on, pg_commit (and pg_pipeline_end's COMMIT) commits without waiting for the WAL
 * flush and then waits in pg_group_flush for one shared with concurrent writers: 0 still
 * means committed and durable. */
int pg_begin(PGconn *c);
int pg_commit(PGconn *c);
/* Group commit (storage/pg_group.c). A COMMIT (commit != 0) enters before it is sent and
 * leaves once answered: 1 when it is to share a flush (group commit on and another COMMIT
 * of this process under way: COMMIT with synchronous_commit off, then pg_group_flush),
 * 0 when it flushes on its own (off, or nobody to share with). */
int pg_group_enter(int commit);
void pg_group_leave(void);
/* After a COMMIT made with synchronous_commit off on c: waits until a WAL flush that
 * started after it is done (running that flush on c when no other writer is). PG_OK, or
 * PG_ERROR with the outcome unknown (pg_last_failure() == PG_FAIL_UNKNOWN). */
int pg_group_flush(PGconn *c);
/* One barrier of its own on c (a synchronous COMMIT of one WAL record): every transaction
 * committed before it is flushed and, with a synchronous standby, on the standby when it
 * returns 0; -1 on failure or the deadline (the outcome of those commits stays unknown). */
int pg_durable_barrier(PGconn *c);
/* Writes that waited in pg_group_flush, and the flushes they shared. */
void pg_group_counters(uint64_t *writes, uint64_t *flushes);
/* Reads the next result of what was sent on c, like PQgetResult, but never waits past the
 * call deadline: then the call is cancelled, c given up, and NULL returned. */
PGresult *pg_get_result(PGconn *c);
/* Ends a COPY's data without waiting for its outcome (read it with pg_get_result): 0 or -1. */
int pg_copy_send_end(PGconn *c);
/* ROLLBACK, quietly: the failure that led here was already logged and counted. */
void pg_rollback(PGconn *c);

/* Pipelined transaction: _begin enters libpq pipeline mode and queues BEGIN; the writes
 * (pg_exec_or_queue) are then only queued; _end queues COMMIT when commit != 0, sends
 * everything and reads every result: PG_OK when all succeeded, PG_FENCED when one failed on
 * the lease fence, else PG_ERROR (the caller then sends ROLLBACK; the connection is out of
 * pipeline mode either way). Only pg_exec_or_queue writes may run in between (no
 * pg_exec/pg_command). */
int pg_pipeline_begin(PGconn *c);
int pg_pipeline_end(PGconn *c, int commit);
/* A write: inside pg_pipeline_begin/_end only queued (its result is read by _end);
 * otherwise run, waiting for its result: PG_OK, PG_FENCED or PG_ERROR. */
int pg_exec_or_queue(PGconn *c, const char *stmt, int n, const char *const *v);

/* COPY ... FROM STDIN: start with the COPY statement, put rows of text format, end. Each
 * returns 0 on success. pg_copy_end reports the server's verdict on the whole COPY. */
int pg_copy_begin(PGconn *c, const char *copy_sql);
int pg_copy_put(PGconn *c, const char *buf, int len);
int pg_copy_end(PGconn *c);

struct pg_counters {
    uint64_t errors, reconnects, connects;
};
void pg_counters_get(struct pg_counters *out);

/* Formats epoch seconds as a timestamptz literal: "2022-10-10 00:15:00+00". buf >= 32. */
void pg_format_ts(int64_t ts, char *buf);
/* Parses the text of `extract(epoch from ts)::bigint` etc. */
int64_t pg_get_int64(const PGresult *r, int row, int col);
double pg_get_double(const PGresult *r, int row, int col);

#endif
