/*
 * guard.c - what a request must be before any route runs: framed as RFC 9112 says, free of
 * control characters in its path and query, carrying only the query parameters its route
 * documents (each within its documented range), and with a request id safe to log and echo.
 *
 * The one idea: these are properties of the request, not of a resource, so they are decided
 * once, here, from the route table (api/router.c) - a route that takes a new parameter adds
 * a row to its table and gets the 400 for unknown names and the 422 for bad values for free.
 */
#include "api/guard.h"

#include "api/decode_bar.h"
#include "domain/instrument.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/utf8.h"
#include "domain/instrument.h"

/* --- framing (RFC 9112 sections 5 and 6) --------------------------------------------- */

struct framing {
    int content_lengths, transfer_encodings, bad_name;
    char first_length[24];
    int lengths_differ, bad_length, bad_coding;
};

static int token_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && strchr("\"(),/:;<=>?@[\\]{}", c) == NULL;
}

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    struct framing *f = cls;
    for (const char *p = key; *p; p++)
        f->bad_name |= !token_char((unsigned char)*p); /* "Transfer-Encoding :" */
    if (key[0] == '\0')
        f->bad_name = 1;
    if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        f->bad_length |= value[0] == '\0' || strspn(value, "0123456789") != strlen(value);
        if (f->content_lengths++ == 0)
            snprintf(f->first_length, sizeof f->first_length, "%.23s", value);
        else
            f->lengths_differ |= strcmp(f->first_length, value) != 0;
    }
    if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->transfer_encodings++;
        f->bad_coding |= strcasecmp(value, "chunked") != 0; /* "gzip, chunked" */
    }
    return MHD_YES;
}

int guard_framing(const struct request *rq, struct reply *rp)
{
    struct framing f = {0};
    MHD_get_connection_values(rq->conn, MHD_HEADER_KIND, scan_header, &f);
    const char *why = NULL;
    if (f.bad_name)
        why = "a header name holds a character a token may not (whitespace before ':'?)";
    else if (f.bad_length || f.lengths_differ)
        why = "Content-Length must be one decimal number (two different ones were sent?)";
    else if (f.transfer_encodings > 1 || f.bad_coding)
        why = "Transfer-Encoding must be exactly 'chunked' (no other coding is accepted)";
    else if (f.transfer_encodings && f.content_lengths)
        why = "a request may not carry both Transfer-Encoding and Content-Length";
    if (why == NULL)
        return 0;
    reply_error(rp, 400, "bad_framing", why, NULL);
    rp->close = 1; /* the body's length is unknown: nothing after it can be trusted */
    return -1;
}

/* --- control characters ------------------------------------------------------------ */

size_t guard_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    size_t n = MHD_http_unescape(s);
    /* a %00 would end the C string early ("QA%00X" read as "QA"): keep it visible as DEL,
     * which guard_text refuses like every other control character */
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\0')
            s[i] = 0x7f;
    return n;
}

static int has_control(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 1;
    return 0;
}

static enum MHD_Result scan_text(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    int *bad = cls;
    *bad |= has_control(key) || (value != NULL && has_control(value));
    return *bad ? MHD_NO : MHD_YES;
}

int guard_text(const struct request *rq, struct reply *rp)
{
    int bad = has_control(rq->path);
    if (!bad)
        MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, scan_text, &bad);
    if (!bad)
        return 0;
    reply_error(rp, 400, "invalid_request",
                "the path or a query parameter holds a control character (such as %00)", NULL);
    return -1;
}

/* --- query parameters against the route's table -------------------------------------- */

struct query_scan {
    struct request *rq;
    int strict;                 /* the body is one the route takes: rows' media apply */
    const struct query_param *table;
    size_t count;
    const char *unknown;
    const struct query_param *bad;
    const struct query_param *repeated; /* a name given twice: which value is meant? */
};

/* 1 when row p is taken with rq's body (its media types, if it lists any; with a body the
 * route does not take at all every row is, and the handler answers 415). */
static int media_ok(const struct request *rq, int strict, const struct query_param *p)
{
    if (p->media == NULL || !strict)
        return 1;
    for (const char *const *m = p->media; *m != NULL; m++)
        if (rq_content_type_is(rq, *m))
            return 1;
    return 0;
}

/* The row of name taken with rq's body, or NULL. */
static const struct query_param *param_find(const struct request *rq, int strict,
                                            const struct query_param *t, const char *name)
{
    for (; t != NULL && t->name != NULL; t++)
        if (strcmp(t->name, name) == 0)
            return media_ok(rq, strict, t) ? t : NULL;
    return NULL;
}

/* 1 when v fits row p; *num gets a QP_INT / QP_NUMBER value. */
static int value_ok(const struct query_param *p, const char *v, double *num)
{
    if (strlen(v) > (p->max_len ? p->max_len : GUARD_TEXT_MAX))
        return 0;
    if (p->kind == QP_ENUM) {
        for (const char *const *e = p->values; *e != NULL; e++)
            if (strcmp(*e, v) == 0)
                return 1;
        return 0;
    }
    if (p->kind == QP_SYMBOL)
        return instrument_valid_symbol(v);
    if (p->kind == QP_TEXT) /* present means said: "?tz=" is not "no tz" */
        return v[0] != '\0';
    if (!decode_decimal_text(v))
        return 0;
    char *end = NULL;
    errno = 0;
    double d = p->kind == QP_INT ? (double)strtoll(v, &end, 10) : strtod(v, &end);
    if (end == v || *end != '\0' || errno == ERANGE || !isfinite(d))
        return 0;
    if ((p->kind == QP_NUMBER && p->exclusive_min) ? d <= p->min : d < p->min)
        return 0;
    *num = d;
    return d <= p->max;
}

static enum MHD_Result scan_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    (void)kind;
    struct query_scan *s = cls;
    s->count++;
    const struct query_param *p = param_find(s->rq, s->strict, s->table, key);
    if (p == NULL) {
        s->unknown = key;
        return MHD_NO;
    }
    struct query_value *qv = &s->rq->q[p - s->table];
    if (qv->present) { /* ?force=false&force=true: refused, never "the last one wins" */
        s->repeated = p;
        return MHD_NO;
    }
    qv->present = 1;
    qv->text = value ? value : "";
    if (!value_ok(p, qv->text, &qv->number)) {
        s->bad = p;
        return MHD_NO;
    }
    return MHD_YES;
}

/* "an integer from 1 to 10000", "one of open, closed", ... */
static void describe(const struct query_param *p, char *out, size_t n)
{
    size_t at = 0;
    switch (p->kind) {
    case QP_ENUM:
        at = (size_t)snprintf(out, n, "must be one of");
        for (const char *const *e = p->values; *e != NULL && at < n; e++)
            at += (size_t)snprintf(out + at, n - at, "%s %s", e == p->values ? "" : ",", *e);
        return;
    case QP_INT:
        snprintf(out, n, "must be an integer from %.0f to %.0f", p->min, p->max);
        return;
    case QP_NUMBER:
        snprintf(out, n, "must be a number %s %g and at most %g",
                 p->exclusive_min ? "above" : "from", p->min, p->max);
        return;
    case QP_SYMBOL:
        snprintf(out, n, "must match " INSTRUMENT_SYMBOL_RULE);
        return;
    case QP_TEXT:
        snprintf(out, n, "must be 1 to %zu bytes",
                 p->max_len ? p->max_len : (size_t)GUARD_TEXT_MAX);
        return;
    }
}

int guard_query(struct request *rq, const struct route *r, struct reply *rp)
{
    const struct query_param *table = r->query;
    memset(rq->q, 0, sizeof rq->q);
    rq->query = table;
    int strict = r->bodies == NULL;
    for (const char *const *m = r->bodies; m != NULL && *m != NULL && !strict; m++)
        strict = rq_content_type_is(rq, *m);
    struct query_scan s = {.rq = rq, .strict = strict, .table = table};
    MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, scan_query, &s);
    if (s.unknown != NULL) {
        char shown[61], msg[160]; /* the client's name, cut on a character */
        utf8_clip(shown, sizeof shown, s.unknown, sizeof shown - 1);
        snprintf(msg, sizeof msg, "unknown query parameter '%s'", shown);
        json_t *known = json_array();
        for (const struct query_param *p = table; known && p && p->name; p++)
            if (media_ok(rq, strict, p))
                json_array_append_new(known, json_string(p->name));
        reply_error(rp, 400, "unknown_parameter", msg,
                    json_pack("{s:s, s:o}", "parameter", shown, "known",
                              known ? known : json_array()));
        return -1;
    }
    if (s.repeated != NULL) {
        char msg[160];
        snprintf(msg, sizeof msg, "query parameter '%s' is given more than once; give it once",
                 s.repeated->name);
        reply_error(rp, 400, "repeated_parameter", msg,
                    json_pack("{s:s}", "parameter", s.repeated->name));
        return -1;
    }
    for (const struct query_param *p = table; s.bad == NULL && p && p->name; p++)
        if (p->required && !rq->q[p - table].present && media_ok(rq, strict, p))
            s.bad = p;
    if (s.bad != NULL) {
        char why[200], msg[260];
        describe(s.bad, why, sizeof why);
        snprintf(msg, sizeof msg, "query parameter '%s' %s", s.bad->name, why);
        reply_error(rp, 422, "invalid_parameter", msg,
                    json_pack("{s:s}", "parameter", s.bad->name));
        return -1;
    }
    return 0;
}

/* --- the parsed values, for the handlers ---------------------------------------------- */

static const struct query_value *param_value(const struct request *rq, const char *name)
{
    for (const struct query_param *p = rq->query; p != NULL && p->name != NULL; p++)
        if (strcmp(p->name, name) == 0)
            return rq->q[p - rq->query].present ? &rq->q[p - rq->query] : NULL;
    return NULL;
}

const char *rq_param(const struct request *rq, const char *name)
{
    const struct query_value *v = param_value(rq, name);
    return v != NULL ? v->text : NULL;
}

double rq_param_number(const struct request *rq, const char *name, double absent)
{
    const struct query_value *v = param_value(rq, name);
    return v != NULL ? v->number : absent;
}

int rq_param_is(const struct request *rq, const char *name, const char *value)
{
    const char *v = rq_param(rq, name);
    return v != NULL && strcmp(v, value) == 0;
}

/* --- the request id ------------------------------------------------------------------ */

static int id_char(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':';
}

void guard_request_id(const char *given, uint64_t salt, uint64_t seq, char *out, size_t n)
{
    size_t len = given ? strlen(given) : 0;
    int safe = len > 0 && len <= GUARD_REQUEST_ID_MAX && len < n;
    for (size_t i = 0; safe && i < len; i++)
        safe = id_char((unsigned char)given[i]);
    if (safe)
        memcpy(out, given, len + 1);
    else
        snprintf(out, n, "r%llx-%llu", (unsigned long long)(salt & 0xffffff),
                 (unsigned long long)seq);
}
