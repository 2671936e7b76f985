/*
 * pg_wait.h - the deadlines of storage/pg.c (private to storage/): every wait on the
 * database polls the connection's socket with a deadline instead of blocking in libpq, a
 * call that runs out of time is cancelled (PQcancel, from a helper thread: a stopped
 * server would block it too) and its connection given up, and the connection itself is
 * opened host by host with a deadline. docs/operations.md, "Database deadlines".
 */
#ifndef LIQ_PG_WAIT_H
#define LIQ_PG_WAIT_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

/* Monotonic milliseconds. */
int64_t pgw_now_ms(void);
/* The end of a call that starts now: now + the call deadline, never after the shutdown
 * deadline (pg_shutdown_within). */
int64_t pgw_call_end(void);
/* A bulk write of `rows` rows on this thread: until pgw_bulk_rows(0), every call's deadline
 * grows by pgw_bulk_ms(rows) (a database that ingests fewer than PG_BULK_ROWS_PER_MS rows
 * per millisecond is taken as stalled). */
#define PG_BULK_ROWS_PER_MS 10
void pgw_bulk_rows(size_t rows);
int64_t pgw_bulk_ms(size_t rows);
/* 1 once the shutdown deadline has passed: no new database work. */
int pgw_stopped(void);

/* Sends what libpq still holds, then waits for and returns the next result, like
 * PQgetResult; on the deadline the call is cancelled, the connection given up
 * (pgw_give_up) and NULL returned with *timed_out = 1. */
PGresult *pgw_next_result(PGconn *c, int64_t end, int *timed_out);
/* Queues COPY data / the COPY's end on a non-blocking connection, waiting for room until
 * end: 1 done, -1 error or deadline (then given up). */
int pgw_put_copy(PGconn *c, const char *buf, int len, int64_t end);
int pgw_put_copy_end(PGconn *c, int64_t end);
/* A call on c ran out of time: counted, cancelled on the server, the socket shut so every
 * later libpq call on c fails at once, c marked for a reset. commit != 0: a COMMIT was
 * among what was sent, so its outcome is unknown (pg_last_failure). */
void pgw_give_up(PGconn *c, int commit);
/* This thread's write committed but its durability is unknown (a failed group flush):
 * pg_last_failure() PG_FAIL_UNKNOWN (the 503 says commit_unknown). */
void pgw_outcome_unknown(void);

/* A connection to the URL, tried host by host (a multi-host URL), each host for at most
 * the connect timeout and all before end; NULL if none answered. Non-blocking afterwards
 * unless raw. */
PGconn *pgw_connect(const char *url, int raw, int64_t end, char *err, size_t errlen);
/* Records the node c is connected to (host:port) as the one this instance writes to. */
void pgw_note_node(PGconn *c);

#endif
