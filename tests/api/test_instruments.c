/*
 * Instruments: a symbol the configuration does not name gets a pip size inferred from its
 * price (reported by GET /symbols), and every "pips" setting converts through it, so the
 * same configuration serves EURUSD at 1.05 and an index at 10,500.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/harness.h"

#define DAYS20 (20 * 96)

static json_t *symbol_entry(json_t *symbols, const char *name)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(symbols, "symbols"), i, s) if (
        strcmp(json_string_value(json_object_get(s, "symbol")), name) == 0) return s;
    return NULL;
}

Test(instruments, an_index_scaled_copy_of_eurusd_gets_the_same_zones, .timeout = 60)
{
    struct app_config cfg;
    harness_config(&cfg, NULL);
    cfg.params.liquidity_sources = SRC_ALL;
    struct app *a = harness_start(&cfg);
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    struct bar *idx = malloc(DAYS20 * sizeof *idx);
    cr_assert_not_null(idx);
    for (size_t i = 0; i < DAYS20; i++) {
        idx[i] = bars[i];
        /* 1.05 -> 10500: a pip of 0.0001 becomes a pip of 1 */
        idx[i].open = bars[i].open * 10000;
        idx[i].high = bars[i].high * 10000;
        idx[i].low = bars[i].low * 10000;
        idx[i].close = bars[i].close * 10000;
    }
    char *j1 = harness_bars_json("EURUSD", "M15", bars, 0, DAYS20);
    char *j2 = harness_bars_json("IDX10K", "M15", idx, 0, DAYS20);
    struct http_reply r = http_post_json(a, "/bars", j1);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    r = http_post_json(a, "/bars", j2);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);

    r = http_get(a, "/symbols");
    json_t *sy = http_json(&r);
    json_t *eu = symbol_entry(sy, "EURUSD"), *ix = symbol_entry(sy, "IDX10K");
    cr_assert(eu && ix);
    cr_assert_float_eq(json_number_value(json_object_get(eu, "pip_size")), 0.0001, 1e-12);
    cr_assert(json_is_false(json_object_get(eu, "pip_size_inferred")));
    cr_assert_float_eq(json_number_value(json_object_get(ix, "pip_size")), 1.0, 1e-12);
    cr_assert(json_is_true(json_object_get(ix, "pip_size_inferred")));
    long ze = (long)json_integer_value(json_object_get(eu, "zones"));
    long zi = (long)json_integer_value(json_object_get(ix, "zones"));
    cr_assert_gt(ze, 20);
    /* scaling by 10^4 is not exact in binary floating point: allow a rare borderline
     * comparison to come out the other way */
    cr_assert_leq(labs(ze - zi), ze / 50 + 1, "EURUSD %ld zones, index %ld", ze, zi);
    json_decref(sy);
    http_free(&r);

    /* the same zones, scaled: compare the nearest few on each side of the last close */
    r = http_get(a, "/zones?symbol=EURUSD&limit=6");
    json_t *ze_j = http_json(&r);
    http_free(&r);
    r = http_get(a, "/zones?symbol=IDX10K&limit=6");
    json_t *zi_j = http_json(&r);
    http_free(&r);
    json_t *za = json_object_get(ze_j, "zones"), *zb = json_object_get(zi_j, "zones");
    cr_assert_eq(json_array_size(za), json_array_size(zb));
    for (size_t i = 0; i < json_array_size(za); i++) {
        double pa = json_number_value(json_object_get(json_array_get(za, i), "price"));
        double pb = json_number_value(json_object_get(json_array_get(zb, i), "price"));
        cr_expect(fabs(pa * 10000 - pb) < 1e-6 * pb, "zone %zu: %.5f vs %.2f", i, pa, pb);
    }
    json_decref(ze_j);
    json_decref(zi_j);
    app_stop(a);
    free(j1);
    free(j2);
    free(idx);
    free(bars);
}
