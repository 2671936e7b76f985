/*
 * Configuration: the shipped file, environment overrides and errors that name the key
 * (DESIGN.md section 5).
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <dirent.h>
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

/* --- every LIQ_ variable the tools export is known ----------------------------------------- */

static int g_tool_vars, g_unknown_vars;

/* Every LIQ_NAME token of a script, harness or compose file (not a C file, whose LIQ_ names
 * are enum values and header guards; not -DLIQ_..., a CMake option) must be a setting or a
 * known tool variable: otherwise the service would warn about it as a typo at start and
 * --check-config would fail when a script exports it. */
static void scan_vars_file(const char *path)
{
    size_t n = strlen(path);
    if (n > 2 && (strcmp(path + n - 2, ".c") == 0 || strcmp(path + n - 2, ".h") == 0))
        return;
    size_t len;
    char *text = harness_read_file(path, &len);
    for (const char *q = text; (q = strstr(q, "LIQ_")) != NULL; q += 4) {
        if (q > text && (isalnum((unsigned char)q[-1]) || q[-1] == '_'))
            continue;
        if (q - text >= 2 && q[-2] == '-' && q[-1] == 'D')
            continue;
        size_t k = 4;
        while (isupper((unsigned char)q[k]) || isdigit((unsigned char)q[k]) || q[k] == '_')
            k++;
        if (k == 4 || islower((unsigned char)q[k]))
            continue;
        char var[96];
        snprintf(var, sizeof var, "%.*s=1", (int)(k < 80 ? k : 80), q);
        char *env[] = {var, NULL};
        g_tool_vars++;
        if (config_env_typos(env, NULL) != 0) {
            g_unknown_vars++;
            cr_log_error("%s: %s is neither a setting nor a known tool variable "
                         "(service/config_typos.c TOOL_VARS)", path, var);
        }
    }
    free(text);
}

static void scan_vars_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            strcmp(e->d_name, "node_modules") == 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_type == DT_DIR)
            scan_vars_dir(path);
        else if (e->d_type == DT_REG)
            scan_vars_file(path);
    }
    closedir(d);
}

Test(config, every_variable_the_scripts_and_tests_export_is_known)
{
    static const char *const DIRS[] = {"scripts", "tests", "bench", "deploy", ".ci", "tools"};
    for (size_t i = 0; i < sizeof DIRS / sizeof DIRS[0]; i++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s", LIQ_SOURCE_DIR, DIRS[i]);
        scan_vars_dir(dir);
    }
    cr_assert_gt(g_tool_vars, 30, "the scan found the variables (%d)", g_tool_vars);
    cr_assert_eq(g_unknown_vars, 0, "%d variable(s) unknown (see the log)", g_unknown_vars);
}
