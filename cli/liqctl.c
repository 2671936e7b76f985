/*
 * liqctl.c - the command line client of liquidityd (libcurl + jansson).
 *
 *   liqctl [--url URL] [--key KEY] [--json] COMMAND [ARGS]
 *     import FILE.csv --symbol S --timeframe TF [--batch N]
 *     zones SYMBOL [--price P] [--side above|below] [--source S] [--active A] [--limit N]
 *     setup SYMBOL BUY|SELL --entry P [--trend T] [--regime R] [--transition X] [--qty Q]
 *           [--dry-run]
 *     trail TRADE_ID --price P [--high H] [--low L] [--ts TS] [--symbol S]
 *     close TRADE_ID --price P [--ts TS] [--symbol S]
 *     trades [--symbol S] [--status open|closed] [--limit N]
 *     health
 *
 * The one idea: every command is one or more HTTP exchanges whose answer is either shown
 * as a table (default) or printed raw (--json), and whose failure maps onto an exit code a
 * shell script can branch on:
 *   0 ok · 1 the server said no (4xx/5xx; its error message is printed) · 2 usage ·
 *   3 cannot connect (service down, wrong --url).
 *
 * A command that names a symbol sends it as X-Symbol too: a proxy in front of several
 * instances routes by it (docs/scaling.md).
 *
 * import streams the file: it never holds more than one batch (default 5000 lines, the
 * CSV header repeated in each batch) and shows a progress bar with bars/s and ETA on
 * stderr when stderr is a terminal.
 */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum exit_code { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_CONNECT = 3 };

struct client {
    CURL *curl;
    char url[512];
    const char *key;
    int json;              /* --json: print the server's JSON as is */
    const char *symbol;    /* sent as X-Symbol: a proxy routes by it (docs/scaling.md) */
};

struct buf {
    char *p;
    size_t len, cap;
};

struct answer {
    long status;
    struct buf body;
};

static const char *USAGE =
    "usage: liqctl [--url URL] [--key KEY] [--json] COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  import FILE.csv --symbol S --timeframe TF [--batch N]   stream a CSV export in batches\n"
    "  zones SYMBOL [--price P] [--side above|below] [--source S] [--active true|false|all]\n"
    "        [--limit N]              zones sorted by distance (a drawn one with its kind,\n"
    "                                 bar drawn from, confirmed, mitigated)\n"
    "  setup SYMBOL BUY|SELL --entry P [--trend T] [--regime NORMAL|TRANSITION|CHAOTIC]\n"
    "        [--transition X] [--qty Q] [--dry-run]            stop, targets, size; opens a trade\n"
    "  trail TRADE_ID --price P [--high H] [--low L] [--ts TS] trail an open trade\n"
    "  close TRADE_ID --price P [--ts TS]                      close an open trade\n"
    "        (trail/close: --symbol S sends X-Symbol for a proxy that routes by symbol)\n"
    "  trades [--symbol S] [--status open|closed] [--limit N]  list trades\n"
    "  health                                                  service and database state\n"
    "\n"
    "options:\n"
    "  --url URL   service address (env LIQ_URL, default http://127.0.0.1:8080)\n"
    "  --key KEY   bearer key for writes (env LIQ_API_KEY)\n"
    "  --json      print the server's JSON answer instead of a table\n"
    "\n"
    "exit codes: 0 ok, 1 the server refused, 2 usage error, 3 cannot connect\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("liqctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\nTry 'liqctl --help'.\n", stderr);
    va_end(ap);
    return EXIT_USAGE;
}

/* --- buffers and HTTP ----------------------------------------------------------------- */

static int buf_add(struct buf *b, const void *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL)
            return -1;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    return buf_add(ud, p, size * n) == 0 ? size * n : 0;
}

/* One exchange. Returns EXIT_OK with the answer filled (any HTTP status), or EXIT_CONNECT
 * when no HTTP answer came (message printed). */
static int http(struct client *c, const char *method, const char *path, const char *type,
                const char *body, size_t len, struct answer *out)
{
    char url[2048];
    snprintf(url, sizeof url, "%s%s", c->url, path);
    out->status = 0;
    out->body.len = 0;
    if (out->body.p != NULL)
        out->body.p[0] = '\0';
    curl_easy_reset(c->curl);
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &out->body);
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, 600L);
    curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "liqctl/1");
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    h = curl_slist_append(h, "Accept: application/json");
    char line[256];
    if (type != NULL) {
        snprintf(line, sizeof line, "Content-Type: %s", type);
        h = curl_slist_append(h, line);
    }
    if (c->key != NULL && c->key[0]) {
        snprintf(line, sizeof line, "Authorization: Bearer %s", c->key);
        h = curl_slist_append(h, line);
    }
    if (c->symbol != NULL && c->symbol[0]) {
        snprintf(line, sizeof line, "X-Symbol: %.200s", c->symbol);
        h = curl_slist_append(h, line);
    }
    curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, h);
    if (body != NULL) {
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    CURLcode rc = curl_easy_perform(c->curl);
    curl_slist_free_all(h);
    if (rc != CURLE_OK) {
        fprintf(stderr, "liqctl: cannot reach %s: %s\n", c->url, curl_easy_strerror(rc));
        return EXIT_CONNECT;
    }
    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &out->status);
    return EXIT_OK;
}

/* Prints the server's error ("liqctl: 422 invalid_bars: 1 invalid bar(s)...") and returns
 * EXIT_REFUSED. */
static int refused(const struct answer *a, const char *what)
{
    json_t *j = json_loads(a->body.p ? a->body.p : "", 0, NULL);
    json_t *e = json_object_get(j, "error");
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *msg = json_string_value(json_object_get(e, "message"));
    if (code != NULL && msg != NULL) {
        fprintf(stderr, "liqctl: %s: %ld %s: %s\n", what, a->status, code, msg);
        json_t *d = json_object_get(e, "details");
        if (json_is_object(d) || json_is_array(d)) {
            char *ds = json_dumps(d, JSON_COMPACT);
            if (ds != NULL && strlen(ds) < 600)
                fprintf(stderr, "  details: %s\n", ds);
            free(ds);
        }
    } else {
        fprintf(stderr, "liqctl: %s: HTTP %ld: %.300s\n", what, a->status,
                a->body.p ? a->body.p : "");
    }
    json_decref(j);
    return EXIT_REFUSED;
}

/* GET/POST and parse: EXIT_OK with *out (caller decrefs), or an exit code (printed). */
static int call_json(struct client *c, const char *method, const char *path, const char *body,
                     const char *what, json_t **out)
{
    struct answer a = {0};
    *out = NULL;
    int rc = http(c, method, path, body ? "application/json" : NULL, body,
                  body ? strlen(body) : 0, &a);
    if (rc == EXIT_OK && (a.status < 200 || a.status > 299))
        rc = refused(&a, what);
    if (rc == EXIT_OK) {
        json_error_t err;
        *out = json_loads(a.body.p ? a.body.p : "", 0, &err);
        if (*out == NULL) {
            fprintf(stderr, "liqctl: %s: the answer is not JSON: %s\n", what, err.text);
            rc = EXIT_REFUSED;
        } else if (c->json) {
            printf("%s\n", a.body.p);
        }
    }
    free(a.body.p);
    return rc;
}

/* Decimals of symbol's prices: one more than its pip's (GET /symbols: EURUSD pip 0.0001
 * -> 5, USDJPY 0.01 -> 3, NIFTY 0.05 -> 3); -1 when unknown (then %.10g). */
static int price_decimals(struct client *c, const char *symbol)
{
    struct answer a = {0};
    int d = -1;
    if (http(c, "GET", "/symbols", NULL, NULL, 0, &a) == EXIT_OK && a.status == 200) {
        json_t *j = json_loads(a.body.p ? a.body.p : "", 0, NULL);
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(j, "symbols"), i, s) {
            const char *name = json_string_value(json_object_get(s, "symbol"));
            double pip = json_number_value(json_object_get(s, "pip_size"));
            if (name != NULL && strcmp(name, symbol) == 0 && pip > 0) {
                d = (int)lround(-log10(pip)) + 1;
                d = d < 0 ? 0 : (d > 8 ? 8 : d);
            }
        }
        json_decref(j);
    }
    free(a.body.p);
    return d;
}

/* A price with d decimals (or %.10g when d < 0), right-aligned in width. */
static void print_price(int width, int d, double v)
{
    if (d >= 0)
        printf("%*.*f", width, d, v);
    else
        printf("%*.10g", width, v);
}

/* --- arguments ------------------------------------------------------------------------ */

struct args {
    int argc;
    char **argv;
    int i;
};

/* Parses a finite number or fails with a usage message. */
static int parse_number(const char *opt, const char *v, double *out)
{
    char *end = NULL;
    errno = 0;
    double d = strtod(v, &end);
    if (end == v || *end != '\0' || errno || !isfinite(d))
        return usage_error("%s expects a number, got '%s'", opt, v);
    *out = d;
    return EXIT_OK;
}

static int opt_value(struct args *a, const char **out)
{
    if (a->i + 1 >= a->argc)
        return usage_error("option %s needs a value", a->argv[a->i]);
    *out = a->argv[++a->i];
    return EXIT_OK;
}

/* Appends key=value to a query string being built (value URL-escaped). */
static void query_add(CURL *curl, char *q, size_t qlen, const char *key, const char *value)
{
    if (value == NULL)
        return;
    char *esc = curl_easy_escape(curl, value, 0);
    size_t n = strlen(q);
    snprintf(q + n, qlen - n, "%s%s=%s", strchr(q, '?') ? "&" : "?", key, esc ? esc : "");
    curl_free(esc);
}

/* --- import ----------------------------------------------------------------------------- */

struct progress {
    double t0, last_draw;
    long long bytes_total, bytes_done;
    long long accepted, duplicates, lines;
    int tty;
};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void progress_draw(struct progress *p, int final)
{
    if (!p->tty)
        return;
    double t = now_s();
    if (!final && t - p->last_draw < 0.1)
        return;
    p->last_draw = t;
    double frac = p->bytes_total > 0 ? (double)p->bytes_done / (double)p->bytes_total : 1.0;
    double el = t - p->t0;
    double rate = el > 0 ? (double)p->lines / el : 0;
    double eta = frac > 0 && frac < 1 ? el * (1 - frac) / frac : 0;
    char bar[31];
    int fill = (int)(frac * 30);
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r[%s] %3.0f%%  %lld bars  %.0f bars/s  ETA %02d:%02d ", bar, frac * 100,
            p->lines, rate, (int)eta / 60, (int)eta % 60);
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
}

/* A CSV's first line is a header when it does not start like a date or a number. */
static int is_header(const char *line)
{
    while (*line == ' ' || *line == '"' || *line == '\xef' || *line == '\xbb' || *line == '\xbf')
        line++;
    return !(*line >= '0' && *line <= '9');
}

static int send_batch(struct client *c, const char *path, struct buf *batch,
                      long long first_line, struct progress *p)
{
    struct answer a = {0};
    int rc = http(c, "POST", path, "text/csv", batch->p, batch->len, &a);
    if (rc == EXIT_OK && a.status != 200) {
        if (p->tty)
            fputc('\n', stderr);
        char what[96];
        snprintf(what, sizeof what, "batch starting at line %lld", first_line);
        rc = refused(&a, what);
        fprintf(stderr, "liqctl: stopped; %lld bars before line %lld were committed\n",
                p->accepted + p->duplicates, first_line);
    } else if (rc == EXIT_OK) {
        json_t *j = json_loads(a.body.p, 0, NULL);
        p->accepted += json_integer_value(json_object_get(j, "accepted"));
        p->duplicates += json_integer_value(json_object_get(j, "duplicates"));
        json_decref(j);
    }
    free(a.body.p);
    return rc;
}

static int cmd_import(struct client *c, struct args *a)
{
    const char *file = NULL, *symbol = NULL, *tf = NULL;
    long batch_lines = 5000;
    for (; a->i < a->argc; a->i++) {
        const char *arg = a->argv[a->i], *v = NULL;
        int rc = EXIT_OK;
        if (strcmp(arg, "--symbol") == 0)
            rc = opt_value(a, &symbol);
        else if (strcmp(arg, "--timeframe") == 0)
            rc = opt_value(a, &tf);
        else if (strcmp(arg, "--batch") == 0) {
            rc = opt_value(a, &v);
            if (rc == EXIT_OK && ((batch_lines = strtol(v, NULL, 10)) < 1 || batch_lines > 1000000))
                return usage_error("--batch expects 1..1000000 lines");
        } else if (arg[0] == '-' && arg[1])
            return usage_error("import: unknown option '%s'", arg);
        else if (file == NULL)
            file = arg;
        else
            return usage_error("import: one file at a time ('%s' is extra)", arg);
        if (rc != EXIT_OK)
            return rc;
    }
    if (file == NULL || symbol == NULL || tf == NULL)
        return usage_error("import needs FILE.csv --symbol S --timeframe TF");
    FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
    if (f == NULL) {
        fprintf(stderr, "liqctl: cannot open %s: %s\n", file, strerror(errno));
        return EXIT_USAGE;
    }
    struct stat st;
    struct progress p = {.t0 = now_s(), .tty = isatty(STDERR_FILENO)};
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode))
        p.bytes_total = st.st_size;
    char path[256] = "/bars";
    query_add(c->curl, path, sizeof path, "symbol", symbol);
    c->symbol = symbol;
    query_add(c->curl, path, sizeof path, "timeframe", tf);

    struct buf header = {0}, batch = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long in_batch = 0;
    long long lineno = 0, batch_first = 0;
    int rc = EXIT_OK;
    while (rc == EXIT_OK && (n = getline(&line, &cap, f)) > 0) {
        lineno++;
        p.bytes_done += n;
        if (lineno == 1 && is_header(line)) {
            if (buf_add(&header, line, (size_t)n) != 0)
                rc = EXIT_REFUSED;
            continue;
        }
        if (n == 1 || (n == 2 && line[0] == '\r'))
            continue; /* blank line */
        if (in_batch == 0) {
            batch.len = 0;
            batch_first = lineno;
            if (header.len && buf_add(&batch, header.p, header.len) != 0)
                rc = EXIT_REFUSED;
        }
        if (buf_add(&batch, line, (size_t)n) != 0)
            rc = EXIT_REFUSED;
        if (line[n - 1] != '\n' && buf_add(&batch, "\n", 1) != 0)
            rc = EXIT_REFUSED;
        in_batch++;
        p.lines++;
        if (rc == EXIT_OK && in_batch == batch_lines) {
            rc = send_batch(c, path, &batch, batch_first, &p);
            in_batch = 0;
            progress_draw(&p, 0);
        }
    }
    if (rc == EXIT_OK && in_batch > 0)
        rc = send_batch(c, path, &batch, batch_first, &p);
    if (rc == EXIT_OK && ferror(f)) {
        fprintf(stderr, "liqctl: reading %s: %s\n", file, strerror(errno));
        rc = EXIT_USAGE;
    }
    if (rc == EXIT_OK)
        progress_draw(&p, 1);
    free(line);
    free(header.p);
    free(batch.p);
    if (f != stdin)
        fclose(f);
    if (rc != EXIT_OK)
        return rc;
    double el = now_s() - p.t0;
    if (c->json)
        printf("{\"accepted\":%lld,\"duplicates\":%lld,\"seconds\":%.3f}\n", p.accepted,
               p.duplicates, el);
    else
        printf("imported %s into %s %s: %lld new bars, %lld duplicates, %lld lines in %.1f s "
               "(%.0f bars/s)\n",
               file, symbol, tf, p.accepted, p.duplicates, p.lines, el,
               el > 0 ? (double)p.lines / el : 0.0);
    return EXIT_OK;
}

/* --- zones ------------------------------------------------------------------------------ */

static double num(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

/* A drawn zone's second line: kind, the bar it is drawn from, when it became known, when it
 * was mitigated (docs/sources.md "Drawn sources"). */
static void print_drawn(const json_t *d)
{
    if (!json_is_object(d))
        return;
    const char *mit = json_string_value(json_object_get(d, "mitigated_ts"));
    printf("%-12s %s  drawn from %s  confirmed %s  mitigated %s",
           "", json_string_value(json_object_get(d, "kind")),
           json_string_value(json_object_get(d, "drawn_from_ts")),
           json_string_value(json_object_get(d, "confirmed_ts")), mit ? mit : "-");
    double share = num(d, "volume_share");
    if (share > 0)
        printf("  volume share %.2f", share);
    printf("\n");
}

static int cmd_zones(struct client *c, struct args *a)
{
    const char *symbol = NULL, *price = NULL, *side = NULL, *limit = NULL, *source = NULL;
    const char *active = NULL;
    for (; a->i < a->argc; a->i++) {
        const char *arg = a->argv[a->i];
        int rc = EXIT_OK;
        double d;
        if (strcmp(arg, "--price") == 0) {
            rc = opt_value(a, &price);
            if (rc == EXIT_OK)
                rc = parse_number("--price", price, &d);
        } else if (strcmp(arg, "--side") == 0) {
            rc = opt_value(a, &side);
        } else if (strcmp(arg, "--source") == 0) {
            rc = opt_value(a, &source);
        } else if (strcmp(arg, "--active") == 0) {
            rc = opt_value(a, &active);
        } else if (strcmp(arg, "--limit") == 0) {
            rc = opt_value(a, &limit);
        } else if (arg[0] == '-' && arg[1]) {
            return usage_error("zones: unknown option '%s'", arg);
        } else if (symbol == NULL) {
            symbol = arg;
        } else {
            return usage_error("zones: one symbol at a time ('%s' is extra)", arg);
        }
        if (rc != EXIT_OK)
            return rc;
    }
    if (symbol == NULL)
        return usage_error("zones needs a SYMBOL");
    char path[512] = "/zones";
    query_add(c->curl, path, sizeof path, "symbol", symbol);
    c->symbol = symbol;
    query_add(c->curl, path, sizeof path, "price", price);
    query_add(c->curl, path, sizeof path, "side", side);
    query_add(c->curl, path, sizeof path, "source", source);
    query_add(c->curl, path, sizeof path, "active", active);
    query_add(c->curl, path, sizeof path, "limit", limit ? limit : "20");
    json_t *j = NULL;
    int rc = call_json(c, "GET", path, NULL, "zones", &j);
    if (rc != EXIT_OK || c->json) {
        json_decref(j);
        return rc;
    }
    json_t *zones = json_object_get(j, "zones");
    int d = price_decimals(c, symbol);
    printf("%s  price ", symbol);
    print_price(0, d, num(j, "price"));
    printf("  %zu zone(s)  as of %s\n", json_array_size(zones),
           json_string_value(json_object_get(j, "as_of")) ?: "-");
    printf("%-12s %-10s %12s %12s %9s %5s %5s %5s %5s %6s  %s\n", "ID", "ROLE", "LOW", "HIGH",
           "DISTANCE", "STR", "HOLD", "BREAK", "SWEEP", "TESTS", "SOURCES");
    size_t i;
    json_t *z;
    json_array_foreach(zones, i, z) {
        char sources[256] = "";
        size_t k;
        json_t *s;
        json_array_foreach(json_object_get(z, "sources"), k, s) {
            size_t n = strlen(sources);
            snprintf(sources + n, sizeof sources - n, "%s%s", k ? "," : "", json_string_value(s));
        }
        printf("%-12s %-10s ", json_string_value(json_object_get(z, "id")),
               json_string_value(json_object_get(z, "role")));
        print_price(12, d, num(z, "price_low"));
        print_price(13, d, num(z, "price_high"));
        print_price(10, d, num(z, "distance"));
        printf(" %5.2f %5.2f %5.2f %5.2f %6lld  %s\n", num(z, "strength"), num(z, "prob_hold"),
               num(z, "prob_break"), num(z, "prob_sweep"),
               (long long)json_integer_value(json_object_get(z, "tests")), sources);
        print_drawn(json_object_get(z, "drawn"));
    }
    json_decref(j);
    return EXIT_OK;
}

/* --- setup, trail, close, trades ------------------------------------------------------ */

static void print_level(const char *name, const json_t *l)
{
    if (!json_is_object(l)) {
        printf("  %-6s -\n", name);
        return;
    }
    const char *zone = json_string_value(json_object_get(l, "zone_id"));
    printf("  %-6s %.10g", name, num(l, "price"));
    if (json_object_get(l, "rr"))
        printf("  rr %.2f", num(l, "rr"));
    printf("  zone %s", zone ? zone : "-");
    if (json_is_true(json_object_get(l, "fallback")))
        printf("  (fallback distance)");
    printf("\n");
}

static int cmd_setup(struct client *c, struct args *a)
{
    const char *symbol = NULL, *side = NULL, *regime = "NORMAL";
    double entry = NAN, trend = 0.5, transition = 0, qty = NAN;
    int dry = 0;
    for (; a->i < a->argc; a->i++) {
        const char *arg = a->argv[a->i], *v = NULL;
        int rc = EXIT_OK;
        if (strcmp(arg, "--entry") == 0) {
            if ((rc = opt_value(a, &v)) == EXIT_OK)
                rc = parse_number(arg, v, &entry);
        } else if (strcmp(arg, "--trend") == 0) {
            if ((rc = opt_value(a, &v)) == EXIT_OK)
                rc = parse_number(arg, v, &trend);
        } else if (strcmp(arg, "--transition") == 0) {
            if ((rc = opt_value(a, &v)) == EXIT_OK)
                rc = parse_number(arg, v, &transition);
        } else if (strcmp(arg, "--qty") == 0) {
            if ((rc = opt_value(a, &v)) == EXIT_OK)
                rc = parse_number(arg, v, &qty);
        } else if (strcmp(arg, "--regime") == 0) {
            rc = opt_value(a, &regime);
        } else if (strcmp(arg, "--dry-run") == 0) {
            dry = 1;
        } else if (arg[0] == '-' && arg[1]) {
            return usage_error("setup: unknown option '%s'", arg);
        } else if (symbol == NULL) {
            symbol = arg;
        } else if (side == NULL) {
            side = arg;
        } else {
            return usage_error("setup: unexpected argument '%s'", arg);
        }
        if (rc != EXIT_OK)
            return rc;
    }
    if (symbol == NULL || side == NULL || isnan(entry))
        return usage_error("setup needs SYMBOL BUY|SELL --entry PRICE");
    if (strcmp(side, "BUY") != 0 && strcmp(side, "SELL") != 0)
        return usage_error("setup: side must be BUY or SELL, not '%s'", side);
    c->symbol = symbol;
    json_t *req = json_pack("{s:s, s:s, s:f, s:f, s:s, s:f}", "symbol", symbol, "side", side,
                            "entry", entry, "trend_score", trend, "regime_mode", regime,
                            "regime_transition_strength", transition);
    if (req != NULL && !isnan(qty))
        json_object_set_new(req, "qty", json_real(qty));
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (body == NULL)
        return EXIT_REFUSED;
    json_t *j = NULL;
    int rc = call_json(c, "POST", dry ? "/setups?dry_run=true" : "/setups", body, "setup", &j);
    free(body);
    if (rc != EXIT_OK || c->json) {
        json_decref(j);
        return rc;
    }
    json_t *tid = json_object_get(j, "trade_id");
    if (json_is_integer(tid))
        printf("trade %lld opened: %s %s at %.10g\n", (long long)json_integer_value(tid), side,
               symbol, entry);
    else
        printf("dry run: %s %s at %.10g (nothing opened)\n", side, symbol, entry);
    print_level("stop", json_object_get(j, "stop"));
    print_level("tp1", json_object_get(j, "tp1"));
    print_level("tp2", json_object_get(j, "tp2"));
    json_t *runner = json_object_get(j, "runner");
    printf("  runner %s  %s\n", json_is_true(json_object_get(runner, "enabled")) ? "on" : "off",
           json_string_value(json_object_get(runner, "reason")) ?: "");
    size_t i;
    json_t *leg;
    printf("  legs  ");
    json_array_foreach(json_object_get(j, "legs"), i, leg)
        printf(" %s %.0f%%", json_string_value(json_object_get(leg, "name")),
               100 * num(leg, "fraction"));
    printf("\n  risk   x%.3f\n", num(json_object_get(j, "risk"), "multiplier"));
    printf("  exit   %s  p_tp1_first %.3f  expected_r %+.3f R\n",
           json_string_value(json_object_get(j, "exit_method")) ?: "?", num(j, "p_tp1_first"),
           num(j, "expected_r"));
    json_decref(j);
    return EXIT_OK;
}

static int trade_id_arg(const char *v, char *out, size_t outlen)
{
    char *end = NULL;
    unsigned long long id = strtoull(v, &end, 10);
    if (end == v || *end != '\0' || id == 0)
        return usage_error("a TRADE_ID is a positive integer, got '%s'", v);
    snprintf(out, outlen, "%llu", id);
    return EXIT_OK;
}

static int cmd_trail(struct client *c, struct args *a, int close)
{
    char id[24] = "";
    const char *ts = NULL;
    double price = NAN, high = NAN, low = NAN;
    for (; a->i < a->argc; a->i++) {
        const char *arg = a->argv[a->i], *v = NULL;
        int rc = EXIT_OK;
        if (strcmp(arg, "--price") == 0) {
            if ((rc = opt_value(a, &v)) == EXIT_OK)
                rc = parse_number(arg, v, &price);
        } else if (!close && strcmp(arg, "--high") == 0) {
            if ((rc = opt_value(a, &v)) == EXIT_OK)
                rc = parse_number(arg, v, &high);
        } else if (!close && strcmp(arg, "--low") == 0) {
            if ((rc = opt_value(a, &v)) == EXIT_OK)
                rc = parse_number(arg, v, &low);
        } else if (strcmp(arg, "--ts") == 0) {
            rc = opt_value(a, &ts);
        } else if (strcmp(arg, "--symbol") == 0) {
            rc = opt_value(a, &c->symbol); /* only routed by: the trade id decides */
        } else if (arg[0] == '-' && arg[1]) {
            return usage_error("%s: unknown option '%s'", close ? "close" : "trail", arg);
        } else if (id[0] == '\0') {
            rc = trade_id_arg(arg, id, sizeof id);
        } else {
            return usage_error("unexpected argument '%s'", arg);
        }
        if (rc != EXIT_OK)
            return rc;
    }
    if (id[0] == '\0' || isnan(price))
        return usage_error("%s needs TRADE_ID --price P", close ? "close" : "trail");
    json_t *req = json_pack("{s:f}", "price", price);
    if (req != NULL && !close) {
        json_object_set_new(req, "high", json_real(isnan(high) ? price : high));
        json_object_set_new(req, "low", json_real(isnan(low) ? price : low));
    }
    if (req != NULL && ts != NULL)
        json_object_set_new(req, "ts", json_string(ts));
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (body == NULL)
        return EXIT_REFUSED;
    char path[96];
    snprintf(path, sizeof path, close ? "/trades/%s/close" : "/trades/%s/trail", id);
    json_t *j = NULL;
    int rc = call_json(c, close ? "POST" : "PATCH", path, body, close ? "close" : "trail", &j);
    free(body);
    if (rc != EXIT_OK || c->json) {
        json_decref(j);
        return rc;
    }
    printf("trade %s %s  stop %.10g  remaining %.0f%%\n", id,
           json_string_value(json_object_get(j, "status")) ?: "?", num(j, "stop_price"),
           100 * num(j, "remaining_fraction"));
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(j, "events"), i, e)
        printf("  %-17s %.10g\n", json_string_value(json_object_get(e, "type")) ?: "?",
               num(e, "price"));
    json_decref(j);
    return EXIT_OK;
}

static void print_opt_number(const json_t *o, const char *k)
{
    const json_t *v = json_object_get(o, k);
    if (json_is_number(v))
        printf(" %11.10g", json_number_value(v));
    else
        printf(" %11s", "-");
}

static int cmd_trades(struct client *c, struct args *a)
{
    const char *symbol = NULL, *status = NULL, *limit = NULL;
    for (; a->i < a->argc; a->i++) {
        const char *arg = a->argv[a->i];
        int rc = EXIT_OK;
        if (strcmp(arg, "--symbol") == 0)
            rc = opt_value(a, &symbol);
        else if (strcmp(arg, "--status") == 0)
            rc = opt_value(a, &status);
        else if (strcmp(arg, "--limit") == 0)
            rc = opt_value(a, &limit);
        else
            return usage_error("trades: unexpected argument '%s'", arg);
        if (rc != EXIT_OK)
            return rc;
    }
    char path[256] = "/trades";
    query_add(c->curl, path, sizeof path, "symbol", symbol);
    c->symbol = symbol;
    query_add(c->curl, path, sizeof path, "status", status);
    query_add(c->curl, path, sizeof path, "limit", limit);
    json_t *j = NULL;
    int rc = call_json(c, "GET", path, NULL, "trades", &j);
    if (rc != EXIT_OK || c->json) {
        json_decref(j);
        return rc;
    }
    json_t *trades = json_object_get(j, "trades");
    printf("%8s %-10s %-4s %-6s %11s %11s %11s %11s %5s\n", "ID", "SYMBOL", "SIDE", "STATUS",
           "ENTRY", "STOP", "TP1", "TP2", "LEFT");
    size_t i;
    json_t *t;
    json_array_foreach(trades, i, t) {
        printf("%8lld %-10s %-4s %-6s", (long long)json_integer_value(json_object_get(t, "trade_id")),
               json_string_value(json_object_get(t, "symbol")) ?: "?",
               json_string_value(json_object_get(t, "side")) ?: "?",
               json_string_value(json_object_get(t, "status")) ?: "?");
        print_opt_number(t, "entry");
        print_opt_number(t, "stop_price");
        print_opt_number(t, "tp1");
        print_opt_number(t, "tp2");
        printf(" %4.0f%%\n", 100 * num(t, "remaining_fraction"));
    }
    printf("%zu trade(s)\n", json_array_size(trades));
    json_decref(j);
    return EXIT_OK;
}

/* GET /health as a table (a 503 "degraded" or "draining" answer is shown, exit 1):
 *   STATUS    DATABASE  SYMBOLS  PERSISTENCE
 *   ok        up              3  true */
static int cmd_health(struct client *c)
{
    struct answer a = {0};
    int rc = http(c, "GET", "/health", NULL, NULL, 0, &a);
    if (rc != EXIT_OK) {
        free(a.body.p);
        return rc;
    }
    rc = a.status == 200 ? EXIT_OK : EXIT_REFUSED;
    json_t *j = a.body.p ? json_loads(a.body.p, 0, NULL) : NULL;
    if (c->json || j == NULL) {
        printf("%s\n", a.body.p ? a.body.p : "");
    } else {
        printf("%-9s %-9s %7s  %s\n", "STATUS", "DATABASE", "SYMBOLS", "PERSISTENCE");
        printf("%-9s %-9s %7lld  %s\n",
               json_string_value(json_object_get(j, "status")) ?: "?",
               json_string_value(json_object_get(j, "database")) ?: "?",
               (long long)json_integer_value(json_object_get(j, "symbols")),
               json_is_true(json_object_get(j, "persistence")) ? "true" : "false");
    }
    json_decref(j);
    free(a.body.p);
    return rc;
}

/* --- main ------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    struct client c = {.key = getenv("LIQ_API_KEY")};
    const char *url = getenv("LIQ_URL");
    struct args a = {argc, argv, 1};
    for (; a.i < argc && argv[a.i][0] == '-'; a.i++) {
        const char *arg = argv[a.i];
        int rc = EXIT_OK;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            fputs(USAGE, stdout);
            return EXIT_OK;
        } else if (strcmp(arg, "--url") == 0) {
            rc = opt_value(&a, &url);
        } else if (strcmp(arg, "--key") == 0) {
            rc = opt_value(&a, &c.key);
        } else if (strcmp(arg, "--json") == 0) {
            c.json = 1;
        } else {
            return usage_error("unknown option '%s'", arg);
        }
        if (rc != EXIT_OK)
            return rc;
    }
    if (a.i >= argc)
        return usage_error("missing COMMAND");
    snprintf(c.url, sizeof c.url, "%s", url && url[0] ? url : "http://127.0.0.1:8080");
    size_t ul = strlen(c.url);
    while (ul > 0 && c.url[ul - 1] == '/')
        c.url[--ul] = '\0';
    const char *cmd = argv[a.i++];
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || (c.curl = curl_easy_init()) == NULL) {
        fprintf(stderr, "liqctl: cannot initialise libcurl\n");
        return EXIT_CONNECT;
    }
    int rc;
    if (strcmp(cmd, "import") == 0)
        rc = cmd_import(&c, &a);
    else if (strcmp(cmd, "zones") == 0)
        rc = cmd_zones(&c, &a);
    else if (strcmp(cmd, "setup") == 0)
        rc = cmd_setup(&c, &a);
    else if (strcmp(cmd, "trail") == 0)
        rc = cmd_trail(&c, &a, 0);
    else if (strcmp(cmd, "close") == 0)
        rc = cmd_trail(&c, &a, 1);
    else if (strcmp(cmd, "trades") == 0)
        rc = cmd_trades(&c, &a);
    else if (strcmp(cmd, "health") == 0)
        rc = cmd_health(&c);
    else
        rc = usage_error("unknown command '%s'", cmd);
    curl_easy_cleanup(c.curl);
    curl_global_cleanup();
    return rc;
}
