/*
 * lifecycle.c - see lifecycle.h.
 */
#include "service/lifecycle.h"

#include <stdio.h>

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
    state_init(st, cfg);
    *tr = trading_new();
    if (*tr == NULL) {
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
        if (state_load(st, err, errlen) != 0 || trading_load(*tr, st, err, errlen) != 0)
            goto fail;
    }
    return 0;
fail:
    service_close(st, *tr);
    *tr = NULL;
    return -1;
}

void service_close(struct state *st, struct trading *tr)
{
    trading_free(tr);
    state_free(st);
}
