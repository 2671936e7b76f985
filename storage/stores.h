/*
 * stores.h - what the service persists and reloads, one function per operation.
 *
 * Every function takes the calling thread's connection and runs inside the caller's
 * transaction (the caller BEGINs and COMMITs, so one request is one commit). Return 0 on
 * success, -1 on a database error (logged and counted by pg.c). All SQL lives in
 * storage/statements.c as prepared statements or COPY commands: no SQL is built from
 * strings at run time.
 */
#ifndef LIQ_STORES_H
#define LIQ_STORES_H

#include <libpq-fe.h>
#include <stddef.h>

#include "domain/bar.h"
#include "domain/engine.h"
#include "domain/textbuf.h"
#include "storage/pg.h"

extern const struct pg_stmt STORE_STATEMENTS[];
extern const size_t STORE_STATEMENT_COUNT;
/* COPY commands (text format) used by the stores. */
extern const char COPY_BARS[];
extern const char COPY_ZONE_STAGE[];
extern const char COPY_ZONE_EVENTS[];

struct symbol_row {
    char symbol[33];
    double pip_size;
    int pip_inferred;
    enum timeframe tf;
};

int symbols_store_insert(PGconn *c, const struct symbol_row *s);
/* Calls fn for each stored symbol; stops and returns fn's non-zero value. */
int symbols_store_each(PGconn *c, int (*fn)(void *ctx, const struct symbol_row *s), void *ctx);

int bars_store_insert(PGconn *c, const char *symbol, enum timeframe tf, const struct bar *bars,
                      size_t n);
/* Streams a symbol's bars in time order to fn. */
int bars_store_each(PGconn *c, const char *symbol, enum timeframe tf,
                    int (*fn)(void *ctx, const struct bar *b), void *ctx);

/* Upserts the given zones (pointers into the engine) into liquidity_levels. */
int zones_store_upsert(PGconn *c, const char *symbol, const struct zone *const *zones,
                       size_t n);
/* Appends zone events (created, hold, break, sweep, merged, deactivated) to zone_events. */
int zone_events_store_insert(PGconn *c, const char *symbol, const struct zone_event *ev,
                             size_t n);

#endif
