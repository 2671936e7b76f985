/*
 * trade_fields.h - one description of struct trade's fields, walked by the stored form
 * (storage/trade_codec.c: liquidity_trades.state) and by the public JSON (api/
 * trade_render.c: GET /trades, GET /trades/{id}). Pure data: a row names a member, where
 * it is, its C type, and how the API shows it (under which key, at which place, in which
 * form, or not at all). A field is added here once and both sides follow; the tests
 * (test_trade_codec, test_trade_render) fail when one side does not.
 *
 * The two forms differ on purpose and the table says how: the stored keys are the member
 * names (a stored text never changes), the API keys are openapi.yaml's (stop -> stop_price,
 * remaining -> remaining_fraction, opened_ts -> opened_at, ...); the four leg arrays are one
 * API member "legs"; the API order is openapi.yaml's, given by api_pos (the symbol, not a
 * member of struct trade, is API place 1).
 */
#ifndef LIQ_TRADE_FIELDS_H
#define LIQ_TRADE_FIELDS_H

#include <stddef.h>

/* The member's C type. */
enum trade_field_type {
    TF_F64, TF_U64, TF_I64, TF_U32, TF_U8, TF_I8, TF_F64x3, TF_U8x3, TF_STR
};

/* How the API shows the member. */
enum trade_field_view {
    TV_STORED_ONLY,    /* not in the API */
    TV_INT,            /* an integer */
    TV_SIDE,           /* "BUY" / "SELL" */
    TV_STATUS,         /* "open" / "closed" */
    TV_NUMBER,         /* a number */
    TV_NUMBER_OR_NULL, /* a number, null when not > 0 (no TP2) */
    TV_ZONE_REF,       /* "EURUSD:7", null for 0 */
    TV_BOOL,           /* true / false */
    TV_RATIO,          /* a number to 4 decimals (render_ratio) */
    TV_TIME,           /* "2022-10-10T00:00:00Z", null when unknown */
    TV_CLOSED_TIME,    /* a time, null while the trade is open */
    TV_CLOSED_NUMBER,  /* a number, null while the trade is open */
    TV_CLOSED_TEXT,    /* a string, null while the trade is open */
    TV_LEGS,           /* part of "legs": one object per leg with a fraction > 0 */
};

struct trade_field {
    const char *name;            /* the member's name = its stored key */
    size_t off;                  /* offsetof(struct trade, member) */
    enum trade_field_type type;
    const char *api;             /* its API key, NULL when TV_STORED_ONLY */
    int api_pos;                 /* its place in the API object (rows of "legs" share one) */
    enum trade_field_view view;
};

/* The API object's place of "symbol" and its number of places. */
#define TRADE_API_SYMBOL_POS 1
#define TRADE_API_KEYS 25

/* struct trade's fields in stored order; the zones (struct trade_zone) have their own. */
extern const struct trade_field TRADE_FIELDS[];
extern const size_t TRADE_FIELD_COUNT;
extern const struct trade_field TRADE_ZONE_FIELDS[];
extern const size_t TRADE_ZONE_FIELD_COUNT;

#endif
