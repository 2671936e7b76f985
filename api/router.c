/*
 * router.c - the route table: method, path pattern, metrics name, handler, write flag.
 * Adding an endpoint is adding a row here (and to openapi.yaml).
 */
#include "api/handlers.h"

const struct route ROUTES[] = {
    {"POST", "/bars", "bars_post", bars_post, 1},
    {"GET", "/zones", "zones_list", zones_list, 0},
    {"GET", "/zones/nearest", "zones_nearest", zones_nearest, 0},
    {"GET", "/zones/{id}", "zones_get", zones_get, 0},
    {"POST", "/setups", "setups_post", setups_post, 1},
    {"PATCH", "/trades/{id}/trail", "trades_trail", trades_trail, 1},
    {"POST", "/trades/{id}/close", "trades_close", trades_close, 1},
    {"GET", "/trades/{id}", "trades_get", trades_get, 0},
    {"GET", "/trades", "trades_list", trades_list, 0},
    {"GET", "/reports/liquidity", "reports_liquidity", reports_liquidity, 0},
    {"GET", "/symbols", "symbols", ops_symbols, 0},
    {"GET", "/health", "health", ops_health, 0},
    {"GET", "/metrics", "metrics", ops_metrics, 0},
    {"GET", "/bars", "bars_get", bars_get, 0},
    {"GET", "/dashboard", "dashboard", dashboard_get, 0},
    {"GET", "/dashboard/{file}", "dashboard_asset", dashboard_get, 0},
    {"GET", "/dashboard/vendor/{file}", "dashboard_vendor", dashboard_get, 0},
};

const int ROUTE_COUNT = sizeof ROUTES / sizeof ROUTES[0];
