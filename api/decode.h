/*
 * decode.h - bars from the wire: JSON objects and CSV files, checked item by item.
 *
 * Decoders are pure (no server state), so the fuzz harnesses drive them directly.
 * Every problem is reported with where it is (array index or CSV line) and why; a
 * caller applies nothing when any item is bad.
 */
#ifndef LIQ_DECODE_H
#define LIQ_DECODE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/bar.h"

#define DECODE_MAX_ERRORS 20

struct decode_error {
    long where;         /* array index (JSON) or line number (CSV, 1-based) */
    char reason[120];
};

struct tz;

/* A bar whose open or close lies outside its high-low range (vendor files have them). */
enum decode_inconsistent {
    DECODE_REJECT, /* the default: a 422 naming each such line */
    DECODE_REPAIR, /* widen high and low to contain open and close */
    DECODE_SKIP,   /* leave the bar out */
};
#define DECODE_FIXED_SHOWN 5

struct bar_batch {
    char symbol[33];
    enum timeframe tf;
    struct bar *bars;   /* malloc'd */
    size_t n, cap;
    struct decode_error errors[DECODE_MAX_ERRORS];
    size_t nerrors;     /* can exceed DECODE_MAX_ERRORS; only the first are kept */
    char message[512];  /* a request-level problem (empty if none) */
    const char *param;  /* the query parameter that problem is about (NULL if none) */
    /* options the caller sets before decode_bars_csv (zero: UTC and strict) */
    const struct tz *tz;             /* wall-clock times without an offset are in this zone */
    enum decode_inconsistent inconsistent;
    size_t fixed;                    /* bars repaired or skipped under that option */
    long fixed_where[DECODE_FIXED_SHOWN]; /* the first of them (CSV lines) */
};

/* Parses "2022-10-10T00:00:00Z", "2022-10-10T02:00:00+02:00", "2022-10-10 00:00:00",
 * "2022.10.10 00:00:00" or epoch seconds "1665360000". 0 ok, -1 invalid. */
int decode_time(const char *s, int64_t *out);
/* decode_time, and *absolute = 0 when s is a wall-clock time without Z or offset (which a
 * ?tz= then places), 1 when it names its instant (offset, Z or epoch seconds). */
int decode_time_zoned(const char *s, int64_t *out, int *absolute);

/* Bars from a JSON value (one bar object or an array of them). All bars must share one
 * symbol and timeframe. now is the wall clock, to refuse bars from the future. Returns 0
 * if every bar is valid, -1 otherwise (errors/message filled). -2 out of memory. */
int decode_bars_json(const json_t *j, int64_t now, struct bar_batch *out);

/* What decode_bars_json_text returns for text outside its fast shape. */
#define DECODE_USE_JANSSON 1

/*
 * decode_bars_json on the raw text, without building a jansson tree, for the shape clients
 * send: a bar object or an array of them with only the keys symbol, timeframe, ts, open,
 * high, low, close, volume (once each), strings without escapes or non-ASCII bytes, plain
 * numbers. Same results, errors and words as json_loadb(JSON_REJECT_DUPLICATES) followed by
 * decode_bars_json. Anything else (malformed JSON included) returns DECODE_USE_JANSSON with
 * out reset to {.symbol = ""}: the caller then takes the jansson path, which answers it
 * exactly as before. Example: `[{"symbol":"EURUSD","timeframe":"M15","ts":"2022-10-10T00:00:
 * 00Z","open":1.0,"high":1.1,"low":0.9,"close":1.05,"volume":10}]` -> 0 with one bar.
 */
int decode_bars_json_text(const char *text, size_t len, int64_t now, struct bar_batch *out);

/* Bars from CSV text with symbol and timeframe given. Layouts: the MT5 export
 * (Date,Open,High,Low,Close,Tickvol,Volume,Spread; "YYYY.MM.DD HH:MM:SS"), the MT4
 * header-less export (date,time,open,high,low,close,volume), and any header naming
 * time/date, open, high, low, close and optionally volume/tickvol in any letter case and
 * order (an unnamed leading index column is ignored). Same return values. */
int decode_bars_csv(const char *text, size_t len, const char *symbol, const char *timeframe,
                    int64_t now, struct bar_batch *out);

void bar_batch_free(struct bar_batch *b);

/* Longest future a bar ts may be ahead of the clock: the domain's rule, which the trade
 * routes apply to their ts too (domain/bar.h). */
#define DECODE_MAX_FUTURE_S BAR_MAX_FUTURE_S

#endif
