/*
 * test_scaling.c - the claims of docs/scaling.md that one machine can check: several
 * instances, each owning a disjoint set of symbols, on ONE PostgreSQL database.
 *
 *   - concurrent starts: migrations are applied once, under the advisory lock;
 *   - each instance serves the symbols routed to it, and the rows land in the shared
 *     tables keyed by symbol;
 *   - trade ids come from one sequence, so they never collide across instances;
 *   - ownership: an instance serves a symbol only while it holds the symbol's lease; the
 *     other answers 503 naming the owner, also after a restart (it rebuilds only the
 *     symbols whose lease it could take), and 421 for a symbol outside owned_symbols;
 *   - split brain: two instances configured to own the same symbol, writes sent to both:
 *     exactly one acknowledges, the other answers 503/421, nothing diverges; and a paused
 *     owner whose lease was taken behind its back cannot commit (the fence: 421).
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/hash.h"
#include "service/ownership.h"
#include "storage/migrate.h"
#include "storage/pg.h"
#include "tests/support/harness.h"
#include "tests/support/spawn.h"

static struct app *instance(const char *url)
{
    struct app_config cfg;
    harness_config(&cfg, url);
    cfg.params.min_liquidity_strength = 0.1;
    cfg.handover_idle_ms = 600000; /* reads asking for the other's symbol never move it here */
    cfg.lease_ttl_ms = 600000;     /* no renewal round in the middle of the test */
    cfg.instruments[1] = (struct instrument){.symbol = "GBPUSD", .pip_size = 0.0001};
    cfg.ninstruments = 2;
    return harness_start(&cfg);
}

static void ingest(const struct app *a, const char *symbol, const struct bar *bars, size_t n)
{
    char *json = harness_bars_json(symbol, "M15", bars, 0, n);
    struct http_reply r = http_post_json(a, "/bars", json);
    cr_assert_eq(r.status, 200, "%s: %s", symbol, r.body);
    http_free(&r);
    free(json);
}

static long zones_status(const struct app *a, const char *symbol)
{
    char path[64];
    snprintf(path, sizeof path, "/zones?symbol=%s&limit=3", symbol);
    struct http_reply r = http_get(a, path);
    long st = r.status;
    http_free(&r);
    return st;
}

Test(scaling, concurrent_migrations_apply_once_under_the_advisory_lock)
{
    char url[512];
    harness_db("liq_scaling_migrate", url, sizeof url);
    /* separate processes, as separate instances are: each runs the whole migration */
    pid_t kids[4];
    for (int i = 0; i < 4; i++) {
        kids[i] = fork();
        cr_assert_geq(kids[i], 0);
        if (kids[i] == 0) {
            pg_configure(url);
            int applied = 0;
            char err[256];
            _exit(migrate_apply(&applied, err, sizeof err) == 0 ? 0 : 1);
        }
    }
    for (int i = 0; i < 4; i++) {
        int st = 0;
        cr_assert_eq(waitpid(kids[i], &st, 0), kids[i]);
        cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "instance %d failed to migrate", i);
    }
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM schema_migrations"),
                 MIGRATION_COUNT);
}

Test(scaling, two_instances_with_disjoint_symbols_share_one_database)
{
    char url[512];
    harness_db("liq_scaling_two", url, sizeof url);
    struct app *a = instance(url); /* owns EURUSD */
    struct app *b = instance(url); /* owns GBPUSD: migrations already there */
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM schema_migrations"),
                 MIGRATION_COUNT);
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    ingest(a, "EURUSD", bars, 3000);
    ingest(b, "GBPUSD", bars, 2000); /* the same prices under another name will do */

    cr_assert_eq(zones_status(a, "EURUSD"), 200);
    cr_assert_eq(zones_status(b, "GBPUSD"), 200);
    /* each serves only the symbols whose lease it holds: for the other's, 503 (+ a handover
     * request the busy owner does not grant) */
    cr_assert_eq(zones_status(a, "GBPUSD"), 503);
    cr_assert_eq(zones_status(b, "EURUSD"), 503);
    cr_assert_eq(zones_status(a, "NOSUCH"), 404, "a symbol stored nowhere is still 404");
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars WHERE symbol = 'EURUSD'"), 3000);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars WHERE symbol = 'GBPUSD'"), 2000);
    cr_assert_gt(harness_sql_long(url, "SELECT count(DISTINCT symbol) FROM liquidity_levels"), 1);

    /* trades on both: ids from one sequence, no collision */
    long ids[2] = {0, 0};
    const struct app *who[2] = {a, b};
    const char *sym[2] = {"EURUSD", "GBPUSD"};
    double entry[2] = {bars[2999].close, bars[1999].close};
    for (int i = 0; i < 2; i++) {
        const char *sides[2] = {"BUY", "SELL"};
        for (int s = 0; s < 2 && ids[i] == 0; s++) {
            char body[256];
            snprintf(body, sizeof body,
                     "{\"symbol\":\"%s\",\"side\":\"%s\",\"entry\":%.5f,\"trend_score\":0.7,"
                     "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}",
                     sym[i], sides[s], entry[i]);
            struct http_reply r = http_post_json(who[i], "/setups", body);
            if (r.status == 200 || r.status == 201) {
                json_t *j = http_json(&r);
                ids[i] = (long)json_integer_value(json_object_get(j, "trade_id"));
                json_decref(j);
            }
            http_free(&r);
        }
    }
    cr_assert(ids[0] > 0 && ids[1] > 0, "a setup should open on each instance");
    cr_assert_neq(ids[0], ids[1]);

    /* the fence in the pipelined writes: b's GBPUSD lease taken behind its back, b's next
     * setup and trail of GBPUSD commit nothing (421, then 503 while b gives it up) */
    long trades_before = harness_sql_long(url, "SELECT count(*) FROM liquidity_trades");
    long events_before = harness_sql_long(url, "SELECT count(*) FROM trade_events");
    harness_sql_long(url, "UPDATE symbol_leases SET owner = 'intruder#1', "
                          "token = nextval('lease_token_seq') WHERE symbol = 'GBPUSD' RETURNING 1");
    char body[256];
    snprintf(body, sizeof body,
             "{\"symbol\":\"GBPUSD\",\"side\":\"SELL\",\"entry\":%.5f,\"trend_score\":0.7,"
             "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}", entry[1]);
    struct http_reply r = http_post_json(b, "/setups", body);
    cr_assert_eq(r.status, 421, "a fenced setup: %ld %s", r.status, r.body);
    http_free(&r);
    char path[64];
    snprintf(path, sizeof path, "/trades/%ld/trail", ids[1]);
    snprintf(body, sizeof body, "{\"price\":%.5f,\"high\":%.5f,\"low\":%.5f}", entry[1],
             entry[1], entry[1]);
    r = http_do(b, "PATCH", path, "application/json", body, strlen(body));
    cr_assert(r.status == 421 || r.status == 503, "a trail after the takeover: %ld %s", r.status,
              r.body);
    http_free(&r);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM liquidity_trades"), trades_before);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM trade_events"), events_before);

    /* restart a: it rebuilds the symbols whose lease it can take (its own, released by
     * the stop), not GBPUSD (held by the intruder now) */
    app_stop(a);
    a = instance(url);
    cr_assert_eq(zones_status(a, "EURUSD"), 200);
    cr_assert_eq(zones_status(a, "GBPUSD"), 503);
    app_stop(a);
    app_stop(b);
    free(bars);
}

/* --- split brain ------------------------------------------------------------------------ */

static struct app *owner_of(const char *url, const char *owned, const char *name)
{
    struct app_config cfg;
    harness_config(&cfg, url);
    snprintf(cfg.owned_symbols, sizeof cfg.owned_symbols, "%s", owned);
    snprintf(cfg.instance_name, sizeof cfg.instance_name, "%s", name);
    cfg.handover_idle_ms = 600000; /* both keep receiving writes: no handover in this test */
    /* no periodic renewal round during a test (only the ones a change kicks): what the
     * tests see does not depend on when a round happens to run */
    cfg.lease_ttl_ms = 600000;
    return harness_start(&cfg);
}

static long post_bars(const struct app *a, const char *symbol, const struct bar *bars,
                      size_t from, size_t to, char *body, size_t bodylen)
{
    char *json = harness_bars_json(symbol, "M15", bars, from, to);
    struct http_reply r = http_post_json(a, "/bars", json);
    long st = r.status;
    snprintf(body, bodylen, "%s", r.body ? r.body : "");
    if (st == 503)
        cr_assert_neq(r.retry_after[0], '\0', "a 503 carries Retry-After");
    http_free(&r);
    free(json);
    return st;
}

static char *zones_body(const struct app *a, const char *symbol)
{
    char path[96];
    snprintf(path, sizeof path, "/zones?symbol=%s&limit=1000", symbol);
    struct http_reply r = http_get(a, path);
    cr_assert_eq(r.status, 200, "%s", r.body);
    char *body = strdup(r.body);
    http_free(&r);
    return body;
}

Test(scaling, two_instances_owning_one_symbol_never_both_acknowledge, .timeout = 120)
{
    char url[512];
    harness_db("liq_scaling_split", url, sizeof url);
    struct app *a = owner_of(url, "EURUSD", "alpha");
    struct app *b = owner_of(url, "EURUSD, GBPUSD", "beta");
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    /* the same symbol, consecutive batches, sent alternately to both: only the first
     * writer's lease lets it commit */
    long ok[2] = {0, 0}, refused[2] = {0, 0}, acked_bars = 0;
    struct app *who[2] = {a, b};
    char body[512];
    for (int i = 0; i < 20; i++) {
        int w = i % 2;
        long st = post_bars(who[w], "EURUSD", bars, (size_t)i * 100, (size_t)(i + 1) * 100,
                            body, sizeof body);
        if (st == 200) {
            ok[w]++;
            json_t *j = json_loads(body, 0, NULL);
            acked_bars += (long)json_integer_value(json_object_get(j, "accepted"));
            json_decref(j);
        } else {
            cr_assert(st == 421 || st == 503, "batch %d to %s: %ld %s", i, w ? "b" : "a", st,
                      body);
            refused[w]++;
            cr_assert(strstr(body, "alpha#") != NULL, "the refusal names the owner: %s", body);
        }
    }
    cr_assert_eq(ok[0], 10, "a took the lease with the first write and keeps it");
    cr_assert_eq(ok[1], 0, "b never acknowledges a write of EURUSD");
    cr_assert_eq(refused[1], 10);
    /* the database holds what a acknowledged (a's batches only), nothing of b's */
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars WHERE symbol = 'EURUSD'"),
                 acked_bars);
    cr_assert_eq(harness_sql_long(url, "SELECT count(DISTINCT token) FROM lease_log "
                                       "WHERE symbol = 'EURUSD' AND writes > 0"), 1);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM lease_log WHERE symbol = "
                                       "'EURUSD' AND writes > 0 AND owner LIKE 'alpha#%'"), 1);

    /* a stale belief: a's lease is taken over behind its back (as if a had been paused
     * past the TTL and another instance had taken the symbol); a still believes it owns
     * EURUSD, but its next write fails the fence inside the transaction: 421, nothing
     * stored */
    char *served = zones_body(a, "EURUSD");
    long before = harness_sql_long(url, "SELECT count(*) FROM bars WHERE symbol = 'EURUSD'");
    harness_sql_long(url, "UPDATE symbol_leases SET owner = 'intruder#1', "
                          "token = nextval('lease_token_seq'), "
                          "expires_at = clock_timestamp() + interval '1 hour' "
                          "WHERE symbol = 'EURUSD' RETURNING 1");
    long st = post_bars(a, "EURUSD", bars, 4000, 4100, body, sizeof body);
    cr_assert_eq(st, 421, "a fenced write is misdirected: %s", body);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars WHERE symbol = 'EURUSD'"),
                 before, "the fenced write committed nothing");

    /* nothing diverges: give the symbol back (the intruder goes away), stop a; b takes
     * EURUSD on its next request, rebuilds it from the database, and answers with the
     * zones a served before the fenced write */
    app_stop(a);
    harness_sql_long(url, "UPDATE symbol_leases SET expires_at = '-infinity' "
                          "WHERE symbol = 'EURUSD' RETURNING 1");
    char *rebuilt = zones_body(b, "EURUSD");
    cr_assert_str_eq(rebuilt, served);
    cr_assert_eq(post_bars(b, "EURUSD", bars, 2000, 2100, body, sizeof body), 200, "%s", body);
    free(served);
    free(rebuilt);
    app_stop(b);
    free(bars);
}

/* --- handover by SIGHUP ------------------------------------------------------------------ */

static struct app_config reload_cfg(const char *url, const char *owned)
{
    struct app_config cfg;
    harness_config(&cfg, url);
    snprintf(cfg.owned_symbols, sizeof cfg.owned_symbols, "%s", owned);
    return cfg;
}

Test(scaling, sighup_hands_a_symbol_over_with_no_2xx_in_between, .timeout = 120)
{
    char url[512];
    harness_db("liq_scaling_sighup", url, sizeof url);
    struct app *a = owner_of(url, "EURUSD, GBPUSD", "alpha");
    struct app *b = owner_of(url, "USDJPY", "beta");
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    char body[512];
    cr_assert_eq(post_bars(a, "EURUSD", bars, 0, 1000, body, sizeof body), 200, "%s", body);
    cr_assert_eq(post_bars(b, "EURUSD", bars, 1000, 1100, body, sizeof body), 421, "%s", body);
    cr_assert(strstr(body, "alpha#") != NULL, "421 names the owner: %s", body);
    char *served = zones_body(a, "EURUSD");

    /* SIGHUP on a: EURUSD is no longer its own - refused at once, lease given up */
    struct app_config cfg = reload_cfg(url, "GBPUSD");
    cr_assert_gt(app_reload(a, &cfg, NULL, 0), 0);
    cr_assert_eq(post_bars(a, "EURUSD", bars, 1000, 1100, body, sizeof body), 421, "%s", body);
    /* SIGHUP on b: EURUSD is now its own; it takes the lease once a released it and
     * rebuilds it. Until then 503; a never acknowledges again */
    cfg = reload_cfg(url, "USDJPY, EURUSD");
    cr_assert_gt(app_reload(b, &cfg, NULL, 0), 0);
    long st = 0;
    int moving = 0;
    double t0 = spawn_now();
    while (st != 200 && spawn_now() - t0 < 60) {
        st = post_bars(b, "EURUSD", bars, 1000, 1100, body, sizeof body);
        cr_assert(st == 200 || st == 503, "b during the handover: %ld %s", st, body);
        moving += st == 503;
        cr_assert_eq(post_bars(a, "EURUSD", bars, 1000, 1100, body, sizeof body), 421);
        if (st != 200)
            usleep(50000);
    }
    cr_assert_eq(st, 200, "b never took EURUSD over");
    cr_log_info("handover: %d answers of 503 before b wrote", moving);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars WHERE symbol = 'EURUSD'"),
                 1100);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM lease_log WHERE symbol = "
                                       "'EURUSD' AND writes > 0"), 2);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM lease_log a JOIN lease_log b "
                                       "ON a.symbol = b.symbol AND a.token < b.token "
                                       "WHERE a.symbol = 'EURUSD' AND a.writes > 0 AND "
                                       "b.writes > 0 AND a.last_write_at >= b.first_write_at"),
                 0, "the two owners' writes do not overlap");
    char *after = zones_body(b, "EURUSD");
    app_stop(b);
    app_stop(a);
    /* nothing diverged: a clean instance fed the same two batches answers what a served
     * before the handover and what b serves after it */
    harness_db("liq_scaling_sighup_replay", url, sizeof url);
    struct app *c = owner_of(url, "all", "gamma");
    cr_assert_eq(post_bars(c, "EURUSD", bars, 0, 1000, body, sizeof body), 200, "%s", body);
    char *replayed = zones_body(c, "EURUSD");
    cr_assert_str_eq(replayed, served);
    free(replayed);
    cr_assert_eq(post_bars(c, "EURUSD", bars, 1000, 1100, body, sizeof body), 200, "%s", body);
    replayed = zones_body(c, "EURUSD");
    cr_assert_str_eq(replayed, after);
    app_stop(c);
    free(replayed);
    free(after);
    free(served);
    free(bars);
}

Test(scaling, a_hash_range_owns_its_share_and_answers_421_for_the_rest)
{
    char url[512];
    harness_db("liq_scaling_range", url, sizeof url);
    struct app *zero = owner_of(url, "0 of 2", "zero");
    struct app *one = owner_of(url, "1 of 2", "one");
    const char *sym[4] = {"EURUSD", "GBPUSD", "USDJPY", "AUDUSD"};
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    char body[512];
    int each[2] = {0, 0};
    for (int i = 0; i < 4; i++) {
        int k = (int)(hash_str(sym[i]) % 2);
        each[k]++;
        struct app *owner = k ? one : zero, *other = k ? zero : one;
        cr_assert_eq(post_bars(other, sym[i], bars, 0, 200, body, sizeof body), 421, "%s", body);
        cr_assert_eq(post_bars(owner, sym[i], bars, 0, 200, body, sizeof body), 200, "%s", body);
        cr_assert_eq(zones_status(other, sym[i]), 421);
    }
    cr_assert(each[0] > 0 && each[1] > 0, "the four symbols fall in both halves");
    app_stop(zero);
    app_stop(one);
    free(bars);
}

Test(scaling, a_symbol_that_is_only_read_follows_the_reads, .timeout = 120)
{
    char url[512];
    harness_db("liq_scaling_reads", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    snprintf(cfg.instance_name, sizeof cfg.instance_name, "first");
    cfg.handover_idle_ms = 300;
    cfg.lease_ttl_ms = 1500; /* a renewal round every 0.5 s notices the request */
    struct app *a = harness_start(&cfg);
    snprintf(cfg.instance_name, sizeof cfg.instance_name, "second");
    struct app *b = harness_start(&cfg);
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    char body[512];
    cr_assert_eq(post_bars(a, "EURUSD", bars, 0, 1000, body, sizeof body), 200, "%s", body);
    char *served = zones_body(a, "EURUSD");
    /* the proxy now sends the reads to b (a came back, or the hash changed): b answers 503
     * and asks; a, which serves no request of EURUSD any more, hands it over */
    long st = 0;
    double t0 = spawn_now();
    while (st != 200 && spawn_now() - t0 < 60) {
        st = zones_status(b, "EURUSD");
        cr_assert(st == 200 || st == 503, "%ld", st);
        if (st != 200)
            usleep(50000);
    }
    cr_assert_eq(st, 200, "the read-only symbol never moved to where it is read");
    char *moved = zones_body(b, "EURUSD");
    cr_assert_str_eq(moved, served);
    cr_assert_eq(zones_status(a, "EURUSD"), 503, "a gave it up");
    free(moved);
    free(served);
    app_stop(a);
    app_stop(b);
    free(bars);
}

Test(scaling, owned_symbols_is_checked_like_every_setting)
{
    const char *bad[] = {"3 of 2", "0 of 0", "1 of 5000", "x of 2", "EUR USD!", "EURUSD, ",
                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct own_spec spec;
        char why[160] = "";
        int rc = own_spec_parse(bad[i], &spec, why, sizeof why);
        /* "EURUSD, " is a one-symbol list: the trailing separator is harmless */
        if (strcmp(bad[i], "EURUSD, ") == 0) {
            cr_assert_eq(rc, 0);
            cr_assert_eq(spec.nlist, 1);
            continue;
        }
        cr_assert_eq(rc, -1, "'%s' was accepted", bad[i]);
        cr_assert_neq(why[0], '\0');
        setenv("LIQ_OWNED_SYMBOLS", bad[i], 1);
        struct app_config cfg;
        config_defaults(&cfg);
        char err[256] = "";
        cr_assert_eq(config_load(&cfg, NULL, err, sizeof err), -1, "'%s'", bad[i]);
        cr_assert(strstr(err, "owned_symbols") != NULL, "%s", err);
    }
    struct own_spec spec;
    char why[160];
    cr_assert_eq(own_spec_parse("all", &spec, why, sizeof why), 0);
    cr_assert(own_spec_has(&spec, "ANYTHING"));
    cr_assert_eq(own_spec_parse(" 1 of 3 ", &spec, why, sizeof why), 0);
    cr_assert_eq(own_spec_has(&spec, "EURUSD"), hash_str("EURUSD") % 3 == 1);
    cr_assert_eq(own_spec_parse("EURUSD,GBPUSD XAUUSDm", &spec, why, sizeof why), 0);
    cr_assert(own_spec_has(&spec, "XAUUSDm") && own_spec_has(&spec, "GBPUSD"));
    cr_assert(!own_spec_has(&spec, "USDJPY"));
    unsetenv("LIQ_OWNED_SYMBOLS");
}

/* The same handover with real processes and a real SIGHUP: the configuration file is
 * rewritten and the signal sent, as an operator does. */
static void write_conf(const char *path, const char *owned)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "owned_symbols = \"%s\";\nlog_level = \"warn\";\n", owned);
    fclose(f);
}

Test(scaling, a_real_sighup_moves_a_symbol_between_processes)
{
    char url[512], env_url[600], ca[64], cb[64];
    harness_db("liq_scaling_sighup_proc", url, sizeof url);
    snprintf(env_url, sizeof env_url, "LIQ_DATABASE_URL=%s", url);
    snprintf(ca, sizeof ca, "/tmp/liq-sighup-a-%d.conf", (int)getpid());
    snprintf(cb, sizeof cb, "/tmp/liq-sighup-b-%d.conf", (int)getpid());
    write_conf(ca, "EURUSD");
    write_conf(cb, "USDJPY");
    const char *env_a[] = {env_url, "LIQ_INSTANCE_NAME=alpha", NULL};
    const char *env_b[] = {env_url, "LIQ_INSTANCE_NAME=beta", NULL};
    const char *args_a[] = {"--config", ca, NULL};
    const char *args_b[] = {"--config", cb, NULL};
    struct spawned a, b;
    spawn_start(&a, env_a, args_a, "liq-sighup-a");
    spawn_start(&b, env_b, args_b, "liq-sighup-b");
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    char body[512];
    cr_assert_eq(post_bars(spawn_app(&a), "EURUSD", bars, 0, 500, body, sizeof body), 200,
                 "%s", body);
    long acked = 500;
    /* a gives EURUSD up: 200 until its reload ran, then 421 for good */
    write_conf(ca, "GBPUSD");
    spawn_signal(&a, SIGHUP);
    size_t next = 500;
    long st = 200;
    double t0 = spawn_now();
    while (st == 200 && spawn_now() - t0 < 30) {
        st = post_bars(spawn_app(&a), "EURUSD", bars, next, next + 10, body, sizeof body);
        if (st == 200) {
            acked += 10;
            next += 10;
        }
    }
    cr_assert_eq(st, 421, "a after its SIGHUP: %ld %s", st, body);
    /* b takes it: 503 until a released it and b rebuilt it, then 200; a stays 421 */
    write_conf(cb, "USDJPY, EURUSD");
    spawn_signal(&b, SIGHUP);
    st = 0;
    t0 = spawn_now();
    while (st != 200 && spawn_now() - t0 < 60) {
        st = post_bars(spawn_app(&b), "EURUSD", bars, next, next + 10, body, sizeof body);
        cr_assert(st == 200 || st == 503 || st == 421, "b: %ld %s", st, body);
        cr_assert_eq(post_bars(spawn_app(&a), "EURUSD", bars, next, next + 10, body,
                               sizeof body), 421);
        if (st != 200)
            usleep(50000);
    }
    cr_assert_eq(st, 200, "b never took EURUSD over after its SIGHUP");
    acked += 10;
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars WHERE symbol = 'EURUSD'"),
                 acked);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM lease_log a JOIN lease_log b "
                                       "ON a.symbol = b.symbol AND a.token < b.token "
                                       "WHERE a.writes > 0 AND b.writes > 0 AND "
                                       "a.last_write_at >= b.first_write_at"), 0);
    for (int i = 0; i < 2; i++) {
        struct spawned *p = i ? &b : &a;
        int status = 0;
        spawn_signal(p, SIGTERM);
        cr_assert(spawn_wait(p, 30, &status) && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    unlink(ca);
    unlink(cb);
    free(bars);
}
