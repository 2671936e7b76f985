/*
 * HTTP from outside (issue 13, items 4, 5, 6, 8, 9, 10): raw sockets, because the point is
 * what a client that does not behave like libcurl can make the service do.
 *
 *   framing            two Content-Lengths, "Transfer-Encoding :", "gzip, chunked" -> 400
 *   control chars      %00 (and every control) in a path or query value -> 400
 *   query table        every route's table (api/router.c): an unknown name -> 400 naming it,
 *                      a value beyond its documented range -> 422 naming it
 *   HEAD / OPTIONS     HEAD on every GET route answers as GET without a body; OPTIONS -> Allow
 *   many parameters    5,000 query parameters -> 414 JSON, at once
 *   request id, logs   a hostile X-Request-Id is replaced; every log line is JSON, also
 *                      libmicrohttpd's own (bad Content-Length, a connection flood past
 *                      connection_limit) and the start-up errors (bad configuration,
 *                      unknown argument, port taken)
 *   exhaustion         2,000 slow connections from one address; /health answers in < 1 s
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api/guard.h"
#include "api/http.h"
#include "tests/support/harness.h"
#include "tests/support/spawn.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A TCP connection to port from source address src ("127.0.0.1"); -1 on failure. */
static int dial(int port, const char *src)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, src, &a.sin_addr);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    a.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

struct raw {
    int status;
    char head[4096];
    char *body;     /* after the blank line, NUL-terminated (malloc'd) */
    double seconds; /* until the answer was complete or the connection closed */
};

/* Sends req, reads until the server closes or a whole Content-Length body arrived or
 * timeout_s passed. */
static struct raw exchange(int port, const char *req, size_t len, double timeout_s)
{
    struct raw r = {0};
    double t0 = now_s();
    int fd = dial(port, "127.0.0.1");
    cr_assert_geq(fd, 0, "connect: %s", strerror(errno));
    size_t off = 0;
    while (off < len) {
        ssize_t n = send(fd, req + off, len - off, MSG_NOSIGNAL);
        if (n <= 0)
            break; /* the server may answer and close before taking everything */
        off += (size_t)n;
    }
    size_t cap = 1 << 16, got = 0;
    char *buf = malloc(cap + 1);
    cr_assert_not_null(buf);
    for (;;) {
        double left = timeout_s - (now_s() - t0);
        struct pollfd p = {fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) <= 0)
            break;
        ssize_t n = recv(fd, buf + got, cap - got, 0);
        if (n <= 0)
            break;
        got += (size_t)n;
        buf[got] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        const char *cl = end ? strcasestr(buf, "\r\ncontent-length:") : NULL;
        if (end && cl && cl < end && got - (size_t)(end + 4 - buf) >= strtoul(cl + 17, NULL, 10))
            break;
        if (got == cap)
            break;
    }
    buf[got] = '\0';
    close(fd);
    r.seconds = now_s() - t0;
    sscanf(buf, "HTTP/1.%*d %d", &r.status);
    char *end = strstr(buf, "\r\n\r\n");
    size_t hl = end ? (size_t)(end - buf) : got;
    snprintf(r.head, sizeof r.head, "%.*s", (int)(hl < sizeof r.head - 1 ? hl : sizeof r.head - 1),
             buf);
    r.body = strdup(end ? end + 4 : "");
    free(buf);
    return r;
}

static struct raw send_text(int port, const char *req)
{
    return exchange(port, req, strlen(req), 10.0);
}

/* The answer is status with a body in the one JSON error shape. */
static void expect_json_error(const struct raw *r, int status, const char *what)
{
    cr_assert_eq(r->status, status, "%s: got %d\n%s\n%s", what, r->status, r->head, r->body);
    json_error_t e;
    json_t *j = json_loads(r->body, 0, &e);
    cr_assert_not_null(j, "%s: the body is not JSON: %.200s", what, r->body);
    cr_assert(json_is_string(json_object_get(json_object_get(j, "error"), "code")),
              "%s: not the error shape: %s", what, r->body);
    json_decref(j);
}

static void raw_free(struct raw *r)
{
    free(r->body);
}

static struct app *start(const char *db, char *url, size_t urllen)
{
    harness_db(db, url, urllen);
    struct app_config cfg;
    harness_config(&cfg, url);
    return harness_start(&cfg);
}

Test(http_edges, framing_that_rfc_9112_refuses_is_a_400, .timeout = 60)
{
    char url[512];
    struct app *a = start("t_edges_framing", url, sizeof url);
    int port = app_port(a);
    static const char *const BAD[] = {
        "POST /setups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: 2\r\nContent-Length: 30\r\n\r\n{}",
        "POST /setups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding : chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        "POST /setups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        "POST /setups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: x\r\nX-Bad Name: 1\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        struct raw r = send_text(port, BAD[i]);
        char what[32];
        snprintf(what, sizeof what, "framing case %zu", i);
        expect_json_error(&r, 400, what);
        cr_assert_lt(r.seconds, 5.0, "%s answered only after %.1f s", what, r.seconds);
        cr_assert(strcasestr(r.head, "\r\nConnection: close") != NULL, "%s keeps the connection",
                  what);
        raw_free(&r);
    }
    /* a list in one Content-Length is refused by libmicrohttpd itself, before any hook of
     * ours runs: a 400 that closes, with MHD's own (HTML) body - see docs/operations.md */
    struct raw m = send_text(port, "POST /setups HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                   "application/json\r\nContent-Length: 2, 2\r\n\r\n{}");
    cr_assert_eq(m.status, 400, "%s", m.head);
    raw_free(&m);
    /* the same length twice is one length: the request goes on */
    struct raw r = send_text(port, "POST /setups HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                   "application/json\r\nContent-Length: 2\r\nContent-Length: 2"
                                   "\r\nConnection: close\r\n\r\n{}");
    expect_json_error(&r, 422, "equal Content-Lengths");
    raw_free(&r);
    app_stop(a);
}

Test(http_edges, control_characters_in_paths_and_query_values_are_a_400, .timeout = 60)
{
    char url[512];
    struct app *a = start("t_edges_nul", url, sizeof url);
    static const char *const BAD[] = {
        "/zones?symbol=QA%00X", "/zones?symbol=QA%01X", "/dashboard/app.js%00.html",
        "/health%00", "/bars?symbol=EURUSD%0d%0aX", "/zones?sym%00bol=EURUSD",
        "/trades/1%00"};
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        char req[256];
        snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                 BAD[i]);
        struct raw r = send_text(app_port(a), req);
        expect_json_error(&r, 400, BAD[i]);
        raw_free(&r);
    }
    /* the write route: nothing is written under the truncated name */
    static const char csv[] = "time,open,high,low,close,volume\n1665360000,1,1,1,1,1\n";
    char req[512];
    snprintf(req, sizeof req,
             "POST /bars?symbol=QA%%00X&timeframe=M15 HTTP/1.1\r\nHost: x\r\nContent-Type: "
             "text/csv\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
             strlen(csv), csv);
    struct raw r = send_text(app_port(a), req);
    expect_json_error(&r, 400, "POST /bars?symbol=QA%00X");
    raw_free(&r);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars"), 0);
    app_stop(a);
}

/* One request; its status. */
static long status_of(struct app *a, const char *method, const char *path, char *body,
                      size_t bodylen)
{
    struct http_reply r = http_do(a, method, path, NULL, NULL, 0);
    long st = r.status;
    if (body != NULL)
        snprintf(body, bodylen, "%s", r.body ? r.body : "");
    http_free(&r);
    return st;
}

/* A concrete path for a pattern: "/trades/{id}" -> "/trades/1", "/zones/{id}" ->
 * "/zones/EURUSD:1", "/symbols/{symbol}" -> "/symbols/EURUSD", "{file}" -> "app.js". */
static void concrete(const char *pattern, char *out, size_t n)
{
    size_t o = 0;
    for (const char *p = pattern; *p && o + 16 < n; p++) {
        if (*p != '{') {
            out[o++] = *p;
            continue;
        }
        const char *v = strncmp(pattern, "/trades", 7) == 0  ? "1"
                        : strncmp(pattern, "/zones", 6) == 0 ? "EURUSD:1"
                        : strncmp(p, "{file}", 6) == 0       ? "app.js"
                                                             : "EURUSD";
        o += (size_t)snprintf(out + o, n - o, "%s", v);
        while (*p && *p != '}')
            p++;
    }
    out[o] = '\0';
}

/* Every route's query table, from the route table itself: an unknown name is a 400 naming
 * it; each row's out-of-range or ill-typed values are a 422 naming the row. */
Test(http_edges, every_query_parameter_is_checked_against_its_documented_range,
     .timeout = 120)
{
    char url[512];
    struct app *a = start("t_edges_query", url, sizeof url);
    char body[2048], path[512], base[256];
    for (int i = 0; i < ROUTE_COUNT; i++) {
        const struct route *rt = &ROUTES[i];
        concrete(rt->pattern, base, sizeof base);
        snprintf(path, sizeof path, "%s?bogus_name=1", base);
        cr_assert_eq(status_of(a, rt->method, path, body, sizeof body), 400, "%s %s: %s",
                     rt->method, path, body);
        cr_assert(strstr(body, "\"unknown_parameter\"") && strstr(body, "bogus_name"), "%s",
                  body);
        for (const struct query_param *q = rt->query; q && q->name; q++) {
            char bad[4][48] = {"", "", "", ""};
            if (q->kind == QP_INT || q->kind == QP_NUMBER) {
                snprintf(bad[0], sizeof bad[0], "%.17g", q->max * 2 + 1);
                snprintf(bad[1], sizeof bad[1], "%.17g", q->min - 1);
                snprintf(bad[2], sizeof bad[2], "abc");
                snprintf(bad[3], sizeof bad[3], q->kind == QP_INT ? "1.5" : "nan");
            } else if (q->kind == QP_ENUM) {
                snprintf(bad[0], sizeof bad[0], "not-a-value");
            }
            for (int k = 0; k < 4 && bad[k][0]; k++) {
                snprintf(path, sizeof path, "%s?%s=%s", base, q->name, bad[k]);
                long st = status_of(a, rt->method, path, body, sizeof body);
                cr_assert_eq(st, 422, "%s %s -> %ld %s", rt->method, path, st, body);
                cr_assert(strstr(body, q->name) != NULL, "%s", body);
            }
            if (q->kind != QP_TEXT)
                continue;
            /* text: present but empty, and one byte over its bound */
            size_t max = q->max_len ? q->max_len : GUARD_TEXT_MAX;
            cr_assert_lt(strlen(base) + strlen(q->name) + max + 3, sizeof path);
            for (size_t k = 0; k < 2; k++) {
                int at = snprintf(path, sizeof path, "%s?%s=", base, q->name);
                memset(path + at, 'x', k * (max + 1));
                path[(size_t)at + k * (max + 1)] = '\0';
                long st = status_of(a, rt->method, path, body, sizeof body);
                cr_assert_eq(st, 422, "%s %s -> %ld %s", rt->method, path, st, body);
                cr_assert(strstr(body, q->name) != NULL, "%s", body);
            }
        }
    }
    cr_assert_eq(status_of(a, "GET", "/zones?symbol=EURUSD&min_strength=2", body, sizeof body),
                 422, "the contract's maximum is 1: %s", body);
    app_stop(a);
}

/* A valid value of row q (its lowest), so that only the repetition is wrong. */
static void valid_value(const struct query_param *q, char *out, size_t n)
{
    if (q->kind == QP_INT || q->kind == QP_NUMBER)
        snprintf(out, n, "%.17g", q->kind == QP_NUMBER && q->exclusive_min
                                      ? (q->max > q->min + 1 ? q->min + 1 : q->max)
                                      : q->min);
    else if (q->kind == QP_ENUM)
        snprintf(out, n, "%s", q->values[0]);
    else if (q->kind == QP_SYMBOL)
        snprintf(out, n, "EURUSD");
    else
        snprintf(out, n, "x");
}

/* Every row of every route given twice is a 400 naming it, whether the two values agree or
 * not: a client that sends ?force=false&force=true must not get "the last one wins". And it
 * changes nothing: a delete that force=true would do leaves the symbol in place. */
Test(http_edges, a_query_parameter_given_twice_is_a_400_that_changes_nothing, .timeout = 120)
{
    char url[512];
    struct app *a = start("t_edges_twice", url, sizeof url);
    char body[2048], path[512], base[256], v[64];
    int rows = 0;
    for (int i = 0; i < ROUTE_COUNT; i++) {
        const struct route *rt = &ROUTES[i];
        concrete(rt->pattern, base, sizeof base);
        for (const struct query_param *q = rt->query; q && q->name; q++) {
            valid_value(q, v, sizeof v);
            for (int differ = 0; differ < 2; differ++) {
                snprintf(path, sizeof path, "%s?%s=%s&%s=%s%s", base, q->name, v, q->name, v,
                         differ && q->kind != QP_ENUM ? "0" : "");
                long st = status_of(a, rt->method, path, body, sizeof body);
                cr_assert_eq(st, 400, "%s %s -> %ld %s", rt->method, path, st, body);
                cr_assert(strstr(body, "\"repeated_parameter\"") && strstr(body, q->name),
                          "%s %s: %s", rt->method, path, body);
            }
            rows++;
        }
    }
    cr_assert_gt(rows, 10, "the route table has query rows");
    size_t n;
    struct bar *bars = harness_eurusd(&n);
    char *json = harness_bars_json("EURUSD", "M15", bars, 0, 50);
    struct http_reply r = http_post_json(a, "/bars", json);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    cr_assert_eq(status_of(a, "DELETE", "/symbols/EURUSD?force=false&force=true", body,
                           sizeof body), 400, "%s", body);
    cr_assert_eq(status_of(a, "DELETE", "/symbols/EURUSD?force=true&force=true", body,
                           sizeof body), 400, "%s", body);
    cr_assert_eq(status_of(a, "GET", "/symbols/EURUSD/evidence", body, sizeof body), 200,
                 "the symbol is still there: %s", body);
    cr_assert_eq(status_of(a, "GET", "/bars?symbol=EURUSD&limit=2&limit=3", body, sizeof body),
                 400, "%s", body);
    free(json);
    free(bars);
    app_stop(a);
}

Test(http_edges, head_on_every_get_route_and_options_answering_allow, .timeout = 60)
{
    char url[512];
    struct app *a = start("t_edges_head", url, sizeof url);
    char path[256], req[512];
    for (int i = 0; i < ROUTE_COUNT; i++) {
        if (strcmp(ROUTES[i].method, "GET") != 0)
            continue;
        concrete(ROUTES[i].pattern, path, sizeof path);
        snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                 path);
        struct raw g = send_text(app_port(a), req);
        snprintf(req, sizeof req, "HEAD %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                 path);
        struct raw h = send_text(app_port(a), req);
        cr_assert_eq(h.status, g.status, "HEAD %s: %d, GET %d", path, h.status, g.status);
        cr_assert_str_eq(h.body, "", "HEAD %s sent a body", path);
        raw_free(&g);
        raw_free(&h);
        snprintf(req, sizeof req, "OPTIONS %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                 path);
        struct raw o = send_text(app_port(a), req);
        cr_assert_eq(o.status, 204, "OPTIONS %s: %d %s", path, o.status, o.head);
        const char *allow = strcasestr(o.head, "\r\nAllow: ");
        cr_assert(allow && strstr(allow, "GET") && strstr(allow, "HEAD") &&
                  strstr(allow, "OPTIONS"), "OPTIONS %s: %s", path, o.head);
        raw_free(&o);
    }
    struct raw h = send_text(app_port(a), "HEAD /health HTTP/1.1\r\nHost: x\r\n"
                                          "Connection: close\r\n\r\n");
    cr_assert_eq(h.status, 200, "curl -I /health: %s", h.head);
    raw_free(&h);
    app_stop(a);
}

Test(http_edges, thousands_of_query_parameters_get_a_json_414_at_once, .timeout = 60)
{
    char url[512];
    struct app *a = start("t_edges_many", url, sizeof url);
    static const int COUNTS[] = {33, 500, 5000};
    for (size_t c = 0; c < sizeof COUNTS / sizeof COUNTS[0]; c++) {
        size_t cap = (size_t)COUNTS[c] * 12 + 256, o = 0;
        char *req = malloc(cap);
        cr_assert_not_null(req);
        o += (size_t)snprintf(req + o, cap - o, "GET /zones?symbol=EURUSD");
        for (int i = 0; i < COUNTS[c]; i++)
            o += (size_t)snprintf(req + o, cap - o, "&p%d=1", i);
        o += (size_t)snprintf(req + o, cap - o,
                              " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        struct raw r = exchange(app_port(a), req, o, 10.0);
        char what[48];
        snprintf(what, sizeof what, "%d query parameters", COUNTS[c]);
        cr_assert(r.status == 414 || r.status == 431, "%s: %d", what, r.status);
        expect_json_error(&r, r.status, what);
        cr_assert_lt(r.seconds, 5.0, "%s: answered after %.1f s", what, r.seconds);
        raw_free(&r);
        free(req);
    }
    app_stop(a);
}

/* Every line of text (a process's log) parses as one JSON object with a string "level" and
 * "msg" and no forged key; returns the number of lines. */
static int expect_json_lines(char *text, const char *what)
{
    int lines = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        json_error_t e;
        json_t *j = json_loads(line, 0, &e);
        cr_assert_not_null(j, "%s: log line %d is not JSON (%s): %s", what, lines + 1, e.text,
                           line);
        cr_assert(json_is_object(j) && json_is_string(json_object_get(j, "level")) &&
                      json_is_string(json_object_get(j, "msg")),
                  "%s: not a log line: %s", what, line);
        cr_assert_null(json_object_get(j, "lvl"), "%s: a forged key: %s", what, line);
        json_decref(j);
        lines++;
    }
    return lines;
}

Test(http_edges, a_hostile_request_id_is_replaced_and_every_log_line_is_json, .timeout = 120)
{
    char url[512];
    harness_db("t_edges_log", url, sizeof url);
    char dbenv[600];
    snprintf(dbenv, sizeof dbenv, "LIQ_DATABASE_URL=%s", url);
    const char *env[] = {dbenv, "LIQ_LOG_LEVEL=info", "LIQ_PER_IP_CONNECTION_LIMIT=8", NULL};
    struct spawned p;
    spawn_start(&p, env, NULL, "edges_log");
    static const char *const IDS[] = {
        "x\",\"lvl\":\"FORGED", "a\rb", "a\x01z", "\xff\xfe", "\xc3", "abc\\", "{}",
        "0123456789012345678901234567890123456789012345678901234567890123456789"};
    static const char *const METHODS[] = {"GET", "G\"ET", "PATCH"};
    for (size_t m = 0; m < 3; m++) {
        for (size_t i = 0; i < sizeof IDS / sizeof IDS[0]; i++) {
            char req[512];
            snprintf(req, sizeof req,
                     "%s /zones?symbol=NOPE HTTP/1.1\r\nHost: x\r\nX-Request-Id: %s\r\n"
                     "Connection: close\r\n\r\n", METHODS[m], IDS[i]);
            struct raw r = send_text(p.port, req);
            const char *rid = strcasestr(r.head, "\r\nX-Request-Id: ");
            if (r.status == 404) { /* the request reached the service */
                cr_assert_not_null(rid, "the reply lost X-Request-Id: %s", r.head);
                size_t n = strcspn(rid + 16, "\r\n");
                cr_assert(n > 0 && n <= 64, "id of %zu bytes echoed", n);
                for (size_t k = 0; k < n; k++)
                    cr_assert(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789-_.:", rid[16 + k]) != NULL,
                              "an unsafe id echoed: %s", r.head);
            }
            raw_free(&r);
        }
    }
    /* a safe id is kept */
    struct raw r = send_text(p.port, "GET /health HTTP/1.1\r\nHost: x\r\nX-Request-Id: "
                                     "trace-42.a:b_c\r\nConnection: close\r\n\r\n");
    cr_assert(strstr(r.head, "\r\nX-Request-Id: trace-42.a:b_c") != NULL, "%s", r.head);
    raw_free(&r);
    /* malformed framing that libmicrohttpd refuses itself, before any route: it logs why */
    static const char *const FRAMING[] = {
        "POST /bars HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        "POST /bars HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        "POST /bars HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n",
        "GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"};
    for (size_t i = 0; i < sizeof FRAMING / sizeof FRAMING[0]; i++) {
        struct raw f = send_text(p.port, FRAMING[i]);
        cr_assert(f.status == 0 || f.status >= 400, "framing %zu: got %d", i, f.status);
        raw_free(&f);
    }
    /* a flood from one address past per_ip_connection_limit */
    enum { FLOOD = 64 };
    int fds[FLOOD];
    for (int i = 0; i < FLOOD; i++)
        fds[i] = dial(p.port, "127.0.0.2");
    /* libmicrohttpd refuses past the limit and says so: wait (with a deadline) for its line */
    double until = now_s() + 20;
    while (spawn_log_count(&p, "connection limit") == 0 && now_s() < until) {
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    cr_assert_gt(spawn_log_count(&p, "connection limit"), 0,
                 "the flood past the connection limit was not logged, see %s", p.log);
    for (int i = 0; i < FLOOD; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    spawn_signal(&p, SIGTERM);
    int st = 0;
    cr_assert(spawn_wait(&p, 30, &st));
    size_t len = 0;
    char *log = harness_read_file(p.log, &len);
    int lines = expect_json_lines(log, "running");
    cr_assert_gt(lines, 20, "the requests were logged");
    free(log);
    cr_assert_gt(spawn_log_count(&p, "Content-Length"), 0,
                 "libmicrohttpd's refusal of a bad Content-Length was not logged, see %s", p.log);
    cr_assert_gt(spawn_log_count(&p, "\"source\":\"libmicrohttpd\""), 0,
                 "libmicrohttpd's lines are marked as its own");
}

/* Item 5 of issue 21: what the process writes when it cannot start is JSON lines too. */
Test(http_edges, start_up_errors_are_json_lines, .timeout = 60)
{
    static char out[16384];
    /* a port already taken: libmicrohttpd's bind failure and the start failure */
    int busy = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    cr_assert_eq(bind(busy, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(busy, 1), 0);
    socklen_t alen = sizeof a;
    getsockname(busy, (struct sockaddr *)&a, &alen);
    char port[32];
    snprintf(port, sizeof port, "LIQ_PORT=%d", ntohs(a.sin_port));
    struct {
        const char *env[4];
        const char *args;
        int code;
    } cases[] = {
        {{"LIQ_PORT=70000", NULL}, "", 2},
        {{"LIQ_LOG_LEVEL=loud", NULL}, "", 2},
        {{"LIQ_THREADS=abc", NULL}, "--check-config", 2},
        {{"LIQ_THREDS=4", NULL}, "--check-config", 2},
        {{"LIQ_API_KEY=a\"b", NULL}, "--no-such-flag \"x\\\"y\"", 2},
        {{NULL}, "--config /nonexistent/liquidityd.conf", 2},
        {{port, "LIQ_LIQUIDITY_DB_PERSIST=false", NULL}, "", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int code = harness_run_binary(cases[i].env, cases[i].args, 0, out, sizeof out);
        cr_assert_eq(code, cases[i].code, "case %zu: exit %d: %s", i, code, out);
        char what[32];
        snprintf(what, sizeof what, "start-up case %zu", i);
        cr_assert_gt(expect_json_lines(out, what), 0, "case %zu wrote nothing", i);
    }
    close(busy);
}

/* Issue 13 item 4: one client holds 2,000 connections - half idle, half sending a header
 * line now and then - from 127.0.0.2; /health from 127.0.0.1 still answers within 1 s, and
 * the slow ones are cut at the header deadline however often they send. */
Test(http_edges, two_thousand_slow_connections_leave_health_answering, .timeout = 120)
{
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < 8192 && rl.rlim_max >= 8192) {
        rl.rlim_cur = 8192;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    char url[512];
    harness_db("t_edges_slow", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    cfg.header_timeout_s = 3;
    struct app *a = harness_start(&cfg);
    enum { N = 2000 };
    static int fds[N];
    int open_ = 0;
    for (int i = 0; i < N; i++) {
        fds[i] = dial(app_port(a), "127.0.0.2");
        if (fds[i] >= 0 && i % 2 == 0)
            send(fds[i], "GET /health HTTP/1.1\r\n", 22, MSG_NOSIGNAL);
        open_ += fds[i] >= 0;
    }
    cr_assert_gt(open_, N / 2, "the kernel took the connections (%d)", open_);
    double until = now_s() + 6.0; /* twice the header deadline */
    double worst = 0;
    while (now_s() < until) {
        for (int i = 0; i < N; i += 2) /* slowloris: a line now and then, never the end */
            if (fds[i] >= 0)
                send(fds[i], "X-a: b\r\n", 8, MSG_NOSIGNAL);
        double t0 = now_s();
        struct http_reply r = http_get(a, "/health");
        double took = now_s() - t0;
        worst = took > worst ? took : worst;
        cr_assert_eq(r.status, 200, "/health: %ld %s", r.status, r.body);
        http_free(&r);
        struct timespec pause = {0, 300 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    cr_assert_lt(worst, 1.0, "/health took %.2f s under 2,000 slow connections", worst);
    /* past the deadline every slow connection has been closed by the server */
    int alive = 0;
    for (int i = 0; i < N; i++) {
        if (fds[i] < 0)
            continue;
        char c;
        ssize_t n = recv(fds[i], &c, 1, MSG_DONTWAIT);
        alive += n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
        close(fds[i]);
    }
    cr_assert_eq(alive, 0, "%d slow connections outlived the header deadline", alive);
    app_stop(a);
}

/* Item 4, the total limit: clients that fill connection_limit from their own addresses
 * (no per-IP limit here) leave the reserved slots to an address that holds no connection -
 * the monitor's /health gets in, the greedy client does not. */
Test(http_edges, a_full_connection_limit_leaves_room_for_a_new_address, .timeout = 60)
{
    char url[512];
    harness_db("t_edges_reserve", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    cfg.connection_limit = 96;
    cfg.per_ip_connection_limit = 0;
    struct app *a = harness_start(&cfg);
    enum { N = 150 };
    int fds[N], held = 0;
    for (int i = 0; i < N; i++) {
        fds[i] = dial(app_port(a), "127.0.0.2");
        if (fds[i] >= 0)
            send(fds[i], "GET /health HTTP/1.1\r\n", 22, MSG_NOSIGNAL); /* never finished */
    }
    /* A connection still in the kernel's accept queue looks held (EAGAIN) until MHD takes
     * it and closes it: the count only falls as MHD catches up, so it is read again until it
     * is within the limit or a deadline passes (a busy machine may take seconds). */
    double deadline = now_s() + 15.0;
    do {
        struct timespec step = {0, 100 * 1000 * 1000};
        nanosleep(&step, NULL);
        held = 0;
        for (int i = 0; i < N; i++) {
            char c;
            if (fds[i] >= 0 && recv(fds[i], &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN)
                held++;
        }
    } while (held > 96 - 16 && now_s() < deadline);
    cr_assert_leq(held, 96 - 16, "the greedy address holds %d connections", held);
    cr_assert_geq(held, 96 - 16 - 8, "it got the unreserved ones (%d)", held);
    double t0 = now_s();
    struct http_reply r = http_get(a, "/health");
    cr_assert_eq(r.status, 200, "/health from a new address: %ld", r.status);
    cr_assert_lt(now_s() - t0, 1.0);
    http_free(&r);
    for (int i = 0; i < N; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    app_stop(a);
}
