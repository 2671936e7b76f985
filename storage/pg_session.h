/*
 * pg_session.h - a session of the pool, made and checked (storage/pg.c), and the sessions
 * made ahead at start (storage/pg_spare.c). Private to storage/.
 */
#ifndef LIQ_PG_SESSION_H
#define LIQ_PG_SESSION_H

#include <libpq-fe.h>

/* A new session: connected (host by host, within the call deadline), its limits set, every
 * statement of storage/statements.c prepared; NULL when the database cannot be reached. */
PGconn *pg_session_new(void);
/* Is the session still usable? An idle session the server ended (a restart,
 * pg_terminate_backend, an idle timeout) still says CONNECTION_OK until something is read
 * from it; the first request on it would fail with 503 although the database is up. Reading
 * what is waiting never blocks: the server's FATAL message, then the end of the stream, turn
 * the status to CONNECTION_BAD, and the session is replaced before it is handed out. */
int pg_session_alive(PGconn *c);
/* A session made ahead (pg_warm) that is still alive, or NULL when none is left. */
PGconn *pg_spare_take(void);

#endif
