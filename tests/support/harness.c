/*
 * harness.c - see harness.h.
 */
#include "tests/support/harness.h"

#include "domain/exits.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api/decode.h"
#include "api/render.h"
#include "base/textbuf.h"

static const char *base_url(void)
{
    const char *u = getenv("LIQ_DATABASE_URL");
    cr_assert_not_null(u, "LIQ_DATABASE_URL is not set: run the tests with `scripts/dev test`");
    return u;
}

/* postgresql://postgres@/postgres?host=... -> postgresql://postgres@/<name>?host=... */
static void url_with_db(const char *base, const char *name, char *out, size_t outlen)
{
    const char *q = strchr(base, '?');
    const char *slash = strstr(base, "@/");
    cr_assert(q && slash && slash < q, "unexpected LIQ_DATABASE_URL form: %s", base);
    snprintf(out, outlen, "%.*s@/%s%s", (int)(slash - base), base, name, q);
}

static void admin_exec(const char *sql)
{
    PGconn *c = PQconnectdb(base_url());
    cr_assert_eq(PQstatus(c), CONNECTION_OK, "cannot connect: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    cr_assert_eq(PQresultStatus(r), PGRES_COMMAND_OK, "%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

void harness_db(const char *name, char *url, size_t urllen)
{
    char sql[256];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    admin_exec(sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    admin_exec(sql);
    url_with_db(base_url(), name, url, urllen);
}

void harness_config(struct app_config *cfg, const char *db_url)
{
    config_defaults(cfg);
    cfg->port = 0;
    snprintf(cfg->listen_address, sizeof cfg->listen_address, "127.0.0.1"); /* loopback only */
    cfg->threads = 2;
    snprintf(cfg->log_level, sizeof cfg->log_level, "warn");
    if (db_url != NULL)
        snprintf(cfg->database_url, sizeof cfg->database_url, "%s", db_url);
    else
        cfg->params.liquidity_db_persist = 0;
    cfg->instruments[0] = (struct instrument){.symbol = "EURUSD", .pip_size = 0.0001};
    cfg->ninstruments = 1;
    /* the API tests exercise zone exits (stops behind zones, TP2, runners) at entries of
     * their choosing; the defaults of exit_method, min_expected_r and max_entry_atr are
     * tested on their own (test_exits_http) */
    cfg->params.exit_method = EXIT_ZONES;
    cfg->params.min_expected_r = -1e9;
    cfg->params.max_entry_atr = 0.0;
}

struct app *harness_start(const struct app_config *cfg)
{
    char err[512] = "";
    struct app *a = app_start(cfg, err, sizeof err);
    cr_assert_not_null(a, "app_start: %s", err);
    cr_assert_gt(app_port(a), 0);
    return a;
}

static size_t collect(char *p, size_t size, size_t n, void *ud)
{
    struct http_reply *r = ud;
    size_t add = size * n;
    char *b = realloc(r->body, r->len + add + 1);
    cr_assert_not_null(b);
    memcpy(b + r->len, p, add);
    r->len += add;
    b[r->len] = '\0';
    r->body = b;
    return add;
}

static size_t header(char *p, size_t size, size_t n, void *ud)
{
    struct http_reply *r = ud;
    size_t len = size * n;
    if (len > 13 && strncasecmp(p, "Retry-After: ", 13) == 0)
        snprintf(r->retry_after, sizeof r->retry_after, "%.*s", (int)strcspn(p + 13, "\r\n"),
                 p + 13);
    if (len > 14 && strncasecmp(p, "X-Request-Id: ", 14) == 0)
        snprintf(r->request_id, sizeof r->request_id, "%.*s", (int)strcspn(p + 14, "\r\n"),
                 p + 14);
    if (len > 6 && strncasecmp(p, "ETag: ", 6) == 0)
        snprintf(r->etag, sizeof r->etag, "%.*s", (int)strcspn(p + 6, "\r\n"), p + 6);
    if (len > 15 && strncasecmp(p, "Cache-Control: ", 15) == 0)
        snprintf(r->cache_control, sizeof r->cache_control, "%.*s",
                 (int)strcspn(p + 15, "\r\n"), p + 15);
    if (len > 18 && strncasecmp(p, "WWW-Authenticate: ", 18) == 0)
        snprintf(r->www_authenticate, sizeof r->www_authenticate, "%.*s",
                 (int)strcspn(p + 18, "\r\n"), p + 18);
    return len;
}

/*
 * The contract log: with LIQ_CONTRACT_LOG=FILE every exchange is appended to FILE as one
 * JSON line {"method","path","query","status","content_type","body"}, and
 * tests/contract/validate.mjs checks each against openapi.yaml after the suite. One
 * write(2) per line on an O_APPEND descriptor, so forked Criterion workers do not
 * interleave.
 */
static void contract_log(const char *method, const char *target, const struct http_reply *r,
                         const char *content_type)
{
    const char *file = getenv("LIQ_CONTRACT_LOG");
    if (file == NULL || file[0] == '\0')
        return;
    size_t plen = strcspn(target, "?");
    json_t *body = json_stringn(r->body ? r->body : "", r->body ? r->len : 0);
    json_t *line = json_pack("{s:s, s:s%, s:s, s:i, s:s?, s:o}", "method", method, "path",
                             target, plen, "query", target[plen] ? target + plen + 1 : "",
                             "status", (int)r->status, "content_type", content_type, "body",
                             body ? body : json_null());
    cr_assert_not_null(line);
    char *text = json_dumps(line, JSON_COMPACT);
    json_decref(line);
    cr_assert_not_null(text);
    int fd = open(file, O_WRONLY | O_CREAT | O_APPEND, 0644);
    cr_assert_geq(fd, 0, "cannot append to LIQ_CONTRACT_LOG=%s", file);
    size_t n = strlen(text);
    text[n] = '\n'; /* replaces the NUL: the line is written with its length */
    cr_assert_eq(write(fd, text, n + 1), (ssize_t)(n + 1));
    close(fd);
    free(text);
}

static struct http_reply http_exchange(const struct app *a, const char *method,
                                       const char *path, const char *content_type,
                                       const char *body, size_t len, const char *extra);

struct http_reply http_do(const struct app *a, const char *method, const char *path,
                          const char *content_type, const char *body, size_t len)
{
    return http_exchange(a, method, path, content_type, body, len, NULL);
}

struct http_reply http_get_with(const struct app *a, const char *path, const char *header_line)
{
    return http_exchange(a, "GET", path, NULL, NULL, 0, header_line);
}

struct http_reply http_do_with(const struct app *a, const char *method, const char *path,
                               const char *content_type, const char *body, size_t len,
                               const char *header_line)
{
    return http_exchange(a, method, path, content_type, body, len, header_line);
}

static struct http_reply http_exchange(const struct app *a, const char *method,
                                       const char *path, const char *content_type,
                                       const char *body, size_t len, const char *extra)
{
    struct http_reply r = {0};
    CURL *c = curl_easy_init();
    cr_assert_not_null(c);
    char url[2048];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", app_port(a), path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    struct curl_slist *h = NULL;
    if (content_type != NULL) {
        char ct[128];
        snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
        h = curl_slist_append(h, ct);
    }
    h = curl_slist_append(h, "Expect:");
    if (extra != NULL)
        h = curl_slist_append(h, extra);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    CURLcode rc = curl_easy_perform(c);
    cr_assert_eq(rc, CURLE_OK, "%s %s: %s", method, path, curl_easy_strerror(rc));
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    char *reply_ct = NULL;
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &reply_ct);
    contract_log(method, path, &r, reply_ct);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (r.body == NULL) {
        r.body = calloc(1, 1);
        cr_assert_not_null(r.body);
    }
    return r;
}

struct http_reply http_get(const struct app *a, const char *path)
{
    return http_do(a, "GET", path, NULL, NULL, 0);
}

struct http_reply http_post_json(const struct app *a, const char *path, const char *json)
{
    return http_do(a, "POST", path, "application/json", json, strlen(json));
}

void http_free(struct http_reply *r)
{
    free(r->body);
    r->body = NULL;
}

json_t *http_json(const struct http_reply *r)
{
    json_error_t e;
    json_t *j = json_loadb(r->body, r->len, 0, &e);
    cr_assert_not_null(j, "reply is not JSON (%s): %.200s", e.text, r->body);
    return j;
}

char *harness_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

struct bar *harness_eurusd(size_t *n)
{
    size_t len = 0;
    char *csv = harness_read_file(LIQ_DATA_DIR "/EURUSD_15M.csv", &len);
    struct bar_batch b = {.symbol = ""};
    int rc = decode_bars_csv(csv, len, "EURUSD", "M15", (int64_t)time(NULL), &b);
    free(csv);
    cr_assert_eq(rc, 0, "EURUSD file does not decode: %s", b.message);
    *n = b.n;
    return b.bars;
}

char *harness_bars_json(const char *symbol, const char *tf, const struct bar *bars, size_t from,
                        size_t to)
{
    struct textbuf tb = {0};
    textbuf_append(&tb, "[", 1);
    for (size_t i = from; i < to; i++) {
        char ts[24];
        render_ts(bars[i].ts, ts);
        textbuf_printf(&tb,
                       "%s{\"symbol\":\"%s\",\"timeframe\":\"%s\",\"ts\":\"%s\",\"open\":%.17g,"
                       "\"high\":%.17g,\"low\":%.17g,\"close\":%.17g,\"volume\":%.17g}",
                       i > from ? "," : "", symbol, tf, ts, bars[i].open, bars[i].high,
                       bars[i].low, bars[i].close, bars[i].volume);
    }
    textbuf_append(&tb, "]", 1);
    size_t len;
    char *s = textbuf_take(&tb, &len);
    cr_assert_not_null(s);
    return s;
}

int harness_run_binary(const char *const *env, const char *args, int stdout_too, char *out,
                       size_t outlen)
{
    char self[512];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    cr_assert_gt(n, 0);
    self[n] = '\0';
    *strrchr(self, '/') = '\0';
    char cmd[4096];
    int w = snprintf(cmd, sizeof cmd, "env");
    for (size_t i = 0; env != NULL && env[i] != NULL; i++)
        w += snprintf(cmd + w, sizeof cmd - (size_t)w, " '%s'", env[i]);
    w += snprintf(cmd + w, sizeof cmd - (size_t)w, " '%s/liquidityd' %s %s </dev/null", self,
                  args, stdout_too ? "2>&1" : "2>&1 >/dev/null");
    cr_assert_lt(w, (int)sizeof cmd, "command too long");
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t got = fread(out, 1, outlen - 1, p);
    out[got] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int harness_check_config(const char *var, char *out, size_t outlen)
{
    const char *env[] = {var, NULL};
    return harness_run_binary(env, "--check-config", 1, out, outlen);
}

void harness_sql_exec(const char *url, const char *sql)
{
    PGconn *c = PQconnectdb(url);
    cr_assert_eq(PQstatus(c), CONNECTION_OK, "cannot connect: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    cr_assert(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", sql,
              PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

long harness_sql_long(const char *url, const char *sql)
{
    PGconn *c = PQconnectdb(url);
    cr_assert_eq(PQstatus(c), CONNECTION_OK, "cannot connect: %s", PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    cr_assert_eq(PQresultStatus(r), PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(c));
    long v = PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? strtol(PQgetvalue(r, 0, 0), NULL, 10)
                                                         : -1;
    PQclear(r);
    PQfinish(c);
    return v;
}
