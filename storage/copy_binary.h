/*
 * copy_binary.h - rows for COPY ... FROM STDIN (FORMAT binary), appended to a textbuf.
 *
 * The one idea: PostgreSQL parses a binary COPY field with a byte swap instead of float8in
 * (strtod) and the timestamptz parser, and we format none of it with printf/strftime. A
 * stream is copybin_begin, per row copybin_row(n fields) then one copybin_* per field in
 * table order, then copybin_end. Values are exact: a double travels as its IEEE bits, a
 * timestamp as microseconds since 2000-01-01 UTC (PostgreSQL's epoch).
 * Example: copybin_begin(&tb); copybin_row(&tb, 2); copybin_text(&tb, "EURUSD");
 * copybin_float8(&tb, 1.1); copybin_end(&tb).
 */
#ifndef LIQ_COPY_BINARY_H
#define LIQ_COPY_BINARY_H

#include <stdint.h>
#include <string.h>

#include "base/textbuf.h"

/* seconds from 1970-01-01 to 2000-01-01 */
#define COPYBIN_PG_EPOCH 946684800LL

static inline void copybin_u32(struct textbuf *tb, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    textbuf_append(tb, (const char *)b, 4);
}

static inline void copybin_u64(struct textbuf *tb, uint64_t v)
{
    copybin_u32(tb, (uint32_t)(v >> 32));
    copybin_u32(tb, (uint32_t)v);
}

static inline void copybin_begin(struct textbuf *tb)
{
    textbuf_append(tb, "PGCOPY\n\377\r\n\0", 11);
    copybin_u32(tb, 0); /* flags: no OIDs */
    copybin_u32(tb, 0); /* header extension length */
}

static inline void copybin_row(struct textbuf *tb, int nfields)
{
    unsigned char b[2] = {(unsigned char)(nfields >> 8), (unsigned char)nfields};
    textbuf_append(tb, (const char *)b, 2);
}

static inline void copybin_end(struct textbuf *tb)
{
    textbuf_append(tb, "\377\377", 2);
}

static inline void copybin_null(struct textbuf *tb)
{
    copybin_u32(tb, 0xffffffffu);
}

static inline void copybin_text(struct textbuf *tb, const char *s)
{
    size_t n = strlen(s);
    copybin_u32(tb, (uint32_t)n);
    textbuf_append(tb, s, n);
}

static inline void copybin_int4(struct textbuf *tb, int32_t v)
{
    copybin_u32(tb, 4);
    copybin_u32(tb, (uint32_t)v);
}

static inline void copybin_float8(struct textbuf *tb, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    copybin_u32(tb, 8);
    copybin_u64(tb, bits);
}

/* A timestamptz from epoch seconds. */
static inline void copybin_ts(struct textbuf *tb, int64_t ts)
{
    copybin_u32(tb, 8);
    copybin_u64(tb, (uint64_t)((ts - COPYBIN_PG_EPOCH) * 1000000LL));
}

#endif
