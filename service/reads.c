/*
 * reads.c - see reads.h: the storage reads behind GET /trades, GET /trades/{id},
 * GET /zones/{id} and GET /health, each on this thread's connection.
 */
#include "service/reads.h"

#include <stdio.h>
#include <stdlib.h>

#include "storage/stores.h"

enum liq_status reads_trade(uint64_t id, struct trade_record *out,
                             struct trade_event_record **ev, size_t *nev)
{
    *ev = NULL;
    *nev = 0;
    PGconn *c = pg_conn();
    int found = c ? trades_store_get(c, id, out) : -1;
    if (found == 0)
        return LIQ_NOT_FOUND;
    if (found < 0 || trade_events_store_of(c, id, ev, nev) != 0)
        return LIQ_UNAVAILABLE;
    return LIQ_OK;
}

enum liq_status reads_trade_exists(const struct state *st, uint64_t id)
{
    if (!st->persist)
        return LIQ_NOT_FOUND;
    PGconn *c = pg_conn();
    int found = c ? trades_store_exists(c, id) : -1;
    return found < 0 ? LIQ_UNAVAILABLE : found ? LIQ_OK : LIQ_NOT_FOUND;
}

enum liq_status reads_trades(const char *symbol, const char *status, long limit,
                              struct trade_record **rows, size_t *n)
{
    PGconn *c = pg_conn();
    *rows = NULL;
    *n = 0;
    if (c == NULL || trades_store_list(c, symbol, status, limit, rows, n) != 0)
        return LIQ_UNAVAILABLE;
    return LIQ_OK;
}

enum liq_status reads_zone_history(const char *symbol, uint32_t id, long limit,
                                    struct zone_event_record **rows, size_t *n)
{
    PGconn *c = pg_conn();
    *rows = NULL;
    *n = 0;
    if (c == NULL || zone_events_store_of(c, symbol, id, limit, rows, n) != 0)
        return LIQ_UNAVAILABLE;
    return LIQ_OK;
}

int reads_database_up(const struct state *st)
{
    return st->persist ? pg_alive() : -1;
}

void reads_db_counters(struct db_counters *out)
{
    struct pg_counters pc;
    pg_counters_get(&pc);
    out->errors = pc.errors;
    out->reconnects = pc.reconnects;
    out->connects = pc.connects;
    out->spares = pg_spare_count();
    struct pg_node n;
    pg_node_get(&n);
    out->timeouts = n.timeouts;
    out->commit_unknown = n.commit_unknown;
    out->node_changes = n.changes;
    out->node_since = n.since;
    pg_group_counters(&out->group_writes, &out->group_flushes);
    snprintf(out->node, sizeof out->node, "%s", n.node);
}
