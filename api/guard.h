/*
 * guard.h - the checks every request passes before its route runs (api/guard.c), and the
 * table type each route lists its query parameters in (api/router.c).
 *
 * Adding a query parameter to a route is adding a row to its `.query` table:
 *     {.name = "limit", .kind = QP_INT, .min = 1, .max = 10000}
 *     {.name = "side", .kind = QP_ENUM, .values = (const char *const[]){"above", "below", NULL}}
 * A name not in the table is a 400 `unknown_parameter` naming it, a name given twice a 400
 * `repeated_parameter` naming it (never "the last one wins"); a value of the wrong type or
 * out of its range (or a .required one absent) is a 422 `invalid_parameter` naming it -
 * before the handler runs. The table is the one authority: the handler reads the parsed
 * values (rq_param, rq_param_number, rq_param_is) and checks only what only it knows (a
 * symbol that exists, a time, a cursor of its own). Keep openapi.yaml's parameter schema
 * equal to the row.
 */
#ifndef LIQ_GUARD_H
#define LIQ_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "api/http.h"

/* Longest query value a QP_TEXT row takes unless it says otherwise; longest safe request id. */
#define GUARD_TEXT_MAX 256
#define GUARD_REQUEST_ID_MAX 64
/* More query parameters than this is a 414 (no route documents half as many). */
#define GUARD_MAX_QUERY_PARAMS 32

/* 400 bad_framing (rp->close set) for what RFC 9112 says a server must refuse: a header name
 * that is not a token ("Transfer-Encoding :"), several or non-numeric Content-Length values,
 * a Transfer-Encoding other than exactly "chunked", both framings at once. 0 when framed. */
int guard_framing(const struct request *rq, struct reply *rp);

/* MHD's unescape callback: percent-decoding, with a decoded NUL kept visible as 0x7f. */
size_t guard_unescape(void *cls, struct MHD_Connection *c, char *s);

/* 400 when the path or a query key/value holds a control character (%00 included). */
int guard_text(const struct request *rq, struct reply *rp);

/* 400 for an unknown query parameter (or one its row takes only with another body), 422 for a
 * value outside its row or a required one absent; 0 when all fit, the values parsed into
 * rq->q for rq_param... The table is r->query: rows ended by a row with name NULL, at most
 * ROUTE_MAX_QUERY; NULL = the route takes none. A row's media apply only to a body the route
 * takes (r->bodies): another is its handler's 415, after the names and values are checked. */
int guard_query(struct request *rq, const struct route *r, struct reply *rp);

/* The request id: the client's X-Request-Id when it is 1..GUARD_REQUEST_ID_MAX characters of
 * [A-Za-z0-9._:-] and fits out, else a new one from salt and seq ("r1a2b3c-42"). Safe to log
 * and echo as it is. */
void guard_request_id(const char *given, uint64_t salt, uint64_t seq, char *out, size_t n);

#endif
