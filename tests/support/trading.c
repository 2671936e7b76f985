/*
 * trading.c - see trading.h.
 */
#include "tests/support/trading.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void support_post_bars(const struct app *a, const char *symbol, const struct bar *bars,
                       size_t from, size_t to)
{
    for (size_t i = from; i < to; i += 2000) {
        size_t end = i + 2000 < to ? i + 2000 : to;
        char *json = harness_bars_json(symbol, "M15", bars, i, end);
        struct http_reply r = http_post_json(a, "/bars", json);
        cr_assert_eq(r.status, 200, "%s", r.body);
        http_free(&r);
        free(json);
    }
}

long support_open_trade(const struct app *a, const char *symbol, double entry)
{
    static const char *const sides[] = {"BUY", "SELL"};
    for (int k = 0; k < 2; k++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"symbol\":\"%s\",\"side\":\"%s\",\"entry\":%.5f,\"trend_score\":0.9,"
                 "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}", symbol,
                 sides[k], entry);
        struct http_reply r = http_post_json(a, "/setups", body);
        cr_assert(r.status == 201 || r.status == 422, "%ld %s", r.status, r.body);
        long id = 0;
        if (r.status == 201) {
            json_t *j = http_json(&r);
            id = (long)json_integer_value(json_object_get(j, "trade_id"));
            json_decref(j);
        }
        http_free(&r);
        if (id)
            return id;
    }
    return 0;
}

struct http_reply support_trail(const struct app *a, long id, const struct bar *b, long ts)
{
    char path[64], body[200];
    snprintf(path, sizeof path, "/trades/%ld/trail", id);
    int n = snprintf(body, sizeof body, "{\"price\":%.5f,\"high\":%.5f,\"low\":%.5f", b->close,
                     b->high, b->low);
    if (ts > 0)
        n += snprintf(body + n, sizeof body - (size_t)n, ",\"ts\":%ld", ts);
    snprintf(body + n, sizeof body - (size_t)n, "}");
    return http_do(a, "PATCH", path, "application/json", body, strlen(body));
}
