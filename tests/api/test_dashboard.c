/*
 * test_dashboard.c - GET /bars (the candles) and GET /dashboard with its embedded assets.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/harness.h"

static struct app *start_with_bars(size_t nbars, struct bar **bars_out)
{
    struct app_config cfg;
    harness_config(&cfg, NULL); /* persistence off: GET /bars reads memory only */
    struct app *a = harness_start(&cfg);
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    char *json = harness_bars_json("EURUSD", "M15", bars, 0, nbars);
    struct http_reply r = http_post_json(a, "/bars", json);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    free(json);
    *bars_out = bars;
    return a;
}

Test(bars_get, latest_bars_oldest_first_in_the_wire_format)
{
    struct bar *bars = NULL;
    struct app *a = start_with_bars(1000, &bars);
    struct http_reply r = http_get(a, "/bars?symbol=EURUSD&limit=3");
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *j = http_json(&r);
    cr_assert_str_eq(json_string_value(json_object_get(j, "timeframe")), "M15");
    cr_assert_eq(json_integer_value(json_object_get(j, "count")), 3);
    json_t *arr = json_object_get(j, "bars");
    cr_assert_eq(json_array_size(arr), 3);
    json_t *last = json_array_get(arr, 2);
    cr_assert_float_eq(json_number_value(json_object_get(last, "close")), bars[999].close, 1e-12);
    cr_assert_float_eq(json_number_value(json_object_get(json_array_get(arr, 0), "open")),
                       bars[997].open, 1e-12);
    cr_assert_str_eq(json_string_value(json_object_get(last, "symbol")), "EURUSD");
    json_decref(j);
    http_free(&r);
    /* more than stored: all of them; default 500 */
    r = http_get(a, "/bars?symbol=EURUSD&limit=5000");
    j = http_json(&r);
    cr_assert_eq(json_integer_value(json_object_get(j, "count")), 1000);
    json_decref(j);
    http_free(&r);
    r = http_get(a, "/bars?symbol=EURUSD");
    j = http_json(&r);
    cr_assert_eq(json_integer_value(json_object_get(j, "count")), 500);
    json_decref(j);
    http_free(&r);
    free(bars);
    app_stop(a);
}

Test(bars_get, unknown_or_invalid_symbol_and_limit)
{
    struct bar *bars = NULL;
    struct app *a = start_with_bars(10, &bars);
    struct http_reply r = http_get(a, "/bars?symbol=GBPUSD");
    cr_assert_eq(r.status, 404);
    http_free(&r);
    r = http_get(a, "/bars?symbol=eur;x");
    cr_assert_eq(r.status, 422);
    http_free(&r);
    r = http_get(a, "/bars?symbol=EURUSD&limit=0");
    cr_assert_eq(r.status, 422);
    http_free(&r);
    free(bars);
    app_stop(a);
}

Test(dashboard, page_and_assets_are_served_from_the_binary)
{
    struct bar *bars = NULL;
    struct app *a = start_with_bars(10, &bars);
    struct http_reply r = http_get(a, "/dashboard");
    cr_assert_eq(r.status, 200);
    cr_assert_not_null(strstr(r.body, "<div id=\"chart\""));
    cr_assert_not_null(strstr(r.body, "/dashboard/vendor/lightweight-charts.standalone.production.js"));
    http_free(&r);
    r = http_get(a, "/dashboard/app.js");
    cr_assert_eq(r.status, 200);
    cr_assert_not_null(strstr(r.body, "attachPrimitive"));
    http_free(&r);
    r = http_get(a, "/dashboard/style.css");
    cr_assert_eq(r.status, 200);
    http_free(&r);
    r = http_get(a, "/dashboard/vendor/lightweight-charts.standalone.production.js");
    cr_assert_eq(r.status, 200);
    cr_assert_gt(r.len, 100000);
    cr_assert_not_null(strstr(r.body, "TradingView Lightweight Charts"));
    http_free(&r);
    r = http_get(a, "/dashboard/nope.js");
    cr_assert_eq(r.status, 404);
    http_free(&r);
    r = http_get(a, "/dashboard/vendor/LICENSE.lightweight-charts");
    cr_assert_eq(r.status, 404, "only .html/.js/.css are embedded");
    http_free(&r);
    free(bars);
    app_stop(a);
}
