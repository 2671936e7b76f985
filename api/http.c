/*
 * http.c - the libmicrohttpd daemon: body accumulation, auth, routing, replies, metrics.
 *
 * MHD calls on_request several times per request: first with the headers (we decide
 * 413/401/404/405 there, before any body is read), then with body chunks, then once
 * more with none, when the handler runs. on_completed frees everything of the request.
 */
#include "api/http.h"

#include <math.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "service/app.h"
#include "storage/stores.h"

#define LATENCY_BUCKETS 12
static const double LATENCY_BOUNDS[LATENCY_BUCKETS] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0};
#define STATUS_SLOTS 10
static const int TRACKED_STATUS[STATUS_SLOTS] = {200, 201, 400, 401, 404, 405, 409, 413, 422,
                                                 503};

struct route_metrics {
    atomic_uint_fast64_t by_status[STATUS_SLOTS + 1]; /* last: any other status */
    atomic_uint_fast64_t buckets[LATENCY_BUCKETS + 1]; /* last: +Inf */
    atomic_uint_fast64_t sum_us;
};

struct http_metrics {
    struct route_metrics routes[64]; /* ROUTE_COUNT of them, then one for "unmatched" */
    atomic_uint_fast64_t request_seq;
    atomic_int db_down;              /* 1 after a 503 for the database, until a success */
};

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* --- replies --------------------------------------------------------------------- */

void reply_body(struct reply *rp, int status, const char *content_type, char *body,
                size_t len)
{
    free(rp->body);
    rp->status = status;
    rp->content_type = content_type;
    rp->body = body;
    rp->len = len;
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
    json_t *err = json_pack("{s:{s:s, s:s, s:o}}", "error", "code", code, "message", message,
                            "details", details ? details : json_null());
    reply_json(rp, status, err);
}

void reply_unavailable(struct reply *rp, const struct app *a)
{
    reply_error(rp, 503, "unavailable",
                "the database cannot commit right now; nothing was changed, retry later", NULL);
    rp->retry_after = state_live((struct state *)&a->st)->retry_after_s;
}

/* --- request helpers -------------------------------------------------------------- */

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
    return strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

json_t *rq_json(const struct request *rq, struct reply *rp)
{
    json_error_t e;
    json_t *j = json_loadb(rq->body ? rq->body : "", rq->len, JSON_REJECT_DUPLICATES, &e);
    if (j == NULL) {
        json_t *d = json_pack("{s:s, s:i, s:i}", "reason", e.text, "line", e.line, "column",
                              e.column);
        reply_error(rp, 400, "malformed_json", "the body is not valid JSON", d);
    }
    return j;
}

static int bad_query(struct reply *rp, const char *key, const char *why)
{
    char msg[160];
    snprintf(msg, sizeof msg, "query parameter '%s' %s", key, why);
    reply_error(rp, 422, "invalid_parameter", msg, json_pack("{s:s}", "parameter", key));
    return -1;
}

int rq_query_double(const struct request *rq, struct reply *rp, const char *key, double *out)
{
    const char *v = rq_query(rq, key);
    if (v == NULL)
        return 1;
    char *end = NULL;
    double d = strtod(v, &end);
    if (end == v || *end != '\0' || !isfinite(d))
        return bad_query(rp, key, "must be a finite number");
    *out = d;
    return 0;
}

int rq_query_long(const struct request *rq, struct reply *rp, const char *key, long min,
                  long max, long *out)
{
    const char *v = rq_query(rq, key);
    if (v == NULL)
        return 1;
    char *end = NULL;
    long d = strtol(v, &end, 10);
    if (end == v || *end != '\0' || d < min || d > max) {
        char why[96];
        snprintf(why, sizeof why, "must be an integer from %ld to %ld", min, max);
        return bad_query(rp, key, why);
    }
    *out = d;
    return 0;
}

/* --- routing ----------------------------------------------------------------------- */

/* Matches path against pattern, capturing {..} segments. 1 on match. */
static int match(const char *pattern, const char *path, struct request *rq)
{
    int np = 0;
    while (*pattern && *path) {
        if (*pattern != '/' || *path != '/')
            return 0;
        pattern++;
        path++;
        const char *pe = strchrnul(pattern, '/');
        const char *se = strchrnul(path, '/');
        size_t plen = (size_t)(pe - pattern), slen = (size_t)(se - path);
        if (plen > 1 && pattern[0] == '{') {
            if (slen == 0 || slen >= sizeof rq->params[0] || np == ROUTE_MAX_PARAMS)
                return 0;
            memcpy(rq->params[np], path, slen);
            rq->params[np++][slen] = '\0';
        } else if (plen != slen || memcmp(pattern, path, plen) != 0) {
            return 0;
        }
        pattern = pe;
        path = se;
    }
    return *pattern == '\0' && *path == '\0';
}

/* Finds the route; sets *path_known when the path exists under another method. */
static int route_find(struct request *rq, int *path_known, char *allow, size_t allowlen)
{
    *path_known = 0;
    allow[0] = '\0';
    int found = -1;
    for (int i = 0; i < ROUTE_COUNT; i++) {
        if (!match(ROUTES[i].pattern, rq->path, rq))
            continue;
        if (strcmp(ROUTES[i].method, rq->method) == 0 && found < 0)
            found = i;
        *path_known = 1;
        size_t n = strlen(allow);
        snprintf(allow + n, allowlen - n, "%s%s", n ? ", " : "", ROUTES[i].method);
    }
    if (found >= 0)
        match(ROUTES[found].pattern, rq->path, rq); /* captures of the chosen route */
    return found;
}

/* Constant-time comparison of the bearer token with the configured key. */
static int authorised(const struct request *rq, const char *key)
{
    const char *h = rq_header(rq, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h == NULL || strncmp(h, "Bearer ", 7) != 0)
        return 0;
    const char *tok = h + 7;
    size_t kn = strlen(key), tn = strlen(tok);
    unsigned diff = (unsigned)(kn ^ tn);
    for (size_t i = 0; i < kn; i++)
        diff |= (unsigned char)key[i] ^ (unsigned char)(i < tn ? tok[i] : 0);
    return diff == 0;
}

/* --- the daemon -------------------------------------------------------------------- */

static void record(struct app *a, int route, int status, uint64_t ns)
{
    struct route_metrics *m = &a->metrics->routes[route < 0 ? ROUTE_COUNT : route];
    int slot = STATUS_SLOTS;
    for (int i = 0; i < STATUS_SLOTS; i++)
        if (TRACKED_STATUS[i] == status)
            slot = i;
    atomic_fetch_add(&m->by_status[slot], 1);
    double s = (double)ns / 1e9;
    int b = 0;
    while (b < LATENCY_BUCKETS && s > LATENCY_BOUNDS[b])
        b++;
    atomic_fetch_add(&m->buckets[b], 1);
    atomic_fetch_add(&m->sum_us, ns / 1000);
}

/* --- logs: one JSON line per request and per notable event, filtered by log_level ------ */

enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
static const char *const LOG_NAMES[] = {"debug", "info", "warn", "error"};

/* "warn" -> LOG_WARN; config.c accepts only the four names. */
static int log_rank(const char *level)
{
    for (int i = LOG_DEBUG; i <= LOG_ERROR; i++)
        if (strcmp(level, LOG_NAMES[i]) == 0)
            return i;
    return LOG_INFO;
}

static int log_enabled(struct app *a, int rank)
{
    const char *level = state_live(&a->st)->log_level; /* SIGHUP may change it */
    return rank >= log_rank(level);
}

/*
 * The database's state as the replies show it: a 503 because nothing could be committed
 * (Retry-After) or a degraded /health means down; the next 2xx of a write or of /health
 * means up again. Each transition is logged once, with the request that saw it.
 */
static void note_database(struct app *a, const struct request *rq, const struct reply *rp)
{
    int health = rq->route >= 0 && strcmp(ROUTES[rq->route].name, "health") == 0;
    int down = rp->retry_after > 0 || (health && rp->status == 503 && !atomic_load(&a->draining));
    int up = rp->status >= 200 && rp->status < 300 &&
             (health || (rq->route >= 0 && ROUTES[rq->route].write));
    if (down && atomic_exchange(&a->metrics->db_down, 1) == 0 && log_enabled(a, LOG_ERROR))
        fprintf(stderr, "{\"level\":\"error\",\"msg\":\"database down\",\"request_id\":\"%s\","
                        "\"status\":%d}\n", rq->request_id, rp->status);
    if (up && atomic_exchange(&a->metrics->db_down, 0) == 1 && log_enabled(a, LOG_INFO))
        fprintf(stderr, "{\"level\":\"info\",\"msg\":\"database up\",\"request_id\":\"%s\"}\n",
                rq->request_id);
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
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            rp->content_type ? rp->content_type : "application/json");
    MHD_add_response_header(resp, "X-Request-Id", rq->request_id);
    if (rp->retry_after > 0) {
        char ra[16];
        snprintf(ra, sizeof ra, "%d", rp->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    if (rp->allow != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, rp->allow);
    enum MHD_Result r = MHD_queue_response(rq->conn, (unsigned)rp->status, resp);
    MHD_destroy_response(resp);
    uint64_t ns = now_ns() - rq->start_ns;
    record(a, rq->route, rp->status, ns);
    note_database(a, rq, rp);
    /* a server-side failure is an error whatever the level; the rest is routine */
    int rank = rp->status >= 500 ? LOG_ERROR : LOG_INFO;
    if (log_enabled(a, rank))
        fprintf(stderr,
                "{\"level\":\"%s\",\"msg\":\"request\",\"request_id\":\"%s\",\"method\":\"%s\","
                "\"route\":\"%s\",\"status\":%d,\"duration_ms\":%.3f}\n",
                LOG_NAMES[rank], rq->request_id, rq->method,
                rq->route >= 0 ? ROUTES[rq->route].name : "unmatched", rp->status,
                (double)ns / 1e6);
    return r;
}

/* Decides on the headers alone: 404, 405, 401, 413. Returns 1 if a reply was made. */
static int early_reply(struct request *rq, struct reply *rp)
{
    struct app *a = rq->app;
    int known = 0;
    static __thread char allow[128];
    rq->route = route_find(rq, &known, allow, sizeof allow);
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
    if (rq->len + n + 1 > rq->cap) {
        size_t cap = rq->cap ? rq->cap : 4096;
        while (cap < rq->len + n + 1)
            cap *= 2;
        char *b = realloc(rq->body, cap);
        if (b == NULL)
            return -1;
        rq->body = b;
        rq->cap = cap;
    }
    memcpy(rq->body + rq->len, data, n);
    rq->len += n;
    rq->body[rq->len] = '\0';
    return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **ctx)
{
    (void)version;
    struct app *a = cls;
    struct request *rq = *ctx;
    if (rq == NULL) {
        rq = calloc(1, sizeof *rq);
        if (rq == NULL)
            return MHD_NO;
        *ctx = rq;
        rq->conn = conn;
        rq->app = a;
        rq->method = method;
        rq->path = url;
        rq->start_ns = now_ns();
        atomic_fetch_add(&a->inflight, 1);
        uint64_t seq = atomic_fetch_add(&a->metrics->request_seq, 1) + 1;
        const char *given = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
        if (given != NULL && strlen(given) < sizeof rq->request_id && given[0])
            snprintf(rq->request_id, sizeof rq->request_id, "%s", given);
        else
            snprintf(rq->request_id, sizeof rq->request_id, "r%llx-%llu",
                     (unsigned long long)(rq->start_ns & 0xffffff), (unsigned long long)seq);
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
    else
        ROUTES[rq->route].fn(rq, &rp);
    rq->too_large = -1;
    return send_reply(rq, &rp);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **ctx,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    struct app *a = cls;
    struct request *rq = *ctx;
    if (rq == NULL)
        return;
    free(rq->body);
    free(rq);
    *ctx = NULL;
    atomic_fetch_sub(&a->inflight, 1);
}

int http_start(struct app *a, char *err, size_t errlen)
{
    a->metrics = calloc(1, sizeof *a->metrics);
    if (a->metrics == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const struct app_config *c = &a->st.cfg;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC; /* ITC: quiesce at drain */
    a->mhd = MHD_start_daemon(
        flags, (uint16_t)c->port, NULL, NULL, on_request, a, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, a, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)c->threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)c->connection_limit, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)c->per_ip_connection_limit, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)c->connection_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)c->connection_memory_limit_bytes, MHD_OPTION_END);
    if (a->mhd == NULL) {
        snprintf(err, errlen, "cannot listen on port %d", c->port);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(a->mhd, MHD_DAEMON_INFO_BIND_PORT);
    a->port = info ? info->port : c->port;
    return 0;
}

/* The drain: close the listening socket first (new connections are refused), then let
 * every request already started - even one still uploading its body - run to its reply
 * and commit, up to HTTP_DRAIN_S; only then stop the daemon, which closes what is left
 * (idle keep-alive connections). MHD_stop_daemon alone would cut an upload in flight. */
#define HTTP_DRAIN_S 9.0

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
    free(a->metrics);
    a->metrics = NULL;
}

void http_metrics_write(const struct app *a, struct textbuf *tb)
{
    textbuf_printf(tb, "# HELP liq_http_requests_total HTTP requests by route and status.\n"
                       "# TYPE liq_http_requests_total counter\n");
    for (int r = 0; r <= ROUTE_COUNT; r++) {
        const struct route_metrics *m = &a->metrics->routes[r];
        const char *name = r < ROUTE_COUNT ? ROUTES[r].name : "unmatched";
        for (int s = 0; s <= STATUS_SLOTS; s++) {
            uint64_t v = atomic_load(&m->by_status[s]);
            if (v == 0)
                continue;
            if (s < STATUS_SLOTS)
                textbuf_printf(tb, "liq_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                               name, TRACKED_STATUS[s], (unsigned long long)v);
            else
                textbuf_printf(tb, "liq_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
                               name, (unsigned long long)v);
        }
    }
    textbuf_printf(tb, "# HELP liq_http_request_duration_seconds Request latency by route.\n"
                       "# TYPE liq_http_request_duration_seconds histogram\n");
    for (int r = 0; r <= ROUTE_COUNT; r++) {
        const struct route_metrics *m = &a->metrics->routes[r];
        const char *name = r < ROUTE_COUNT ? ROUTES[r].name : "unmatched";
        uint64_t cum = 0;
        for (int b = 0; b <= LATENCY_BUCKETS; b++) {
            cum += atomic_load(&m->buckets[b]);
            if (b < LATENCY_BUCKETS)
                textbuf_printf(tb,
                               "liq_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} "
                               "%llu\n", name, LATENCY_BOUNDS[b], (unsigned long long)cum);
            else
                textbuf_printf(tb,
                               "liq_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} "
                               "%llu\n", name, (unsigned long long)cum);
        }
        textbuf_printf(tb, "liq_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", name,
                       (double)atomic_load(&m->sum_us) / 1e6);
        textbuf_printf(tb, "liq_http_request_duration_seconds_count{route=\"%s\"} %llu\n", name,
                       (unsigned long long)cum);
    }
}
