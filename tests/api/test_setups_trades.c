/*
 * POST /setups, PATCH /trades/{id}/trail, POST /trades/{id}/close, GET /trades against the
 * private PostgreSQL of `scripts/dev test` (DESIGN.md section 2 "Setups", "Trades and
 * trailing", section 3). The zone map is the real one: EURUSD M15 bars are posted until a
 * setup is accepted, so the tests do not depend on the exact zones the engine finds.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/harness.h"

#define DAY 96
#define EPS 1e-9

struct fixture {
    char url[512];
    struct app_config cfg;
    struct app *app;
    struct bar *bars;
    size_t nbars;
    size_t posted;        /* bars[0..posted) are in the service */
};

static void post_bars(struct fixture *f, size_t to)
{
    if (to <= f->posted)
        return;
    char *json = harness_bars_json("EURUSD", "M15", f->bars, f->posted, to);
    struct http_reply r = http_post_json(f->app, "/bars", json);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    free(json);
    f->posted = to;
}

static void start(struct fixture *f, const char *db)
{
    memset(f, 0, sizeof *f);
    harness_db(db, f->url, sizeof f->url);
    harness_config(&f->cfg, f->url);
    f->app = harness_start(&f->cfg);
    f->bars = harness_eurusd(&f->nbars);
}

static void stop(struct fixture *f)
{
    app_stop(f->app);
    free(f->bars);
}

static char *setup_body(const char *side, double entry, double trend, const char *regime)
{
    char *s = NULL;
    cr_assert_geq(asprintf(&s,
                           "{\"symbol\":\"EURUSD\",\"side\":\"%s\",\"entry\":%.5f,"
                           "\"trend_score\":%g,\"regime_mode\":\"%s\","
                           "\"regime_transition_strength\":0.2,\"qty\":100000}",
                           side, entry, trend, regime), 0);
    return s;
}

static struct http_reply post_setup(struct fixture *f, const char *side, double entry,
                                    double trend, const char *regime, int dry)
{
    char *body = setup_body(side, entry, trend, regime);
    struct http_reply r = http_post_json(f->app, dry ? "/setups?dry_run=true" : "/setups", body);
    free(body);
    return r;
}

/* Posts bars until a dry-run setup at the last close is accepted with at least min_legs
 * legs (a TP1 leg below 1 leaves something open after TP1); the side that worked in
 * *side. Returns the entry. Real setups use TREND too. */
#define TREND 0.9
static double find_setup_legs(struct fixture *f, const char **side, size_t min_legs)
{
    static const char *const SIDES[] = {"BUY", "SELL"};
    for (size_t end = 5 * DAY; end < f->nbars; end += 8) {
        post_bars(f, end);
        double entry = f->bars[end - 1].close;
        for (int k = 0; k < 2; k++) {
            struct http_reply r = post_setup(f, SIDES[k], entry, TREND, "NORMAL", 1);
            long status = r.status;
            size_t legs = 0;
            if (status == 200) {
                json_t *j = http_json(&r);
                legs = json_array_size(json_object_get(j, "legs"));
                json_decref(j);
            }
            http_free(&r);
            if (status == 200 && legs >= min_legs) {
                *side = SIDES[k];
                return entry;
            }
            cr_assert(status == 200 || status == 422, "%ld", status);
        }
    }
    cr_assert_fail("no setup was ever accepted");
    return 0;
}

static double find_setup(struct fixture *f, const char **side)
{
    return find_setup_legs(f, side, 1);
}

static long rows(const char *url, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    return harness_sql_long(url, sql);
}

static double num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    cr_assert(json_is_number(v), "%s is not a number", key);
    return json_number_value(v);
}

/* Opens a real trade; returns the setup answer (caller decrefs) and its id. */
static json_t *open_trade(struct fixture *f, const char *side, double entry, long *id)
{
    struct http_reply r = post_setup(f, side, entry, TREND, "NORMAL", 0);
    cr_assert_eq(r.status, 201, "%s", r.body);
    json_t *j = http_json(&r);
    http_free(&r);
    *id = (long)json_integer_value(json_object_get(j, "trade_id"));
    cr_assert_gt(*id, 0);
    return j;
}

static struct http_reply trail(struct fixture *f, long id, double price, double high, double low,
                               long ts)
{
    char path[64], body[256];
    snprintf(path, sizeof path, "/trades/%ld/trail", id);
    if (ts > 0)
        snprintf(body, sizeof body, "{\"price\":%.6f,\"high\":%.6f,\"low\":%.6f,\"ts\":%ld}",
                 price, high, low, ts);
    else
        snprintf(body, sizeof body, "{\"price\":%.6f,\"high\":%.6f,\"low\":%.6f}", price, high,
                 low);
    return http_do(f->app, "PATCH", path, "application/json", body, strlen(body));
}

static json_t *trail_ok(struct fixture *f, long id, double price, double high, double low,
                        long ts)
{
    struct http_reply r = trail(f, id, price, high, low, ts);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *j = http_json(&r);
    http_free(&r);
    return j;
}

static json_t *get_trade(struct fixture *f, long id)
{
    char path[64];
    snprintf(path, sizeof path, "/trades/%ld", id);
    struct http_reply r = http_get(f->app, path);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *j = http_json(&r);
    http_free(&r);
    return j;
}

static int has_event(json_t *events, const char *type)
{
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e) if (strcmp(json_string_value(json_object_get(e, "type")),
                                                type) == 0) return 1;
    return 0;
}

Test(setups, dry_run_stores_nothing_and_a_real_setup_stores_one_row_of_each, .timeout = 120)
{
    struct fixture f;
    start(&f, "t_setups_rows");
    const char *side = NULL;
    double entry = find_setup(&f, &side);
    struct http_reply r = post_setup(&f, side, entry, TREND, "NORMAL", 1);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *j = http_json(&r);
    http_free(&r);
    cr_assert(json_is_null(json_object_get(j, "trade_id")), "a dry run opens nothing");
    cr_assert(json_is_true(json_object_get(j, "dry_run")));
    json_decref(j);
    cr_assert_eq(rows(f.url, "liquidity_trades"), 0);
    cr_assert_eq(rows(f.url, "stop_decisions"), 0);
    cr_assert_eq(rows(f.url, "target_selections"), 0);
    cr_assert_eq(rows(f.url, "trade_events"), 0);

    long id = 0;
    j = open_trade(&f, side, entry, &id);
    int buy = strcmp(side, "BUY") == 0;
    double stop_price = num(json_object_get(j, "stop"), "price");
    double tp1 = num(json_object_get(j, "tp1"), "price");
    cr_assert(buy ? stop_price < entry : stop_price > entry, "stop on the loss side");
    cr_assert(buy ? tp1 > entry : tp1 < entry, "tp1 ahead");
    cr_assert_geq(num(json_object_get(j, "tp1"), "rr"), f.cfg.params.min_rr_ratio - EPS);
    cr_assert_eq(json_integer_value(json_object_get(j, "setup_id")), id);
    double sum = 0, qty = 0;
    size_t i;
    json_t *leg;
    json_array_foreach(json_object_get(j, "legs"), i, leg)
    {
        sum += num(leg, "fraction");
        qty += num(leg, "qty");
    }
    cr_assert_float_eq(sum, 1.0, EPS, "leg fractions sum to 1");
    json_t *risk = json_object_get(j, "risk");
    cr_assert_float_eq(qty, 100000 * num(risk, "multiplier"), 1e-6);
    cr_assert_eq(json_array_size(json_object_get(risk, "factors")), 3);
    cr_assert(json_is_boolean(json_object_get(json_object_get(j, "runner"), "enabled")));
    cr_assert_gt(json_array_size(json_object_get(j, "reasons")), 0);
    json_decref(j);
    cr_assert_eq(rows(f.url, "liquidity_trades"), 1);
    cr_assert_eq(rows(f.url, "stop_decisions"), 1);
    cr_assert_eq(rows(f.url, "target_selections"), 1);
    cr_assert_eq(harness_sql_long(f.url, "SELECT count(*) FROM liquidity_trades "
                                         "WHERE status = 'open' AND remaining_fraction = 1"), 1);

    r = http_get(f.app, "/trades?symbol=EURUSD&status=open");
    cr_assert_eq(r.status, 200, "%s", r.body);
    j = http_json(&r);
    cr_assert_eq(json_array_size(json_object_get(j, "trades")), 1);
    json_decref(j);
    http_free(&r);
    r = http_get(f.app, "/trades?symbol=EURUSD&status=closed");
    j = http_json(&r);
    cr_assert_eq(json_array_size(json_object_get(j, "trades")), 0);
    json_decref(j);
    http_free(&r);
    stop(&f);
}

Test(setups, chaotic_is_refused_with_its_reason_and_stores_nothing, .timeout = 120)
{
    struct fixture f;
    start(&f, "t_setups_chaotic");
    post_bars(&f, 5 * DAY);
    double entry = f.bars[5 * DAY - 1].close;
    for (int dry = 0; dry < 2; dry++) {
        struct http_reply r = post_setup(&f, "BUY", entry, 0.6, "CHAOTIC", dry);
        cr_assert_eq(r.status, 422, "%s", r.body);
        json_t *j = http_json(&r);
        json_t *err = json_object_get(j, "error");
        cr_assert_str_eq(json_string_value(json_object_get(err, "code")), "setup_refused");
        cr_assert(strstr(json_string_value(json_object_get(err, "message")), "CHAOTIC"),
                  "%s", r.body);
        /* refused before any stop was placed: no stop, never one at price 0 */
        cr_assert(json_is_null(json_object_get(json_object_get(err, "details"), "stop")), "%s",
                  r.body);
        json_decref(j);
        http_free(&r);
    }
    cr_assert_eq(rows(f.url, "liquidity_trades"), 0);
    cr_assert_eq(rows(f.url, "stop_decisions"), 0);
    cr_assert_eq(rows(f.url, "target_selections"), 0);
    stop(&f);
}

static void expect_error(struct fixture *f, const char *path, const char *ctype,
                         const char *body, long status, const char *needle)
{
    struct http_reply r = http_do(f->app, "POST", path, ctype, body, strlen(body));
    cr_expect_eq(r.status, status, "%s -> %ld %s", body, r.status, r.body);
    json_t *j = http_json(&r);
    const char *msg = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
    cr_expect(msg && strstr(msg, needle), "%s: message %s lacks '%s'", body, r.body, needle);
    json_decref(j);
    http_free(&r);
}

Test(setups, bad_inputs_are_400_415_422_or_404, .timeout = 120)
{
    struct fixture f;
    start(&f, "t_setups_bad");
    post_bars(&f, 5 * DAY);
    const char *J = "application/json";
    expect_error(&f, "/setups", J, "{\"symbol\":", 400, "not valid JSON");
    expect_error(&f, "/setups", "text/plain", "{}", 415, "application/json");
    expect_error(&f, "/setups", J, "[1,2]", 422, "JSON object");
    expect_error(&f, "/setups", J,
                 "{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"trend_score\":0.6,"
                 "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}",
                 422, "'entry' is required");
    expect_error(&f, "/setups", J,
                 "{\"symbol\":\"EURUSD\",\"side\":\"LONG\",\"entry\":1.1,\"trend_score\":0.6,"
                 "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}",
                 422, "BUY or SELL");
    expect_error(&f, "/setups", J,
                 "{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"entry\":\"1.1\",\"trend_score\":0.6,"
                 "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}",
                 422, "must be a number");
    expect_error(&f, "/setups", J,
                 "{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"entry\":1.1,\"trend_score\":1.5,"
                 "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}",
                 422, "trend_score");
    expect_error(&f, "/setups", J,
                 "{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"entry\":1.1,\"trend_score\":0.5,"
                 "\"regime_mode\":\"CALM\",\"regime_transition_strength\":0}",
                 422, "regime_mode");
    expect_error(&f, "/setups", J,
                 "{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"entry\":1.1,\"trend_score\":0.5,"
                 "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0,\"qty\":-3}",
                 422, "qty");
    expect_error(&f, "/setups", J,
                 "{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"entry\":1.1,\"trend_score\":0.5,"
                 "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0,\"lots\":1}",
                 422, "unknown field 'lots'");
    expect_error(&f, "/setups", J,
                 "{\"symbol\":\"GBPUSD\",\"side\":\"BUY\",\"entry\":1.1,\"trend_score\":0.5,"
                 "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}",
                 404, "no bars");
    expect_error(&f, "/setups?dry_run=maybe", J, "{}", 422, "dry_run");
    cr_assert_eq(rows(f.url, "stop_decisions"), 0);

    /* trade ids */
    struct http_reply r = http_get(f.app, "/trades/abc");
    cr_expect_eq(r.status, 404);
    cr_expect(strstr(r.body, "no such trade"), "%s", r.body);
    http_free(&r);
    r = http_get(f.app, "/trades/0");
    cr_expect_eq(r.status, 404);
    http_free(&r);
    r = http_get(f.app, "/trades/987");
    cr_expect_eq(r.status, 404);
    cr_expect(strstr(r.body, "no such trade"), "%s", r.body);
    http_free(&r);
    r = http_do(f.app, "PATCH", "/trades/987/trail", "application/json",
                "{\"price\":1,\"high\":1,\"low\":1}", 28);
    cr_expect_eq(r.status, 404, "%s", r.body);
    http_free(&r);
    r = http_get(f.app, "/trades?status=pending");
    cr_expect_eq(r.status, 422);
    http_free(&r);
    stop(&f);
}

/* Trails a trade to TP1 with synthetic updates beyond the setup's prices. */
Test(trades, trail_hits_tp1_moves_the_stop_only_forward_and_close_feeds_the_learner,
     .timeout = 120)
{
    struct fixture f;
    start(&f, "t_trades_trail");
    const char *side = NULL;
    double entry = find_setup_legs(&f, &side, 2);
    long id = 0;
    json_t *s = open_trade(&f, side, entry, &id);
    double dir = strcmp(side, "BUY") == 0 ? 1.0 : -1.0;
    double stop0 = num(json_object_get(s, "stop"), "price");
    double tp1 = num(json_object_get(s, "tp1"), "price");
    double f1 = num(json_array_get(json_object_get(s, "legs"), 0), "fraction");
    json_decref(s);
    long ts = (long)f.bars[f.posted - 1].ts;

    /* 1: half-way to TP1, nothing hit */
    double mid = entry + (tp1 - entry) / 2;
    json_t *u = trail_ok(&f, id, mid, fmax(entry, mid), fmin(entry, mid), ts + 900);
    cr_assert_str_eq(json_string_value(json_object_get(u, "status")), "open");
    cr_assert_float_eq(num(u, "remaining_fraction"), 1.0, EPS);
    double stop1 = num(u, "stop_price");
    cr_assert_geq((stop1 - stop0) * dir, -EPS, "the stop never moves against the trade");
    json_decref(u);

    /* 2: TP1 reached without touching the stop; the range stays on the profit side */
    double beyond = tp1 + dir * 0.0003;
    u = trail_ok(&f, id, tp1, fmax(mid, beyond), fmin(mid, beyond), ts + 1800);
    cr_assert(has_event(json_object_get(u, "events"), "tp1_hit"), "%s",
              json_dumps(u, 0));
    double rem = num(u, "remaining_fraction");
    cr_assert_float_eq(rem, 1.0 - f1, EPS, "remaining = 1 - TP1 leg");
    double stop2 = num(u, "stop_price");
    cr_assert_geq((stop2 - stop1) * dir, -EPS);
    json_decref(u);

    /* 3: the same ts again changes nothing */
    u = trail_ok(&f, id, entry, fmax(entry, stop0), fmin(entry, stop0), ts + 1800);
    cr_assert(json_is_true(json_object_get(u, "duplicate")));
    cr_assert_eq(json_array_size(json_object_get(u, "events")), 0);
    cr_assert_float_eq(num(u, "stop_price"), stop2, EPS);
    cr_assert_float_eq(num(u, "remaining_fraction"), rem, EPS);
    json_decref(u);
    cr_assert_eq(harness_sql_long(f.url, "SELECT count(*) FROM trade_events "
                                         "WHERE kind = 'tp1_hit'"), 1);

    /* 4: invalid update: 422, nothing changes */
    struct http_reply r = trail(&f, id, 1.2, 1.1, 1.3, ts + 2700);
    cr_assert_eq(r.status, 422, "%s", r.body);
    http_free(&r);

    /* 5: close by hand; the learner books the zones the trade reached */
    char path[64], body[96];
    snprintf(path, sizeof path, "/trades/%ld/close", id);
    snprintf(body, sizeof body, "{\"price\":%.6f,\"ts\":%ld}", tp1, ts + 2700);
    r = http_post_json(f.app, path, body);
    cr_assert_eq(r.status, 200, "%s", r.body);
    u = http_json(&r);
    http_free(&r);
    cr_assert_str_eq(json_string_value(json_object_get(u, "status")), "closed");
    cr_assert_float_eq(num(u, "remaining_fraction"), 0.0, EPS);
    cr_assert_str_eq(json_string_value(json_object_get(u, "close_reason")), "manual");
    json_decref(u);
    cr_assert_gt(rows(f.url, "liquidity_level_stats"), 0, "the learner wrote its rows");
    r = http_post_json(f.app, path, body);
    cr_assert_eq(r.status, 409, "closing twice: %s", r.body);
    http_free(&r);
    r = trail(&f, id, tp1, tp1, tp1, ts + 3600);
    cr_assert_eq(r.status, 409, "trailing a closed trade: %s", r.body);
    http_free(&r);

    /* 6: the history */
    json_t *t = get_trade(&f, id);
    cr_assert_str_eq(json_string_value(json_object_get(t, "status")), "closed");
    json_t *h = json_object_get(t, "history");
    cr_assert_geq(json_array_size(h), 3);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(h, 0), "type")), "opened");
    cr_assert(has_event(h, "tp1_hit"));
    cr_assert(has_event(h, "closed"));
    double prev = stop0;
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(t, "stop_moves"), i, m)
    {
        double sp = num(m, "stop_price");
        cr_assert_geq((sp - prev) * dir, -EPS, "stop moves only forward");
        prev = sp;
    }
    cr_assert_float_eq(num(json_array_get(h, json_array_size(h) - 1), "remaining"), 0.0, EPS);
    json_decref(t);
    cr_assert_eq(harness_sql_long(f.url, "SELECT count(*) FROM liquidity_trades "
                                         "WHERE status = 'closed'"), 1);
    stop(&f);
}

Test(trades, stop_hit_closes_the_whole_trade, .timeout = 120)
{
    struct fixture f;
    start(&f, "t_trades_stop");
    const char *side = NULL;
    double entry = find_setup(&f, &side);
    long id = 0;
    json_t *s = open_trade(&f, side, entry, &id);
    double dir = strcmp(side, "BUY") == 0 ? 1.0 : -1.0;
    double stop0 = num(json_object_get(s, "stop"), "price");
    json_decref(s);
    double through = stop0 - dir * 0.0005;
    json_t *u = trail_ok(&f, id, stop0, fmax(entry, through), fmin(entry, through), 0);
    cr_assert_str_eq(json_string_value(json_object_get(u, "status")), "closed");
    cr_assert(has_event(json_object_get(u, "events"), "stop_hit"));
    cr_assert_str_eq(json_string_value(json_object_get(u, "close_reason")), "stop_hit");
    cr_assert_float_eq(num(u, "remaining_fraction"), 0.0, EPS);
    cr_assert_lt(num(u, "realised_r"), 0.0);
    json_decref(u);
    cr_assert_eq(harness_sql_long(f.url, "SELECT count(*) FROM liquidity_trades WHERE "
                                         "status = 'closed' AND closed_at IS NOT NULL"), 1);
    stop(&f);
}

/* Two identical trades A and B. B takes update U2 before the restart, A after it: the
 * answers must be the same, field for field, so the restart lost nothing. */
Test(trades, restart_in_the_middle_of_open_trades_continues_exactly, .timeout = 120)
{
    struct fixture f;
    start(&f, "t_trades_restart");
    const char *side = NULL;
    double entry = find_setup_legs(&f, &side, 2);
    long a = 0, b = 0;
    json_t *s = open_trade(&f, side, entry, &a);
    json_decref(s);
    s = open_trade(&f, side, entry, &b);
    double dir = strcmp(side, "BUY") == 0 ? 1.0 : -1.0;
    double tp1 = num(json_object_get(s, "tp1"), "price");
    json_decref(s);
    long ts = (long)f.bars[f.posted - 1].ts;
    double beyond = tp1 + dir * 0.0003;
    json_t *ua = trail_ok(&f, a, tp1, fmax(entry, beyond), fmin(entry, beyond), ts + 900);
    json_t *ub = trail_ok(&f, b, tp1, fmax(entry, beyond), fmin(entry, beyond), ts + 900);
    cr_assert(has_event(json_object_get(ua, "events"), "tp1_hit"));
    json_decref(ua);
    json_decref(ub);
    double next = tp1 + dir * 0.0010;
    json_t *b2 = trail_ok(&f, b, next, fmax(tp1, next), fmin(tp1, next), ts + 1800);
    json_t *before = get_trade(&f, a);

    app_stop(f.app);
    f.app = harness_start(&f.cfg);

    json_t *after = get_trade(&f, a);
    cr_assert(json_equal(before, after), "GET /trades/{id} is the same after the restart");
    json_decref(before);
    json_decref(after);
    /* the old ts is still known: a duplicate */
    json_t *dup = trail_ok(&f, a, entry, entry, entry, ts + 900);
    cr_assert(json_is_true(json_object_get(dup, "duplicate")));
    json_decref(dup);
    json_t *a2 = trail_ok(&f, a, next, fmax(tp1, next), fmin(tp1, next), ts + 1800);
    json_object_del(a2, "trade_id");
    json_object_del(b2, "trade_id");
    char *sa = json_dumps(a2, JSON_SORT_KEYS), *sb = json_dumps(b2, JSON_SORT_KEYS);
    cr_assert_str_eq(sa, sb, "restored trade continues like the one that never restarted");
    free(sa);
    free(sb);
    json_decref(a2);
    json_decref(b2);
    json_t *ta = get_trade(&f, a), *tb = get_trade(&f, b);
    cr_assert_float_eq(num(ta, "stop_price"), num(tb, "stop_price"), 0);
    cr_assert_float_eq(num(ta, "remaining_fraction"), num(tb, "remaining_fraction"), 0);
    cr_assert_eq(json_is_true(json_object_get(ta, "runner_active")),
                 json_is_true(json_object_get(tb, "runner_active")));
    cr_assert_eq(json_is_true(json_object_get(ta, "tp1_hit")), 1);
    json_decref(ta);
    json_decref(tb);
    stop(&f);
}
