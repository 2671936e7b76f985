/*
 * test_trade_render.c - the public JSON of a trade (api/trade_render.c, GET /trades and
 * GET /trades/{id}): a fully populated closed trade and an open one render exactly the
 * text pinned here (dumped as api/reply.c does; written by the hand-listed renderer before it walked
 * domain/trade_fields.c's table, so the move changed no byte), and every field of the
 * table is either rendered or on the short pinned list of stored-only fields. No server.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/trade_render.h"
#include "domain/trade_fields.h"

static struct trade full_trade(void)
{
    struct trade t;
    memset(&t, 0, sizeof t);
    t.id = 4242;
    t.side = 1;
    t.status = TRADE_CLOSED;
    t.pip = 0.0001;
    t.entry = 1.1;
    t.initial_stop = 1.093;
    t.stop = 1.1005;
    t.stop_zone_id = 7;
    t.buffer_pips = 2;
    t.tp1 = 1.1118;
    t.tp2 = 1.1236;
    t.tp1_zone_id = 9;
    t.tp2_zone_id = 11;
    t.tp1_zone_lo = 1.1115;
    t.tp1_zone_hi = 1.1125;
    t.leg[0] = 0.5;
    t.leg[1] = 0.3;
    t.leg[2] = 0.2;
    t.leg_closed[0] = 1;
    t.leg_closed[1] = 1;
    t.leg_closed[2] = 1;
    t.leg_exit[0] = 1.1118;
    t.leg_exit[1] = 1.1236;
    t.leg_exit[2] = 1.1005;
    t.leg_r[0] = 0.5 * 118 / 70.0;
    t.leg_r[1] = 0.3 * 236 / 70.0;
    t.leg_r[2] = 0.2 * 5 / 70.0;
    t.remaining = 0;
    t.tp1_hit = 1;
    t.tp2_hit = 1;
    t.runner_active = 1;
    t.opened_ts = 1665360000;
    t.last_update_ts = 1665363600;
    t.closed_ts = 1665367200;
    t.updates = 5;
    t.last_price = 1.1005;
    t.close_price = 1.1005;
    t.realised_r = t.leg_r[0] + t.leg_r[1] + t.leg_r[2];
    snprintf(t.close_reason, sizeof t.close_reason, "stop_hit");
    t.zones_dropped = 1;
    return t;
}

/* A SELL, open, TP1 hit, no TP2, runner leg only. */
static struct trade open_trade(void)
{
    struct trade t = full_trade();
    t.id = 17;
    t.side = -1;
    t.status = TRADE_OPEN;
    t.tp2 = 0;
    t.tp2_zone_id = 0;
    t.stop_zone_id = 0;
    t.leg[1] = 0;
    t.leg_closed[1] = 0;
    t.leg_closed[2] = 0;
    t.leg_exit[1] = 0;
    t.leg_exit[2] = 0;
    t.leg_r[1] = 0;
    t.leg_r[2] = 0;
    t.tp2_hit = 0;
    t.runner_active = 0;
    t.remaining = 0.5;
    t.closed_ts = TRADE_TS_NONE;
    t.close_price = 0;
    t.realised_r = t.leg_r[0];
    t.close_reason[0] = '\0';
    return t;
}

static char *render(const struct trade *t)
{
    json_t *j = trade_render_json("EURUSD", t);
    cr_assert_not_null(j);
    char *s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));
    json_decref(j);
    cr_assert_not_null(s);
    return s;
}

static const char CLOSED_JSON[] =
    "{\"trade_id\":4242,\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"status\":\"closed\",\"en"
    "try\":1.1,\"initial_stop\":1.093,\"stop_price\":1.1005,\"stop_zone_id\":\"EURUSD:7\""
    ",\"tp1\":1.1118,\"tp1_zone_id\":\"EURUSD:9\",\"tp2\":1.1236,\"tp2_zone_id\":\"EURUSD"
    ":11\",\"remaining_fraction\":0.0,\"legs\":[{\"name\":\"tp1\",\"fraction\":0.5,\"clos"
    "ed\":true,\"exit_price\":1.1118,\"r\":0.8429},{\"name\":\"tp2\",\"fractio"
    "n\":0.3,\"closed\":true,\"exit_price\":1.1236,\"r\":1.0114},{\"name\":\"ru"
    "nner\",\"fraction\":0.2,\"closed\":true,\"exit_price\":1.1005,\"r\":0.0143}"
    "],\"tp1_hit\":true,\"tp2_hit\":true,\"runner_active\":true,\"realised_r\":1.8686,"
    "\"updates\":5,\"last_price\":1.1005,\"opened_at\":\"2022-10-10T00:00:00Z\",\"last_up"
    "date_at\":\"2022-10-10T01:00:00Z\",\"closed_at\":\"2022-10-10T02:00:00Z\",\"close_pr"
    "ice\":1.1005,\"close_reason\":\"stop_hit\"}";
static const char OPEN_JSON[] =
    "{\"trade_id\":17,\"symbol\":\"EURUSD\",\"side\":\"SELL\",\"status\":\"open\",\"entry"
    "\":1.1,\"initial_stop\":1.093,\"stop_price\":1.1005,\"stop_zone_id\":null,\"tp1\":1."
    "1118,\"tp1_zone_id\":\"EURUSD:9\",\"tp2\":null,\"tp2_zone_id\":null,\"remaining_frac"
    "tion\":0.5,\"legs\":[{\"name\":\"tp1\",\"fraction\":0.5,\"closed\":true,\"exit_price"
    "\":1.1118,\"r\":0.8429},{\"name\":\"runner\",\"fraction\":0.2,\"closed\":"
    "false,\"exit_price\":null,\"r\":0.0}],\"tp1_hit\":true,\"tp2_hit\":false,\"runner_ac"
    "tive\":false,\"realised_r\":0.8429,\"updates\":5,\"last_price\":1.1005,\"opened_at\""
    ":\"2022-10-10T00:00:00Z\",\"last_update_at\":\"2022-10-10T01:00:00Z\",\"closed_at\":"
    "null,\"close_price\":null,\"close_reason\":null}";

Test(trade_render, closed_trade_renders_the_pinned_text)
{
    struct trade t = full_trade();
    char *s = render(&t);
    cr_expect_str_eq(s, CLOSED_JSON);
    free(s);
}

Test(trade_render, open_trade_renders_the_pinned_text)
{
    struct trade t = open_trade();
    char *s = render(&t);
    cr_expect_str_eq(s, OPEN_JSON);
    free(s);
}

/* The members the API does not show, on purpose (internal geometry and bookkeeping). A new
 * row of domain/trade_fields.c is either rendered or added here by hand. */
static const char *const STORED_ONLY[] = {"pip", "buffer_pips", "tp1_zone_lo", "tp1_zone_hi",
                                          "zones_dropped"};

static int stored_only(const char *name)
{
    for (size_t i = 0; i < sizeof STORED_ONLY / sizeof STORED_ONLY[0]; i++)
        if (strcmp(STORED_ONLY[i], name) == 0)
            return 1;
    return 0;
}

Test(trade_render, every_field_of_the_table_is_rendered_or_pinned_stored_only)
{
    struct trade t = full_trade();
    json_t *j = trade_render_json("EURUSD", &t);
    cr_assert_not_null(j);
    size_t shown = 0;
    for (size_t i = 0; i < TRADE_FIELD_COUNT; i++) {
        const struct trade_field *f = &TRADE_FIELDS[i];
        if (f->api == NULL) {
            cr_expect(stored_only(f->name), "%s has no API key and is not pinned stored-only",
                      f->name);
            cr_expect_eq(f->view, TV_STORED_ONLY, "%s", f->name);
            continue;
        }
        shown++;
        cr_expect(!stored_only(f->name), "%s is pinned stored-only but has an API key",
                  f->name);
        cr_expect_not_null(json_object_get(j, f->api), "%s (API key %s) is not rendered",
                           f->name, f->api);
        cr_expect(f->api_pos >= 0 && f->api_pos < TRADE_API_KEYS, "%s", f->name);
        cr_expect_neq(f->api_pos, TRADE_API_SYMBOL_POS, "%s", f->name);
        for (size_t k = 0; k < i; k++) {
            const struct trade_field *g = &TRADE_FIELDS[k];
            if (g->api != NULL && g->api_pos == f->api_pos)
                cr_expect_str_eq(g->api, f->api, "%s and %s share a place", g->name, f->name);
            if (g->api != NULL && strcmp(g->api, f->api) == 0)
                cr_expect_eq(g->api_pos, f->api_pos, "%s has two places", f->api);
        }
    }
    cr_expect_eq(shown + sizeof STORED_ONLY / sizeof STORED_ONLY[0], TRADE_FIELD_COUNT);
    /* trade_id .. close_reason and the symbol: every place filled, nothing else. */
    cr_expect_eq(json_object_size(j), TRADE_API_KEYS);
    cr_expect_str_eq(json_string_value(json_object_get(j, "symbol")), "EURUSD");
    json_decref(j);
}
