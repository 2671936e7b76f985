/*
 * checkpoint_store.c - engine checkpoints (migrations/011_engine_checkpoints.sql): the
 * engine's bytes go in and come back as a binary bytea, never escaped to text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/pg.h"
#include "storage/stores.h"

/* A prepared statement with binary values (lengths, formats) and, when binary_result, a
 * binary result: its result when OK, else NULL (logged and counted by pg_fail). Waits
 * through pg_get_result, so the call deadline holds. */
static PGresult *exec_binary(PGconn *c, const char *stmt, int n, const char *const *v,
                             const int *len, const int *fmt, int binary_result)
{
    if (PQsendQueryPrepared(c, stmt, n, v, len, fmt, binary_result) != 1) {
        pg_fail(c, stmt);
        return NULL;
    }
    PGresult *keep = NULL, *r;
    while ((r = pg_get_result(c)) != NULL) {
        if (keep == NULL)
            keep = r;
        else
            PQclear(r);
    }
    ExecStatusType st = PQresultStatus(keep);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return keep;
    pg_fail(c, stmt);
    PQclear(keep);
    return NULL;
}

/* to_timestamp's range ends near year 294276: a later bound reads as "any". */
#define TS_ANY 9000000000000LL

int checkpoint_store_put(PGconn *c, const char *symbol, const struct checkpoint_row *row,
                         int keep)
{
    char ts[24], n[24], version[16], k[16];
    snprintf(ts, sizeof ts, "%lld", (long long)row->last_ts);
    snprintf(n, sizeof n, "%llu", (unsigned long long)row->bar_count);
    snprintf(version, sizeof version, "%d", row->version);
    snprintf(k, sizeof k, "%d", keep < 1 ? 1 : keep);
    if (row->len > (size_t)0x7fffffff)
        return PG_ERROR;
    const char *v[6] = {symbol, ts, n, version, (const char *)row->state, k};
    const int len[6] = {0, 0, 0, 0, (int)row->len, 0};
    const int fmt[6] = {0, 0, 0, 0, 1, 0};
    PGresult *r = exec_binary(c, "checkpoint_put", 6, v, len, fmt, 0);
    PQclear(r);
    return r != NULL ? PG_OK : PG_ERROR;
}

/* A binary int8 column. */
static int64_t get_i64(const PGresult *r, int col)
{
    const unsigned char *p = (const unsigned char *)PQgetvalue(r, 0, col);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return (int64_t)v;
}

int checkpoint_store_before(PGconn *c, const char *symbol, int64_t before,
                            struct checkpoint_row *out)
{
    char ts[24];
    snprintf(ts, sizeof ts, "%lld", (long long)(before > TS_ANY ? TS_ANY : before));
    const char *v[2] = {symbol, ts};
    memset(out, 0, sizeof *out);
    PGresult *r = exec_binary(c, "checkpoint_before", 2, v, NULL, NULL, 1);
    if (r == NULL)
        return -1;
    int rc = 0;
    if (PQntuples(r) == 1 && PQgetlength(r, 0, 0) == 8 && PQgetlength(r, 0, 1) == 8 &&
        PQgetlength(r, 0, 2) == 4) {
        const unsigned char *vp = (const unsigned char *)PQgetvalue(r, 0, 2);
        out->last_ts = get_i64(r, 0);
        out->bar_count = (uint64_t)get_i64(r, 1);
        out->version = (int)((uint32_t)vp[0] << 24 | (uint32_t)vp[1] << 16 |
                             (uint32_t)vp[2] << 8 | vp[3]);
        out->len = (size_t)PQgetlength(r, 0, 3);
        out->state = malloc(out->len ? out->len : 1);
        if (out->state == NULL) {
            rc = -1;
        } else {
            memcpy(out->state, PQgetvalue(r, 0, 3), out->len);
            rc = 1;
        }
    }
    PQclear(r);
    return rc;
}
