/*
 * reads.h - what the API reads from the database, as plain records: a trade and its
 * history, a list of trades, a zone's history, whether the database answers, and its
 * counters. Every function uses the calling thread's connection (storage/pg.h); with
 * persistence off the API does not call them (it answers from memory or 503).
 */
#ifndef LIQ_READS_H
#define LIQ_READS_H

#include <stddef.h>
#include <stdint.h>

#include "domain/history.h"
#include "service/state.h"
#include "service/status.h"

/* Each read answers LIQ_OK, LIQ_NOT_FOUND or LIQ_UNAVAILABLE (the database cannot answer
 * now: 503); service/status.h. */

/* Trade id as committed and its history (*ev malloc'd, oldest first). */
enum liq_status reads_trade(uint64_t id, struct trade_record *out,
                             struct trade_event_record **ev, size_t *nev);
/* Whether trade id exists in the database: LIQ_OK (it does), LIQ_NOT_FOUND, or
 * LIQ_UNAVAILABLE. With persistence off nothing is stored: LIQ_NOT_FOUND. */
enum liq_status reads_trade_exists(const struct state *st, uint64_t id);
/* The newest `limit` trades (symbol, status "open"/"closed": NULL for any), newest first,
 * in *rows (malloc'd). */
enum liq_status reads_trades(const char *symbol, const char *status, long limit,
                              struct trade_record **rows, size_t *n);
/* The first `limit` events of zone (symbol, id), in *rows (malloc'd). */
enum liq_status reads_zone_history(const char *symbol, uint32_t id, long limit,
                                    struct zone_event_record **rows, size_t *n);

/* -1 persistence is off, 1 this thread's connection answers now, 0 it does not. */
int reads_database_up(const struct state *st);

struct db_counters {
    uint64_t errors, reconnects;
    uint64_t connects;  /* sessions made (connected and prepared), spares included */
    int spares;         /* sessions made ahead, not yet taken by a worker (pg_warm) */
    /* calls that ran out of database_timeout_ms (cancelled), of them after a COMMIT was
     * sent (outcome unknown), and how often the node written to changed */
    uint64_t timeouts, commit_unknown, node_changes;
    /* group commit: writes that waited for a shared WAL flush, and the flushes */
    uint64_t group_writes, group_flushes;
    char node[300];   /* host:port of the last connection made ("" before the first) */
    int64_t node_since; /* epoch seconds it became the node (0 before the first) */
};
void reads_db_counters(struct db_counters *out);

#endif
