/*
 * router.c - the route table (method, path pattern, metrics name, handler, write flag, query
 * parameters) and the lookup of a request's route in it. Adding an endpoint is adding a row
 * here (and to openapi.yaml); adding a query parameter is adding a row to its route's Q_
 * table (api/guard.h): the one authority for query parameters - the guard checks and parses
 * them before the handler runs, and the handler reads the parsed values (rq_param...). The metrics keep one slot per row, so the table's size is checked
 * against ROUTE_SLOTS when this file compiles. A HEAD request is routed as its GET.
 */
#include <stdio.h>
#include <string.h>

#include "api/guard.h"
#include "api/handlers.h"

/* --- query parameters of each route (api/guard.h; openapi.yaml says the same) -------- */

#define ENUM(...) .kind = QP_ENUM, .values = (const char *const[]){__VA_ARGS__, NULL}
#define SYMBOL {.name = "symbol", .kind = QP_SYMBOL, .max_len = 64, .required = 1}
#define LIMIT(hi) {.name = "limit", .kind = QP_INT, .min = 1, .max = (hi)}
#define PRICE {.name = "price", .kind = QP_NUMBER, .min = 0, .exclusive_min = 1, .max = 1e12}
/* the bodies of a bar file (POST /bars): these parameters only come with one */
#define FILES .media = (const char *const[]){"text/csv", "text/tab-separated-values", \
                                             "text/plain", NULL}
static const char *const BAR_BODIES[] = {"application/json", "text/csv",
                                         "text/tab-separated-values", "text/plain", NULL};

static const struct query_param Q_BARS_POST[] = {
    {.name = "symbol", .kind = QP_TEXT, .max_len = 64, FILES},
    {.name = "timeframe", .kind = QP_TEXT, .max_len = 8, FILES},
    {.name = "tz", .kind = QP_TEXT, .max_len = 64, FILES},
    {.name = "inconsistent", ENUM("reject", "repair", "skip"), FILES},
    {.name = "replace", ENUM("true", "false")}, {0}};
static const struct query_param Q_ZONES[] = {
    SYMBOL, {.name = "side", ENUM("above", "below")}, PRICE,
    {.name = "min_strength", .kind = QP_NUMBER, .min = 0, .max = 1},
    {.name = "source", .kind = QP_TEXT, .max_len = 32},
    {.name = "active", ENUM("true", "false", "all")}, LIMIT(10000), {0}};
static const struct query_param Q_NEAREST[] = {SYMBOL, PRICE, {0}};
static const struct query_param Q_SETUPS[] = {{.name = "dry_run", ENUM("true", "false")}, {0}};
static const struct query_param Q_TRADES[] = {
    {.name = "symbol", .kind = QP_SYMBOL, .max_len = 64},
    {.name = "status", ENUM("open", "closed")}, LIMIT(10000), {0}};
static const struct query_param Q_REPORTS[] = {
    SYMBOL, {.name = "period", ENUM("daily", "weekly"), .required = 1}, LIMIT(10000), {0}};
static const struct query_param Q_SYMBOL_DELETE[] = {{.name = "force", ENUM("true", "false")},
                                                     {0}};
static const struct query_param Q_BARS_GET[] = {
    SYMBOL, LIMIT(100000), {.name = "from", .kind = QP_TEXT, .max_len = 40},
    {.name = "to", .kind = QP_TEXT, .max_len = 40}, {.name = "cursor", .kind = QP_TEXT}, {0}};
static const struct query_param Q_DASHBOARD[] = {
    {.name = "symbol", .kind = QP_TEXT, .max_len = 64},
    {.name = "limit", .kind = QP_TEXT, .max_len = 16},
    {.name = "refresh", .kind = QP_TEXT, .max_len = 16}, {0}};

/* each table fits the parsed values a request keeps (struct request's q[]) */
#define FITS(t) _Static_assert(sizeof t / sizeof t[0] - 1 <= ROUTE_MAX_QUERY, #t " too long")
FITS(Q_BARS_POST);
FITS(Q_ZONES);
FITS(Q_NEAREST);
FITS(Q_SETUPS);
FITS(Q_TRADES);
FITS(Q_REPORTS);
FITS(Q_SYMBOL_DELETE);
FITS(Q_BARS_GET);
FITS(Q_DASHBOARD);

const struct route ROUTES[] = {
    {.method = "POST", .pattern = "/bars",
     .name = "bars_post", .fn = bars_post, .write = 1, .query = Q_BARS_POST,
     .bodies = BAR_BODIES},
    {.method = "GET", .pattern = "/zones",
     .name = "zones_list", .fn = zones_list, .query = Q_ZONES},
    {.method = "GET", .pattern = "/zones/nearest",
     .name = "zones_nearest", .fn = zones_nearest, .query = Q_NEAREST},
    {.method = "GET", .pattern = "/zones/{id}",
     .name = "zones_get", .fn = zones_get},
    {.method = "POST", .pattern = "/setups",
     .name = "setups_post", .fn = setups_post, .write = 1, .query = Q_SETUPS},
    {.method = "PATCH", .pattern = "/trades/{id}/trail",
     .name = "trades_trail", .fn = trades_trail, .write = 1},
    {.method = "POST", .pattern = "/trades/{id}/close",
     .name = "trades_close", .fn = trades_close, .write = 1},
    {.method = "GET", .pattern = "/trades/{id}",
     .name = "trades_get", .fn = trades_get},
    {.method = "GET", .pattern = "/trades",
     .name = "trades_list", .fn = trades_list, .query = Q_TRADES},
    {.method = "GET", .pattern = "/reports/liquidity",
     .name = "reports_liquidity", .fn = reports_liquidity, .query = Q_REPORTS},
    {.method = "GET", .pattern = "/symbols",
     .name = "symbols", .fn = ops_symbols},
    {.method = "DELETE", .pattern = "/symbols/{symbol}",
     .name = "symbols_delete", .fn = symbols_delete, .write = 1, .query = Q_SYMBOL_DELETE},
    {.method = "GET", .pattern = "/symbols/{symbol}/evidence",
     .name = "symbols_evidence", .fn = symbols_evidence},
    {.method = "GET", .pattern = "/health",
     .name = "health", .fn = ops_health},
    {.method = "GET", .pattern = "/metrics",
     .name = "metrics", .fn = ops_metrics},
    {.method = "GET", .pattern = "/bars",
     .name = "bars_get", .fn = bars_get, .query = Q_BARS_GET},
    {.method = "GET", .pattern = "/dashboard",
     .name = "dashboard", .fn = dashboard_get, .query = Q_DASHBOARD},
    {.method = "GET", .pattern = "/dashboard/{file}",
     .name = "dashboard_asset", .fn = dashboard_get},
    {.method = "GET", .pattern = "/dashboard/vendor/{file}",
     .name = "dashboard_vendor", .fn = dashboard_get},
};

const int ROUTE_COUNT = sizeof ROUTES / sizeof ROUTES[0];

/* api/metrics.c counts every route and one more for "unmatched" requests. */
_Static_assert(sizeof ROUTES / sizeof ROUTES[0] < ROUTE_SLOTS,
               "the route table outgrew ROUTE_SLOTS (api/http.h)");

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

int route_find(struct request *rq, int *path_known, char *allow, size_t allowlen)
{
    *path_known = 0;
    allow[0] = '\0';
    int found = -1;
    rq->head = strcmp(rq->method, "HEAD") == 0;
    const char *method = rq->head ? "GET" : rq->method;
    for (int i = 0; i < ROUTE_COUNT; i++) {
        if (!match(ROUTES[i].pattern, rq->path, rq))
            continue;
        if (strcmp(ROUTES[i].method, method) == 0 && found < 0)
            found = i;
        *path_known = 1;
        size_t n = strlen(allow);
        int get = strcmp(ROUTES[i].method, "GET") == 0;
        snprintf(allow + n, allowlen - n, "%s%s%s", n ? ", " : "", ROUTES[i].method,
                 get ? ", HEAD" : "");
    }
    if (*path_known) {
        size_t n = strlen(allow);
        snprintf(allow + n, allowlen - n, ", OPTIONS");
    }
    if (found >= 0)
        match(ROUTES[found].pattern, rq->path, rq); /* captures of the chosen route */
    return found;
}
