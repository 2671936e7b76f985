/*
 * trade_fields.c - the table of struct trade's fields (trade_fields.h): stored order,
 * API key, API place and API form of each.
 */
#include "domain/trade_fields.h"

#include <stddef.h>

#include "domain/trade.h"

#define T(name, member, type, api, pos, view) \
    {name, offsetof(struct trade, member), type, api, pos, view}
#define STORED(name, member, type) T(name, member, type, NULL, -1, TV_STORED_ONLY)

const struct trade_field TRADE_FIELDS[] = {
    T("id", id, TF_U64, "trade_id", 0, TV_INT),
    T("side", side, TF_I8, "side", 2, TV_SIDE),
    T("status", status, TF_U8, "status", 3, TV_STATUS),
    STORED("pip", pip, TF_F64),
    T("entry", entry, TF_F64, "entry", 4, TV_NUMBER),
    T("initial_stop", initial_stop, TF_F64, "initial_stop", 5, TV_NUMBER),
    T("stop", stop, TF_F64, "stop_price", 6, TV_NUMBER),
    T("stop_zone_id", stop_zone_id, TF_U32, "stop_zone_id", 7, TV_ZONE_REF),
    STORED("buffer_pips", buffer_pips, TF_F64),
    T("tp1", tp1, TF_F64, "tp1", 8, TV_NUMBER),
    T("tp2", tp2, TF_F64, "tp2", 10, TV_NUMBER_OR_NULL),
    T("tp1_zone_id", tp1_zone_id, TF_U32, "tp1_zone_id", 9, TV_ZONE_REF),
    T("tp2_zone_id", tp2_zone_id, TF_U32, "tp2_zone_id", 11, TV_ZONE_REF),
    STORED("tp1_zone_lo", tp1_zone_lo, TF_F64),
    STORED("tp1_zone_hi", tp1_zone_hi, TF_F64),
    T("leg", leg, TF_F64x3, "legs", 13, TV_LEGS),
    T("leg_closed", leg_closed, TF_U8x3, "legs", 13, TV_LEGS),
    T("leg_exit", leg_exit, TF_F64x3, "legs", 13, TV_LEGS),
    T("leg_r", leg_r, TF_F64x3, "legs", 13, TV_LEGS),
    T("remaining", remaining, TF_F64, "remaining_fraction", 12, TV_NUMBER),
    T("tp1_hit", tp1_hit, TF_U8, "tp1_hit", 14, TV_BOOL),
    T("tp2_hit", tp2_hit, TF_U8, "tp2_hit", 15, TV_BOOL),
    T("runner_active", runner_active, TF_U8, "runner_active", 16, TV_BOOL),
    T("opened_ts", opened_ts, TF_I64, "opened_at", 20, TV_TIME),
    T("last_update_ts", last_update_ts, TF_I64, "last_update_at", 21, TV_TIME),
    T("closed_ts", closed_ts, TF_I64, "closed_at", 22, TV_CLOSED_TIME),
    T("updates", updates, TF_U32, "updates", 18, TV_INT),
    T("last_price", last_price, TF_F64, "last_price", 19, TV_NUMBER),
    T("close_price", close_price, TF_F64, "close_price", 23, TV_CLOSED_NUMBER),
    T("realised_r", realised_r, TF_F64, "realised_r", 17, TV_RATIO),
    T("close_reason", close_reason, TF_STR, "close_reason", 24, TV_CLOSED_TEXT),
    STORED("zones_dropped", zones_dropped, TF_U32),
};
const size_t TRADE_FIELD_COUNT = sizeof TRADE_FIELDS / sizeof TRADE_FIELDS[0];
#undef STORED
#undef T

/* The zones a trade saw: stored only (the API does not show them). */
#define Z(name, member, type) \
    {name, offsetof(struct trade_zone, member), type, NULL, -1, TV_STORED_ONLY}
const struct trade_field TRADE_ZONE_FIELDS[] = {
    Z("zone_id", zone_id, TF_U32),
    Z("roles", roles, TF_U8),
    Z("approach", approach, TF_I8),
    Z("touched", touched, TF_U8),
    Z("pierced", pierced, TF_U8),
    Z("closed_beyond", closed_beyond, TF_U8),
    Z("closed_back", closed_back, TF_U8),
    Z("lo", lo, TF_F64),
    Z("hi", hi, TF_F64),
};
const size_t TRADE_ZONE_FIELD_COUNT = sizeof TRADE_ZONE_FIELDS / sizeof TRADE_ZONE_FIELDS[0];
#undef Z

_Static_assert(LEG_COUNT == 3, "the leg arrays are described as three values");
_Static_assert(sizeof ((struct trade *)0)->close_reason == TRADE_CLOSE_REASON_LEN,
               "close_reason is a char array");
