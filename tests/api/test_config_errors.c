/*
 * Configuration errors, value by value (issue 16 item 8: the error paths of service/config.c
 * and the owned_symbols grammar of service/ownership.c). Every kind of setting (bool, int,
 * long, double, string, source list, instruments) is given each kind of bad value, from the
 * environment and from the file: config_load refuses it with a message naming the key, and
 * the liquidityd binary refuses to start with it (exit 2, the key in its output). The
 * accepted spellings (yes/no/1/0, ALL, integer doubles, int64 longs, round_step) are read
 * to the value they mean; SIGHUP's copy of the live settings copies exactly the live ones.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/hash.h"
#include "domain/zone.h"
#include "service/config.h"
#include "service/ownership.h"
#include "tests/support/harness.h"

/* One environment variable, the result config_load must give, and the key its error
 * names (NULL: accepted). */
struct env_case {
    const char *var, *value, *key;
};

static const struct env_case ENV_BAD[] = {
    {.var = "LIQ_RUNNER_ENABLED", .value = "maybe", .key = "runner_enabled"},
    {.var = "LIQ_RUNNER_ENABLED", .value = "", .key = "runner_enabled"},
    {.var = "LIQ_SWING_LENGTH", .value = "12x", .key = "swing_length"},
    {.var = "LIQ_SWING_LENGTH", .value = "", .key = "swing_length"},
    {.var = "LIQ_SWING_LENGTH", .value = "99999999999999999999", .key = "swing_length"},
    {.var = "LIQ_SWING_LENGTH", .value = "101", .key = "swing_length"},
    {.var = "LIQ_THREADS", .value = "-3", .key = "threads"},
    {.var = "LIQ_LISTEN_ADDRESS", .value = "localhost", .key = "listen_address"},
    {.var = "LIQ_LISTEN_ADDRESS", .value = "127.0.0", .key = "listen_address"},
    {.var = "LIQ_LISTEN_ADDRESS", .value = "::g", .key = "listen_address"},
    {.var = "LIQ_LISTEN_ADDRESS", .value = "", .key = "listen_address"},
    {.var = "LIQ_BODY_LIMIT_BYTES", .value = "1023", .key = "body_limit_bytes"},
    {.var = "LIQ_BODY_LIMIT_BYTES", .value = "1kb", .key = "body_limit_bytes"},
    {.var = "LIQ_MIN_RR_RATIO", .value = "nan", .key = "min_rr_ratio"},
    {.var = "LIQ_MIN_RR_RATIO", .value = "inf", .key = "min_rr_ratio"},
    {.var = "LIQ_MIN_RR_RATIO", .value = "1e999", .key = "min_rr_ratio"},
    {.var = "LIQ_MIN_RR_RATIO", .value = "", .key = "min_rr_ratio"},
    {.var = "LIQ_MIN_RR_RATIO", .value = "0.05", .key = "min_rr_ratio"},
    {.var = "LIQ_MIN_LIQUIDITY_STRENGTH", .value = "1.5", .key = "min_liquidity_strength"},
    {.var = "LIQ_LIQUIDITY_SOURCES", .value = "ROUND,SUN", .key = "liquidity_sources"},
    {.var = "LIQ_LOG_LEVEL", .value = "loud", .key = "log_level"},
    {.var = "LIQ_LOG_LEVEL", .value = "verbose-debug", .key = "log_level"},
    {.var = "LIQ_OWNED_SYMBOLS", .value = "3 of 2", .key = "owned_symbols"},
    {.var = "LIQ_OWNED_SYMBOLS", .value = "EUR/USD", .key = "owned_symbols"},
    {.var = "LIQ_INSTRUMENTS", .value = "EURUSD", .key = "instruments"},
    {.var = "LIQ_INSTRUMENTS", .value = "EURUSD:abc", .key = "instruments"},
    {.var = "LIQ_INSTRUMENTS", .value = "EURUSD:0.0001:x", .key = "instruments"},
    {.var = "LIQ_INSTRUMENTS", .value = "EURUSD:0.0001:-5", .key = "instruments"},
    {.var = "LIQ_INSTRUMENTS", .value = "EURUSD:0", .key = "instruments"},
    {.var = "LIQ_INSTRUMENTS", .value = "EUR$USD:0.0001", .key = "instruments"},
    {.var = "LIQ_INSTRUMENTS", .value = "EURUSD:0.0001x", .key = "instruments"},
};

static char g_long[300];

static int load_env(const char *var, const char *value, struct app_config *c, char *err,
                    size_t errlen)
{
    setenv(var, value, 1);
    config_defaults(c);
    err[0] = '\0';
    int rc = config_load(c, NULL, err, errlen);
    unsetenv(var);
    return rc;
}

static void expect_refused(const char *var, const char *value, const char *key)
{
    struct app_config c;
    char err[512], quoted[96];
    cr_expect_eq(load_env(var, value, &c, err, sizeof err), -1, "%s=%s accepted", var, value);
    snprintf(quoted, sizeof quoted, "'%s'", key);
    cr_expect_not_null(strstr(err, quoted), "%s=%s: '%s' does not name %s", var, value, err,
                       key);
}

Test(config_errors, every_kind_of_bad_environment_value_names_its_key)
{
    for (size_t i = 0; i < sizeof ENV_BAD / sizeof ENV_BAD[0]; i++)
        expect_refused(ENV_BAD[i].var, ENV_BAD[i].value, ENV_BAD[i].key);
    memset(g_long, 'k', sizeof g_long - 1);
    expect_refused("LIQ_API_KEY", g_long, "api_key");
}

Test(config_errors, accepted_spellings_mean_what_they_say)
{
    struct app_config c;
    char err[512];
    static const char *const yes[] = {"true", "1", "yes"}, *const no[] = {"false", "0", "no"};
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(load_env("LIQ_RUNNER_ENABLED", yes[i], &c, err, sizeof err), 0, "%s", err);
        cr_expect_eq(c.params.runner_enabled, 1, "%s", yes[i]);
        cr_assert_eq(load_env("LIQ_RUNNER_ENABLED", no[i], &c, err, sizeof err), 0, "%s", err);
        cr_expect_eq(c.params.runner_enabled, 0, "%s", no[i]);
    }
    cr_assert_eq(load_env("LIQ_LIQUIDITY_SOURCES", "ROUND, ALL", &c, err, sizeof err), 0);
    cr_expect_eq(c.params.liquidity_sources, SRC_ALL);
    cr_assert_eq(load_env("LIQ_BODY_LIMIT_BYTES", "2048", &c, err, sizeof err), 0, "%s", err);
    cr_expect_eq(c.body_limit_bytes, 2048);
    cr_assert_eq(load_env("LIQ_INSTRUMENTS", "NIFTY:0.05:50,NIFTY:0.1", &c, err, sizeof err), 0,
                 "%s", err);
    int found = 0;
    for (int i = 0; i < c.ninstruments; i++)
        if (strcmp(c.instruments[i].symbol, "NIFTY") == 0) {
            found++;
            /* the second entry of a symbol replaces the first, round_step included */
            cr_expect_float_eq(c.instruments[i].pip_size, 0.1, 1e-12);
            cr_expect_float_eq(c.instruments[i].round_step, 0.0, 1e-12);
        }
    cr_expect_eq(found, 1);
    static const char *const levels[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(load_env("LIQ_LOG_LEVEL", levels[i], &c, err, sizeof err), 0, "%s", err);
        cr_expect_str_eq(c.log_level, levels[i]);
    }
}

/* Writes text to a fresh temporary file; its path in path (>= 32 bytes). */
static void temp_conf(char *path, const char *text)
{
    snprintf(path, 32, "/tmp/liq-conf-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static int load_text(const char *text, struct app_config *c, char *err, size_t errlen)
{
    char path[32];
    temp_conf(path, text);
    config_defaults(c);
    err[0] = '\0';
    int rc = config_load(c, path, err, errlen);
    unlink(path);
    return rc;
}

struct file_case {
    const char *text, *key;
};

static const struct file_case FILE_BAD[] = {
    {.text = "runner_enabled = 1;\n", .key = "runner_enabled"},
    {.text = "swing_length = 2.5;\n", .key = "swing_length"},
    {.text = "swing_length = 0;\n", .key = "swing_length"},
    {.text = "body_limit_bytes = 20000000000L;\n", .key = "body_limit_bytes"},
    {.text = "min_rr_ratio = \"2\";\n", .key = "min_rr_ratio"},
    {.text = "min_rr_ratio = 500;\n", .key = "min_rr_ratio"},
    {.text = "api_key = 42;\n", .key = "api_key"},
    {.text = "liquidity_sources = \"ROUND\";\n", .key = "liquidity_sources"},
    {.text = "liquidity_sources = (\"ROUND\", 3);\n", .key = "liquidity_sources"},
    {.text = "instruments = ( { symbol = \"EURUSD\"; } );\n", .key = "instruments"},
    {.text = "instruments = ( { pip_size = 0.1; } );\n", .key = "instruments"},
    {.text = "instruments = ( { symbol = \"X\"; pip_size = 0.1; round_step = \"5\"; } );\n",
     .key = "instruments"},
    {.text = "instruments = ( { symbol = \"X\"; pip_size = -0.1; } );\n", .key = "instruments"},
    {.text = "instruments = ( { symbol = \"X Y\"; pip_size = 0.1; } );\n", .key = "instruments"},
};

Test(config_errors, every_kind_of_bad_file_value_names_its_key)
{
    struct app_config c;
    char err[512], quoted[96];
    for (size_t i = 0; i < sizeof FILE_BAD / sizeof FILE_BAD[0]; i++) {
        cr_expect_eq(load_text(FILE_BAD[i].text, &c, err, sizeof err), -1, "accepted: %s",
                     FILE_BAD[i].text);
        snprintf(quoted, sizeof quoted, "'%s'", FILE_BAD[i].key);
        cr_expect_not_null(strstr(err, quoted), "%s -> '%s'", FILE_BAD[i].text, err);
    }
    /* a syntax error names the file and line; a missing file says it cannot be read */
    cr_expect_eq(load_text("a = 1;\nb = = 2;\n", &c, err, sizeof err), -1);
    cr_expect_not_null(strstr(err, ":2: "), "%s", err);
    config_defaults(&c);
    cr_expect_eq(config_load(&c, "/nonexistent/liq.conf", err, sizeof err), -1);
    cr_expect_not_null(strstr(err, "cannot read config file '/nonexistent/liq.conf'"), "%s",
                       err);
    /* more instruments than fit */
    char *many = malloc(64 * (CONFIG_MAX_INSTRUMENTS + 2));
    cr_assert_not_null(many);
    size_t n = (size_t)sprintf(many, "instruments = (");
    for (int i = 0; i <= CONFIG_MAX_INSTRUMENTS; i++)
        n += (size_t)sprintf(many + n, "%s{ symbol = \"S%d\"; pip_size = 0.1; }", i ? "," : "",
                             i);
    sprintf(many + n, ");\n");
    cr_expect_eq(load_text(many, &c, err, sizeof err), -1);
    cr_expect_not_null(strstr(err, "too many instruments"), "%s", err);
    free(many);
}

Test(config_errors, file_values_of_other_numeric_types_are_read_exactly)
{
    struct app_config c;
    char err[512];
    cr_assert_eq(load_text("min_rr_ratio = 3;\nzone_history_hours = 100L;\n"
                           "body_limit_bytes = 5000000000L;\nthreads = 7L;\n"
                           "protect_reads = true;\nliquidity_sources = (\"GANN\", \"ROUND\");\n"
                           "instruments = ( { symbol = \"DAX\"; pip_size = 0.5;"
                           " round_step = 50.0; } );\n",
                           &c, err, sizeof err), 0, "%s", err);
    cr_expect_float_eq(c.params.min_rr_ratio, 3.0, 1e-12);
    cr_expect_float_eq(c.params.zone_history_hours, 100.0, 1e-12);
    cr_expect_eq(c.body_limit_bytes, 5000000000L);
    cr_expect_eq(c.threads, 7);
    cr_expect_eq(c.protect_reads, 1);
    cr_expect_eq(c.params.liquidity_sources, (1u << SRC_GANN) | (1u << SRC_ROUND));
    int found = 0;
    for (int i = 0; i < c.ninstruments; i++)
        found += strcmp(c.instruments[i].symbol, "DAX") == 0 &&
                 c.instruments[i].round_step == 50.0 && c.instruments[i].pip_size == 0.5;
    cr_expect_eq(found, 1);
    /* --check-config's listing: sources by name, a set api_key hidden */
    snprintf(c.api_key, sizeof c.api_key, "s3cret");
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    config_print(&c, out);
    fclose(out);
    cr_expect_not_null(strstr(buf, "liquidity_sources = [\"ROUND\", \"GANN\"]\n"), "%s", buf);
    cr_expect_not_null(strstr(buf, "api_key = \"(set)\"\n"), "%s", buf);
    cr_expect_null(strstr(buf, "s3cret"));
    cr_expect_not_null(strstr(buf, "instrument DAX pip_size = 0.5 round_step = 50\n"), "%s", buf);
    free(buf);
}

Test(config_errors, sighup_copies_exactly_the_live_settings)
{
    struct app_config live, next;
    config_defaults(&live);
    config_defaults(&next);
    const char *names[4];
    cr_expect_eq(config_apply_live(&live, &next, names, 4), 0);
    next.port = 9999;
    next.params.swing_length = 9;
    next.params.liquidity_sources = 1u << SRC_ROUND;
    next.body_limit_bytes = 4096;
    cr_expect_eq(config_apply_live(&live, &next, names, 4), 0, "restart-only settings copied");
    cr_expect_eq(live.port, 8080);
    cr_expect_eq(live.params.swing_length != 9, 1);
    next.params.min_rr_ratio = 4.5;
    next.params.runner_enabled = !live.params.runner_enabled;
    snprintf(next.log_level, sizeof next.log_level, "debug");
    snprintf(next.owned_symbols, sizeof next.owned_symbols, "0 of 2");
    next.retry_after_s = 9;
    cr_expect_eq(config_apply_live(&live, &next, names, 2), 5, "five live settings changed");
    cr_expect_str_eq(names[0], "runner_enabled");
    cr_expect_str_eq(names[1], "min_rr_ratio");
    cr_expect_float_eq(live.params.min_rr_ratio, 4.5, 1e-12);
    cr_expect_str_eq(live.log_level, "debug");
    cr_expect_str_eq(live.owned_symbols, "0 of 2");
    cr_expect_eq(live.retry_after_s, 9);
    cr_expect_eq(config_apply_live(&live, &next, NULL, 0), 0, "nothing left to copy");
    cr_expect(config_is_live("owned_symbols"));
    cr_expect(!config_is_live("port"));
}

Test(config_errors, owned_symbols_grammar)
{
    struct own_spec s;
    char why[200];
    static const char *const good[] = {"all", "", "  all", "0 of 1", "4095 of 4096",
                                       " 2 of 3 ", "EURUSD, GBP.x_1-2", "A"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_expect_eq(own_spec_parse(good[i], &s, why, sizeof why), 0, "'%s': %s", good[i], why);
    static const char *const badv[] = {"1 of 1", "0 of 0", "0 of 4097", "1 of 2 x", "a of 2",
                                       "EUR/USD", "EURUSD,Ü",
                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"};
    for (size_t i = 0; i < sizeof badv / sizeof badv[0]; i++) {
        why[0] = '\0';
        cr_expect_eq(own_spec_parse(badv[i], &s, why, sizeof why), -1, "'%s' accepted", badv[i]);
        cr_expect_neq(why[0], '\0', "'%s' refused without a reason", badv[i]);
    }
    /* a range owns exactly the symbols whose hash falls on it; a list only its members */
    cr_assert_eq(own_spec_parse("1 of 3", &s, why, sizeof why), 0);
    static const char *const syms[] = {"EURUSD", "GBPUSD", "USDJPY", "NIFTY", "DAX", "XAUUSD"};
    for (size_t i = 0; i < 6; i++)
        cr_expect_eq(own_spec_has(&s, syms[i]), hash_str(syms[i]) % 3 == 1, "%s",
                     syms[i]);
    cr_assert_eq(own_spec_parse("EURUSD, DAX", &s, why, sizeof why), 0);
    cr_expect(own_spec_has(&s, "DAX") && own_spec_has(&s, "EURUSD"));
    cr_expect(!own_spec_has(&s, "GBPUSD") && !own_spec_has(&s, "EURUS"));
    cr_assert_eq(own_spec_parse("all", &s, why, sizeof why), 0);
    cr_expect(own_spec_has(&s, "ANYTHING"));
    /* more symbols than a list holds (OWN_MAX_LIST) */
    char list[1000] = "";
    for (int i = 0; i <= OWN_MAX_LIST; i++)
        strcat(list, i ? ",A" : "A");
    cr_expect_eq(own_spec_parse(list, &s, why, sizeof why), -1);
    list[2 * OWN_MAX_LIST - 1] = '\0';
    cr_expect_eq(own_spec_parse(list, &s, why, sizeof why), 0, "%s", why);
    cr_expect_eq(s.nlist, OWN_MAX_LIST);
}

Test(config_errors, typos_without_a_value_or_overlong_are_still_reported)
{
    char big[120] = "LIQ_";
    memset(big + 4, 'Q', 100);
    big[104] = '\0';
    char *env[] = {"LIQ_THREDS", big, "LIQ_INSTRUMENTS=A:1", "LIQ_CRASH_SEED=4", NULL};
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    cr_expect_eq(config_env_typos(env, out), 2);
    fclose(out);
    cr_expect_not_null(strstr(buf, "\"variable\":\"LIQ_THREDS\",\"closest\":\"LIQ_THREADS\""),
                       "%s", buf);
    cr_expect_null(strstr(buf, "INSTRUMENTS"), "%s", buf);
    free(buf);
}

Test(config_errors, the_service_refuses_to_start_naming_the_key)
{
    static char out[16384];
    static const char *const vars[] = {"LIQ_PORT=70000", "LIQ_LOG_LEVEL=loud",
                                       "LIQ_OWNED_SYMBOLS=5 of 5", "LIQ_INSTRUMENTS=EURUSD:0",
                                       "LIQ_RUNNER_ENABLED=maybe",
                                       "LIQ_LISTEN_ADDRESS=my-host"};
    static const char *const keys[] = {"'port'", "'log_level'", "'owned_symbols'",
                                       "'instruments'", "'runner_enabled'", "'listen_address'"};
    for (int i = 0; i < 6; i++) {
        cr_expect_eq(harness_check_config(vars[i], out, sizeof out), 2, "%s: %s", vars[i], out);
        cr_expect_not_null(strstr(out, keys[i]), "%s: %s", vars[i], out);
    }
}
