/*
 * app.h - the running service: state, HTTP daemon and counters, started and stopped as
 * one. Tests start it in-process on port 0 (app_start) and ask app_port() where it
 * listens.
 */
#ifndef LIQ_API_APP_H
#define LIQ_API_APP_H

#include <stdatomic.h>
#include <stddef.h>

#include "service/config.h"
#include "service/state.h"

struct MHD_Daemon;
struct http_metrics;
struct trading;

struct app {
    struct state st;
    struct trading *trading;      /* open trades and learner tables (service/trading.h) */
    struct MHD_Daemon *mhd;
    struct http_metrics *metrics;
    struct deadlines *deadlines;  /* the header deadline's reaper (api/deadline.h) */
    int port;
    atomic_int draining;
    atomic_int starting;          /* listening, the symbols it owns not yet served: /health 503 */
    atomic_int inflight;
    struct app_config_version *versions; /* every live config published by app_reload */
};

/* Applies migrations (persistence on), rebuilds state from the database and starts
 * listening. Returns NULL with err set on failure. */
struct app *app_start(const struct app_config *cfg, char *err, size_t errlen);
/* app_start that listens first: listening(a) is called once the port is open, while
 * /health answers 503 "starting"; then the leases of the eligible stored symbols are
 * taken and rebuilt, and /health says what it says after a start. */
struct app *app_start_then(const struct app_config *cfg, void (*listening)(const struct app *a),
                           char *err, size_t errlen);
int app_port(const struct app *a);
/*
 * SIGHUP: publishes the live settings of fresh (config_apply_live) atomically; requests
 * already running finish with the version they loaded. Old versions are kept until
 * app_stop (a reload is rare and a version is a few KiB), so no reader can hold a freed
 * one. Returns how many settings changed (names[] gets their keys) or -1 out of memory.
 */
int app_reload(struct app *a, const struct app_config *fresh, const char **names,
               int maxnames);
/* Stops accepting, lets in-flight requests finish, frees everything. */
void app_stop(struct app *a);
/* The drain time: after SIGTERM the process exits (0) within APP_DRAIN_MS whatever the
 * database does. Requests in flight get APP_DRAIN_MS - 1 s to finish; every database wait
 * is cut at APP_DB_CUT_MS (a worker waiting on a stalled server is cancelled, answers 503),
 * leaving the leases' release and the daemon's stop the rest. docs/operations.md. */
#define APP_DRAIN_MS 9000
#define APP_DB_CUT_MS (APP_DRAIN_MS - 2000)

#endif
