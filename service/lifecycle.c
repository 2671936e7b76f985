/*
 * lifecycle.c - see lifecycle.h.
 */
#include "service/lifecycle.h"

#include <stdio.h>

#include "service/ownership.h"
#include "storage/migrate.h"
#include "storage/pg.h"

int service_migrate(const char *url, int *applied, char *err, size_t errlen)
{
    pg_configure(url);
    return migrate_apply(applied, err, errlen);
}

int service_open(struct state *st, struct trading **tr, const struct app_config *cfg,
                 char *err, size_t errlen)
{
    int reg = state_init(st, cfg);
    *tr = trading_new();
    st->own = *tr ? own_new(st, *tr) : NULL;
    if (reg != 0 || *tr == NULL || st->own == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (st->persist) {
        int applied = 0;
        char merr[512];
        if (service_migrate(cfg->database_url, &applied, merr, sizeof merr) != 0) {
            snprintf(err, errlen, "migrations: %s", merr);
            goto fail;
        }
    }
    /* the leases of the eligible stored symbols, and their rebuild */
    if (own_start(st->own, err, errlen) != 0)
        goto fail;
    return 0;
fail:
    service_close(st, *tr);
    *tr = NULL;
    return -1;
}

void service_close(struct state *st, struct trading *tr)
{
    own_free(st->own); /* gives the leases up: another instance may take them at once */
    st->own = NULL;
    trading_free(tr);
    state_free(st);
}
