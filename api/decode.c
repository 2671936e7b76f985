/*
 * decode.c - JSON and CSV bar decoders with per-item errors.
 *
 * The one idea of the fast paths: the common input (an array of flat bar objects, CSV lines
 * of plain decimals and fixed-format dates) is decoded straight into struct bar without a
 * jansson tree, timegm or strtod, and anything outside that narrow shape is handed to the
 * general decoders, so odd-but-valid input (escapes, unknown keys, nested values, exponents)
 * and every error keep exactly the answers they had. Numbers the fast path takes are exact:
 * an integer mantissa of at most 15 digits and a power of ten up to 1e22 are both exactly
 * representable, so one IEEE division or multiplication rounds the true value once - the
 * same correctly rounded double strtod returns.
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

static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/*
 * The exact double of the decimal [s, end) when it is [-]digits[.digits][e[+-]digits] with
 * at most 15 significant digits and a net power of ten within +-22; 0 then, else -1 (the
 * caller uses strtod). "1.0950" -> 10950 / 1e4.
 */
static int fast_decimal(const char *s, const char *end, double *out)
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
    *out = days_from_civil(Y, M, D) * 86400 + h * 3600L + m * 60L + sec - offset;
    return 0;
}

/* Common checks of one decoded bar: a valid one joins the batch, an invalid one is reported
 * at `where`. 0, or -1 when the batch cannot grow. */
static int accept_bar(struct bar_batch *b, long where, const struct bar *bar, int64_t now)
{
    const char *why = bar_validate(bar, b->tf);
    if (why != NULL)
        add_error(b, where, "%s", why);
    else if (bar->ts > now + DECODE_MAX_FUTURE_S)
        add_error(b, where, "ts is in the future");
    else if (bar->ts < 0)
        add_error(b, where, "ts is before 1970");
    else
        return push_bar(b, bar);
    return 0;
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
    return accept_bar(b, i, &bar, now);
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

/* --- JSON without a tree ------------------------------------------------------------
 *
 * A single pass over the text for the shape clients send: a bar object or an array of
 * them, each holding only the eight known keys once, with string values free of escapes
 * and non-ASCII bytes and plain JSON numbers. Anything else returns FALLBACK before any
 * answer is given, and the caller decodes through jansson as before (which also produces
 * the 400 for malformed JSON), so the fast path never decides a case differently. */

#define FALLBACK 1

enum jkey { K_SYMBOL, K_TIMEFRAME, K_TS, K_OPEN, K_HIGH, K_LOW, K_CLOSE, K_VOLUME, K_COUNT };
static const char *const JKEYS[K_COUNT] = {"symbol", "timeframe", "ts",  "open",
                                           "high",   "low",       "close", "volume"};

enum jtype { J_MISSING, J_STRING, J_INT, J_REAL };

struct jvalue {
    enum jtype type;
    const char *s;          /* J_STRING: the bytes between the quotes */
    size_t len;
    int64_t i;              /* J_INT */
    double d;               /* J_INT (as jansson's json_number_value) and J_REAL */
};

struct jtext {
    const char *p, *end;
};

static void jws(struct jtext *t)
{
    while (t->p < t->end && (*t->p == ' ' || *t->p == '\n' || *t->p == '\r' || *t->p == '\t'))
        t->p++;
}

/* A string with no escape, control or non-ASCII byte (jansson would have to decode or
 * validate those). At the opening quote. */
static int jstring(struct jtext *t, const char **s, size_t *len)
{
    const char *q = ++t->p;
    while (q < t->end && *q != '"') {
        unsigned char c = (unsigned char)*q;
        if (c < 0x20 || c >= 0x80 || c == '\\')
            return FALLBACK;
        q++;
    }
    if (q == t->end)
        return FALLBACK;
    *s = t->p;
    *len = (size_t)(q - t->p);
    t->p = q + 1;
    return 0;
}

/* A JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? - an integer unless it has a
 * fraction or exponent, as jansson types it. */
static int jnumber(struct jtext *t, struct jvalue *v)
{
    const char *s = t->p, *p = s;
    p += p < t->end && *p == '-';
    if (p == t->end || *p < '0' || *p > '9')
        return FALLBACK;
    if (*p == '0')
        p++;
    else
        while (p < t->end && *p >= '0' && *p <= '9')
            p++;
    int real = 0;
    if (p < t->end && *p == '.') {
        real = 1;
        const char *f = ++p;
        while (p < t->end && *p >= '0' && *p <= '9')
            p++;
        if (p == f)
            return FALLBACK;
    }
    if (p < t->end && (*p == 'e' || *p == 'E')) {
        real = 1;
        p++;
        p += p < t->end && (*p == '+' || *p == '-');
        const char *e = p;
        while (p < t->end && *p >= '0' && *p <= '9')
            p++;
        if (p == e)
            return FALLBACK;
    }
    t->p = p;
    if (!real) {
        if (p - s > 18) /* jansson's range check on json_int_t is left to jansson */
            return FALLBACK;
        int64_t i = 0;
        for (const char *q = s + (*s == '-'); q < p; q++)
            i = i * 10 + (*q - '0');
        v->type = J_INT;
        v->i = *s == '-' ? -i : i;
        v->d = (double)v->i;
        return 0;
    }
    v->type = J_REAL;
    if (fast_decimal(s, p, &v->d) == 0)
        return 0;
    char copy[64];
    if ((size_t)(p - s) >= sizeof copy)
        return FALLBACK;
    memcpy(copy, s, (size_t)(p - s));
    copy[p - s] = '\0';
    v->d = strtod(copy, NULL);
    return isinf(v->d) ? FALLBACK : 0; /* jansson refuses a real that overflows */
}

/* One object of known keys into v[K_COUNT]. At the opening brace. */
static int jobject(struct jtext *t, struct jvalue *v)
{
    for (int k = 0; k < K_COUNT; k++)
        v[k].type = J_MISSING;
    t->p++;
    jws(t);
    if (t->p < t->end && *t->p == '}') {
        t->p++;
        return 0;
    }
    for (;;) {
        const char *key;
        size_t klen;
        if (t->p == t->end || *t->p != '"' || jstring(t, &key, &klen) != 0)
            return FALLBACK;
        int k = 0;
        while (k < K_COUNT && (strlen(JKEYS[k]) != klen || memcmp(JKEYS[k], key, klen) != 0))
            k++;
        if (k == K_COUNT || v[k].type != J_MISSING) /* unknown or duplicate key */
            return FALLBACK;
        jws(t);
        if (t->p == t->end || *t->p != ':')
            return FALLBACK;
        t->p++;
        jws(t);
        if (t->p == t->end)
            return FALLBACK;
        if (*t->p == '"') {
            if (jstring(t, &v[k].s, &v[k].len) != 0)
                return FALLBACK;
            v[k].type = J_STRING;
        } else if (jnumber(t, &v[k]) != 0) {
            return FALLBACK;
        }
        jws(t);
        if (t->p == t->end)
            return FALLBACK;
        if (*t->p == '}') {
            t->p++;
            return 0;
        }
        if (*t->p != ',')
            return FALLBACK;
        t->p++;
        jws(t);
    }
}

/* A string value as a C string in buf (64 bytes); NULL when not a string or too long to be
 * valid (a symbol or timeframe is shorter: the same "must be" error as jansson's). */
static const char *jcstr(const struct jvalue *v, char *buf)
{
    if (v->type != J_STRING || v->len >= 64)
        return NULL;
    memcpy(buf, v->s, v->len);
    buf[v->len] = '\0';
    return buf;
}

/* decode_one_json on parsed values: the same checks in the same order, the same words. */
static int decode_one_fast(struct bar_batch *b, const struct jvalue *v, long i, int64_t now)
{
    char sym[64], tfs[64], ts[64];
    const char *symbol = jcstr(&v[K_SYMBOL], sym), *timeframe = jcstr(&v[K_TIMEFRAME], tfs);
    if (symbol == NULL || !instrument_valid_symbol(symbol)) {
        add_error(b, i, "symbol must be a string matching [A-Z0-9._-]{1,32}");
        return 0;
    }
    enum timeframe tf;
    if (timeframe == NULL || tf_parse(timeframe, &tf) != 0) {
        add_error(b, i, "timeframe must be one of M1, M5, M15, M30, H1, H4, D1");
        return 0;
    }
    if (b->symbol[0] == '\0') {
        /* a valid symbol is at most 32 characters: it fits */
        memcpy(b->symbol, symbol, strlen(symbol) + 1);
        b->tf = tf;
    } else if (strcmp(b->symbol, symbol) != 0 || b->tf != tf) {
        add_error(b, i, "all bars of one request must share symbol and timeframe");
        return 0;
    }
    struct bar bar = {0};
    const struct jvalue *t = &v[K_TS];
    if (t->type == J_MISSING) {
        add_error(b, i, "ts is missing");
        return 0;
    }
    if (t->type == J_INT) {
        bar.ts = t->i;
    } else if (t->type != J_STRING || jcstr(t, ts) == NULL || decode_time(ts, &bar.ts) != 0) {
        add_error(b, i, "ts must be RFC 3339 (2022-10-10T00:00:00Z) or epoch seconds");
        return 0;
    }
    double *fields[5] = {&bar.open, &bar.high, &bar.low, &bar.close, &bar.volume};
    for (int k = 0; k < 5; k++) {
        const struct jvalue *x = &v[K_OPEN + k];
        if (x->type == J_MISSING || x->type == J_STRING) {
            add_error(b, i, "%s %s", JKEYS[K_OPEN + k],
                      x->type == J_MISSING ? "is missing" : "must be a number");
            return 0;
        }
        *fields[k] = x->d;
    }
    return accept_bar(b, i, &bar, now);
}

/* The whole text in the fast shape: 0 / -1 / -2 as decode_bars_json, or FALLBACK. */
static int json_text_fast(const char *text, size_t len, int64_t now, struct bar_batch *out)
{
    struct jtext t = {.p = text, .end = text + len};
    struct jvalue v[K_COUNT];
    jws(&t);
    if (t.p == t.end)
        return FALLBACK;
    int array = *t.p == '[';
    if (array) {
        t.p++;
        jws(&t);
    }
    for (long i = 0;; i++) {
        if (t.p == t.end || *t.p != '{' || jobject(&t, v) != 0)
            return FALLBACK;
        if (v[K_TS].type == J_STRING && v[K_TS].len >= 64) /* e.g. long zero fractions */
            return FALLBACK;
        /* an ENOMEM keeps its answer: it does not depend on what follows */
        if (decode_one_fast(out, v, i, now) != 0)
            return -2;
        jws(&t);
        if (!array)
            break;
        if (t.p == t.end)
            return FALLBACK;
        if (*t.p == ']') {
            t.p++;
            jws(&t);
            break;
        }
        if (*t.p != ',')
            return FALLBACK;
        t.p++;
        jws(&t);
    }
    if (t.p != t.end)
        return FALLBACK;
    return out->nerrors ? -1 : 0;
}

int decode_bars_json_text(const char *text, size_t len, int64_t now, struct bar_batch *out)
{
    int rc = json_text_fast(text, len, now, out);
    if (rc != FALLBACK)
        return rc;
    bar_batch_free(out);
    *out = (struct bar_batch){.symbol = ""};
    return DECODE_USE_JANSSON;
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
    if (fast_decimal(s, s + strlen(s), out) == 0)
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
    return accept_bar(b, line, &bar, now);
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
