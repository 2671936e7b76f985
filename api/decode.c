/*
 * decode.c - JSON and CSV bar decoders with per-item errors.
 */
#include "api/decode.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "domain/instrument.h"

static void add_error(struct bar_batch *b, long where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_error(struct bar_batch *b, long where, const char *fmt, ...)
{
    if (b->nerrors < DECODE_MAX_ERRORS) {
        struct decode_error *e = &b->errors[b->nerrors];
        e->where = where;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->reason, sizeof e->reason, fmt, ap);
        va_end(ap);
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
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        struct bar *v = realloc(b->bars, cap * sizeof *v);
        if (v == NULL)
            return -1;
        b->bars = v;
        b->cap = cap;
    }
    b->bars[b->n++] = *bar;
    return 0;
}

/* Reads exactly n digits. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int decode_time(const char *s, int64_t *out)
{
    const char *p = s;
    if (*p == '\0')
        return -1;
    int all_digits = 1;
    for (const char *q = p; *q; q++)
        all_digits &= isdigit((unsigned char)*q) != 0;
    if (all_digits) {
        if (strlen(p) > 12)
            return -1;
        *out = strtoll(p, NULL, 10);
        return 0;
    }
    int Y, M, D, h, m, sec = 0;
    if (digits(&p, 4, &Y) || (*p != '-' && *p != '.'))
        return -1;
    char sep = *p++;
    if (digits(&p, 2, &M) || *p++ != sep || digits(&p, 2, &D))
        return -1;
    if (*p != 'T' && *p != ' ' && *p != 't')
        return -1;
    p++;
    if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &m))
        return -1;
    if (*p == ':') {
        p++;
        if (digits(&p, 2, &sec))
            return -1;
        if (*p == '.') { /* fractional seconds: must be zero, bars open on whole seconds */
            p++;
            if (!isdigit((unsigned char)*p))
                return -1;
            while (isdigit((unsigned char)*p))
                if (*p++ != '0')
                    return -1;
        }
    }
    long offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset = sign * (oh * 3600L + om * 60L);
    }
    if (*p != '\0' || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 59)
        return -1;
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (D > mdays[M - 1] || (M == 2 && D == 29 && !leap))
        return -1;
    struct tm tm = {.tm_year = Y - 1900, .tm_mon = M - 1, .tm_mday = D, .tm_hour = h,
                    .tm_min = m, .tm_sec = sec};
    *out = (int64_t)timegm(&tm) - offset;
    return 0;
}

/* Common checks of one decoded bar; reports at `where`. */
static void check_bar(struct bar_batch *b, long where, const struct bar *bar, int64_t now)
{
    const char *why = bar_validate(bar, b->tf);
    if (why != NULL)
        add_error(b, where, "%s", why);
    else if (bar->ts > now + DECODE_MAX_FUTURE_S)
        add_error(b, where, "ts is in the future");
    else if (bar->ts < 0)
        add_error(b, where, "ts is before 1970");
}

static int json_number(const json_t *o, const char *key, double *out, const char **why)
{
    const json_t *v = json_object_get(o, key);
    if (v == NULL) {
        *why = "is missing";
        return -1;
    }
    if (!json_is_number(v)) {
        *why = "must be a number";
        return -1;
    }
    *out = json_number_value(v);
    return 0;
}

static int json_ts(const json_t *o, int64_t *out, const char **why)
{
    const json_t *v = json_object_get(o, "ts");
    if (v == NULL) {
        *why = "ts is missing";
        return -1;
    }
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 0;
    }
    if (json_is_string(v) && decode_time(json_string_value(v), out) == 0)
        return 0;
    *why = "ts must be RFC 3339 (2022-10-10T00:00:00Z) or epoch seconds";
    return -1;
}

/* symbol and timeframe of one JSON bar, which must equal the batch's. */
static int json_identity(struct bar_batch *b, const json_t *o, long i)
{
    const char *sym = json_string_value(json_object_get(o, "symbol"));
    const char *tf = json_string_value(json_object_get(o, "timeframe"));
    if (sym == NULL || !instrument_valid_symbol(sym)) {
        add_error(b, i, "symbol must be a string matching [A-Z0-9._-]{1,32}");
        return -1;
    }
    enum timeframe t;
    if (tf == NULL || tf_parse(tf, &t) != 0) {
        add_error(b, i, "timeframe must be one of M1, M5, M15, M30, H1, H4, D1");
        return -1;
    }
    if (b->symbol[0] == '\0') {
        snprintf(b->symbol, sizeof b->symbol, "%s", sym);
        b->tf = t;
    } else if (strcmp(b->symbol, sym) != 0 || b->tf != t) {
        add_error(b, i, "all bars of one request must share symbol and timeframe");
        return -1;
    }
    return 0;
}

static int decode_one_json(struct bar_batch *b, const json_t *o, long i, int64_t now)
{
    if (!json_is_object(o)) {
        add_error(b, i, "a bar must be a JSON object");
        return 0;
    }
    if (json_identity(b, o, i) != 0)
        return 0;
    struct bar bar = {0};
    const char *why = NULL;
    static const char *const keys[5] = {"open", "high", "low", "close", "volume"};
    double *fields[5] = {&bar.open, &bar.high, &bar.low, &bar.close, &bar.volume};
    if (json_ts(o, &bar.ts, &why) != 0) {
        add_error(b, i, "%s", why);
        return 0;
    }
    for (int k = 0; k < 5; k++) {
        if (json_number(o, keys[k], fields[k], &why) != 0) {
            add_error(b, i, "%s %s", keys[k], why);
            return 0;
        }
    }
    size_t before = b->nerrors;
    check_bar(b, i, &bar, now);
    if (b->nerrors == before)
        return push_bar(b, &bar);
    return 0;
}

int decode_bars_json(const json_t *j, int64_t now, struct bar_batch *out)
{
    if (json_is_array(j)) {
        if (json_array_size(j) == 0) {
            snprintf(out->message, sizeof out->message, "the array holds no bars");
            return -1;
        }
        for (size_t i = 0; i < json_array_size(j); i++)
            if (decode_one_json(out, json_array_get(j, i), (long)i, now) != 0)
                return -2;
    } else if (json_is_object(j)) {
        if (decode_one_json(out, j, 0, now) != 0)
            return -2;
    } else {
        snprintf(out->message, sizeof out->message, "the body must be a bar object or an array");
        return -1;
    }
    return out->nerrors ? -1 : 0;
}

/* --- CSV ---------------------------------------------------------------------------- */

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
        {"time", C_TIME},     {"datetime", C_TIME}, {"timestamp", C_TIME}, {"ts", C_TIME},
        {"date", C_DATE},     {"open", C_OPEN},     {"high", C_HIGH},      {"low", C_LOW},
        {"close", C_CLOSE},   {"volume", C_VOLUME}, {"vol", C_VOLUME},     {"tickvol", C_TICKVOL},
        {"tick_volume", C_TICKVOL}, {"<date>", C_DATE}, {"<time>", C_CLOCK}, {"<open>", C_OPEN},
        {"<high>", C_HIGH},   {"<low>", C_LOW},     {"<close>", C_CLOSE},  {"<tickvol>", C_TICKVOL},
        {"<vol>", C_VOLUME},
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
            add_error(b, line, "expected at least %d fields, found %d", l->idx[c] + 1, n);
            return 0;
        }
    }
    struct bar bar = {0};
    char when[64];
    if (l->idx[C_CLOCK] >= 0)
        snprintf(when, sizeof when, "%s %s", f[l->idx[C_TIME]], f[l->idx[C_CLOCK]]);
    else
        snprintf(when, sizeof when, "%s", f[l->idx[C_TIME]]);
    if (decode_time(when, &bar.ts) != 0) {
        add_error(b, line, "cannot read the time '%.40s'", when);
        return 0;
    }
    static const char *const names[4] = {"open", "high", "low", "close"};
    double *fields[4] = {&bar.open, &bar.high, &bar.low, &bar.close};
    for (int k = 0; k < 4; k++) {
        if (parse_double(f[l->idx[C_OPEN + k]], fields[k]) != 0) {
            add_error(b, line, "%s is not a number", names[k]);
            return 0;
        }
    }
    int vcol = l->idx[C_TICKVOL] >= 0 ? l->idx[C_TICKVOL] : l->idx[C_VOLUME];
    if (vcol >= 0 && parse_double(f[vcol], &bar.volume) != 0) {
        add_error(b, line, "volume is not a number");
        return 0;
    }
    size_t before = b->nerrors;
    check_bar(b, line, &bar, now);
    if (b->nerrors == before)
        return push_bar(b, &bar);
    return 0;
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
            add_error(out, line, "too many fields");
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
