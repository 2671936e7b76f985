/*
 * history.h - the records of what happened, as stored and as shown: a trade with its
 * symbol, one event of a trade's history, one event of a zone's history. Plain data:
 * storage/ reads them, service/ hands them over, api/ renders them.
 */
#ifndef LIQ_HISTORY_H
#define LIQ_HISTORY_H

#include <stdint.h>

#include "domain/trade.h"

/* A trade as stored: its symbol and its whole state. */
struct trade_record {
    char symbol[33];
    struct trade t;
};

/* One event of a trade's history (trade_events), e.g. {seq 2, "tp1_hit", price 1.0512,
 * fraction 0.5, remaining 0.5}. */
struct trade_event_record {
    int seq;
    int64_t ts;             /* TRADE_TS_NONE: not known */
    char kind[24];
    double price, fraction;
    int has_stop, has_zone, has_remaining;
    double stop, remaining;
    uint32_t zone_id;
};

/* One event of a zone's history (zone_events), e.g. {ts, "hold", price 1.0498}. */
struct zone_event_record {
    int64_t ts;
    char kind[24];
    double price;
    int has_other;          /* other_zone_id is set (a merge names the other zone) */
    int64_t other_zone_id;
};

#endif
