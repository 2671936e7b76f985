/*
 * app.h - the running service: state, HTTP daemon and counters, started and stopped as
 * one. Tests start it in-process on port 0 (app_start) and ask app_port() where it
 * listens.
 */
#ifndef LIQ_APP_H
#define LIQ_APP_H

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
    int port;
    atomic_int draining;
    atomic_int inflight;
};

/* Applies migrations (persistence on), rebuilds state from the database and starts
 * listening. Returns NULL with err set on failure. */
struct app *app_start(const struct app_config *cfg, char *err, size_t errlen);
int app_port(const struct app *a);
/* Stops accepting, lets in-flight requests finish, frees everything. */
void app_stop(struct app *a);

#endif
