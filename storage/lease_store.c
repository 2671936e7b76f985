/*
 * lease_store.c - symbol leases: who owns a symbol, and the fence every write transaction
 * passes before its COMMIT (migrations/006_symbol_leases.sql, docs/scaling.md).
 *
 * The tables are the authority; service/ownership.c keeps only a cache of the leases its
 * instance holds and renews them. SQL is in storage/statements.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/stores.h"

enum lease_take lease_store_take(PGconn *c, const char *symbol, const char *owner,
                                 long ttl_ms, int64_t *token, char *other, size_t otherlen)
{
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%ld", ttl_ms);
    const char *v[3] = {symbol, owner, ttl};
    PGresult *r = pg_exec(c, "lease_take", 3, v);
    if (r == NULL)
        return LEASE_ERROR;
    int taken = PQntuples(r) == 1;
    if (taken)
        *token = pg_get_int64(r, 0, 0);
    PQclear(r);
    if (taken)
        return LEASE_TAKEN;
    int live = 0;
    if (lease_store_owner(c, symbol, other, otherlen, &live) < 0)
        return LEASE_ERROR;
    return LEASE_HELD;
}

int lease_store_renew(PGconn *c, const char *owner, long ttl_ms,
                      void (*fn)(void *ctx, const char *symbol, int64_t token, int wanted),
                      void *ctx)
{
    char ttl[24];
    snprintf(ttl, sizeof ttl, "%ld", ttl_ms);
    const char *v[2] = {owner, ttl};
    PGresult *r = pg_exec(c, "lease_renew", 2, v);
    if (r == NULL)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        fn(ctx, PQgetvalue(r, i, 0), pg_get_int64(r, i, 1), PQgetvalue(r, i, 2)[0] == 't');
    PQclear(r);
    return 0;
}

int lease_store_release(PGconn *c, const char *symbol, const char *owner, int64_t token)
{
    char tok[24];
    snprintf(tok, sizeof tok, "%" PRId64, token);
    const char *v[3] = {symbol, owner, tok};
    PGresult *r = pg_exec(c, "lease_release", 3, v);
    PQclear(r);
    return r ? 0 : -1;
}

int lease_store_forget(PGconn *c, const char *symbol, const char *owner, int64_t token)
{
    char tok[24];
    snprintf(tok, sizeof tok, "%" PRId64, token);
    const char *v[3] = {symbol, owner, tok};
    PGresult *r = pg_exec(c, "lease_forget", 3, v);
    PQclear(r);
    /* kept (stored after all): given up like any lease; gone: a no-op */
    return r != NULL && lease_store_release(c, symbol, owner, token) == 0 ? 0 : -1;
}

int lease_store_want(PGconn *c, const char *symbol, const char *wanter)
{
    const char *v[2] = {symbol, wanter};
    PGresult *r = pg_exec(c, "lease_want", 2, v);
    PQclear(r);
    return r ? 0 : -1;
}

int lease_store_owner(PGconn *c, const char *symbol, char *other, size_t otherlen, int *live)
{
    const char *v[1] = {symbol};
    PGresult *r = pg_exec(c, "lease_owner", 1, v);
    if (r == NULL)
        return -1;
    int found = PQntuples(r) == 1;
    other[0] = '\0';
    *live = 0;
    if (found) {
        snprintf(other, otherlen, "%s", PQgetvalue(r, 0, 0));
        *live = PQgetvalue(r, 0, 1)[0] == 't';
    }
    PQclear(r);
    return found;
}

int lease_store_fence(PGconn *c, const char *symbol, const char *owner, int64_t token)
{
    char tok[24];
    snprintf(tok, sizeof tok, "%" PRId64, token);
    const char *v[3] = {symbol, owner, tok};
    return pg_exec_or_queue(c, "lease_fence", 3, v);
}
