/*
 * decode_bar.c - the parts every bar decoder shares: the batch (its errors and its growth),
 * the one check of a JSON bar item, the last check of every bar, and exact decimals.
 *
 * Numbers the fast paths take are exact: an integer mantissa of at most 15 digits and a
 * power of ten up to 1e22 are both exactly representable, so one IEEE division or
 * multiplication rounds the true value once - the same correctly rounded double strtod
 * returns.
 */
#include "api/decode_bar.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/instrument.h"
#include "base/utf8.h"
#include "base/grow.h"

const char *const DECODE_PRICE_KEYS[RAW_PRICES] = {"open", "high", "low", "close", "volume"};

void decode_add_error(struct bar_batch *b, long where, const char *fmt, ...)
{
    if (b->nerrors < DECODE_MAX_ERRORS) {
        struct decode_error *e = &b->errors[b->nerrors];
        e->where = where;
        char text[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
        /* the reason may quote the item: cut on a character, valid UTF-8 (base/utf8.h) */
        utf8_clip(e->reason, sizeof e->reason, text, sizeof e->reason - 1);
    }
    b->nerrors++;
}

void bar_batch_free(struct bar_batch *b)
{
    free(b->bars);
    b->bars = NULL;
    b->n = b->cap = 0;
}

static int push_bar(struct bar_batch *b, const struct bar *bar)
{
    struct bar *v = grow_array(b->bars, &b->cap, b->n + 1, sizeof *v, 256);
    if (v == NULL)
        return -1;
    b->bars = v;
    b->bars[b->n++] = *bar;
    return 0;
}

/* Positive finite prices whose high-low range misses open or close (or is inverted). */
static int inconsistent(const struct bar *x)
{
    double lo = fmin(x->open, x->close), hi = fmax(x->open, x->close);
    int sane = isfinite(x->open) && isfinite(x->high) && isfinite(x->low) &&
               isfinite(x->close) && x->open > 0 && x->high > 0 && x->low > 0 && x->close > 0;
    return sane && (x->high < hi || x->low > lo || x->high < x->low);
}

int decode_accept_bar(struct bar_batch *b, long where, const struct bar *bar, int64_t now)
{
    struct bar fixed = *bar;
    if (b->inconsistent != DECODE_REJECT && inconsistent(bar)) {
        if (b->fixed < DECODE_FIXED_SHOWN)
            b->fixed_where[b->fixed] = where;
        b->fixed++;
        if (b->inconsistent == DECODE_SKIP)
            return 0;
        fixed.high = fmax(fmax(bar->high, bar->low), fmax(bar->open, bar->close));
        fixed.low = fmin(fmin(bar->high, bar->low), fmin(bar->open, bar->close));
        bar = &fixed;
    }
    const char *why = bar_validate(bar, b->tf);
    if (why != NULL && inconsistent(bar))
        decode_add_error(b, where, "%s (inconsistent=repair widens high/low, "
                                   "inconsistent=skip leaves such bars out)", why);
    else if (why != NULL)
        decode_add_error(b, where, "%s", why);
    else if (bar->ts > now + DECODE_MAX_FUTURE_S)
        decode_add_error(b, where, "ts is in the future (the accepted range ends 2 days past "
                                   "the server's clock)");
    else if (bar->ts < 0)
        decode_add_error(b, where, "ts is before 1970 (the accepted range starts at "
                                   "1970-01-01T00:00:00Z)");
    else
        return push_bar(b, bar);
    return 0;
}

/* symbol and timeframe of one item, which must equal the batch's (the first item sets
 * them). 0 when they do, -1 with the problem recorded. */
static int raw_identity(struct bar_batch *b, long i, const struct raw_bar *r)
{
    if (r->symbol == NULL || !instrument_valid_symbol(r->symbol)) {
        decode_add_error(b, i, "symbol must be a string matching " INSTRUMENT_SYMBOL_RULE);
        return -1;
    }
    enum timeframe t;
    if (r->timeframe == NULL || tf_parse(r->timeframe, &t) != 0) {
        decode_add_error(b, i, "timeframe must be one of M1, M5, M15, M30, H1, H4, D1");
        return -1;
    }
    if (b->symbol[0] == '\0') {
        snprintf(b->symbol, sizeof b->symbol, "%s", r->symbol);
        b->tf = t;
    } else if (strcmp(b->symbol, r->symbol) != 0 || b->tf != t) {
        decode_add_error(b, i, "all bars of one request must share symbol and timeframe");
        return -1;
    }
    return 0;
}

int decode_raw_bar(struct bar_batch *b, long where, const struct raw_bar *r, int64_t now)
{
    if (raw_identity(b, where, r) != 0)
        return 0;
    if (r->ts_kind == RAW_MISSING) {
        decode_add_error(b, where, "ts is missing");
        return 0;
    }
    if (r->ts_kind == RAW_BAD) {
        decode_add_error(b, where, "ts must be RFC 3339 (2022-10-10T00:00:00Z) or epoch seconds");
        return 0;
    }
    struct bar bar = {.ts = r->ts};
    double *fields[RAW_PRICES] = {&bar.open, &bar.high, &bar.low, &bar.close, &bar.volume};
    for (int k = 0; k < RAW_PRICES; k++) {
        if (r->kind[k] != RAW_OK) {
            decode_add_error(b, where, "%s %s", DECODE_PRICE_KEYS[k],
                             r->kind[k] == RAW_MISSING ? "is missing" : "must be a number");
            return 0;
        }
        *fields[k] = r->value[k];
    }
    return decode_accept_bar(b, where, &bar, now);
}

static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

int decode_fast_decimal(const char *s, const char *end, double *out)
{
    const char *p = s;
    int neg = p < end && *p == '-';
    p += neg;
    uint64_t m = 0;
    int sig = 0, scale = 0, ndig = 0;
    for (; p < end && *p >= '0' && *p <= '9'; p++, ndig++) {
        sig += m != 0 || *p != '0';
        m = m * 10 + (uint64_t)(*p - '0');
        if (sig > 15)
            return -1;
    }
    if (p < end && *p == '.') {
        p++;
        const char *f = p;
        for (; p < end && *p >= '0' && *p <= '9'; p++) {
            sig += m != 0 || *p != '0';
            m = m * 10 + (uint64_t)(*p - '0');
            scale--;
            if (sig > 15)
                return -1;
        }
        if (p == f)
            return -1;
    }
    if (ndig == 0)
        return -1;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = p < end && *p == '-';
        p += p < end && (*p == '-' || *p == '+');
        const char *e0 = p;
        int ex = 0;
        for (; p < end && *p >= '0' && *p <= '9' && ex < 1000; p++)
            ex = ex * 10 + (*p - '0');
        if (p == e0 || ex >= 1000)
            return -1;
        scale += eneg ? -ex : ex;
    }
    if (p != end || scale < -22 || scale > 22)
        return -1;
    double v = scale < 0 ? (double)m / POW10[-scale] : (double)m * POW10[scale];
    *out = neg ? -v : v;
    return 0;
}


int decode_decimal_text(const char *s)
{
    return s[strspn(s, "0123456789+-.eE")] == '\0';
}
