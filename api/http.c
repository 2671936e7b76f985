/*
 * http.c - the libmicrohttpd daemon: body accumulation, auth, sending replies, request logs
 * and the drain. The route table is api/router.c, the reply and request helpers
 * api/reply.c, the counters api/metrics.c.
 *
 * MHD calls on_request several times per request: first with the headers (we decide
 * 413/401/404/405 there, before any body is read), then with body chunks, then once
 * more with none, when the handler runs. on_completed frees everything of the request.
 */
#include "api/http.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "api/app.h"
#include "api/deadline.h"
#include "api/guard.h"
#include "api/metrics.h"
#include "base/grow.h"
#include "base/json_count.h"
#include "base/log.h"
#include "service/lifecycle.h"

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* Constant-time comparison of the bearer token with the configured key. The scheme's name
 * is case-insensitive and one or more spaces follow it (RFC 9110 11.4: "bearer k" is
 * "Bearer k"); the token itself is compared exactly. */
static int authorised(const struct request *rq, const char *key)
{
    const char *h = rq_header(rq, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
        return 0;
    const char *tok = h + 7;
    while (*tok == ' ')
        tok++;
    size_t kn = strlen(key), tn = strlen(tok);
    unsigned diff = (unsigned)(kn ^ tn);
    for (size_t i = 0; i < kn; i++)
        diff |= (unsigned char)key[i] ^ (unsigned char)(i < tn ? tok[i] : 0);
    return diff == 0;
}

/* --- the daemon -------------------------------------------------------------------- */

/*
 * The database's state as the replies show it: a 503 because nothing could be committed
 * (Retry-After) or a degraded /health means down; the next 2xx of a write or of /health
 * means up again. Each transition is logged once, with the request that saw it.
 */
static void note_database(struct app *a, const struct request *rq, const struct reply *rp)
{
    int health = rq->route >= 0 && strcmp(ROUTES[rq->route].name, "health") == 0;
    int down = (rp->retry_after > 0 && !rp->symbol_moving) ||
               (health && rp->status == 503 && !atomic_load(&a->draining));
    int up = rp->status >= 200 && rp->status < 300 &&
             (health || (rq->route >= 0 && ROUTES[rq->route].write));
    struct log_line l;
    if (down && atomic_exchange(&a->metrics->db_down, 1) == 0) {
        log_begin(&l, LOG_ERROR, "database down");
        log_int(&l, "status", rp->status);
        log_end(&l);
    }
    if (up && atomic_exchange(&a->metrics->db_down, 0) == 1)
        log_msg(LOG_INFO, "database up");
}

static enum MHD_Result send_reply(struct request *rq, struct reply *rp)
{
    struct app *a = rq->app;
    if (rp->body == NULL && rp->status == 0)
        reply_error(rp, 500, "internal", "the handler produced no reply", NULL);
    struct MHD_Response *resp = MHD_create_response_from_buffer_with_free_callback(
        rp->len, rp->body, free);
    if (resp == NULL) {
        free(rp->body);
        return MHD_NO;
    }
    rp->body = NULL; /* owned by the response now */
    if (rp->status != 304 && rp->status != 204)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                rp->content_type ? rp->content_type : "application/json");
    if (rp->close)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    if (rp->etag[0] != '\0')
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, rp->etag);
    if (rp->max_age > 0) {
        char cc[48];
        snprintf(cc, sizeof cc, "private, max-age=%d", rp->max_age);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cc);
    }
    MHD_add_response_header(resp, "X-Request-Id", rq->request_id);
    if (rp->retry_after > 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", rp->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    if (rp->allow != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, rp->allow);
    if (rp->status == 401) /* RFC 9110 15.5.2: a 401 names the scheme it wants */
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
    enum MHD_Result r = MHD_queue_response(rq->conn, (unsigned)rp->status, resp);
    MHD_destroy_response(resp);
    uint64_t ns = now_ns() - rq->start_ns;
    http_metrics_record(a->metrics, rq->route, rp->status, ns);
    note_database(a, rq, rp);
    /* a server-side failure is an error whatever the level; the rest is routine */
    struct log_line l;
    log_begin(&l, rp->status >= 500 ? LOG_ERROR : LOG_INFO, "request");
    log_str(&l, "method", rq->method); /* the client's token: the logger escapes it */
    log_str(&l, "route", rq->route >= 0 ? ROUTES[rq->route].name : "unmatched");
    log_int(&l, "status", rp->status);
    log_num(&l, "duration_ms", (double)ns / 1e6);
    log_end(&l);
    return r;
}

/* Decides on the headers alone: framing and control characters (400), 404, OPTIONS (204),
 * 405, 401, too many query parameters (414), the route's query table (400/422), 413.
 * Returns 1 if a reply was made. */
static int early_reply(struct request *rq, struct reply *rp)
{
    struct app *a = rq->app;
    int known = 0;
    char *allow = rq->allow; /* the request's own: the reply points at it until sent */
    if (guard_framing(rq, rp) != 0 || guard_text(rq, rp) != 0)
        return 1;
    rq->route = route_find(rq, &known, allow, sizeof rq->allow);
    if (known && strcmp(rq->method, "OPTIONS") == 0) {
        reply_body(rp, 204, NULL, NULL, 0);
        rp->allow = allow;
        return 1;
    }
    if (rq->route < 0 && known) {
        reply_error(rp, 405, "method_not_allowed", "this path does not take this method",
                    json_pack("{s:s}", "allow", allow));
        rp->allow = allow;
        return 1;
    }
    if (rq->route < 0) {
        reply_error(rp, 404, "not_found", "no such route", json_pack("{s:s}", "path", rq->path));
        return 1;
    }
    const struct route *r = &ROUTES[rq->route];
    const struct app_config *live = state_live(&a->st); /* SIGHUP may change the key */
    int needs_key = r->write || live->protect_reads;
    if (needs_key && live->api_key[0] && !authorised(rq, live->api_key)) {
        reply_error(rp, 401, "unauthorized", "missing or wrong Authorization: Bearer key",
                    NULL);
        return 1;
    }
    int nquery = rq->query_count > 0
                     ? rq->query_count
                     : MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, NULL, NULL);
    if (nquery > GUARD_MAX_QUERY_PARAMS) {
        reply_error(rp, 414, "uri_too_long", "too many query parameters",
                    json_pack("{s:i, s:i}", "count", nquery, "limit", GUARD_MAX_QUERY_PARAMS));
        return 1;
    }
    if (guard_query(rq, r, rp) != 0)
        return 1;
    const char *cl = rq_header(rq, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl != NULL && strtoull(cl, NULL, 10) > (unsigned long long)a->st.cfg.body_limit_bytes) {
        reply_error(rp, 413, "body_too_large", "the body exceeds body_limit_bytes",
                    json_pack("{s:I}", "limit", (json_int_t)a->st.cfg.body_limit_bytes));
        return 1;
    }
    return 0;
}

static int append_body(struct request *rq, const char *data, size_t n, size_t limit)
{
    if (rq->too_large || rq->len + n > limit) {
        rq->too_large = 1;
        return 0;
    }
    char *b = grow_array(rq->body, &rq->cap, rq->len + n + 1, 1, 4096);
    if (b == NULL)
        return -1;
    rq->body = b;
    memcpy(rq->body + rq->len, data, n);
    rq->len += n;
    rq->body[rq->len] = '\0';
    return 0;
}

/*
 * A JSON body costs far more once parsed than as text (base/json_count.h): one holding more
 * than json_max_values values is refused here, before any handler parses or applies
 * anything, whatever the route (rq_json counts again a body sent as another media type).
 * 0, or -1 with the 413 written.
 */
static int json_fits(struct request *rq, struct reply *rp)
{
    if (!rq_content_type_is(rq, "application/json"))
        return 0;
    return rq_json_fits(rq, rp);
}

/*
 * glibc keeps the memory a large request freed (a jansson tree is many small blocks, in the
 * arena of the worker's thread) for later use by that thread, so a process that once parsed
 * a big body stays big. Handing the free pages back after such a request costs a walk of
 * the arenas, after its reply was sent.
 */
#define HTTP_TRIM_BODY_BYTES (1024 * 1024)

static void give_back_memory(size_t body_cap)
{
#ifdef __GLIBC__
    if (body_cap >= HTTP_TRIM_BODY_BYTES)
        malloc_trim(0);
#else
    (void)body_cap;
#endif
}

static enum MHD_Result handle(struct app *a, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *upload_data,
                              size_t *upload_size, void **ctx)
{
    struct request *rq = *ctx;
    if (rq == NULL || !rq->started) {
        if (rq == NULL)
            rq = calloc(1, sizeof *rq);
        if (rq == NULL)
            return MHD_NO;
        *ctx = rq;
        rq->started = 1;
        rq->conn = conn;
        rq->app = a;
        rq->method = method;
        rq->path = url;
        rq->start_ns = now_ns();
        atomic_fetch_add(&a->inflight, 1);
        uint64_t seq = atomic_fetch_add(&a->metrics->request_seq, 1) + 1;
        const char *given = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
        guard_request_id(given, rq->start_ns, seq, rq->request_id, sizeof rq->request_id);
        log_set_request(rq->request_id);
        deadlines_headers_done(a->deadlines, conn);
        struct reply rp = {0};
        if (early_reply(rq, &rp)) {
            rq->too_large = -1; /* replied: ignore the body */
            return send_reply(rq, &rp);
        }
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (rq->too_large >= 0 &&
            append_body(rq, upload_data, *upload_size, (size_t)a->st.cfg.body_limit_bytes) != 0)
            return MHD_NO;
        *upload_size = 0;
        return MHD_YES;
    }
    if (rq->too_large < 0)
        return MHD_YES;
    struct reply rp = {0};
    if (rq->too_large)
        reply_error(&rp, 413, "body_too_large", "the body exceeds body_limit_bytes",
                    json_pack("{s:I}", "limit", (json_int_t)a->st.cfg.body_limit_bytes));
    else if (json_fits(rq, &rp) == 0) { /* else 413 json_too_large: nothing applied */
        service_request_begin(); /* this request's database failures only */
        ROUTES[rq->route].fn(rq, &rp);
    }
    rq->too_large = -1;
    return send_reply(rq, &rp);
}

/* Every line logged while the request is handled (here, in service/, in storage/) names it. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **ctx)
{
    (void)version;
    const struct request *rq = *ctx;
    log_set_request(rq != NULL && rq->started ? rq->request_id : NULL);
    enum MHD_Result r = handle(cls, conn, url, method, upload_data, upload_size, ctx);
    log_set_request(NULL);
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **ctx,
                         enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    struct app *a = cls;
    struct request *rq = *ctx;
    if (rq == NULL)
        return;
    deadlines_request_done(a->deadlines, conn);
    int started = rq->started;
    size_t body_cap = rq->cap;
    free(rq->body);
    free(rq);
    *ctx = NULL;
    if (started)
        atomic_fetch_sub(&a->inflight, 1);
    give_back_memory(body_cap);
}

/*
 * MHD's URI callback runs on the raw request line, before MHD parses the query into its
 * per-connection pool: thousands of parameters exhaust that pool and MHD then answers with
 * an HTML page, or not at all. Too many of them are counted here and the query is cut to
 * nothing in MHD's own buffer (MHD found the '?' before this call and parses what follows
 * it), so the request reaches early_reply, which answers 414 in the JSON error shape.
 */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    char *q = strchr(uri, '?');
    if (q == NULL)
        return NULL;
    int n = q[1] != '\0';
    for (const char *p = q + 1; *p; p++)
        n += *p == '&';
    if (n <= GUARD_MAX_QUERY_PARAMS)
        return NULL;
    struct request *rq = calloc(1, sizeof *rq);
    if (rq == NULL)
        return NULL;
    rq->query_count = n;
    q[1] = '\0';
    return rq;
}

/* libmicrohttpd's own messages ("Server reached connection limit", "Failed to parse
 * Content-Length", ...) as JSON lines of the one logger: at warn, but a client that hung up
 * (routine, thousands under a flood of short connections) at debug. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    static const char *const ROUTINE[] = {"Connection socket is closed",
                                          "Failed to send data in request"};
    char text[512];
    vsnprintf(text, sizeof text, fmt, ap);
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        text[--n] = '\0';
    enum log_level lv = LOG_WARN;
    for (size_t i = 0; i < sizeof ROUTINE / sizeof ROUTINE[0]; i++)
        if (strncmp(text, ROUTINE[i], strlen(ROUTINE[i])) == 0)
            lv = LOG_DEBUG;
    struct log_line l;
    log_begin(&l, lv, text);
    log_str(&l, "source", "libmicrohttpd");
    log_end(&l);
}

int http_start(struct app *a, char *err, size_t errlen)
{
    a->metrics = calloc(1, sizeof *a->metrics);
    const struct app_config *c = &a->st.cfg;
    a->deadlines = deadlines_start(c->header_timeout_s, c->connection_timeout_s,
                                   c->connection_limit);
    if (a->metrics == NULL || a->deadlines == NULL) {
        snprintf(err, errlen, "out of memory");
        http_stop(a); /* frees what was made */
        return -1;
    }
    /* poll(), not epoll: with the thread pool on epoll, MHD_quiesce_daemon removes the
     * listening socket from each worker's epoll set while the worker, seeing was_quiesced,
     * removes it too - one of the two EPOLL_CTL_DELs fails and libmicrohttpd 0.9.75 aborts
     * the process ("Failed to remove listen FD from epoll set", daemon.c), on a SIGTERM under
     * load. With poll() quiesce only flags the workers and wakes them (ITC): no such call. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC; /* ITC: quiesce at drain */
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, a},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)deadlines_notify, a->deadlines},
        {MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)guard_unescape, NULL},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, NULL},
        {MHD_OPTION_THREAD_POOL_SIZE, c->threads, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, c->connection_limit, NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, c->per_ip_connection_limit, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, c->connection_timeout_s, NULL},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)c->connection_memory_limit_bytes, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    struct sockaddr_storage sa; /* listen_address (config_check_whole checked it parses) */
    memset(&sa, 0, sizeof sa);
    struct sockaddr_in *v4 = (struct sockaddr_in *)&sa;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&sa;
    if (inet_pton(AF_INET, c->listen_address, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)c->port);
    } else if (inet_pton(AF_INET6, c->listen_address, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)c->port);
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(err, errlen, "listen_address '%s' is not an IPv4 or IPv6 address",
                 c->listen_address);
        http_stop(a);
        return -1;
    }
    a->mhd = MHD_start_daemon(flags, (uint16_t)c->port, deadlines_admit, a->deadlines,
                              on_request, a, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                              MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (a->mhd == NULL) {
        snprintf(err, errlen, "cannot listen on %s port %d", c->listen_address, c->port);
        http_stop(a); /* the reaper thread and the counters (a port taken leaked them) */
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(a->mhd, MHD_DAEMON_INFO_BIND_PORT);
    a->port = info ? info->port : c->port;
    return 0;
}

/* The drain: close the listening socket first (new connections are refused), then let
 * every request already started - even one still uploading its body - run to its reply
 * and commit, up to HTTP_DRAIN_S; only then stop the daemon, which closes what is left
 * (idle keep-alive connections). MHD_stop_daemon alone would cut an upload in flight.
 * The process's SIGTERM (cmd/liquidityd.c) also cuts every database wait at
 * APP_DB_CUT_MS, so a worker stuck on a stalled database is back before the daemon stops. */
#define HTTP_DRAIN_S (APP_DRAIN_MS / 1000.0 - 1)

void http_stop(struct app *a)
{
    if (a->mhd != NULL) {
        MHD_socket listener = MHD_quiesce_daemon(a->mhd);
        if (listener != MHD_INVALID_SOCKET)
            close(listener);
        uint64_t deadline = now_ns() + (uint64_t)(HTTP_DRAIN_S * 1e9);
        while (atomic_load(&a->inflight) > 0 && now_ns() < deadline) {
            struct timespec ms = {0, 5 * 1000 * 1000};
            nanosleep(&ms, NULL);
        }
        MHD_stop_daemon(a->mhd);
        a->mhd = NULL;
    }
    deadlines_stop(a->deadlines);
    a->deadlines = NULL;
    free(a->metrics);
    a->metrics = NULL;
}

