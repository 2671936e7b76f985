/*
 * Statements that fail inside a transaction (issue 16 item 8: the error paths of storage/
 * and of the service/ code that commits). The database stays up; one table at a time is
 * made to refuse writes (a statement trigger raising an exception, as a violated constraint
 * would) or to vanish for reads (renamed away and back), while the service is running.
 * Every write that touches the failing table answers 503 with a JSON error and a
 * Retry-After and leaves NOTHING behind: the rows of the other tables written before the
 * failing statement in the same transaction are rolled back, the in-memory state (zones,
 * open trades) is the one before. Once the fault is lifted the same request succeeds. Then
 * every session of the service is killed (pg_terminate_backend) and it reconnects by
 * itself; and a restart with a table gone refuses to start instead of serving a half
 * restored state. While the database refuses connections altogether, every request that
 * needs it answers 503 and the ones served from memory still answer.
 */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/harness.h"
#include "tests/support/spawn.h"

#define DB "t_storage_faults"
#define NBARS 6000

static char g_url[512];

/* On the test's own database. */
static void sql(const char *text)
{
    harness_sql_exec(g_url, text);
}

/* On the server's maintenance database (ALTER DATABASE, pg_terminate_backend). */
static void admin(const char *text)
{
    harness_sql_exec(getenv("LIQ_DATABASE_URL"), text);
}

/* Writes to table fail from now on (every INSERT, UPDATE, DELETE and COPY statement). */
static void fault_on(const char *table)
{
    char text[512];
    snprintf(text, sizeof text,
             "CREATE TRIGGER injected_fault BEFORE INSERT OR UPDATE OR DELETE ON %s "
             "FOR EACH STATEMENT EXECUTE FUNCTION injected_fault()", table);
    sql(text);
}

static void fault_off(const char *table)
{
    char text[256];
    snprintf(text, sizeof text, "DROP TRIGGER injected_fault ON %s", table);
    sql(text);
}

static long count_of(const char *table)
{
    char text[256];
    snprintf(text, sizeof text, "SELECT count(*) FROM %s", table);
    return harness_sql_long(g_url, text);
}

/* The row counts of every table a request may write. */
static const char *const TABLES[] = {
    "symbols", "bars", "liquidity_levels", "zone_events", "liquidity_trades",
    "stop_decisions", "target_selections", "trade_events", "runner_events",
    "liquidity_level_stats", "idempotency_keys",
};
#define NTABLES (sizeof TABLES / sizeof TABLES[0])

static void counts(long out[NTABLES])
{
    for (size_t i = 0; i < NTABLES; i++)
        out[i] = count_of(TABLES[i]);
}

static void expect_same_counts(const long before[NTABLES], const char *what)
{
    long now[NTABLES];
    counts(now);
    for (size_t i = 0; i < NTABLES; i++)
        cr_expect_eq(now[i], before[i], "%s left rows behind in %s: %ld -> %ld", what,
                     TABLES[i], before[i], now[i]);
}

/* r is a 503 with a JSON error and a Retry-After; frees r. */
static void expect_unavailable(struct http_reply *r, const char *what)
{
    cr_expect_eq(r->status, 503, "%s: %ld %s", what, r->status, r->body);
    cr_expect_neq(r->retry_after[0], '\0', "%s: 503 without Retry-After", what);
    json_t *j = json_loads(r->body, 0, NULL);
    cr_expect_not_null(json_object_get(json_object_get(j, "error"), "code"), "%s: %s", what,
                       r->body);
    json_decref(j);
    http_free(r);
}

/* expect_unavailable for a read: its message speaks of an answer, not of a commit or of
 * nothing changed (a read changes nothing either way). */
static void expect_unavailable_read(struct http_reply *r, const char *what)
{
    json_t *j = json_loads(r->body ? r->body : "", 0, NULL);
    const char *msg =
        json_string_value(json_object_get(json_object_get(j, "error"), "message"));
    cr_expect(msg != NULL && strstr(msg, "commit") == NULL &&
                  strstr(msg, "nothing was changed") == NULL && strstr(msg, "retry later"),
              "%s: a read's 503 speaks of a write: %s", what, r->body);
    json_decref(j);
    expect_unavailable(r, what);
}

static struct http_reply post_bars(struct app *a, const char *symbol, const struct bar *bars,
                                   size_t from, size_t to)
{
    char *json = harness_bars_json(symbol, "M15", bars, from, to);
    struct http_reply r = http_post_json(a, "/bars", json);
    free(json);
    return r;
}

static char *body_of(struct app *a, const char *path, long want)
{
    struct http_reply r = http_get(a, path);
    cr_assert_eq(r.status, want, "GET %s: %ld %s", path, r.status, r.body);
    return r.body;
}

static char *setup_body(const char *side, double entry)
{
    char *b = NULL;
    cr_assert_geq(asprintf(&b, "{\"symbol\":\"EURUSD\",\"side\":\"%s\",\"entry\":%.5f,"
                               "\"trend_score\":0.9,\"regime_mode\":\"NORMAL\","
                               "\"regime_transition_strength\":0}", side, entry), 0);
    return b;
}

/* Posts bars (from *end on, 20 at a time) until a dry-run setup at the last close is
 * accepted; that setup's body (malloc'd). */
static char *acceptable_setup(struct app *a, const struct bar *bars, size_t *end)
{
    static const char *const sides[] = {"BUY", "SELL"};
    for (; *end < NBARS + 4000; *end += 20) {
        struct http_reply r = post_bars(a, "EURUSD", bars, *end, *end + 20);
        cr_assert_eq(r.status, 200, "%s", r.body);
        http_free(&r);
        for (int k = 0; k < 2; k++) {
            char *b = setup_body(sides[k], bars[*end + 19].close);
            r = http_post_json(a, "/setups?dry_run=true", b);
            cr_assert(r.status == 200 || r.status == 422, "%ld %s", r.status, r.body);
            long st = r.status;
            http_free(&r);
            if (st == 200) {
                *end += 20;
                return b;
            }
            free(b);
        }
    }
    cr_assert_fail("no setup accepted");
    return NULL;
}

static long trade_id_of(struct http_reply *r)
{
    json_t *j = http_json(r);
    long id = (long)json_integer_value(json_object_get(j, "trade_id"));
    json_decref(j);
    http_free(r);
    return id;
}

static struct http_reply trail(struct app *a, long id, const struct bar *b, long ts)
{
    char path[64], body[200];
    snprintf(path, sizeof path, "/trades/%ld/trail", id);
    snprintf(body, sizeof body, "{\"price\":%.5f,\"high\":%.5f,\"low\":%.5f,\"ts\":%ld}",
             b->close, b->high, b->low, ts);
    return http_do(a, "PATCH", path, "application/json", body, strlen(body));
}

static struct app *start(void)
{
    struct app_config cfg;
    harness_config(&cfg, g_url);
    cfg.params.min_rr_ratio = 0.5;
    cfg.params.min_liquidity_strength = 0.05;
    return harness_start(&cfg);
}

/* A replace (delete from the batch's first bar, insert, rebuild) and an Idempotency-Key
 * stored with the bars: failing either way changes nothing; the replace of the last 100
 * bars by themselves, done, gives back the same zones. */
static void replace_and_key_faults(struct app *a, const struct bar *bars, size_t end)
{
    const char *zpath = "/zones?symbol=EURUSD&active=all&limit=500";
    char *zones = body_of(a, zpath, 200);
    long before[NTABLES];
    counts(before);
    char *json = harness_bars_json("EURUSD", "M15", bars, end - 100, end);
    fault_on("bars");
    struct http_reply r = http_post_json(a, "/bars?replace=true", json);
    expect_unavailable(&r, "replace, bars");
    fault_off("bars");
    fault_on("zone_events");
    r = http_post_json(a, "/bars?replace=true", json);
    expect_unavailable(&r, "replace, zone_events");
    fault_off("zone_events");
    expect_same_counts(before, "replace");
    char *now = body_of(a, zpath, 200);
    cr_expect_str_eq(now, zones, "a failed replace changed the zones");
    free(now);
    r = http_post_json(a, "/bars?replace=true", json);
    cr_expect_eq(r.status, 200, "%s", r.body);
    json_t *j = json_loads(r.body, 0, NULL);
    cr_expect_eq(json_integer_value(json_object_get(j, "replaced")), 100, "%s", r.body);
    json_decref(j);
    http_free(&r);
    cr_expect_eq(count_of("bars"), before[1]);
    now = body_of(a, zpath, 200);
    cr_expect_str_eq(now, zones, "the same bars replaced by themselves changed the zones");
    free(now);
    free(json);

    json = harness_bars_json("EURUSD", "M15", bars, end, end + 50);
    counts(before);
    fault_on("idempotency_keys");
    r = http_do_with(a, "POST", "/bars", "application/json", json, strlen(json),
                     "Idempotency-Key: h18-bars-1");
    expect_unavailable(&r, "bars with an Idempotency-Key");
    fault_off("idempotency_keys");
    expect_same_counts(before, "bars with an Idempotency-Key");
    now = body_of(a, zpath, 200);
    cr_expect_str_eq(now, zones, "bars whose key failed changed the zones");
    free(now);
    free(json);
    free(zones);
}

/* Bars: the COPY, the zone upserts and the zone events of one request are one commit. */
static void bars_faults(struct app *a, const struct bar *bars, size_t *end)
{
    static const char *const tables[] = {"bars", "liquidity_levels", "zone_events"};
    char *zones = body_of(a, "/zones?symbol=EURUSD&active=all&limit=500", 200);
    long before[NTABLES];
    counts(before);
    for (int i = 0; i < 3; i++) {
        fault_on(tables[i]);
        /* 300 bars: zones are created, touched and retired in it */
        struct http_reply r = post_bars(a, "EURUSD", bars, *end, *end + 300);
        expect_unavailable(&r, tables[i]);
        fault_off(tables[i]);
        expect_same_counts(before, tables[i]);
        char *now = body_of(a, "/zones?symbol=EURUSD&active=all&limit=500", 200);
        cr_expect_str_eq(now, zones, "the zones changed by a POST /bars that failed on %s",
                         tables[i]);
        free(now);
    }
    free(zones);
    struct http_reply r = post_bars(a, "EURUSD", bars, *end, *end + 300);
    cr_assert_eq(r.status, 200, "after the faults: %s", r.body);
    json_t *j = http_json(&r);
    cr_expect_eq(json_integer_value(json_object_get(j, "accepted")), 300, "%s", r.body);
    json_decref(j);
    http_free(&r);
    cr_expect_eq(count_of("bars"), before[1] + 300);
    *end += 300;

    replace_and_key_faults(a, bars, *end);

    /* a new symbol: nothing of it is stored nor served when its first write fails */
    fault_on("symbols");
    r = post_bars(a, "FAULTY", bars, 0, 50);
    expect_unavailable(&r, "symbols");
    fault_off("symbols");
    cr_expect_eq(harness_sql_long(g_url, "SELECT count(*) FROM bars WHERE symbol = 'FAULTY'"),
                 0);
    char *list = body_of(a, "/symbols", 200);
    cr_expect_null(strstr(list, "\"FAULTY\""), "a symbol whose first write failed: %s", list);
    free(list);
    r = post_bars(a, "FAULTY", bars, 0, 50);
    cr_expect_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    cr_expect_eq(harness_sql_long(g_url, "SELECT count(*) FROM bars WHERE symbol = 'FAULTY'"),
                 50);
}

/* A setup writes the trade, its stop and target decisions and its "opened" event in one
 * pipeline; with an Idempotency-Key, the key too. */
static long setup_faults(struct app *a, const char *body)
{
    static const char *const tables[] = {"liquidity_trades", "stop_decisions",
                                         "target_selections", "trade_events"};
    long before[NTABLES];
    counts(before);
    char *listed = body_of(a, "/trades?limit=100", 200);
    for (int i = 0; i < 4; i++) {
        fault_on(tables[i]);
        struct http_reply r = http_post_json(a, "/setups", body);
        expect_unavailable(&r, tables[i]);
        fault_off(tables[i]);
        expect_same_counts(before, tables[i]);
    }
    fault_on("idempotency_keys");
    struct http_reply r = http_do_with(a, "POST", "/setups", "application/json", body,
                                       strlen(body), "Idempotency-Key: h18-setup-1");
    expect_unavailable(&r, "idempotency_keys");
    fault_off("idempotency_keys");
    expect_same_counts(before, "idempotency_keys");
    char *now = body_of(a, "/trades?limit=100", 200);
    cr_expect_str_eq(now, listed, "GET /trades changed by setups that failed");
    free(now);
    free(listed);

    r = http_do_with(a, "POST", "/setups", "application/json", body, strlen(body),
                     "Idempotency-Key: h18-setup-1");
    cr_assert_eq(r.status, 201, "%s", r.body);
    long id = trade_id_of(&r);
    cr_expect_eq(count_of("liquidity_trades"), before[4] + 1);
    cr_expect_eq(count_of("idempotency_keys"), before[10] + 1);
    /* the key's stored answer is replayed; reading it back fails without its table */
    sql("ALTER TABLE idempotency_keys RENAME TO idempotency_keys_away");
    r = http_do_with(a, "POST", "/setups", "application/json", body, strlen(body),
                     "Idempotency-Key: h18-setup-1");
    expect_unavailable(&r, "idempotency lookup");
    sql("ALTER TABLE idempotency_keys_away RENAME TO idempotency_keys");
    r = http_do_with(a, "POST", "/setups", "application/json", body, strlen(body),
                     "Idempotency-Key: h18-setup-1");
    cr_assert_eq(r.status, 201, "%s", r.body);
    cr_expect_eq(trade_id_of(&r), id, "the replay names the same trade");
    cr_expect_eq(count_of("liquidity_trades"), before[4] + 1, "the replay opened nothing");
    return id;
}

/* How many trades GET /trades lists, and whether id is one of them. */
static long listed(struct app *a, long id, int *has)
{
    char *list = body_of(a, "/trades?limit=100", 200);
    json_t *j = json_loads(list, 0, NULL);
    json_t *arr = json_object_get(j, "trades");
    *has = 0;
    for (size_t i = 0; i < json_array_size(arr); i++)
        *has |= json_integer_value(json_object_get(json_array_get(arr, i), "trade_id")) == id;
    long n = (long)json_array_size(arr);
    json_decref(j);
    free(list);
    return n;
}

/* A stored trade whose state lost a member: left out of GET /trades, GET /trades/{id} an
 * error (never a trade with a zeroed field); the same trade once the member is back. */
static void corrupt_state(struct app *a, long id, const char *good)
{
    int has = 0;
    long n = listed(a, id, &has);
    cr_assert(has, "trade %ld not listed", id);
    char text[256], path[64];
    snprintf(text, sizeof text, "UPDATE liquidity_trades SET state = (state - 'updates') || "
             "jsonb_build_object('updates_away', state->'updates') WHERE id = %ld", id);
    sql(text);
    cr_expect_eq(listed(a, id, &has), n - 1);
    cr_expect(!has, "a trade whose state does not decode was listed");
    snprintf(path, sizeof path, "/trades/%ld", id);
    struct http_reply r = http_get(a, path);
    cr_expect_geq(r.status, 500, "%ld %s", r.status, r.body);
    cr_expect_not_null(strstr(r.body, "\"error\""), "%s", r.body);
    http_free(&r);
    snprintf(text, sizeof text, "UPDATE liquidity_trades SET state = (state - 'updates_away') "
             "|| jsonb_build_object('updates', state->'updates_away') WHERE id = %ld", id);
    sql(text);
    cr_expect_eq(listed(a, id, &has), n);
    char *back = body_of(a, path, 200);
    cr_expect_str_eq(back, good);
    free(back);
}

/* A trail rewrites the trade row; a close rewrites it and adds its "closed" event. */
static void trade_faults(struct app *a, long id, const struct bar *bars, size_t end)
{
    char path[64], cpath[80], cbody[64];
    snprintf(path, sizeof path, "/trades/%ld", id);
    snprintf(cpath, sizeof cpath, "/trades/%ld/close", id);
    long ts = (long)bars[end - 1].ts + 60;
    char *trade = body_of(a, path, 200);
    long before[NTABLES];
    counts(before);
    fault_on("liquidity_trades");
    struct http_reply r = trail(a, id, &bars[end], ts);
    expect_unavailable(&r, "trail");
    snprintf(cbody, sizeof cbody, "{\"price\":%.5f}", bars[end].close);
    r = http_post_json(a, cpath, cbody);
    expect_unavailable(&r, "close");
    fault_off("liquidity_trades");
    fault_on("trade_events");
    r = http_post_json(a, cpath, cbody);
    expect_unavailable(&r, "close, its event");
    fault_off("trade_events");
    expect_same_counts(before, "trail/close");
    char *now = body_of(a, path, 200);
    cr_expect_str_eq(now, trade, "the trade changed by a trail and closes that failed");
    free(now);
    free(trade);

    r = trail(a, id, &bars[end], ts);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *j = http_json(&r);
    cr_expect(!json_is_true(json_object_get(j, "duplicate")), "the failed trail was applied");
    json_decref(j);
    http_free(&r);

    /* reads that need a table answer 503 while it is gone, and the same after */
    char *open_list = body_of(a, "/trades?status=open", 200);
    sql("ALTER TABLE liquidity_trades RENAME TO liquidity_trades_away");
    r = http_get(a, "/trades?status=open");
    expect_unavailable_read(&r, "GET /trades");
    r = http_get(a, "/trades/999999");
    expect_unavailable_read(&r, "GET /trades/{id}: unknown, not known to be absent");
    sql("ALTER TABLE liquidity_trades_away RENAME TO liquidity_trades");
    char *again = body_of(a, "/trades?status=open", 200);
    cr_expect_str_eq(again, open_list);
    free(again);
    free(open_list);

    r = http_post_json(a, cpath, cbody);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    cr_expect_eq(harness_sql_long(g_url, "SELECT count(*) FROM liquidity_trades "
                                         "WHERE status = 'closed'"), 1);
    sql("ALTER TABLE trade_events RENAME TO trade_events_away");
    r = http_get(a, path);
    expect_unavailable_read(&r, "GET /trades/{id} (closed: from the database)");
    sql("ALTER TABLE trade_events_away RENAME TO trade_events");
    char *closed = body_of(a, path, 200);
    json_t *cj = json_loads(closed, 0, NULL);
    cr_expect_str_eq(json_string_value(json_object_get(cj, "status")), "closed", "%s", closed);
    json_decref(cj);
    corrupt_state(a, id, closed);
    free(closed);
}

/* The path of the first active zone of EURUSD (malloc'd). */
static char *first_zone_path(struct app *a)
{
    char *list = body_of(a, "/zones?symbol=EURUSD&limit=1", 200);
    json_t *j = json_loads(list, 0, NULL);
    json_t *id = json_object_get(json_array_get(json_object_get(j, "zones"), 0), "id");
    cr_assert(json_is_string(id), "%s", list);
    char *path = NULL;
    cr_assert_geq(asprintf(&path, "/zones/%s", json_string_value(id)), 0);
    json_decref(j);
    free(list);
    return path;
}

/* GET /zones/{id}: its history from zone_events; without the table, the zone alone. */
static void zone_history_fault(struct app *a)
{
    char *path = first_zone_path(a);
    char *full = body_of(a, path, 200);
    json_t *j = json_loads(full, 0, NULL);
    cr_expect(json_is_true(json_object_get(j, "history_available")), "%s", full);
    cr_expect_gt(json_array_size(json_object_get(j, "history")), 0, "%s", full);
    json_decref(j);
    sql("ALTER TABLE zone_events RENAME TO zone_events_away");
    char *bare = body_of(a, path, 200);
    j = json_loads(bare, 0, NULL);
    cr_expect(json_is_false(json_object_get(j, "history_available")), "%s", bare);
    cr_expect(json_is_null(json_object_get(j, "history")), "%s", bare);
    cr_expect_eq(json_integer_value(json_object_get(j, "zone_id")) > 0, 1, "%s", bare);
    json_decref(j);
    sql("ALTER TABLE zone_events_away RENAME TO zone_events");
    char *again = body_of(a, path, 200);
    cr_expect_str_eq(again, full);
    free(again);
    free(bare);
    free(full);
    free(path);
}

/* Reports and deletes. */
static void other_faults(struct app *a)
{
    zone_history_fault(a);
    char *rep = body_of(a, "/reports/liquidity?symbol=EURUSD&period=daily", 200);
    sql("ALTER TABLE zone_events RENAME TO zone_events_away");
    struct http_reply r = http_get(a, "/reports/liquidity?symbol=EURUSD&period=daily");
    expect_unavailable_read(&r, "GET /reports/liquidity");
    sql("ALTER TABLE zone_events_away RENAME TO zone_events");
    fault_on("liquidity_reports");
    r = http_get(a, "/reports/liquidity?symbol=EURUSD&period=daily");
    expect_unavailable(&r, "GET /reports/liquidity, its rows not stored");
    fault_off("liquidity_reports");
    char *again = body_of(a, "/reports/liquidity?symbol=EURUSD&period=daily", 200);
    cr_expect_str_eq(again, rep);
    free(again);
    free(rep);

    long bars_before = harness_sql_long(g_url, "SELECT count(*) FROM bars WHERE symbol = "
                                               "'FAULTY'");
    cr_assert_gt(bars_before, 0);
    fault_on("bars");
    r = http_do(a, "DELETE", "/symbols/FAULTY", NULL, NULL, 0);
    expect_unavailable(&r, "DELETE /symbols");
    fault_off("bars");
    cr_expect_eq(harness_sql_long(g_url, "SELECT count(*) FROM bars WHERE symbol = 'FAULTY'"),
                 bars_before, "a failed delete removed bars");
    char *z = body_of(a, "/zones?symbol=FAULTY&active=all", 200);
    free(z);
    r = http_do(a, "DELETE", "/symbols/FAULTY", NULL, NULL, 0);
    cr_expect_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    cr_expect_eq(harness_sql_long(g_url, "SELECT count(*) FROM bars WHERE symbol = 'FAULTY'"),
                 0);
}

/* The service's database refuses connections: every request that needs it answers 503,
 * the reads served from memory still answer; once it opens again everything works. */
static void database_closed(struct app *a, const struct bar *bars, size_t *end, long closed_id)
{
    struct http_reply r = post_bars(a, "DOWNX", bars, 0, 40);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    long before[NTABLES];
    counts(before);
    char *zones = body_of(a, "/zones?symbol=EURUSD&limit=20", 200);
    char *zpath = first_zone_path(a);
    char tpath[64];
    snprintf(tpath, sizeof tpath, "/trades/%ld", closed_id);
    admin("ALTER DATABASE " DB " ALLOW_CONNECTIONS false");
    admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" DB
        "' AND pid <> pg_backend_pid()");

    r = post_bars(a, "EURUSD", bars, *end, *end + 10);
    expect_unavailable(&r, "POST /bars");
    r = post_bars(a, "NEWSYM", bars, 0, 10);
    expect_unavailable(&r, "POST /bars, a new symbol");
    r = http_get(a, "/trades");
    expect_unavailable(&r, "GET /trades");
    r = http_get(a, tpath);
    expect_unavailable(&r, "GET /trades/{id} of a closed trade");
    r = http_get(a, "/reports/liquidity?symbol=EURUSD&period=weekly");
    expect_unavailable(&r, "GET /reports/liquidity");
    r = http_do(a, "DELETE", "/symbols/DOWNX", NULL, NULL, 0);
    expect_unavailable(&r, "DELETE /symbols/DOWNX");
    r = trail(a, 999999, &bars[*end], (long)bars[*end].ts);
    expect_unavailable(&r, "trail of a trade not in memory");
    char *sb = setup_body("BUY", bars[*end - 1].close);
    r = http_do_with(a, "POST", "/setups", "application/json", sb, strlen(sb),
                     "Idempotency-Key: h18-down-1");
    expect_unavailable(&r, "POST /setups with an Idempotency-Key");
    free(sb);
    r = http_get(a, "/health");
    cr_expect_eq(r.status, 503, "%s", r.body);
    http_free(&r);
    /* from memory */
    char *mem = body_of(a, "/zones?symbol=EURUSD&limit=20", 200);
    cr_expect_str_eq(mem, zones);
    free(mem);
    char *bare = body_of(a, zpath, 200);
    cr_expect_not_null(strstr(bare, "\"history_available\":false"), "%s", bare);
    free(bare);

    admin("ALTER DATABASE " DB " ALLOW_CONNECTIONS true");
    expect_same_counts(before, "requests while the database was closed");
    double t0 = spawn_now();
    long st = 0;
    while (spawn_now() - t0 < 30) {
        r = http_get(a, "/health");
        st = r.status;
        http_free(&r);
        if (st == 200)
            break;
        usleep(100000);
    }
    cr_assert_eq(st, 200, "/health not ok 30 s after the database opened again");
    r = http_do(a, "DELETE", "/symbols/DOWNX", NULL, NULL, 0);
    cr_expect_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    char *t = body_of(a, tpath, 200);
    free(t);
    free(zones);
    free(zpath);
}

/* Every session of the service is killed: once the killed sessions are gone, the very next
 * requests reconnect by themselves - none answers 503 (storage/pg.c reads a pooled session
 * before handing it out and replaces one the server ended). */
static void sessions_killed(struct app *a, const struct bar *bars, size_t *end)
{
    long stored = count_of("bars");
    /* the sessions to kill, remembered: the service may open new ones meanwhile */
    admin("DROP TABLE IF EXISTS killed_sessions");
    admin("CREATE TABLE killed_sessions AS SELECT pid FROM pg_stat_activity WHERE datname = '"
          DB "'");
    admin("SELECT pg_terminate_backend(pid) FROM killed_sessions");
    /* pg_terminate_backend only signals: wait until those sessions have really ended */
    double t0 = spawn_now();
    long left = 1;
    while (left > 0 && spawn_now() - t0 < 30) {
        left = harness_sql_long(getenv("LIQ_DATABASE_URL"),
                                "SELECT count(*) FROM pg_stat_activity WHERE pid IN "
                                "(SELECT pid FROM killed_sessions)");
        if (left > 0)
            usleep(20000);
    }
    cr_assert_eq(left, 0, "the killed sessions did not end within 30 s");
    cr_assert_gt(harness_sql_long(getenv("LIQ_DATABASE_URL"),
                                  "SELECT count(*) FROM killed_sessions"), 0,
                 "the service held no session to kill");
    for (int i = 0; i < 5; i++) {
        struct http_reply r = post_bars(a, "EURUSD", bars, *end, *end + 10);
        cr_assert_eq(r.status, 200, "write %d after the sessions were killed: %ld %s", i,
                     r.status, r.body);
        *end += 10;
        http_free(&r);
    }
    cr_expect_eq(count_of("bars"), stored + 50, "acknowledged bars = stored bars");
    /* every worker thread holds its own session: enough reads to reach each of them */
    for (int i = 0; i < 16; i++) {
        char *list = body_of(a, "/trades?limit=5", 200);
        free(list);
    }
}

Test(storage_faults, failing_statements_roll_back_everything_and_recover, .timeout = 600)
{
    harness_db(DB, g_url, sizeof g_url);
    struct app *a = start();
    sql("CREATE FUNCTION injected_fault() RETURNS trigger LANGUAGE plpgsql AS "
        "$$BEGIN RAISE EXCEPTION 'injected fault on %', TG_TABLE_NAME; END$$");
    size_t n;
    struct bar *bars = harness_eurusd(&n);
    for (size_t i = 0; i < NBARS; i += 2000) {
        struct http_reply r = post_bars(a, "EURUSD", bars, i, i + 2000);
        cr_assert_eq(r.status, 200, "%s", r.body);
        http_free(&r);
    }
    size_t end = NBARS;
    bars_faults(a, bars, &end);
    char *body = acceptable_setup(a, bars, &end);
    long id = setup_faults(a, body);
    free(body);
    trade_faults(a, id, bars, end);
    other_faults(a);
    database_closed(a, bars, &end, id);
    sessions_killed(a, bars, &end);
    char *zones = body_of(a, "/zones?symbol=EURUSD&active=all&limit=500", 200);
    app_stop(a);

    /* a restart with a table gone does not serve a half-restored state */
    sql("ALTER TABLE liquidity_level_stats RENAME TO liquidity_level_stats_away");
    struct app_config cfg;
    harness_config(&cfg, g_url);
    cfg.params.min_rr_ratio = 0.5;
    cfg.params.min_liquidity_strength = 0.05;
    char err[256] = "";
    struct app *b = app_start(&cfg, err, sizeof err);
    cr_expect_null(b, "started without its learner table");
    if (b != NULL)
        app_stop(b);
    cr_expect_neq(err[0], '\0');
    sql("ALTER TABLE liquidity_level_stats_away RENAME TO liquidity_level_stats");
    /* and with it back, the restored zones are the ones served before the restart */
    b = start();
    char *restored = body_of(b, "/zones?symbol=EURUSD&active=all&limit=500", 200);
    cr_expect_str_eq(restored, zones, "restore after restart differs");
    free(restored);
    free(zones);
    app_stop(b);
    free(bars);
}
