/*
 * test_checkpoint.c - engine checkpoints in PostgreSQL (service/checkpoint.h) on the shared
 * EURUSD year: a restart from a checkpoint and the bars after it serves the zones a full
 * replay serves, byte for byte; a damaged, other-version or stale checkpoint falls back to
 * the full replay; ?replace=true rewinds to the checkpoint before its first bar and
 * rewrites exactly what a feed of the same bars writes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/harness.h"

#define EVERY 5000
#define ZONES "/zones?symbol=EURUSD&active=all&limit=10000"

static void post(struct app *a, const struct bar *bars, size_t from, size_t to,
                 const char *path)
{
    for (size_t s = from; s < to; s += 2000) {
        size_t e = s + 2000 < to ? s + 2000 : to;
        char *json = harness_bars_json("EURUSD", "M15", bars, s, e);
        struct http_reply r = http_post_json(a, s == from ? path : "/bars", json);
        cr_assert_eq(r.status, 200, "%s", r.body);
        http_free(&r);
        free(json);
    }
}

static char *get_body(struct app *a, const char *path)
{
    struct http_reply r = http_get(a, path);
    cr_assert_eq(r.status, 200, "%s: %s", path, r.body);
    char *body = strdup(r.body);
    http_free(&r);
    return body;
}

static json_t *get_json(struct app *a, const char *path)
{
    char *body = get_body(a, path);
    json_t *j = json_loads(body, 0, NULL);
    cr_assert_not_null(j, "%s: not JSON", path);
    free(body);
    return j;
}

/* GET /zones and the evidence (the outcome tallies) after a restart of a. */
static struct app *restart(struct app *a, const struct app_config *cfg, char **zones,
                           char **evidence)
{
    app_stop(a);
    a = harness_start(cfg);
    *zones = get_body(a, ZONES);
    *evidence = get_body(a, "/symbols/EURUSD/evidence");
    return a;
}

static void same(const char *want_z, const char *want_e, char *z, char *e, const char *when)
{
    cr_assert(strcmp(z, want_z) == 0, "%s: GET /zones differs from the full replay's", when);
    cr_assert(strcmp(e, want_e) == 0, "%s: the evidence differs from the full replay's", when);
    free(z);
    free(e);
}

static struct app *start(const char *db, char *url, size_t urllen, struct app_config *cfg)
{
    harness_db(db, url, urllen);
    harness_config(cfg, url);
    cfg->checkpoint_every_bars = EVERY;
    return harness_start(cfg);
}

Test(checkpoint, restart_from_a_checkpoint_serves_what_a_full_replay_serves, .timeout = 300)
{
    char url[512];
    struct app_config cfg;
    struct app *a = start("t_checkpoint_restart", url, sizeof url, &cfg);
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    post(a, bars, 0, n, "/bars");
    /* the live engine saw every bar: what a full replay gives */
    char *want_z = get_body(a, ZONES), *want_e = get_body(a, "/symbols/EURUSD/evidence");
    long written = harness_sql_long(url, "SELECT count(*) FROM engine_checkpoints");
    cr_assert(written >= 1 && written <= 3, "%ld checkpoints kept (every %d of %zu bars, 3 kept)",
              written, EVERY, n);
    long newest = harness_sql_long(url, "SELECT max(bar_count) FROM engine_checkpoints");
    cr_assert(newest >= (long)n - EVERY - 2000 && newest < (long)n, "newest at %ld of %zu",
              newest, n);

    /* a stop writes one of every bar; the start replays none */
    char *z, *e;
    a = restart(a, &cfg, &z, &e);
    cr_assert_eq(harness_sql_long(url, "SELECT max(bar_count) FROM engine_checkpoints"), (long)n,
                 "the shutdown checkpoint holds every bar");
    same(want_z, want_e, z, e, "from the shutdown checkpoint");

    /* the newest gone: an older checkpoint and the thousands of bars after it */
    harness_sql_exec(url, "DELETE FROM engine_checkpoints WHERE bar_count = "
                          "(SELECT max(bar_count) FROM engine_checkpoints)");
    long tail_from = harness_sql_long(url, "SELECT max(bar_count) FROM engine_checkpoints");
    cr_assert(tail_from > 0 && tail_from < (long)n);
    app_stop(a); /* it loaded the one just deleted: nothing new to write */
    cr_assert_eq(harness_sql_long(url, "SELECT max(bar_count) FROM engine_checkpoints"),
                 tail_from);
    a = harness_start(&cfg);
    same(want_z, want_e, get_body(a, ZONES), get_body(a, "/symbols/EURUSD/evidence"),
         "from an older checkpoint and the bars after it");

    /* none at all: every stored bar replayed */
    app_stop(a);
    harness_sql_exec(url, "DELETE FROM engine_checkpoints");
    a = harness_start(&cfg);
    same(want_z, want_e, get_body(a, ZONES), get_body(a, "/symbols/EURUSD/evidence"),
         "without a checkpoint");

    /* the bars after a restart from a checkpoint go on as they would have */
    app_stop(a);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM engine_checkpoints"), 1);
    a = harness_start(&cfg);
    /* GET /bars beyond the latest bars kept in memory: read from PostgreSQL */
    char path[160];
    snprintf(path, sizeof path, "/bars?symbol=EURUSD&from=%lld&to=%lld&limit=7",
             (long long)bars[100].ts, (long long)bars[120].ts);
    json_t *j = get_json(a, path);
    json_t *got = json_object_get(j, "bars");
    cr_assert_eq(json_array_size(got), 7, "a page of 7 of the 20 bars from bar 100");
    cr_assert_float_eq(json_number_value(json_object_get(json_array_get(got, 6), "close")),
                       bars[106].close, 1e-12);
    json_decref(j);
    j = get_json(a, "/bars?symbol=EURUSD&limit=20000");
    got = json_object_get(j, "bars");
    cr_assert_eq(json_array_size(got), 20000, "the latest 20,000 of the year");
    cr_assert_float_eq(json_number_value(json_object_get(json_array_get(got, 0), "close")),
                       bars[n - 20000].close, 1e-12);
    cr_assert_float_eq(json_number_value(json_object_get(json_array_get(got, 19999), "close")),
                       bars[n - 1].close, 1e-12);
    json_decref(j);
    app_stop(a);
    free(want_z);
    free(want_e);
    free(bars);
}

Test(checkpoint, a_damaged_foreign_or_stale_checkpoint_falls_back_to_a_full_replay,
     .timeout = 300)
{
    char url[512];
    struct app_config cfg;
    struct app *a = start("t_checkpoint_damaged", url, sizeof url, &cfg);
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    post(a, bars, 0, 12000, "/bars");
    char *want_z = get_body(a, ZONES), *want_e = get_body(a, "/symbols/EURUSD/evidence");
    app_stop(a); /* the shutdown checkpoint: every bar */
    cr_assert_eq(harness_sql_long(url, "SELECT max(bar_count) FROM engine_checkpoints"), 12000);

    /* one byte of the engine's zones flipped: the checksum refuses it */
    harness_sql_exec(url, "UPDATE engine_checkpoints SET state = set_byte(state, "
                          "length(state) / 2, get_byte(state, length(state) / 2) # 255)");
    a = harness_start(&cfg);
    same(want_z, want_e, get_body(a, ZONES), get_body(a, "/symbols/EURUSD/evidence"),
         "a damaged checkpoint");
    app_stop(a);
    /* the stop wrote a good one again (the damaged one held as many bars: replaced) */
    harness_sql_exec(url, "UPDATE engine_checkpoints SET state = set_byte(state, 8, 0)");
    a = harness_start(&cfg);
    same(want_z, want_e, get_body(a, ZONES), get_body(a, "/symbols/EURUSD/evidence"),
         "a checkpoint of another format version");
    app_stop(a);
    harness_sql_exec(url, "UPDATE engine_checkpoints SET state = substr(state, 1, 40)");
    a = harness_start(&cfg);
    same(want_z, want_e, get_body(a, ZONES), get_body(a, "/symbols/EURUSD/evidence"),
         "a truncated checkpoint");
    app_stop(a);

    /* the stored bar the checkpoint ends on changed behind its back (a hand edit): the
     * checkpoint no longer holds the stored bars, so every bar is replayed - what a start
     * without any checkpoint gives */
    harness_sql_exec(url, "UPDATE bars SET high = high + 0.0100 WHERE ts = "
                          "(SELECT max(last_ts) FROM engine_checkpoints)");
    a = harness_start(&cfg);
    char *stale_z = get_body(a, ZONES), *stale_e = get_body(a, "/symbols/EURUSD/evidence");
    cr_assert(strcmp(stale_z, want_z) != 0, "the edited bar changes the zones");
    app_stop(a);
    harness_sql_exec(url, "DELETE FROM engine_checkpoints");
    a = harness_start(&cfg);
    same(stale_z, stale_e, get_body(a, ZONES), get_body(a, "/symbols/EURUSD/evidence"),
         "a stale checkpoint");
    app_stop(a);
    free(stale_z);
    free(stale_e);
    free(want_z);
    free(want_e);
    free(bars);
}

Test(checkpoint, replace_rewinds_to_the_checkpoint_before_its_first_bar, .timeout = 300)
{
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    const size_t cut = 15500, end = 17000;
    /* the reference: the bars up to `end` fed once */
    char ref[512];
    struct app_config rcfg;
    struct app *r = start("t_checkpoint_replace_ref", ref, sizeof ref, &rcfg);
    post(r, bars, 0, end, "/bars");
    char *want_z = get_body(r, ZONES), *want_e = get_body(r, "/symbols/EURUSD/evidence");
    app_stop(r);

    char url[512];
    struct app_config cfg;
    struct app *a = start("t_checkpoint_replace", url, sizeof url, &cfg);
    post(a, bars, 0, n, "/bars"); /* checkpoints every 5,000 bars: the newest three kept */
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM engine_checkpoints WHERE last_ts < to_timestamp(%lld)",
             (long long)bars[cut].ts);
    cr_assert_geq(harness_sql_long(url, sql), 1, "a checkpoint before the replace's first bar");
    /* the bars from `cut` on replaced by the same bars up to `end` (one request: the
     * later ones are gone) */
    char *json = harness_bars_json("EURUSD", "M15", bars, cut, end);
    struct http_reply rp = http_post_json(a, "/bars?replace=true", json);
    cr_assert_eq(rp.status, 200, "%s", rp.body);
    json_t *j = http_json(&rp);
    cr_assert_eq(json_integer_value(json_object_get(j, "replaced")), (json_int_t)(n - cut));
    json_decref(j);
    http_free(&rp);
    free(json);
    /* those holding a replaced bar went; one of the new bars may have come with it */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM engine_checkpoints WHERE last_ts >= to_timestamp(%lld) "
             "AND NOT (last_ts = to_timestamp(%lld) AND bar_count = %zu)",
             (long long)bars[cut].ts, (long long)bars[end - 1].ts, end);
    cr_assert_eq(harness_sql_long(url, sql), 0, "no checkpoint holds a replaced bar");
    same(want_z, want_e, get_body(a, ZONES), get_body(a, "/symbols/EURUSD/evidence"),
         "after the replace");
    /* the projection rewritten as the feed wrote it: the events of the bars before the
     * checkpoint kept, those after it written again, none twice */
    const char *counts[] = {"SELECT count(*) FROM bars", "SELECT count(*) FROM zone_events",
                            "SELECT count(*) FROM liquidity_levels WHERE merged_into IS NULL",
                            "SELECT count(DISTINCT (zone_id, ts, kind)) FROM zone_events"};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
        cr_assert_eq(harness_sql_long(url, counts[i]), harness_sql_long(ref, counts[i]), "%s",
                     counts[i]);
    char *z, *e;
    a = restart(a, &cfg, &z, &e);
    same(want_z, want_e, z, e, "a restart after the replace");
    app_stop(a);
    free(want_z);
    free(want_e);
    free(bars);
}
