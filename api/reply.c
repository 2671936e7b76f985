/*
 * reply.c - the helpers every resource file uses: filling a reply (JSON, errors, text, 503,
 * out of memory) and reading a request (query, headers, content type, JSON body, numbers
 * in the query). The daemon that sends the reply is api/http.c.
 */
#include <math.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/app.h"
#include "api/http.h"
#include "base/json_count.h"
#include "base/utf8.h"
#include "service/lifecycle.h"

void reply_body(struct reply *rp, int status, const char *content_type, char *body,
                size_t len)
{
    /* one reply, one state: whatever an earlier reply set (a 503's Retry-After, a 405's
     * Allow) does not survive into this one; the representation's validators (ETag,
     * max-age, set by reply_not_modified before the body) stay on a success */
    free(rp->body);
    struct reply prev = *rp;
    *rp = (struct reply){.status = status, .content_type = content_type, .body = body,
                         .len = len};
    if (status < 400) {
        memcpy(rp->etag, prev.etag, sizeof rp->etag);
        rp->max_age = prev.max_age;
    }
}

void reply_oom(struct reply *rp)
{
    static const char msg[] =
        "{\"error\":{\"code\":\"out_of_memory\",\"message\":\"out of memory\",\"details\":null}}";
    char *b = malloc(sizeof msg);
    if (b != NULL)
        memcpy(b, msg, sizeof msg);
    reply_body(rp, 500, "application/json", b, b ? sizeof msg - 1 : 0);
}

void reply_textbuf(struct reply *rp, int status, const char *content_type, struct textbuf *tb)
{
    size_t len = 0;
    char *body = textbuf_take(tb, &len);
    if (body == NULL)
        reply_oom(rp);
    else
        reply_body(rp, status, content_type, body, len);
}

void reply_json(struct reply *rp, int status, json_t *j)
{
    if (j == NULL) {
        reply_oom(rp);
        return;
    }
    char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(j);
    if (s == NULL) {
        reply_oom(rp);
        return;
    }
    reply_body(rp, status, "application/json", s, strlen(s));
}

void reply_error(struct reply *rp, int status, const char *code, const char *message,
                 json_t *details)
{
    char clean[512]; /* a message may quote a client's text: valid UTF-8, whatever it held */
    utf8_clip(clean, sizeof clean, message, sizeof clean - 1);
    json_t *err = json_pack("{s:{s:s, s:s, s:o}}", "error", "code", code, "message", clean,
                            "details", details ? details : json_null());
    reply_json(rp, status, err);
}

void reply_unavailable(struct reply *rp, const struct request *rq)
{
    const struct app *a = rq->app;
    int read = !(rq->route >= 0 && ROUTES[rq->route].write); /* nothing to change or commit */
    if (service_commit_unknown())
        reply_error(rp, 503, "commit_unknown",
                    "the database did not confirm the commit within database_timeout_ms: it "
                    "may or may not have been applied; retry with the same Idempotency-Key to "
                    "get the committed outcome",
                    NULL);
    else if (service_db_timed_out())
        reply_error(rp, 503, "database_timeout",
                    read ? "the database did not answer within database_timeout_ms; retry later"
                         : "the database did not answer within database_timeout_ms; nothing "
                           "was changed, retry later",
                    NULL);
    else
        reply_error(rp, 503, "unavailable",
                    read ? "the database cannot answer right now (this read is not held in "
                           "memory); retry later"
                         : "the database cannot commit right now; nothing was changed, retry "
                           "later",
                    NULL);
    rp->retry_after = state_live((struct state *)&a->st)->retry_after_s;
}

/* --- request helpers ------------------------------------------------------------- */

const char *rq_query(const struct request *rq, const char *key)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *rq_header(const struct request *rq, const char *key)
{
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, key);
}

int rq_content_type_is(const struct request *rq, const char *type)
{
    const char *ct = rq_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (ct == NULL)
        return 0;
    size_t n = strlen(type);
    if (strncasecmp(ct, type, n) != 0 || !(ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
        return 0;
    /* every body is read as UTF-8: a charset that is not (latin1, utf-16) is another media
     * type to us, a 415, never bytes read as what they are not */
    for (const char *p = ct + n; (p = strchr(p, ';')) != NULL;) {
        p += strspn(p, "; ");
        if (strncasecmp(p, "charset=", 8) != 0)
            continue;
        p += 8;
        p += *p == '"';
        size_t len = strcspn(p, "\"; ");
        if (!((len == 5 && strncasecmp(p, "utf-8", 5) == 0) ||
              (len == 4 && strncasecmp(p, "utf8", 4) == 0) ||
              (len == 8 && strncasecmp(p, "us-ascii", 8) == 0)))
            return 0;
    }
    return 1;
}

/* The 413 of a JSON body with more than limit values. */
static void reply_json_too_large(struct reply *rp, long limit)
{
    char msg[256];
    snprintf(msg, sizeof msg,
             "the JSON body holds more than json_max_values (%ld) values; send fewer bars per "
             "request (a bar is 9 values) or a bar file as text/csv",
             limit);
    reply_error(rp, 413, "json_too_large", msg, json_pack("{s:I}", "limit", (json_int_t)limit));
}

/* The body's values, counted up to just past limit. */
static size_t body_values(const struct request *rq, long limit)
{
    if (rq->json_counted)
        return rq->json_values;
    return json_count_values(rq->body ? rq->body : "", rq->len, (size_t)limit);
}

int rq_json_fits(struct request *rq, struct reply *rp)
{
    long limit = rq->app->st.cfg.json_max_values;
    rq->json_values = body_values(rq, limit);
    rq->json_counted = 1;
    if (rq->json_values <= (size_t)limit)
        return 0;
    reply_json_too_large(rp, limit);
    return -1;
}

json_t *rq_json(const struct request *rq, struct reply *rp)
{
    long limit = rq->app->st.cfg.json_max_values;
    if (body_values(rq, limit) > (size_t)limit) {
        reply_json_too_large(rp, limit);
        return NULL;
    }
    json_error_t e;
    json_t *j = json_loadb(rq->body ? rq->body : "", rq->len, JSON_REJECT_DUPLICATES, &e);
    if (j == NULL) {
        json_t *d = json_pack("{s:s, s:i, s:i}", "reason", e.text, "line", e.line, "column",
                              e.column);
        reply_error(rp, 400, "malformed_json", "the body is not valid JSON", d);
    }
    return j;
}

void reply_bad_query(struct reply *rp, const char *key, const char *why)
{
    char msg[160];
    snprintf(msg, sizeof msg, "query parameter '%s' %s", key, why);
    reply_error(rp, 422, "invalid_parameter", msg, json_pack("{s:s}", "parameter", key));
}

/* 1 if the If-None-Match list (`"a", W/"b"` or `*`) names etag. */
static int etag_listed(const char *list, const char *etag)
{
    size_t n = strlen(etag);
    for (const char *p = list; *p != '\0';) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == '*')
            return 1;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
            return 1;
        p += strcspn(p, ",");
    }
    return 0;
}

void reply_cache(struct reply *rp, uint64_t version, int max_age)
{
    snprintf(rp->etag, sizeof rp->etag, "\"%llu\"", (unsigned long long)version);
    rp->max_age = max_age;
}

int reply_not_modified(const struct request *rq, struct reply *rp, uint64_t version,
                       int max_age)
{
    char etag[sizeof rp->etag];
    snprintf(etag, sizeof etag, "\"%llu\"", (unsigned long long)version);
    const char *inm = rq_header(rq, MHD_HTTP_HEADER_IF_NONE_MATCH);
    if (inm == NULL || !etag_listed(inm, etag))
        return 0;
    reply_body(rp, 304, NULL, NULL, 0);
    reply_cache(rp, version, max_age);
    return 1;
}
