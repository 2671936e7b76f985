/*
 * test_metrics.c - GET /metrics is valid Prometheus text exposition and its counters move
 * with the requests that should move them; every reply carries X-Request-Id (the caller's
 * when given); the request log is one JSON line per request, filtered by log_level.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/harness.h"

/* --- a small exposition-format parser ---------------------------------------------------- */

struct sample {
    char name[96];
    char labels[256]; /* as written between the braces, "" when none */
    double value;
};

struct exposition {
    struct sample v[4096];
    size_t n;
};

/* Parses the text; fails the test on any line that is not a comment or a valid sample,
 * and on a sample whose family has no # TYPE before it. */
static void parse(const char *text, struct exposition *e)
{
    e->n = 0;
    char typed[256][96];
    size_t ntyped = 0;
    const char *line = text;
    while (*line) {
        const char *end = strchr(line, '\n');
        cr_assert_not_null(end, "the exposition must end with a newline");
        char buf[512];
        size_t len = (size_t)(end - line);
        cr_assert_lt(len, sizeof buf);
        memcpy(buf, line, len);
        buf[len] = '\0';
        line = end + 1;
        if (strncmp(buf, "# TYPE ", 7) == 0) {
            char name[96], type[32];
            cr_assert_eq(sscanf(buf + 7, "%95s %31s", name, type), 2, "bad TYPE: %s", buf);
            cr_assert(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0 ||
                          strcmp(type, "histogram") == 0,
                      "unknown type: %s", buf);
            cr_assert_lt(ntyped, 256);
            snprintf(typed[ntyped++], sizeof typed[0], "%s", name);
            continue;
        }
        if (buf[0] == '#' || buf[0] == '\0')
            continue;
        cr_assert_lt(e->n, sizeof e->v / sizeof e->v[0]);
        struct sample *s = &e->v[e->n++];
        size_t nl = strcspn(buf, "{ ");
        cr_assert(nl > 0 && nl < sizeof s->name, "bad sample: %s", buf);
        memcpy(s->name, buf, nl);
        s->name[nl] = '\0';
        for (size_t i = 0; i < nl; i++)
            cr_assert(buf[i] == '_' || buf[i] == ':' || (buf[i] >= 'a' && buf[i] <= 'z') ||
                          (buf[i] >= 'A' && buf[i] <= 'Z') || (i > 0 && buf[i] >= '0' && buf[i] <= '9'),
                      "bad metric name: %s", buf);
        const char *rest = buf + nl;
        s->labels[0] = '\0';
        if (*rest == '{') {
            const char *close = strchr(rest, '}');
            cr_assert_not_null(close, "unclosed labels: %s", buf);
            size_t ll = (size_t)(close - rest - 1);
            cr_assert_lt(ll, sizeof s->labels);
            memcpy(s->labels, rest + 1, ll);
            s->labels[ll] = '\0';
            rest = close + 1;
        }
        cr_assert_eq(*rest, ' ', "no space before the value: %s", buf);
        char *vend = NULL;
        s->value = strtod(rest + 1, &vend);
        cr_assert(vend != rest + 1 && *vend == '\0', "bad value: %s", buf);
        int known = 0;
        for (size_t i = 0; i < ntyped && !known; i++) {
            size_t tl = strlen(typed[i]);
            known = strncmp(s->name, typed[i], tl) == 0 &&
                    (s->name[tl] == '\0' || strcmp(s->name + tl, "_bucket") == 0 ||
                     strcmp(s->name + tl, "_sum") == 0 || strcmp(s->name + tl, "_count") == 0);
        }
        cr_assert(known, "sample without a # TYPE: %s", buf);
    }
}

/* The value of name{labels}; NAN when absent. */
static double value(const struct exposition *e, const char *name, const char *labels)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->v[i].name, name) == 0 && strcmp(e->v[i].labels, labels) == 0)
            return e->v[i].value;
    return NAN;
}

/* 0 when absent (a counter not yet incremented is not written). */
static double counter(const struct exposition *e, const char *name, const char *labels)
{
    double v = value(e, name, labels);
    return isnan(v) ? 0 : v;
}

static void scrape(const struct app *a, struct exposition *e)
{
    struct http_reply r = http_get(a, "/metrics");
    cr_assert_eq(r.status, 200);
    parse(r.body, e);
    http_free(&r);
}

/* Every histogram: buckets never decrease, +Inf == _count. */
static void check_histograms(const struct exposition *e)
{
    for (size_t i = 0; i < e->n; i++) {
        const char *nm = e->v[i].name;
        size_t l = strlen(nm);
        if (l < 7 || strcmp(nm + l - 7, "_bucket") != 0)
            continue;
        if (i + 1 < e->n && strcmp(e->v[i + 1].name, nm) == 0) {
            /* same family and same labels apart from le: values are cumulative */
            const char *a = e->v[i].labels, *b = e->v[i + 1].labels;
            size_t pa = strstr(a, "le=") ? (size_t)(strstr(a, "le=") - a) : 0;
            if (pa > 0 && strncmp(a, b, pa) == 0)
                cr_assert_geq(e->v[i + 1].value, e->v[i].value, "%s{%s} decreases", nm, b);
        }
        if (strstr(e->v[i].labels, "le=\"+Inf\"") != NULL) {
            char count[96], labels[256];
            snprintf(count, sizeof count, "%.*s_count", (int)(l - 7), nm);
            const char *le = strstr(e->v[i].labels, "le=\"+Inf\"");
            size_t pre = (size_t)(le - e->v[i].labels);
            snprintf(labels, sizeof labels, "%.*s", pre > 0 ? (int)pre - 1 : 0, e->v[i].labels);
            cr_assert_eq(value(e, count, labels), e->v[i].value, "%s{%s} != +Inf bucket", count,
                         labels);
        }
    }
}

static struct app *start(const char *db, const char *level)
{
    char url[512];
    harness_db(db, url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    if (level != NULL)
        snprintf(cfg.log_level, sizeof cfg.log_level, "%s", level);
    return harness_start(&cfg);
}

Test(metrics, exposition_parses_and_counters_move)
{
    struct app *a = start("liq_metrics_move", NULL);
    size_t nbars = 0;
    struct bar *bars = harness_eurusd(&nbars);
    struct exposition *before = malloc(sizeof *before), *after = malloc(sizeof *after);
    cr_assert(before && after);
    scrape(a, before);
    check_histograms(before);
    cr_assert(!isnan(value(before, "liq_trades_open", "")));
    cr_assert(!isnan(value(before, "liq_write_duration_seconds_count", "")));
    cr_assert(!isnan(value(before, "liq_db_errors_total", "")));
    cr_assert(!isnan(value(before, "liq_db_reconnects_total", "")));

    char *json = harness_bars_json("EURUSD", "M15", bars, 0, 500);
    struct http_reply r = http_post_json(a, "/bars", json);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    free(json);
    r = http_get(a, "/zones?symbol=EURUSD");
    cr_assert_eq(r.status, 200);
    http_free(&r);
    r = http_get(a, "/zones?symbol=NOPE");
    cr_assert_eq(r.status, 404);
    http_free(&r);
    r = http_do(a, "POST", "/bars", "application/xml", "<bar/>", 6);
    cr_assert_eq(r.status, 415);
    http_free(&r);

    scrape(a, after);
    cr_assert_eq(counter(after, "liq_http_requests_total", "route=\"bars_post\",status=\"415\""),
                 1);
    check_histograms(after);
    const char *bp = "route=\"bars_post\",status=\"200\"";
    cr_assert_eq(counter(after, "liq_http_requests_total", bp) -
                     counter(before, "liq_http_requests_total", bp), 1);
    cr_assert_eq(counter(after, "liq_http_requests_total", "route=\"zones_list\",status=\"404\""),
                 1);
    cr_assert_eq(value(after, "liq_bars_ingested_total", "") -
                     value(before, "liq_bars_ingested_total", ""), 500);
    cr_assert_geq(value(after, "liq_write_duration_seconds_count", "") -
                      value(before, "liq_write_duration_seconds_count", ""), 1);
    cr_assert_gt(value(after, "liq_write_duration_seconds_sum", ""),
                 value(before, "liq_write_duration_seconds_sum", ""));
    cr_assert_eq(value(after, "liq_http_request_duration_seconds_count", "route=\"zones_list\"") -
                     value(before, "liq_http_request_duration_seconds_count",
                           "route=\"zones_list\""), 2);
    cr_assert_gt(value(after, "liq_zones_active", "symbol=\"EURUSD\""), 0);
    /* the scrape itself is counted by the next one */
    cr_assert_geq(counter(after, "liq_http_requests_total", "route=\"metrics\",status=\"200\""), 1);
    free(before);
    free(after);
    free(bars);
    app_stop(a);
}

Test(metrics, trades_open_follows_setups)
{
    char url[512];
    harness_db("liq_metrics_trades", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    cfg.params.min_liquidity_strength = 0.1;
    struct app *a = harness_start(&cfg);
    size_t nbars = 0;
    struct bar *bars = harness_eurusd(&nbars);
    char *json = harness_bars_json("EURUSD", "M15", bars, 0, nbars);
    struct http_reply r = http_post_json(a, "/bars", json);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    free(json);
    struct exposition *e = malloc(sizeof *e);
    cr_assert_not_null(e);
    scrape(a, e);
    cr_assert_eq(value(e, "liq_trades_open", ""), 0);
    r = http_post_json(a, "/setups",
                       "{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"entry\":1.0531,"
                       "\"trend_score\":0.7,\"regime_mode\":\"NORMAL\","
                       "\"regime_transition_strength\":0}");
    cr_assert(r.status == 200 || r.status == 201, "%ld %s", r.status, r.body);
    http_free(&r);
    scrape(a, e);
    cr_assert_eq(value(e, "liq_trades_open", ""), 1);
    free(e);
    free(bars);
    app_stop(a);
}

/* --- X-Request-Id ---------------------------------------------------------------------- */

static size_t sink(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

static size_t grab_id(char *p, size_t size, size_t n, void *ud)
{
    size_t len = size * n;
    if (len > 14 && strncasecmp(p, "X-Request-Id: ", 14) == 0)
        snprintf(ud, 64, "%.*s", (int)strcspn(p + 14, "\r\n"), p + 14);
    return len;
}

/* GET path with an X-Request-Id header (NULL: none); returns the header of the reply. */
static void get_with_id(const struct app *a, const char *path, const char *id, char out[64])
{
    out[0] = '\0';
    CURL *c = curl_easy_init();
    cr_assert_not_null(c);
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", app_port(a), path);
    struct curl_slist *h = NULL;
    char hdr[128];
    if (id != NULL) {
        snprintf(hdr, sizeof hdr, "X-Request-Id: %s", id);
        h = curl_slist_append(h, hdr);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, grab_id);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    cr_assert_eq(curl_easy_perform(c), CURLE_OK);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
}

Test(logs, request_id_is_echoed_or_generated)
{
    struct app *a = start("liq_metrics_reqid", NULL);
    char got[64];
    get_with_id(a, "/health", "trace-42.abc", got);
    cr_assert_str_eq(got, "trace-42.abc");
    get_with_id(a, "/nothing-here", "trace-43", got); /* router 404 too */
    cr_assert_str_eq(got, "trace-43");
    char first[64], second[64];
    get_with_id(a, "/health", NULL, first);
    get_with_id(a, "/health", NULL, second);
    cr_assert_neq(first[0], '\0');
    cr_assert_str_neq(first, second, "generated ids must differ");
    app_stop(a);
}

/* Reads what the test wrote to its redirected stderr so far. */
static char *stderr_text(void)
{
    fflush(stderr);
    FILE *f = cr_get_redirected_stderr();
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    return buf;
}

Test(logs, one_json_line_per_request_at_info, .init = cr_redirect_stderr)
{
    struct app *a = start("liq_metrics_log_info", "info");
    char got[64];
    get_with_id(a, "/health", "log-line-1", got);
    get_with_id(a, "/zones?symbol=NOPE", "log-line-2", got);
    app_stop(a);
    const char *log = stderr_text();
    const char *l1 = strstr(log, "\"request_id\":\"log-line-1\"");
    cr_assert_not_null(l1, "%s", log);
    cr_assert_not_null(strstr(log, "{\"level\":\"info\",\"msg\":\"request\",\"request_id\":"
                                   "\"log-line-1\",\"method\":\"GET\",\"route\":\"health\","
                                   "\"status\":200,\"duration_ms\":"),
                       "%s", log);
    cr_assert_not_null(strstr(log, "\"request_id\":\"log-line-2\",\"method\":\"GET\","
                                   "\"route\":\"zones_list\",\"status\":404"),
                       "%s", log);
    /* each line is a JSON object */
    for (const char *p = log; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len > 0 && p[0] == '{') {
            json_error_t err;
            json_t *j = json_loadb(p, len, 0, &err);
            cr_assert_not_null(j, "not JSON: %.*s", (int)len, p);
            cr_assert(json_is_string(json_object_get(j, "level")));
            cr_assert(json_is_string(json_object_get(j, "msg")));
            json_decref(j);
        }
        p += len + (nl ? 1 : 0);
    }
}

Test(logs, warn_level_keeps_routine_requests_out, .init = cr_redirect_stderr)
{
    struct app *a = start("liq_metrics_log_warn", "warn");
    char got[64];
    get_with_id(a, "/health", "quiet-1", got);
    app_stop(a);
    const char *log = stderr_text();
    cr_assert_null(strstr(log, "quiet-1"), "%s", log);
}

/* One prepared session per worker is made at start beside the rebuild (storage/pg_spare.c
 * pg_warm): a worker's first request takes one instead of connecting and preparing every
 * statement while the caller waits. */
Test(metrics, a_workers_first_write_takes_a_session_made_ahead, .timeout = 60)
{
    char url[512];
    harness_db("liq_metrics_spares", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    cfg.threads = 4;
    struct app *a = harness_start(&cfg);
    struct exposition *e = malloc(sizeof *e);
    cr_assert_not_null(e);
    /* the spares are made in the background: wait (with a deadline) until all are */
    double ready = 0;
    for (int i = 0; i < 3000; i++) {
        scrape(a, e);
        ready = value(e, "liq_db_sessions_ready", "");
        if (ready >= 4)
            break;
        usleep(10000);
    }
    cr_assert_eq(ready, 4, "sessions made ahead: %g", ready);
    double made = value(e, "liq_db_connects_total", "");
    size_t nbars = 0;
    struct bar *bars = harness_eurusd(&nbars);
    char *json = harness_bars_json("EURUSD", "M15", bars, 0, 300);
    struct http_reply r = http_post_json(a, "/bars", json);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    scrape(a, e);
    /* the write's worker took one; no session was made for it */
    cr_assert_eq(value(e, "liq_db_sessions_ready", ""), 3);
    cr_assert_eq(value(e, "liq_db_connects_total", ""), made);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars"), 300);
    free(json);
    free(bars);
    free(e);
    app_stop(a);
}
