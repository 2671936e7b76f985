/*
 * lifecycle.h - the service's state brought up and torn down: migrations, the per-symbol
 * state and the open trades rebuilt from the database. The HTTP side (api/app.c) starts
 * the daemon on top; `liquidityd migrate` calls service_migrate alone.
 */
#ifndef LIQ_LIFECYCLE_H
#define LIQ_LIFECYCLE_H

#include <stddef.h>

#include "service/config.h"
#include "service/state.h"
#include "service/trading.h"

/* Sets the database deadlines of cfg (storage/pg.h struct pg_limits); service_open does. */
void service_db_limits(const struct app_config *cfg);
/* Shutdown: every database wait ends within ms, and no new one starts after that. */
void service_shutdown_within(int ms);
/* A request begins on this thread: forgets the last database failure. */
void service_request_begin(void);
/* 1 when this thread's last database work ran out of time after its COMMIT was sent: it
 * may have committed (docs/operations.md); service_db_timed_out: any call ran out of time. */
int service_commit_unknown(void);
int service_db_timed_out(void);

/* Applies the pending migrations to url: 0 with *applied set, or -1 with err. */
int service_migrate(const char *url, int *applied, char *err, size_t errlen);

/* Initialises *st from cfg, *tr and the symbol ownership (service/ownership.h); with
 * persistence on applies migrations; then takes the leases of the eligible stored symbols
 * and rebuilds them (own_start). 0, or -1 with err (nothing left to free). */
int service_open(struct state *st, struct trading **tr, const struct app_config *cfg,
                 char *err, size_t errlen);
/* service_open in two steps, so the HTTP server can answer /health ("starting") in
 * between: service_prepare (all but the leases), then service_own (the leases of the
 * eligible stored symbols and their rebuild, the renewal thread; then up to a second for the
 * database sessions made ahead, storage/pg.h pg_warm_start). -1 with err: call
 * service_close (service_prepare: nothing left to free). */
int service_prepare(struct state *st, struct trading **tr, const struct app_config *cfg,
                    char *err, size_t errlen);
int service_own(struct state *st, char *err, size_t errlen);
/* Gives the leases up and frees what service_open built (tr may be NULL). */
void service_close(struct state *st, struct trading *tr);

#endif
