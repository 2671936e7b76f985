/*
 * app.c - the running service: the service's state (service/lifecycle.c: migrations,
 * state rebuild) with the HTTP daemon on top, started and stopped (drained) as one.
 */
#include "api/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/http.h"
#include "base/log.h"
#include "service/lifecycle.h"
#include "service/ownership.h"

struct app *app_start_then(const struct app_config *cfg, void (*listening)(const struct app *a),
                           char *err, size_t errlen)
{
    struct app *a = calloc(1, sizeof *a);
    if (a == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (log_level_of(cfg->log_level) >= 0) /* config_load accepts only the four names */
        log_set_level((enum log_level)log_level_of(cfg->log_level));
    if (service_prepare(&a->st, &a->trading, cfg, err, errlen) != 0) {
        free(a);
        return NULL;
    }
    /* listening before the symbols are taken: /health answers 503 "starting" meanwhile
     * (a request for a symbol takes it itself: the same lease, under the same lock) */
    atomic_store(&a->starting, 1);
    if (http_start(a, err, errlen) != 0) {
        service_close(&a->st, a->trading);
        free(a);
        return NULL;
    }
    if (listening != NULL)
        listening(a);
    if (service_own(&a->st, err, errlen) != 0) {
        atomic_store(&a->draining, 1);
        http_stop(a);
        service_close(&a->st, a->trading);
        free(a);
        return NULL;
    }
    atomic_store(&a->starting, 0);
    return a;
}

struct app *app_start(const struct app_config *cfg, char *err, size_t errlen)
{
    return app_start_then(cfg, NULL, err, errlen);
}

struct app_config_version {
    struct app_config cfg;
    struct app_config_version *next;
};

int app_reload(struct app *a, const struct app_config *fresh, const char **names,
               int maxnames)
{
    struct app_config_version *v = malloc(sizeof *v);
    if (v == NULL)
        return -1;
    v->cfg = *state_live(&a->st);
    int changed = config_apply_live(&v->cfg, fresh, names, maxnames);
    if (changed == 0) {
        free(v);
        return 0;
    }
    v->next = a->versions; /* only the signal thread reloads: no race on the list */
    a->versions = v;
    atomic_store_explicit(&a->st.live, &v->cfg, memory_order_release);
    if (log_level_of(v->cfg.log_level) >= 0)
        log_set_level((enum log_level)log_level_of(v->cfg.log_level));
    (void)own_reconfigure(a->st.own, v->cfg.owned_symbols); /* validated by config_load */
    return changed;
}

int app_port(const struct app *a)
{
    return a->port;
}

void app_stop(struct app *a)
{
    if (a == NULL)
        return;
    atomic_store(&a->draining, 1);
    /* MHD_stop_daemon closes the listener and waits for the worker threads, which finish
     * the request each is handling: in-flight writes commit before we free the state. */
    http_stop(a);
    service_close(&a->st, a->trading);
    while (a->versions != NULL) {
        struct app_config_version *next = a->versions->next;
        free(a->versions);
        a->versions = next;
    }
    free(a);
}
