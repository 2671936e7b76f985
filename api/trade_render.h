/*
 * trade_render.h - a trade as the public JSON object of GET /trades and GET /trades/{id}
 * (openapi.yaml's Trade, without history and stop_moves, which the route adds).
 */
#ifndef LIQ_TRADE_RENDER_H
#define LIQ_TRADE_RENDER_H

#include <jansson.h>
#include <stdint.h>

#include "domain/trade.h"

/* A new object; NULL when out of memory. */
json_t *trade_render_json(const char *symbol, const struct trade *t);
/* A trade time as shown: "2022-10-10T00:00:00Z", null for TRADE_TS_NONE. */
json_t *trade_ts_json(int64_t ts);

#endif
