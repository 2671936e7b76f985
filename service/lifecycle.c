/*
 * lifecycle.c - see lifecycle.h.
 */
#include "service/lifecycle.h"

#include <stdio.h>
#include <stdlib.h>

#include "service/checkpoint.h"
#include "service/ownership.h"
#include "storage/migrate.h"
#include "storage/pg.h"

void service_db_limits(const struct app_config *cfg)
{
    struct pg_limits l = {.connect_timeout_ms = cfg->database_connect_timeout_ms,
                          .call_timeout_ms = cfg->database_timeout_ms,
                          .statement_timeout_ms = cfg->database_statement_timeout_ms,
                          .lock_timeout_ms = cfg->database_lock_timeout_ms,
                          .group_commit = cfg->database_group_commit};
    pg_limits_set(&l);
}

void service_shutdown_within(int ms)
{
    pg_shutdown_within(ms);
}

void service_request_begin(void)
{
    pg_failure_reset();
}

int service_commit_unknown(void)
{
    return pg_last_failure() == PG_FAIL_UNKNOWN;
}

int service_db_timed_out(void)
{
    return pg_last_failure() != PG_FAIL_NONE;
}

int service_migrate(const char *url, int *applied, char *err, size_t errlen)
{
    pg_configure(url);
    return migrate_apply(applied, err, errlen);
}

/* The ownership hooks (service/ownership.h): a symbol's zones and its trades. */
struct service_parts {
    struct state *st;
    struct trading *tr;
};

static void drop_symbol(void *ctx, const char *symbol)
{
    struct service_parts *p = ctx;
    trading_drop_symbol(p->tr, symbol);
    state_drop_symbol(p->st, symbol);
}

static int load_symbol(void *ctx, struct pg_conn *c, const char *symbol)
{
    struct service_parts *p = ctx;
    char err[256];
    return state_load_symbol(p->st, c, symbol, err, sizeof err) == 0 &&
                   trading_load_symbol(p->tr, c, symbol) == 0
               ? 0
               : -1;
}

/* What ownership needs of the configuration, copied. */
static struct ownership *ownership_for(struct state *st, struct trading *tr)
{
    const struct app_config *cfg = &st->cfg;
    struct own_settings set = {.persist = st->persist, .lease_ttl_ms = cfg->lease_ttl_ms,
                               .handover_idle_ms = cfg->handover_idle_ms, .port = cfg->port};
    snprintf(set.owned_symbols, sizeof set.owned_symbols, "%s", cfg->owned_symbols);
    snprintf(set.instance_name, sizeof set.instance_name, "%s", cfg->instance_name);
    struct service_parts *p = malloc(sizeof *p);
    if (p == NULL)
        return NULL;
    *p = (struct service_parts){st, tr};
    struct own_hooks hooks = {.load = load_symbol, .drop = drop_symbol, .free = free, .ctx = p};
    struct ownership *o = own_new(&set, &hooks);
    if (o == NULL)
        free(p);
    return o;
}

int service_prepare(struct state *st, struct trading **tr, const struct app_config *cfg,
                    char *err, size_t errlen)
{
    int reg = state_init(st, cfg);
    service_db_limits(cfg);
    *tr = trading_new();
    st->own = *tr ? ownership_for(st, *tr) : NULL;
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
        /* one prepared session per worker, made beside the rebuild (service_own waits for
         * them): a worker's first request then waits for neither a connection nor the
         * statements' preparation (without them each worker still connects at first use) */
        (void)pg_warm_start(cfg->threads);
    }
    return 0;
fail:
    service_close(st, *tr);
    *tr = NULL;
    return -1;
}

int service_own(struct state *st, char *err, size_t errlen)
{
    /* the leases of the eligible stored symbols, and their rebuild */
    if (own_start(st->own, err, errlen) != 0)
        return -1;
    /* still "starting": the sessions made ahead finished (up to a second), so the first
     * requests after /health says ok find one per worker (on a small database the rebuild
     * ends first: 5 of 16 were ready then, and the first requests waited 55-156 ms) */
    if (st->persist)
        (void)pg_warm_wait(1000);
    return 0;
}

int service_open(struct state *st, struct trading **tr, const struct app_config *cfg,
                 char *err, size_t errlen)
{
    if (service_prepare(st, tr, cfg, err, errlen) != 0)
        return -1;
    if (service_own(st, err, errlen) == 0)
        return 0;
    service_close(st, *tr);
    *tr = NULL;
    return -1;
}

void service_close(struct state *st, struct trading *tr)
{
    /* while the leases are held: a start after this one replays no bar */
    if (st->own != NULL)
        (void)state_checkpoint_all(st);
    own_free(st->own); /* gives the leases up: another instance may take them at once */
    st->own = NULL;
    pg_warm_stop();
    trading_free(tr);
    state_free(st);
}
