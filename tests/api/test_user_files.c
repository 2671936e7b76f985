/*
 * Real users' files and daily workflows (issue 14): brokers' symbols, /symbols in order,
 * GET /bars time ranges and pages, DELETE /symbols/{symbol}, uploads as brokers write them.
 * Each test runs the service in-process on port 0 against its own database.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/harness.h"

/* n M15 bars of symbol from 2022-10-10 00:00Z around price, as a JSON array. */
static char *bars_json(const char *symbol, double price, size_t n)
{
    struct bar *b = calloc(n, sizeof *b);
    cr_assert_not_null(b);
    for (size_t i = 0; i < n; i++) {
        double o = price * (1 + 0.0004 * (double)(i % 7) - 0.0012);
        b[i] = (struct bar){.ts = 1665360000 + (int64_t)i * 900, .open = o,
                            .high = o * 1.0008, .low = o * 0.9993, .close = o * 1.0002,
                            .volume = 10};
    }
    char *j = harness_bars_json(symbol, "M15", b, 0, n);
    free(b);
    return j;
}

static void post_ok(const struct app *a, const char *symbol, double price, size_t n)
{
    char *j = bars_json(symbol, price, n);
    struct http_reply r = http_post_json(a, "/bars", j);
    cr_assert_eq(r.status, 200, "%s: %s", symbol, r.body);
    http_free(&r);
    free(j);
}

Test(user_files, brokers_symbols_keep_their_case_and_list_sorted, .timeout = 60)
{
    char url[512];
    harness_db("liq_t_broker_symbols", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    struct app *a = harness_start(&cfg);
    post_ok(a, "XAUUSDm", 1905.3, 8);
    post_ok(a, "USDJPY.r", 145.2, 8);
    post_ok(a, "EURUSD.pro", 1.05, 8);
    post_ok(a, "EURUSD", 1.05, 8);
    char *low = bars_json("xauusd", 1905.3, 2);
    struct http_reply r = http_post_json(a, "/bars", low);
    cr_assert_eq(r.status, 422, "%s", r.body);
    http_free(&r);
    free(low);

    r = http_get(a, "/symbols");
    json_t *j = http_json(&r);
    json_t *list = json_object_get(j, "symbols");
    const char *want[] = {"EURUSD", "EURUSD.pro", "USDJPY.r", "XAUUSDm"};
    cr_assert_eq(json_array_size(list), 4, "%s", r.body);
    for (size_t i = 0; i < 4; i++) {
        json_t *s = json_array_get(list, i);
        cr_assert_str_eq(json_string_value(json_object_get(s, "symbol")), want[i], "%s", r.body);
    }
    /* EURUSD.pro trades in the configured EURUSD's units, not an inferred pip */
    json_t *pro = json_array_get(list, 1);
    cr_assert_float_eq(json_number_value(json_object_get(pro, "pip_size")), 0.0001, 1e-15);
    cr_assert(json_is_false(json_object_get(pro, "pip_size_inferred")));
    json_decref(j);
    http_free(&r);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM symbols WHERE symbol IN "
                                       "('XAUUSDm','USDJPY.r','EURUSD.pro')"), 3);
    app_stop(a);
}
