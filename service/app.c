/*
 * app.c - wiring and lifecycle: migrations, state rebuild, HTTP daemon, drain.
 */
#include "service/app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/http.h"
#include "service/ownership.h"
#include "service/trading.h"
#include "storage/migrate.h"
#include "storage/pg.h"

struct app *app_start(const struct app_config *cfg, char *err, size_t errlen)
{
    struct app *a = calloc(1, sizeof *a);
    if (a == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    state_init(&a->st, cfg);
    a->trading = trading_new();
    a->st.own = a->trading ? own_new(&a->st, a->trading) : NULL;
    if (a->trading == NULL || a->st.own == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (a->st.persist) {
        pg_configure(cfg->database_url);
        int applied = 0;
        char merr[512];
        if (migrate_apply(&applied, merr, sizeof merr) != 0) {
            snprintf(err, errlen, "migrations: %s", merr);
            goto fail;
        }
    }
    /* the leases of the eligible stored symbols, and their rebuild */
    if (own_start(a->st.own, err, errlen) != 0)
        goto fail;
    if (http_start(a, err, errlen) != 0)
        goto fail;
    return a;
fail:
    own_free(a->st.own);
    trading_free(a->trading);
    state_free(&a->st);
    free(a);
    return NULL;
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
    own_free(a->st.own); /* gives the leases up: another instance may take them at once */
    trading_free(a->trading);
    state_free(&a->st);
    while (a->versions != NULL) {
        struct app_config_version *next = a->versions->next;
        free(a->versions);
        a->versions = next;
    }
    free(a);
}
