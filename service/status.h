/*
 * status.h - the one status vocabulary of the service: what every use case (writes, reads,
 * the ownership checks) answers, documented here once. api/reply_status.c maps each to its
 * HTTP answer in one table; storage's writes return PG_OK / PG_ERROR / PG_FENCED
 * (storage/pg.h), which the write path (service/write.c) turns into these once.
 */
#ifndef LIQ_SERVICE_STATUS_H
#define LIQ_SERVICE_STATUS_H

enum liq_status {
    LIQ_OK = 0,
    LIQ_INVALID,         /* 422 invalid_request: bad values; the use case's message says which */
    LIQ_INVALID_BARS,    /* 422 invalid_bars: bars out of order or off scale; nothing applied;
                          * the items (struct ingest_item_error) say which */
    LIQ_REFUSED,         /* 422 setup_refused: the setup's reasons say why; nothing stored */
    LIQ_UNKNOWN_SYMBOL,  /* 404 unknown_symbol: no bars for the symbol (from ownership: the
                          * symbol is stored nowhere; the use case then answers as it would) */
    LIQ_NOT_FOUND,       /* 404 not_found: no such trade */
    LIQ_CLOSED,          /* 409 trade_closed: the trade is closed; nothing changed */
    LIQ_CONFLICT,        /* 409 timeframe_conflict: the symbol is fed with another timeframe */
    LIQ_OPEN_TRADES,     /* 409 open_trades: DELETE of a symbol with open trades, not forced */
    LIQ_MISDIRECTED,     /* 421 misdirected: another instance owns the symbol (or the lease
                          * fence refused the write: the lease was lost); nothing changed */
    LIQ_MOVING,          /* 503 symbol_moving + Retry-After: being handed over; retry */
    LIQ_UNAVAILABLE,     /* 503 + Retry-After: the database could not read or commit; nothing
                          * changed */
    LIQ_FULL,            /* 507 too_many_symbols: no room for another symbol */
    LIQ_NOMEM,           /* 500 out_of_memory */
};

#endif
