/*
 * reads_store.c - the reads behind GET /trades, GET /trades/{id} and GET /zones/{id}: the
 * committed trade rows, a trade's history and a zone's history, as plain rows.
 *
 * Each reads one prepared statement's result into an array of its exact size, so no row
 * outlives the PGresult by pointing into it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/stores.h"

/* An array of n rows of size each (one byte when n is 0, so NULL only means no memory). */
static void *rows_alloc(int n, size_t size)
{
    return calloc(n > 0 ? (size_t)n : 1, size);
}

static PGresult *by_trade_id(PGconn *c, const char *stmt, uint64_t id)
{
    char idt[24];
    snprintf(idt, sizeof idt, "%" PRIu64, id);
    const char *v[1] = {idt};
    return pg_exec(c, stmt, 1, v);
}

int trades_store_get(PGconn *c, uint64_t id, struct trade_record *out)
{
    PGresult *r = by_trade_id(c, "trade_get", id);
    if (r == NULL)
        return -1;
    int rc = 0;
    if (PQntuples(r) > 0) {
        snprintf(out->symbol, sizeof out->symbol, "%s", PQgetvalue(r, 0, 0));
        rc = trade_state_decode(PQgetvalue(r, 0, 1), &out->t) == 0 ? 1 : -1;
    }
    PQclear(r);
    return rc;
}

int trades_store_exists(PGconn *c, uint64_t id)
{
    PGresult *r = by_trade_id(c, "trade_get", id);
    if (r == NULL)
        return -1;
    int found = PQntuples(r) > 0;
    PQclear(r);
    return found;
}

int trades_store_list(PGconn *c, const char *symbol, const char *status, long limit,
                      struct trade_record **rows, size_t *n)
{
    char lim[24];
    snprintf(lim, sizeof lim, "%ld", limit);
    const char *v[3] = {symbol, status, lim};
    PGresult *r = pg_exec(c, "trades_list", 3, v);
    if (r == NULL)
        return -1;
    *n = 0;
    *rows = rows_alloc(PQntuples(r), sizeof **rows);
    for (int i = 0; *rows && i < PQntuples(r); i++) {
        struct trade_record *row = &(*rows)[*n];
        snprintf(row->symbol, sizeof row->symbol, "%s", PQgetvalue(r, i, 0));
        if (trade_state_decode(PQgetvalue(r, i, 1), &row->t) == 0)
            (*n)++;
    }
    PQclear(r);
    return *rows ? 0 : -1;
}

int trade_events_store_of(PGconn *c, uint64_t id, struct trade_event_record **rows, size_t *n)
{
    PGresult *r = by_trade_id(c, "trade_events_of", id);
    if (r == NULL)
        return -1;
    *n = 0;
    *rows = rows_alloc(PQntuples(r), sizeof **rows);
    for (int i = 0; *rows && i < PQntuples(r); i++) {
        struct trade_event_record *e = &(*rows)[(*n)++];
        e->seq = (int)pg_get_int64(r, i, 0);
        e->ts = PQgetisnull(r, i, 1) ? TRADE_TS_NONE : pg_get_int64(r, i, 1);
        snprintf(e->kind, sizeof e->kind, "%s", PQgetvalue(r, i, 2));
        e->price = pg_get_double(r, i, 3);
        e->has_stop = !PQgetisnull(r, i, 4);
        e->stop = e->has_stop ? pg_get_double(r, i, 4) : 0.0;
        e->has_zone = !PQgetisnull(r, i, 5);
        e->zone_id = e->has_zone ? (uint32_t)pg_get_int64(r, i, 5) : 0;
        e->fraction = pg_get_double(r, i, 6);
        e->has_remaining = !PQgetisnull(r, i, 7);
        e->remaining = e->has_remaining ? pg_get_double(r, i, 7) : 0.0;
    }
    PQclear(r);
    return *rows ? 0 : -1;
}

int zone_events_store_of(PGconn *c, const char *symbol, uint32_t id, long limit,
                         struct zone_event_record **rows, size_t *n)
{
    char idt[16], lim[24];
    snprintf(idt, sizeof idt, "%u", id);
    snprintf(lim, sizeof lim, "%ld", limit);
    const char *v[3] = {symbol, idt, lim};
    PGresult *r = pg_exec(c, "zone_events_of", 3, v);
    if (r == NULL)
        return -1;
    *n = 0;
    *rows = rows_alloc(PQntuples(r), sizeof **rows);
    for (int i = 0; *rows && i < PQntuples(r); i++) {
        struct zone_event_record *e = &(*rows)[(*n)++];
        e->ts = pg_get_int64(r, i, 0);
        snprintf(e->kind, sizeof e->kind, "%s", PQgetvalue(r, i, 1));
        e->price = pg_get_double(r, i, 2);
        e->has_other = !PQgetisnull(r, i, 3);
        e->other_zone_id = e->has_other ? pg_get_int64(r, i, 3) : 0;
    }
    PQclear(r);
    return *rows ? 0 : -1;
}
