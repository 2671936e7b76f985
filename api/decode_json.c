/*
 * decode_json.c - bars from JSON: from a jansson tree (decode_bars_json) and straight from
 * the text (decode_bars_json_text).
 *
 * The one idea of the fast path: the common input (an array of flat bar objects) is decoded
 * straight into struct bar without a jansson tree or strtod, and anything outside that
 * narrow shape is handed to the general decoder, so odd-but-valid input (escapes, nested
 * values, exponents), unknown keys (a 422 naming the key) and every error keep exactly the
 * answers they had. Both read an item into a struct raw_bar and judge it with
 * decode_raw_bar (api/decode_bar.c), so the checks and their words exist once.
 */
#include "api/decode_bar.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An item's ts: an integer, or a string decode_time reads. */
static void json_ts(const json_t *o, struct raw_bar *r)
{
    const json_t *v = json_object_get(o, "ts");
    r->ts_kind = RAW_BAD;
    if (v == NULL)
        r->ts_kind = RAW_MISSING;
    else if (json_is_integer(v)) {
        r->ts = json_integer_value(v);
        r->ts_kind = RAW_OK;
    } else if (json_is_string(v) && decode_time(json_string_value(v), &r->ts) == 0) {
        r->ts_kind = RAW_OK;
    }
}

/* The first key of o that a bar does not have (openapi.yaml Bar: additionalProperties:
 * false), or NULL. */
static const char *unknown_key(const json_t *o)
{
    static const char *const known[] = {"symbol", "timeframe", "ts", "open",
                                        "high",   "low",       "close", "volume"};
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)o, key, v) {
        size_t k = 0;
        while (k < sizeof known / sizeof known[0] && strcmp(known[k], key) != 0)
            k++;
        if (k == sizeof known / sizeof known[0])
            return key;
    }
    return NULL;
}

static int decode_one_json(struct bar_batch *b, const json_t *o, long i, int64_t now)
{
    if (!json_is_object(o)) {
        decode_add_error(b, i, "a bar must be a JSON object");
        return 0;
    }
    const char *extra = unknown_key(o);
    if (extra != NULL) {
        decode_add_error(b, i, "unknown field (a bar holds symbol, timeframe, ts, open, high, "
                               "low, close, volume only): \"%s\"", extra);
        return 0;
    }
    struct raw_bar r = {
        .symbol = json_string_value(json_object_get(o, "symbol")),
        .timeframe = json_string_value(json_object_get(o, "timeframe")),
    };
    json_ts(o, &r);
    for (int k = 0; k < RAW_PRICES; k++) {
        const json_t *v = json_object_get(o, DECODE_PRICE_KEYS[k]);
        r.kind[k] = v == NULL ? RAW_MISSING : json_is_number(v) ? RAW_OK : RAW_BAD;
        r.value[k] = r.kind[k] == RAW_OK ? json_number_value(v) : 0;
    }
    return decode_raw_bar(b, i, &r, now);
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
    if (decode_fast_decimal(s, p, &v->d) == 0)
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

/* The kind of a parsed value where a number is wanted. */
static enum raw_kind jnumber_kind(const struct jvalue *x)
{
    return x->type == J_MISSING ? RAW_MISSING : x->type == J_STRING ? RAW_BAD : RAW_OK;
}

/* decode_one_json on parsed values: the same raw_bar, so the same checks and words. */
static int decode_one_fast(struct bar_batch *b, const struct jvalue *v, long i, int64_t now)
{
    char sym[64], tfs[64], ts[64];
    struct raw_bar r = {
        .symbol = jcstr(&v[K_SYMBOL], sym),
        .timeframe = jcstr(&v[K_TIMEFRAME], tfs),
        .ts_kind = RAW_BAD,
    };
    const struct jvalue *t = &v[K_TS];
    if (t->type == J_MISSING) {
        r.ts_kind = RAW_MISSING;
    } else if (t->type == J_INT) {
        r.ts = t->i;
        r.ts_kind = RAW_OK;
    } else if (t->type == J_STRING && jcstr(t, ts) != NULL && decode_time(ts, &r.ts) == 0) {
        r.ts_kind = RAW_OK;
    }
    for (int k = 0; k < RAW_PRICES; k++) {
        r.kind[k] = jnumber_kind(&v[K_OPEN + k]);
        r.value[k] = r.kind[k] == RAW_OK ? v[K_OPEN + k].d : 0;
    }
    return decode_raw_bar(b, i, &r, now);
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
