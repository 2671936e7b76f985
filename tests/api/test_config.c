/*
 * Configuration: the shipped file, environment overrides and errors that name the key
 * (DESIGN.md section 5).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "service/config.h"
#include "tests/support/harness.h"

#define CONF LIQ_SOURCE_DIR "/config/liquidityd.conf"

Test(config, shipped_file_is_valid_and_equals_the_defaults)
{
    struct app_config def, file;
    config_defaults(&def);
    config_defaults(&file);
    char err[256] = "";
    cr_assert_eq(config_load(&file, CONF, err, sizeof err), 0, "%s", err);
    cr_assert_eq(memcmp(&def.params, &file.params, sizeof def.params), 0,
                 "config/liquidityd.conf must state the built-in defaults");
    cr_assert_gt(file.ninstruments, 0);
}

Test(config, shipped_file_names_every_setting)
{
    struct app_config c;
    config_defaults(&c);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    config_print(&c, out);
    fclose(out);
    size_t flen = 0;
    char *file = harness_read_file(CONF, &flen);
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "instrument ", 11) == 0)
            continue;
        char key[64];
        cr_assert_eq(sscanf(line, "%63s =", key), 1);
        char needle[80];
        snprintf(needle, sizeof needle, "\n%s = ", key);
        cr_expect_not_null(strstr(file, needle), "config/liquidityd.conf lacks %s", key);
    }
    free(file);
    free(buf);
}

Test(config, environment_overrides_the_file)
{
    setenv("LIQ_MIN_RR_RATIO", "2.5", 1);
    setenv("LIQ_LIQUIDITY_SOURCES", "ROUND,GANN", 1);
    setenv("LIQ_INSTRUMENTS", "NIFTY:0.05", 1);
    struct app_config c;
    config_defaults(&c);
    char err[256] = "";
    int rc = config_load(&c, CONF, err, sizeof err);
    unsetenv("LIQ_MIN_RR_RATIO");
    unsetenv("LIQ_LIQUIDITY_SOURCES");
    unsetenv("LIQ_INSTRUMENTS");
    cr_assert_eq(rc, 0, "%s", err);
    cr_assert_float_eq(c.params.min_rr_ratio, 2.5, 1e-12);
    cr_assert_eq(c.params.liquidity_sources, (1u << SRC_ROUND) | (1u << SRC_GANN));
    int found = 0;
    for (int i = 0; i < c.ninstruments; i++)
        found |= strcmp(c.instruments[i].symbol, "NIFTY") == 0 &&
                 c.instruments[i].pip_size == 0.05;
    cr_assert(found);
}

Test(config, a_bad_value_names_the_key)
{
    setenv("LIQ_MIN_RR_RATIO", "fast", 1);
    struct app_config c;
    config_defaults(&c);
    char err[256] = "";
    int rc = config_load(&c, NULL, err, sizeof err);
    unsetenv("LIQ_MIN_RR_RATIO");
    cr_assert_eq(rc, -1);
    cr_assert_not_null(strstr(err, "min_rr_ratio"), "%s", err);

    setenv("LIQ_SWING_LENGTH", "0", 1);
    config_defaults(&c);
    rc = config_load(&c, NULL, err, sizeof err);
    unsetenv("LIQ_SWING_LENGTH");
    cr_assert_eq(rc, -1);
    cr_assert_not_null(strstr(err, "swing_length"), "%s", err);
}

Test(config, an_unknown_key_or_source_in_the_file_is_an_error)
{
    char path[] = "/tmp/liq-conf-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    fputs("min_rr_ratio = 2.0;\nmin_rr_raito = 3.0;\n", f);
    fclose(f);
    struct app_config c;
    config_defaults(&c);
    char err[256] = "";
    cr_assert_eq(config_load(&c, path, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "min_rr_raito"), "%s", err);
    f = fopen(path, "w");
    fputs("liquidity_sources = [\"ROUND\", \"MOON\"];\n", f);
    fclose(f);
    config_defaults(&c);
    cr_assert_eq(config_load(&c, path, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "MOON"), "%s", err);
    unlink(path);
}

Test(config, a_misspelled_variable_is_reported_with_the_closest_name)
{
    char *env[] = {"PATH=/bin", "LIQ_MIN_LIQUIDTY_STRENGTH=0.4", "LIQ_PORT=1",
                   "LIQ_URL=http://x", "LIQ_INSTRUMENTS=A:1", "LIQ_THREDS=2", NULL};
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    int n = config_env_typos(env, out);
    fclose(out);
    cr_assert_eq(n, 2, "%s", buf);
    cr_assert_not_null(strstr(buf, "\"variable\":\"LIQ_MIN_LIQUIDTY_STRENGTH\","
                                   "\"closest\":\"LIQ_MIN_LIQUIDITY_STRENGTH\""), "%s", buf);
    cr_assert_not_null(strstr(buf, "\"variable\":\"LIQ_THREDS\",\"closest\":\"LIQ_THREADS\""),
                       "%s", buf);
    cr_assert_null(strstr(buf, "LIQ_PORT"), "%s", buf);
    free(buf);
    char *clean[] = {"LIQ_MIN_RR_RATIO=2", "LIQ_PGBIN=/x", NULL};
    cr_assert_eq(config_env_typos(clean, NULL), 0);
    cr_assert_str_eq(config_closest_key("min_rr_raito"), "min_rr_ratio");
}

Test(config, check_config_fails_on_a_misspelled_variable)
{
    static char out[16384];
    cr_assert_eq(harness_check_config("LIQ_MIN_LIQUIDTY_STRENGTH=0.4", out, sizeof out), 2, "%s",
                 out);
    cr_assert_not_null(strstr(out, "\"closest\":\"LIQ_MIN_LIQUIDITY_STRENGTH\""), "%s", out);
    cr_assert_eq(harness_check_config("LIQ_MIN_LIQUIDITY_STRENGTH=0.4", out, sizeof out), 0, "%s",
                 out);
    cr_assert_not_null(strstr(out, "min_liquidity_strength = 0.4"), "%s", out);
}
