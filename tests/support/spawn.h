/*
 * spawn.h - the real liquidityd binary as a child process, for the tests that kill it
 * (SIGKILL, SIGTERM) or signal it (SIGHUP).
 *
 * The binary is the one built beside the test (same build dir, same sanitizers). It runs
 * with LIQ_PORT=0 and the given environment; its stderr goes to a log file, from which
 * spawn_start reads the port of its "listening" line. spawn_app() gives a struct app that
 * the harness's http_* helpers accept (only its port is set).
 */
#ifndef LIQ_SPAWN_H
#define LIQ_SPAWN_H

#include <sys/types.h>

#include "api/app.h"

struct spawned {
    pid_t pid;
    int port;
    char log[256];
    struct app view; /* only .port: for http_do() */
};

/* Starts liquidityd with env (NULL-terminated "KEY=VALUE" list added to the test's own
 * environment) and argv extras (NULL-terminated, may be NULL); waits up to 30 s for it
 * to listen. Fails the test if it does not. */
void spawn_start(struct spawned *p, const char *const *env, const char *const *args,
                 const char *logname);
const struct app *spawn_app(const struct spawned *p);
void spawn_signal(const struct spawned *p, int sig);
/* Waits up to timeout_s for the child to exit: 1 and *status (waitpid's) if it did, 0 if
 * not. */
int spawn_wait(struct spawned *p, double timeout_s, int *status);
/* SIGKILL and reap (no-op if it already exited). */
void spawn_kill(struct spawned *p);
/* Counts lines of the child's log containing needle. */
int spawn_log_count(const struct spawned *p, const char *needle);
/* One HTTP exchange with 127.0.0.1:port that may fail at the transport (the server was
 * killed): 0 with *out filled (free with http_free), -1 on a transport error. headers:
 * NULL-terminated extra header lines, may be NULL. */
struct http_reply;
int spawn_http(int port, const char *method, const char *path, const char *content_type,
               const char *body, size_t len, const char *const *headers,
               struct http_reply *out);
/* Where spawn_http_cut kills the child with SIGKILL: before the request is sent (nothing
 * of it reaches the server), once the whole request is sent (the server may or may not
 * commit it), or when the first byte of the reply arrives (the server has committed it, but
 * the client drops the reply: "done but never acknowledged"). */
enum spawn_cut { SPAWN_CUT_NONE, SPAWN_CUT_BEFORE, SPAWN_CUT_AFTER_SEND, SPAWN_CUT_AT_REPLY };
/* spawn_http to p's port that kills p at the moment `when`; returns -1 (no reply) as a
 * request to a dead server does. The caller reaps p with spawn_wait/spawn_kill. */
int spawn_http_cut(struct spawned *p, enum spawn_cut when, const char *method,
                   const char *path, const char *content_type, const char *body, size_t len,
                   const char *const *headers, struct http_reply *out);
/* SIGKILL and reap every child still running (a test's .fini; also run at exit). */
void spawn_kill_all(void);
/* Seconds since an arbitrary origin (CLOCK_MONOTONIC). */
double spawn_now(void);

#endif
