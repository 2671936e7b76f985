/*
 * http.h - one HTTP request and its reply, and the helpers every resource file uses.
 *
 * The daemon (api/http.c) accumulates the body (up to body_limit_bytes: 413 beyond, told
 * from Content-Length before reading when it can; a JSON body of more than json_max_values
 * values is a 413 too, before any handler parses it), checks auth and routes through the
 * table in api/router.c; the reply and request helpers below live in api/reply.c. A
 * handler reads the request and fills the reply; the reply's body is freed in one place,
 * MHD's completion callback.
 */
#ifndef LIQ_HTTP_H
#define LIQ_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/textbuf.h"

struct app;
struct MHD_Connection;

#define ROUTE_MAX_PARAMS 3
#define ROUTE_MAX_QUERY 8 /* rows of one route's query table */

/* A query parameter as its route's table parsed it (api/guard.c): rq_param... read it. */
struct query_value {
    int present;
    const char *text;          /* as sent (percent-decoded) */
    double number;             /* QP_INT, QP_NUMBER */
};

struct request {
    struct MHD_Connection *conn;
    struct app *app;
    const char *method;
    const char *path;
    char *body;
    size_t len, cap;
    int too_large;
    size_t json_values;        /* rq_json_fits counted the body's JSON values: their count */
    int json_counted;
    int route;                 /* index in the route table, -1 if none */
    char params[ROUTE_MAX_PARAMS][64]; /* {id} segments of the path */
    uint64_t start_ns;
    char request_id[72];       /* api/guard.c: safe to log and echo */
    char allow[160];           /* the methods of a known path (405, OPTIONS): rp->allow */
    int head;                  /* a HEAD request, routed as its GET */
    int started;               /* on_request has seen it (counted in flight) */
    int query_count;           /* > GUARD_MAX_QUERY_PARAMS: the query was dropped unparsed */
    const struct query_param *query; /* the route's query table, once guard_query passed */
    struct query_value q[ROUTE_MAX_QUERY]; /* its rows' values, in the table's order */
};

struct reply {
    int status;
    char *body;                /* malloc'd, owned by the reply */
    size_t len;
    const char *content_type;
    int retry_after;           /* > 0: a Retry-After header */
    int symbol_moving;         /* the 503 is a symbol handover, not the database's state */
    const char *allow;         /* for 405 */
    char etag[40];             /* non-empty: an ETag header (quoted) */
    int max_age;               /* > 0: Cache-Control: max-age=N */
    int close;                 /* 1: Connection: close (the request's framing is unsure) */
};

typedef void (*handler_fn)(struct request *rq, struct reply *rp);

/* One query parameter a route takes (api/guard.h says how to add one). */
enum query_kind { QP_TEXT, QP_ENUM, QP_INT, QP_NUMBER, QP_SYMBOL };
struct query_param {
    const char *name;
    enum query_kind kind;
    double min, max;            /* QP_INT, QP_NUMBER: the documented range, inclusive */
    int exclusive_min;          /* QP_NUMBER: min itself is refused ("> 0") */
    const char *const *values;  /* QP_ENUM: the allowed values, NULL-terminated */
    size_t max_len;             /* longest value; 0 = GUARD_TEXT_MAX */
    int required;               /* absent is a 422 like a bad value */
    const char *const *media;   /* taken only with a body of one of these media types
                                 * (NULL-terminated; NULL: with any) */
};

struct route {
    const char *method;
    const char *pattern;       /* "/zones/{id}" */
    const char *name;          /* label for metrics and logs */
    handler_fn fn;
    int write;                 /* needs the write key when one is configured */
    const struct query_param *query; /* its query parameters, {0}-ended; NULL: none */
    const char *const *bodies; /* the media types its body takes (NULL: not checked); with
                                * another the rows' media do not apply (its handler: 415) */
};

/* The route table (api/router.c); at most ROUTE_SLOTS - 1 rows (checked where it is built). */
#define ROUTE_SLOTS 64
extern const struct route ROUTES[];
extern const int ROUTE_COUNT;

/* Finds rq's route (its index, -1 if none) and captures its {..} segments into rq->params;
 * sets *path_known when the path exists under some method, and lists those methods in allow
 * ("GET, POST"). */
int route_find(struct request *rq, int *path_known, char *allow, size_t allowlen);

/* Takes ownership of j. */
void reply_json(struct reply *rp, int status, json_t *j);
/* {"error":{"code","message","details"}}; takes ownership of details (may be NULL). */
void reply_error(struct reply *rp, int status, const char *code, const char *message,
                 json_t *details);
/* 422 invalid_parameter "query parameter '<key>' <why>", details {"parameter": key}. */
void reply_bad_query(struct reply *rp, const char *key, const char *why);
/* Takes ownership of body (malloc'd). */
void reply_body(struct reply *rp, int status, const char *content_type, char *body,
                size_t len);
/* Hands tb's text to the reply (tb is emptied); 500 if tb ran out of memory. */
void reply_textbuf(struct reply *rp, int status, const char *content_type, struct textbuf *tb);
/* 503 with Retry-After: the write could not be made durable, or the database could not
 * answer a read that memory does not hold (the message says which). */
void reply_unavailable(struct reply *rp, const struct request *rq);
void reply_oom(struct reply *rp);

const char *rq_query(const struct request *rq, const char *key);
const char *rq_header(const struct request *rq, const char *key);
/* 1 if the Content-Type's media type is `type` (parameters ignored). */
int rq_content_type_is(const struct request *rq, const char *type);
/* Parses the body as JSON: NULL on failure, with 413 json_too_large written when the body
 * holds more than json_max_values values (rq_json_fits; nothing is parsed then), else 400
 * malformed_json. */
json_t *rq_json(const struct request *rq, struct reply *rp);
/* 0 when the body holds at most json_max_values JSON values (counted once, without parsing:
 * base/json_count.h), else -1 with 413 json_too_large written:
 * {"error":{"code":"json_too_large",...,"details":{"limit":524288}}}. */
int rq_json_fits(struct request *rq, struct reply *rp);

/* Conditional GET: 1 (a 304 written, no body, with ETag "version" and Cache-Control
 * max-age) when the request's If-None-Match names that ETag (or is *), else 0. */
int reply_not_modified(const struct request *rq, struct reply *rp, uint64_t version,
                       int max_age);
/* Adds ETag "version" and Cache-Control max-age to the reply made (call after it). */
void reply_cache(struct reply *rp, uint64_t version, int max_age);
/* The query parameters as the route's table (api/router.c, the one authority) checked and
 * parsed them before the handler ran (api/guard.c): the text of name (NULL when absent),
 * its number (QP_INT, QP_NUMBER; absent when not given), whether it was given as value. */
const char *rq_param(const struct request *rq, const char *name);
double rq_param_number(const struct request *rq, const char *name, double absent);
int rq_param_is(const struct request *rq, const char *name, const char *value);

/* Starts / stops the daemon for app. */
int http_start(struct app *a, char *err, size_t errlen);
void http_stop(struct app *a);

#endif
