/*
 * The whole EURUSD year posted as CSV over HTTP with all 15 sources (issue "zone engine"):
 * every source produces zones, numbers stay in range, outcomes are counted, and after a
 * restart GET /zones answers byte for byte what it answered before and what a clean
 * in-memory replay of the same bars answers.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "base/textbuf.h"
#include "tests/support/eurusd.h"
#include "tests/support/harness.h"

static struct http_reply post_csv(const struct app *a, const char *csv, size_t len)
{
    return http_do(a, "POST", "/bars?symbol=EURUSD&timeframe=M15", "text/csv", csv, len);
}

static char *zones_body(const struct app *a)
{
    struct http_reply r = http_get(a, "/zones?symbol=EURUSD&active=all&limit=10000");
    cr_assert_eq(r.status, 200, "%s", r.body);
    return r.body;
}

Test(csv_year, all_sources_produce_zones_and_a_restart_equals_a_clean_replay, .timeout = 300)
{
    char url[512];
    harness_db("t_csv_year", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    cfg.params.liquidity_sources = SRC_ALL;
    struct app *a = harness_start(&cfg);

    size_t len = 0;
    char *csv = harness_read_file(LIQ_DATA_DIR "/EURUSD_15M.csv", &len);
    struct http_reply r = post_csv(a, csv, len);
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *j = http_json(&r);
    long accepted = (long)json_integer_value(json_object_get(j, "accepted"));
    long dups = (long)json_integer_value(json_object_get(j, "duplicates"));
    cr_assert_eq(accepted + dups, 24424, "every data line is a bar (accepted %ld dup %ld)",
                 accepted, dups);
    json_decref(j);
    http_free(&r);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars"), accepted);
    /* the year offered again (a client retrying an upload it saw time out): every bar is a
     * duplicate found in PostgreSQL (older than the in-memory log), one index probe each,
     * within the request's database deadline; nothing changes. Before the probe query this
     * took 45 s (a nested loop over the symbol's bars per offered ts) and answered 503. */
    r = post_csv(a, csv, len);
    cr_assert_eq(r.status, 200, "%s", r.body);
    j = http_json(&r);
    cr_assert_eq(json_integer_value(json_object_get(j, "accepted")), 0, "%s", r.body);
    cr_assert_eq(json_integer_value(json_object_get(j, "duplicates")), 24424, "%s", r.body);
    json_decref(j);
    http_free(&r);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars"), accepted);

    char *before = zones_body(a);
    j = json_loads(before, 0, NULL);
    cr_assert_not_null(j);
    json_t *zones = json_object_get(j, "zones");
    cr_assert_gt(json_array_size(zones), 100);
    long holds = 0, breaks = 0, sweeps = 0;
    int seen[SRC_COUNT] = {0};
    size_t i;
    json_t *z;
    json_array_foreach(zones, i, z)
    {
        double st = json_number_value(json_object_get(z, "strength"));
        cr_assert(st >= 0 && st <= 1, "strength %f", st);
        const char *probs[3] = {"prob_hold", "prob_break", "prob_sweep"};
        for (int k = 0; k < 3; k++) {
            double p = json_number_value(json_object_get(z, probs[k]));
            cr_assert(p > 0 && p < 1, "%s %f", probs[k], p);
        }
        holds += json_integer_value(json_object_get(z, "holds"));
        breaks += json_integer_value(json_object_get(z, "breaks"));
        sweeps += json_integer_value(json_object_get(z, "sweeps"));
        size_t k;
        json_t *s;
        json_array_foreach(json_object_get(z, "sources"), k, s)
        {
            enum liq_source src;
            cr_assert_eq(source_parse(json_string_value(s), &src), 0);
            seen[src]++;
        }
    }
    cr_assert_gt(holds, 0);
    cr_assert_gt(breaks, 0);
    cr_assert_gt(sweeps, 0);
    /* PIVOT_M5 needs bars below M15: a symbol fed with M15 cannot have it (docs/sources.md) */
    for (int s = 0; s < SRC_COUNT; s++)
        if (s != SRC_PIVOT_M5)
            cr_expect_gt(seen[s], 0, "no zone from %s", source_name((enum liq_source)s));
    json_decref(j);

    /* zone statistics are persisted: every resolved outcome of every zone (merged-away ones
     * keep their rows) adds up to the evidence's "all" row, outcome by outcome */
    struct http_reply ev = http_get(a, "/symbols/EURUSD/evidence");
    cr_assert_eq(ev.status, 200, "%s", ev.body);
    json_t *evj = http_json(&ev);
    json_t *all = json_object_get(evj, "all");
    static const char *const outcome[] = {"holds", "sweeps", "breaks", "timeouts"};
    for (int k = 0; k < 4; k++) {
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT sum(%s) FROM liquidity_levels", outcome[k]);
        long stored = harness_sql_long(url, sql);
        cr_assert_gt(stored, 0, "%s", outcome[k]);
        cr_assert_eq(stored, json_integer_value(json_object_get(all, outcome[k])), "%s",
                     outcome[k]);
    }
    json_decref(evj);
    http_free(&ev);
    cr_assert_gt(harness_sql_long(url, "SELECT count(*) FROM zone_events WHERE kind='sweep'"), 0);
    cr_assert_gt(harness_sql_long(url, "SELECT count(*) FROM zone_events WHERE kind='timeout'"),
                 0);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM liquidity_levels WHERE "
                                       "abs(prob_hold + prob_sweep + prob_break + prob_timeout "
                                       "- 1) > 1e-5"), 0, "stored probabilities partition");

    /* restart on the same database */
    app_stop(a);
    a = harness_start(&cfg);
    char *after = zones_body(a);
    cr_assert_str_eq(after, before, "GET /zones after a restart differs");
    app_stop(a);

    /* a clean replay in memory of the same file */
    struct app_config mem;
    harness_config(&mem, NULL);
    mem.params.liquidity_sources = SRC_ALL;
    a = harness_start(&mem);
    r = post_csv(a, csv, len);
    cr_assert_eq(r.status, 200);
    http_free(&r);
    char *clean = zones_body(a);
    cr_assert_str_eq(clean, before, "GET /zones differs from a clean replay");
    app_stop(a);

    free(before);
    free(after);
    free(clean);
    free(csv);
}

Test(csv_year, generic_header_epoch_times_and_an_index_column_are_read, .timeout = 60)
{
    struct app_config cfg;
    harness_config(&cfg, NULL);
    struct app *a = harness_start(&cfg);
    const char *csv = ",Time,OPEN,High,low,Close,Volume\n"
                      "0,1665360000,0.97312,0.97369,0.97312,0.97357,60\n"
                      "1,2022-10-10T00:15:00Z,0.9735,0.97362,0.97328,0.97362,57\n";
    struct http_reply r = post_csv(a, csv, strlen(csv));
    cr_assert_eq(r.status, 200, "%s", r.body);
    cr_assert_str_eq(r.body, "{\"accepted\":2,\"duplicates\":0}");
    http_free(&r);
    app_stop(a);
}

Test(csv_year, a_bad_row_is_named_by_line_and_nothing_is_applied, .timeout = 60)
{
    struct app_config cfg;
    harness_config(&cfg, NULL);
    struct app *a = harness_start(&cfg);
    const char *csv = "Date,Open,High,Low,Close,Tickvol,Volume,Spread\n"
                      "2022.10.10 00:00:00,0.97312,0.97369,0.97312,0.97357,60,0,20\n"
                      "2022.10.10 00:15:00,0.9735,0.97362,0.97328,0.97362,57,0,20\n"
                      "2022.10.10 00:30:00,0.97362,0.97300,0.97331,0.97361,75,0,20\n";
    struct http_reply r = post_csv(a, csv, strlen(csv));
    cr_assert_eq(r.status, 422, "%s", r.body);
    json_t *j = http_json(&r);
    json_t *item = json_array_get(
        json_object_get(json_object_get(json_object_get(j, "error"), "details"), "items"), 0);
    cr_assert_eq(json_integer_value(json_object_get(item, "line")), 4);
    json_decref(j);
    http_free(&r);
    r = http_get(a, "/zones?symbol=EURUSD");
    cr_assert_eq(r.status, 404, "nothing of the request was applied");
    http_free(&r);
    /* missing query parameters */
    r = http_do(a, "POST", "/bars", "text/csv", csv, strlen(csv));
    cr_assert_eq(r.status, 422);
    http_free(&r);
    app_stop(a);
}

Test(csv_year, the_year_as_m5_bars_gives_zones_from_all_15_sources, .timeout = 300)
{
    /* PIVOT_M5 needs bars below M15: the year split into M5 bars (tests/support/eurusd.h),
     * posted as a generic CSV with epoch times */
    struct app_config cfg;
    harness_config(&cfg, NULL);
    cfg.params.liquidity_sources = SRC_ALL;
    struct app *a = harness_start(&cfg);
    size_t n = 0;
    struct bar *m15 = harness_eurusd(&n);
    struct bar *m5 = eurusd_split_m5(m15, n);
    cr_assert_not_null(m5);
    struct textbuf tb = {0};
    textbuf_printf(&tb, "time,open,high,low,close,volume\n");
    for (size_t i = 0; i < 3 * n; i++)
        textbuf_printf(&tb, "%lld,%.17g,%.17g,%.17g,%.17g,%.17g\n", (long long)m5[i].ts,
                       m5[i].open, m5[i].high, m5[i].low, m5[i].close, m5[i].volume);
    size_t len = 0;
    char *csv = textbuf_take(&tb, &len);
    cr_assert_not_null(csv);
    struct http_reply r =
        http_do(a, "POST", "/bars?symbol=EURUSD&timeframe=M5", "text/csv", csv, len);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    for (int s = 0; s < SRC_COUNT; s++) {
        char path[96];
        snprintf(path, sizeof path, "/zones?symbol=EURUSD&active=all&limit=1&source=%s",
                 source_name((enum liq_source)s));
        r = http_get(a, path);
        json_t *j = http_json(&r);
        json_t *zs = json_object_get(j, "zones");
        cr_expect_eq(json_array_size(zs), 1, "no zone from %s", source_name((enum liq_source)s));
        /* and the zone answered is one of that source (the filter obeyed, not just a zone) */
        int has = 0;
        size_t k;
        json_t *src;
        json_array_foreach(json_object_get(json_array_get(zs, 0), "sources"), k, src) has |=
            strcmp(json_string_value(src), source_name((enum liq_source)s)) == 0;
        cr_expect(has || json_array_size(zs) == 0, "the zone for source=%s lacks it",
                  source_name((enum liq_source)s));
        json_decref(j);
        http_free(&r);
    }
    app_stop(a);
    free(csv);
    free(m5);
    free(m15);
}
