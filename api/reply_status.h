/*
 * reply_status.h - the one map from the service's status vocabulary (service/status.h) to
 * HTTP: each status has one answer (code, error code, message, details) here, and no
 * handler switches on a status. Also the answers for a symbol this instance does not own
 * (docs/scaling.md): 421 Misdirected Request naming the owner when known, 503 +
 * Retry-After while the symbol is handed over, and the check every read served from memory
 * makes first.
 */
#ifndef LIQ_REPLY_STATUS_H
#define LIQ_REPLY_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "api/http.h"
#include "service/state.h"
#include "service/status.h"

/* What a status's answer names; every field may be left empty. */
struct status_reply {
    const char *message;      /* LIQ_INVALID / _REFUSED / _CONFLICT: the use case's words */
    const char *symbol;       /* 404 unknown_symbol, 409 open_trades, 421, 503 symbol_moving */
    const char *owner;        /* 421 / 503 symbol_moving: the holder, if known */
    uint64_t trade_id;        /* 404 not_found / 409 trade_closed of a trade */
    long count;               /* 409 open_trades: how many */
    const struct ingest_item_error *items; /* LIQ_INVALID_BARS: the first of nitems */
    size_t nitems;
    const char *where;        /* what an item's position is called: "index" or "line" */
    json_t *details;          /* extra details (LIQ_REFUSED: reasons, stop); taken over */
};

/* The answer of st (not LIQ_OK) with what r names (r may be NULL). */
void reply_status(struct request *rq, struct reply *rp, enum liq_status st,
                  const struct status_reply *r);

/* Before a read of symbol from memory: 0 go ahead (also for a symbol stored nowhere: the
 * handler answers 404 as before), -1 with 421/503 written. */
int reply_unless_readable(struct request *rq, struct reply *rp, const char *symbol);

#endif
