/*
 * decode_bar.h - what the bar decoders (decode_json.c, decode_csv.c) share, private to them.
 *
 * A decoder reads one item into a struct raw_bar - what it found for each field, not yet
 * judged - and decode_raw_bar applies the one check every JSON bar goes through, with the
 * one set of words; decode_accept_bar is the last step of every bar, JSON or CSV.
 */
#ifndef LIQ_DECODE_BAR_H
#define LIQ_DECODE_BAR_H

#include <stdint.h>

#include "api/decode.h"

/* What an item held for one field. */
enum raw_kind {
    RAW_MISSING, /* the key is absent */
    RAW_BAD,     /* present but of the wrong type (or an unreadable time) */
    RAW_OK,
};

#define RAW_PRICES 5 /* open, high, low, close, volume */

/* One bar as an item held it. Example: {"symbol":"EURUSD","timeframe":"M15","ts":1665360000,
 * "open":1.0,...} -> symbol "EURUSD", timeframe "M15", ts_kind RAW_OK, ts 1665360000, ... */
struct raw_bar {
    const char *symbol;    /* NULL: absent or not a string */
    const char *timeframe; /* NULL: absent or not a string */
    enum raw_kind ts_kind;
    int64_t ts;
    enum raw_kind kind[RAW_PRICES];
    double value[RAW_PRICES];
};

/* The field names of raw_bar.kind/value, in order. */
extern const char *const DECODE_PRICE_KEYS[RAW_PRICES];

/* Records a problem of the item at `where`; only the first DECODE_MAX_ERRORS are kept. */
void decode_add_error(struct bar_batch *b, long where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The checks of one decoded bar (bar_validate, not in the future, not before 1970): a valid
 * one joins the batch, an invalid one is reported at `where`. With b->inconsistent set, a
 * bar whose open or close lies outside high-low is first widened (REPAIR) or left out
 * (SKIP), counted in b->fixed. 0, or -1 when the batch cannot grow. */
int decode_accept_bar(struct bar_batch *b, long where, const struct bar *bar, int64_t now);

/* The JSON item check: symbol, timeframe (the batch's, set by the first item), ts, then the
 * five numbers in order; the first problem is reported, else decode_accept_bar. 0 / -1 as
 * decode_accept_bar. */
int decode_raw_bar(struct bar_batch *b, long where, const struct raw_bar *r, int64_t now);

/*
 * The exact double of the decimal [s, end) when it is [-]digits[.digits][e[+-]digits] with
 * at most 15 significant digits and a net power of ten within +-22; 0 then, else -1 (the
 * caller uses strtod). "1.0950" -> 10950 / 1e4.
 */
int decode_fast_decimal(const char *s, const char *end, double *out);

/* 1 when s is written as a decimal number may be: only digits, signs, '.', 'e' and 'E'
 * (strtod's hexadecimal "0x1p0", "inf", "nan" are not numbers a client writes). */
int decode_decimal_text(const char *s);

#endif
