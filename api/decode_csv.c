/*
 * decode_csv.c - bars from CSV text: the MT5 and MT4 exports and any header naming the
 * columns (see decode_bars_csv in api/decode.h). Lines of plain decimals and fixed-format
 * dates are read without strtod; every bar then goes through decode_accept_bar.
 */
#include "api/decode_bar.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain/instrument.h"
#include "domain/utf8.h"

enum col { C_TIME, C_DATE, C_CLOCK, C_OPEN, C_HIGH, C_LOW, C_CLOSE, C_VOLUME, C_TICKVOL, C_NCOLS };

#define CSV_MAX_FIELDS 16

/* Splits one line in place at commas (or tabs/semicolons). Returns the field count. */
static int split(char *line, char **f)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == CSV_MAX_FIELDS)
            return -1;
        while (*p == ' ')
            p++;
        f[n++] = p;
        char *e = p + strcspn(p, ",;\t");
        char sep = *e;
        char *t = e;
        while (t > p && (t[-1] == ' ' || t[-1] == '\r'))
            t--;
        *t = '\0';
        if (sep == '\0')
            return n;
        p = e + 1;
    }
}

static int header_column(const char *name)
{
    static const struct {
        const char *name;
        enum col col;
    } names[] = {
        {"time", C_TIME},       {"datetime", C_TIME},     {"timestamp", C_TIME},
        {"ts", C_TIME},         {"date", C_DATE},         {"open", C_OPEN},
        {"high", C_HIGH},       {"low", C_LOW},           {"close", C_CLOSE},
        {"volume", C_VOLUME},   {"vol", C_VOLUME},        {"tickvol", C_TICKVOL},
        {"tick_volume", C_TICKVOL}, {"<date>", C_DATE},   {"<time>", C_CLOCK},
        {"<open>", C_OPEN},     {"<high>", C_HIGH},       {"<low>", C_LOW},
        {"<close>", C_CLOSE},   {"<tickvol>", C_TICKVOL}, {"<vol>", C_VOLUME},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(name, names[i].name) == 0)
            return (int)names[i].col;
    return -1;
}

static int parse_double(const char *s, double *out)
{
    if (*s == '\0')
        return -1;
    if (decode_fast_decimal(s, s + strlen(s), out) == 0)
        return 0;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || errno == ERANGE)
        return -1;
    *out = v;
    return 0;
}

struct csv_layout {
    int idx[C_NCOLS];
    int has_header;
};

static int layout_from_header(char **f, int n, struct csv_layout *l)
{
    for (int c = 0; c < C_NCOLS; c++)
        l->idx[c] = -1;
    int named = 0;
    for (int i = 0; i < n; i++) {
        int c = header_column(f[i]);
        if (c >= 0 && l->idx[c] < 0) {
            l->idx[c] = i;
            named++;
        }
    }
    /* "Date" alone carries date and time (MT5); Date + Time columns are joined */
    if (l->idx[C_DATE] >= 0) {
        l->idx[C_CLOCK] = l->idx[C_TIME];
        l->idx[C_TIME] = l->idx[C_DATE];
        l->idx[C_DATE] = -1;
    }
    l->has_header = 1;
    return named;
}

static int line_is_header(char **f, int n)
{
    for (int i = 0; i < n; i++)
        for (const char *p = f[i]; *p; p++)
            if (isalpha((unsigned char)*p) && *p != 'e' && *p != 'E' && *p != 'T' && *p != 'Z')
                return 1;
    return 0;
}

static int decode_csv_row(struct bar_batch *b, const struct csv_layout *l, char **f, int n,
                          long line, int64_t now)
{
    for (int c = 0; c < C_NCOLS; c++) {
        if (l->idx[c] >= n) {
            decode_add_error(b, line, "expected at least %d fields, found %d", l->idx[c] + 1, n);
            return 0;
        }
    }
    struct bar bar = {0};
    char when[64];
    int wn;
    if (l->idx[C_CLOCK] >= 0)
        wn = snprintf(when, sizeof when, "%s %s", f[l->idx[C_TIME]], f[l->idx[C_CLOCK]]);
    else
        wn = snprintf(when, sizeof when, "%s", f[l->idx[C_TIME]]);
    /* a time cut to fit `when` could read as another time (an offset cut off): refused */
    if (wn < 0 || (size_t)wn >= sizeof when || decode_time(when, &bar.ts) != 0) {
        char shown[41]; /* 40 bytes of it at most, cut on a character (domain/utf8.h) */
        utf8_clip(shown, sizeof shown, when, sizeof shown - 1);
        decode_add_error(b, line, "cannot read the time '%s'", shown);
        return 0;
    }
    static const char *const names[4] = {"open", "high", "low", "close"};
    double *fields[4] = {&bar.open, &bar.high, &bar.low, &bar.close};
    for (int k = 0; k < 4; k++) {
        if (parse_double(f[l->idx[C_OPEN + k]], fields[k]) != 0) {
            decode_add_error(b, line, "%s is not a number", names[k]);
            return 0;
        }
    }
    int vcol = l->idx[C_TICKVOL] >= 0 ? l->idx[C_TICKVOL] : l->idx[C_VOLUME];
    if (vcol >= 0 && parse_double(f[vcol], &bar.volume) != 0) {
        decode_add_error(b, line, "volume is not a number");
        return 0;
    }
    return decode_accept_bar(b, line, &bar, now);
}

int decode_bars_csv(const char *text, size_t len, const char *symbol, const char *timeframe,
                    int64_t now, struct bar_batch *out)
{
    if (symbol == NULL || !instrument_valid_symbol(symbol)) {
        snprintf(out->message, sizeof out->message,
                 "query parameter symbol must match [A-Z0-9._-]{1,32}");
        return -1;
    }
    if (timeframe == NULL || tf_parse(timeframe, &out->tf) != 0) {
        snprintf(out->message, sizeof out->message,
                 "query parameter timeframe must be one of M1, M5, M15, M30, H1, H4, D1");
        return -1;
    }
    snprintf(out->symbol, sizeof out->symbol, "%s", symbol);
    char *buf = malloc(len + 1);
    if (buf == NULL)
        return -2;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (memchr(buf, '\0', len) != NULL) {
        free(buf);
        snprintf(out->message, sizeof out->message, "the CSV holds a NUL byte");
        return -1;
    }
    struct csv_layout l = {.has_header = 0};
    int rc = 0;
    long line = 0;
    for (char *ln = buf, *next = NULL; ln != NULL && rc == 0; ln = next) {
        char *nl = strchr(ln, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl != NULL)
            *nl = '\0';
        if (next != NULL && *next == '\0')
            next = NULL;
        line++;
        char *f[CSV_MAX_FIELDS];
        if (ln[0] == '\r' || ln[0] == '\0')
            continue;
        int n = split(ln, f);
        if (n < 0) {
            decode_add_error(out, line, "too many fields");
            continue;
        }
        if (line == 1 && line_is_header(f, n)) {
            layout_from_header(f, n, &l);
            if (l.idx[C_TIME] < 0 || l.idx[C_OPEN] < 0 || l.idx[C_HIGH] < 0 ||
                l.idx[C_LOW] < 0 || l.idx[C_CLOSE] < 0) {
                snprintf(out->message, sizeof out->message,
                         "the header must name time (or date), open, high, low and close");
                break;
            }
            continue;
        }
        if (line == 1) { /* MT4 export without header: date,time,open,high,low,close,volume */
            int mt4[C_NCOLS] = {0, -1, 1, 2, 3, 4, 5, 6, -1};
            memcpy(l.idx, mt4, sizeof mt4);
            if (n == 6) { /* time,open,high,low,close,volume with date and time joined */
                int gen[C_NCOLS] = {0, -1, -1, 1, 2, 3, 4, 5, -1};
                memcpy(l.idx, gen, sizeof gen);
            }
        }
        if (decode_csv_row(out, &l, f, n, line, now) != 0)
            rc = -2;
    }
    free(buf);
    if (rc == 0 && out->message[0] == '\0' && out->n == 0 && out->nerrors == 0)
        snprintf(out->message, sizeof out->message, "the CSV holds no bars");
    if (rc != 0)
        return rc;
    return out->nerrors || out->message[0] ? -1 : 0;
}
