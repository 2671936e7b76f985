/*
 * test_cli.c - liqctl against the service started in-process: what a shell user sees
 * (tables, summaries, messages) and the exit codes scripts branch on
 * (0 ok, 1 refused, 2 usage, 3 cannot connect).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "domain/zone.h"
#include "tests/support/harness.h"

#ifndef LIQCTL_PATH
#error "LIQCTL_PATH is set by cli/CMakeLists.txt"
#endif

struct run {
    int code;
    char out[65536];
    char err[8192];
};

/* Runs `liqctl ARGS` with LIQ_URL pointing at a (or url when given); stdout and stderr
 * captured separately. */
static struct run liqctl(const struct app *a, const char *url, const char *args)
{
    struct run r = {0};
    char errfile[] = "/tmp/liqctl-err-XXXXXX";
    int fd = mkstemp(errfile);
    cr_assert_geq(fd, 0);
    close(fd);
    char cmd[4096];
    char base[128];
    if (url != NULL)
        snprintf(base, sizeof base, "%s", url);
    else
        snprintf(base, sizeof base, "http://127.0.0.1:%d", app_port(a));
    snprintf(cmd, sizeof cmd, "LIQ_URL='%s' '%s' %s 2>'%s'", base, LIQCTL_PATH, args, errfile);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(r.out, 1, sizeof r.out - 1, p);
    r.out[n] = '\0';
    int st = pclose(p);
    cr_assert(WIFEXITED(st), "liqctl did not exit normally: %s", cmd);
    r.code = WEXITSTATUS(st);
    FILE *e = fopen(errfile, "r");
    cr_assert_not_null(e);
    n = fread(r.err, 1, sizeof r.err - 1, e);
    r.err[n] = '\0';
    fclose(e);
    unlink(errfile);
    return r;
}

static struct app *start(const char *db)
{
    char url[512];
    harness_db(db, url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    /* The EURUSD year's zones are weak by the default threshold (0.60): lower it so a
     * setup opens a trade and trail/trades have something to show. */
    cfg.params.min_liquidity_strength = 0.1;
    return harness_start(&cfg);
}

static struct run import_eurusd(const struct app *a)
{
    return liqctl(a, NULL, "import " LIQ_DATA_DIR "/EURUSD_15M.csv --symbol EURUSD "
                           "--timeframe M15 --batch 5000");
}

Test(cli, import_streams_the_file_in_batches_and_summarises)
{
    struct app *a = start("liq_cli_import");
    struct run r = import_eurusd(a);
    cr_assert_eq(r.code, 0, "exit %d: %s", r.code, r.err);
    cr_assert(strstr(r.out, "24424 new bars, 0 duplicates") != NULL, "%s", r.out);
    cr_assert(strstr(r.out, "bars/s") != NULL, "%s", r.out);
    /* five batches of 5000 lines: the header was repeated, every bar arrived once */
    struct http_reply h = http_get(a, "/metrics");
    cr_assert(strstr(h.body, "liq_http_requests_total{route=\"bars_post\",status=\"200\"} 5\n"),
              "%s", h.body);
    http_free(&h);
    h = http_get(a, "/symbols");
    json_t *j = http_json(&h);
    json_t *s = json_array_get(json_object_get(j, "symbols"), 0);
    cr_assert_eq(json_integer_value(json_object_get(s, "bars")), 24424);
    json_decref(j);
    http_free(&h);
    /* again: everything is a duplicate, nothing changes */
    r = import_eurusd(a);
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert(strstr(r.out, "0 new bars, 24424 duplicates") != NULL, "%s", r.out);
    app_stop(a);
}

Test(cli, import_stops_at_the_first_refused_batch_and_says_where)
{
    struct app *a = start("liq_cli_import_bad");
    char path[] = "/tmp/liqctl-bad-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    const char csv[] = "Date,Open,High,Low,Close,Tickvol,Volume,Spread\n"
                       "2022.10.10 00:00,0.97312,0.97369,0.97312,0.97357,60,0,0\n"
                       "2022.10.10 00:15,0.97350,0.97362,0.97328,0.97362,57,0,0\n"
                       "2022.10.10 00:30,0.97350,0.97000,0.97328,0.97362,57,0,0\n";
    cr_assert_eq(write(fd, csv, sizeof csv - 1), (ssize_t)(sizeof csv - 1));
    close(fd);
    char args[256];
    snprintf(args, sizeof args, "import %s --symbol EURUSD --timeframe M15 --batch 2", path);
    struct run r = liqctl(a, NULL, args);
    unlink(path);
    cr_assert_eq(r.code, 1, "exit %d: %s %s", r.code, r.out, r.err);
    cr_assert(strstr(r.err, "batch starting at line 4: 422") != NULL, "%s", r.err);
    cr_assert(strstr(r.err, "2 bars before line 4 were committed") != NULL, "%s", r.err);
    app_stop(a);
}

/* The drawn sources on: each drawn zone gets a second line with its dates (issue 25). */
Test(cli, zones_shows_drawn_zones_with_kind_and_dates)
{
    char url[512];
    harness_db("liq_cli_drawn", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    cfg.params.liquidity_sources |= SRC_DRAWN;
    struct app *a = harness_start(&cfg);
    cr_assert_eq(import_eurusd(a).code, 0);
    const char *const src[] = {"FVG", "ORDER_BLOCK"};
    for (int k = 0; k < 2; k++) {
        char args[128];
        snprintf(args, sizeof args, "zones EURUSD --price 1.05 --source %s --active all --limit 4", src[k]);
        struct run r = liqctl(a, NULL, args);
        cr_assert_eq(r.code, 0, "%s", r.err);
        cr_assert(strstr(r.out, "4 zone(s)") != NULL, "%s", r.out);
        int drawn = 0;
        for (const char *p = r.out; (p = strstr(p, " drawn from 20")) != NULL; p++)
            drawn++;
        cr_assert_eq(drawn, 4, "%s", r.out);
        cr_assert(strstr(r.out, " confirmed 20") != NULL, "%s", r.out);
        cr_assert(strstr(r.out, k ? "volume share 0." : "  FVG\n") != NULL, "%s", r.out);
        cr_assert(strstr(r.out, "bullish") || strstr(r.out, "bearish"), "%s", r.out);
    }
    app_stop(a);
}

Test(cli, zones_prints_a_table_sorted_by_distance)
{
    struct app *a = start("liq_cli_zones");
    cr_assert_eq(import_eurusd(a).code, 0);
    struct run r = liqctl(a, NULL, "zones EURUSD --price 1.05 --limit 3");
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert(strstr(r.out, "EURUSD  price 1.05000  3 zone(s)") != NULL, "%s", r.out);
    /* prices in the instrument's precision: EURUSD pip 0.0001 -> 5 decimals */
    const char *row = strstr(r.out, "\nEURUSD:");
    cr_assert_not_null(row, "%s", r.out);
    double lo = 0;
    char lo_text[32] = "";
    cr_assert_eq(sscanf(row + 1, "%*s %*s %31s", lo_text), 1, "%s", row);
    cr_assert_eq(sscanf(lo_text, "%lf", &lo), 1);
    cr_assert(strchr(lo_text, '.') != NULL && strlen(strchr(lo_text, '.') + 1) == 5, "%s", row);
    cr_assert(strstr(r.out, "ID ") != NULL && strstr(r.out, "SOURCES") != NULL, "%s", r.out);
    int rows = 0;
    for (const char *p = r.out; (p = strstr(p, "\nEURUSD:")) != NULL; p++)
        rows++;
    cr_assert_eq(rows, 3, "%s", r.out);
    r = liqctl(a, NULL, "--json zones EURUSD --limit 2");
    cr_assert_eq(r.code, 0);
    cr_assert(strncmp(r.out, "{\"symbol\":\"EURUSD\"", 18) == 0, "%s", r.out);
    app_stop(a);
}

Test(cli, setup_trail_close_and_trades)
{
    struct app *a = start("liq_cli_trading");
    cr_assert_eq(import_eurusd(a).code, 0);
    struct run r = liqctl(a, NULL, "setup EURUSD BUY --entry 1.0531 --trend 0.7");
    cr_assert_eq(r.code, 0, "%s", r.err);
    long id = 0;
    cr_assert_eq(sscanf(r.out, "trade %ld opened: BUY EURUSD", &id), 1, "%s", r.out);
    cr_assert(strstr(r.out, "  stop ") && strstr(r.out, "  tp1 ") && strstr(r.out, "  legs "),
              "%s", r.out);
    char args[128];
    snprintf(args, sizeof args, "trail %ld --price 1.0535 --high 1.0540 --low 1.0530", id);
    r = liqctl(a, NULL, args);
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert(strstr(r.out, " open  stop ") != NULL, "%s", r.out);
    r = liqctl(a, NULL, "trades --status open");
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert(strstr(r.out, "1 trade(s)") != NULL, "%s", r.out);
    snprintf(args, sizeof args, "close %ld --price 1.0535", id);
    r = liqctl(a, NULL, args);
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert(strstr(r.out, " closed ") != NULL, "%s", r.out);
    r = liqctl(a, NULL, "trades --status open");
    cr_assert(strstr(r.out, "0 trade(s)") != NULL, "%s", r.out);
    /* a refused setup: the server's reason, exit 1 */
    r = liqctl(a, NULL, "setup EURUSD BUY --entry 1.0569 --regime CHAOTIC");
    cr_assert_eq(r.code, 1, "%s", r.out);
    cr_assert(strstr(r.err, "liqctl: setup: 422") != NULL, "%s", r.err);
    app_stop(a);
}

Test(cli, exit_codes_and_messages)
{
    struct app *a = start("liq_cli_codes");
    struct run r = liqctl(a, NULL, "zones NOSUCH");
    cr_assert_eq(r.code, 1);
    cr_assert(strstr(r.err, "liqctl: zones: 404 unknown_symbol") != NULL, "%s", r.err);
    r = liqctl(a, NULL, "trail 424242 --price 1.0");
    cr_assert_eq(r.code, 1, "%s", r.err);
    r = liqctl(a, NULL, "");
    cr_assert_eq(r.code, 2);
    cr_assert(strstr(r.err, "missing COMMAND") != NULL, "%s", r.err);
    r = liqctl(a, NULL, "zones EURUSD --price abc");
    cr_assert_eq(r.code, 2);
    cr_assert(strstr(r.err, "--price expects a number") != NULL, "%s", r.err);
    r = liqctl(a, NULL, "frobnicate");
    cr_assert_eq(r.code, 2);
    r = liqctl(a, NULL, "import /no/such/file.csv --symbol EURUSD --timeframe M15");
    cr_assert_eq(r.code, 2);
    cr_assert(strstr(r.err, "cannot open /no/such/file.csv") != NULL, "%s", r.err);
    r = liqctl(a, NULL, "--help");
    cr_assert_eq(r.code, 0);
    cr_assert(strstr(r.out, "exit codes:") != NULL);
    cr_assert(strstr(r.out, "close TRADE_ID --price P [--ts TS]") != NULL, "%s", r.out);
    r = liqctl(a, NULL, "health");
    cr_assert_eq(r.code, 0, "%s", r.err);
    cr_assert(strstr(r.out, "STATUS    DATABASE  SYMBOLS  PERSISTENCE\nok        ") != NULL,
              "%s", r.out);
    r = liqctl(a, NULL, "--json health");
    cr_assert(strstr(r.out, "{\"status\":\"ok\"") != NULL, "%s", r.out);
    /* nothing listens on port 1 */
    r = liqctl(a, "http://127.0.0.1:1", "health");
    cr_assert_eq(r.code, 3);
    cr_assert(strstr(r.err, "cannot reach http://127.0.0.1:1") != NULL, "%s", r.err);
    app_stop(a);
}

Test(cli, the_key_goes_in_the_authorization_header)
{
    char url[512];
    harness_db("liq_cli_key", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    snprintf(cfg.api_key, sizeof cfg.api_key, "s3cret");
    struct app *a = harness_start(&cfg);
    struct run r = import_eurusd(a);
    cr_assert_eq(r.code, 1);
    cr_assert(strstr(r.err, "401 unauthorized") != NULL, "%s", r.err);
    r = liqctl(a, NULL, "--key s3cret import " LIQ_DATA_DIR "/EURUSD_15M.csv --symbol EURUSD "
                        "--timeframe M15");
    cr_assert_eq(r.code, 0, "%s", r.err);
    app_stop(a);
}
