/*
 * Every setting refuses what it must and takes what it may, from the file and from the
 * environment (issue 16, item 8: service/config.c's checks, most of which no test ran;
 * "fix classes, not examples"). The settings are enumerated from config_print, so a new
 * setting is covered without touching this test. For each one: a value of the wrong type,
 * one far beyond any range (both signs) and garbage in LIQ_<KEY> are refused with an error
 * naming the key; its own default, written back, is taken and changes nothing. Booleans take
 * the six spellings the docs give, strings refuse what does not fit, the source list refuses
 * an unknown name.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "service/config.h"
#include "tests/support/harness.h"

struct item {
    char key[64];
    char value[1100];
};

static size_t settings(struct item *out, size_t cap)
{
    struct app_config c;
    config_defaults(&c);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    config_print(&c, f);
    fclose(f);
    size_t n = 0;
    for (char *line = strtok(buf, "\n"); line && n < cap; line = strtok(NULL, "\n")) {
        const char *eq = strstr(line, " = ");
        if (eq == NULL || strncmp(line, "instrument", 10) == 0)
            continue;
        snprintf(out[n].key, sizeof out[n].key, "%.*s", (int)(eq - line), line);
        snprintf(out[n].value, sizeof out[n].value, "%s", eq + 3);
        size_t vl = strlen(out[n].value);
        if (vl > 0 && out[n].value[vl - 1] == ';')
            out[n].value[vl - 1] = '\0';
        n++;
    }
    free(buf);
    return n;
}

static char conf_path[64];

/* config_load of a file holding `key = value;` (value NULL: an empty file) with LIQ_<KEY>
 * = env (NULL: unset). 0 or -1; err filled. */
static int load_with(const char *key, const char *value, const char *env, char *err,
                     size_t errlen, struct app_config *c)
{
    FILE *f = fopen(conf_path, "w");
    cr_assert_not_null(f);
    if (value != NULL)
        fprintf(f, "%s = %s;\n", key, value);
    else /* a file holds at least one setting (an empty one is refused): a default */
        fputs(strcmp(key, "port") == 0 ? "threads = 4;\n" : "port = 8080;\n", f);
    fclose(f);
    char name[80] = "LIQ_";
    for (size_t i = 0; key[i] && i < 70; i++)
        name[4 + i] = (char)toupper((unsigned char)key[i]);
    if (env != NULL)
        setenv(name, env, 1);
    config_defaults(c);
    err[0] = '\0';
    int rc = config_load(c, conf_path, err, errlen);
    unsetenv(name);
    return rc;
}

static void refused(const struct item *it, const char *value, const char *env)
{
    char err[512];
    struct app_config c;
    int rc = load_with(it->key, value, env, err, sizeof err, &c);
    cr_assert_eq(rc, -1, "%s: file '%s' env '%s' was taken", it->key, value ? value : "-",
                 env ? env : "-");
    cr_assert(strstr(err, it->key) != NULL, "%s: the error does not name it: %s", it->key,
              err);
}

static void taken(const struct item *it, const char *value, const char *env)
{
    char err[512];
    struct app_config c, d;
    cr_assert_eq(load_with(it->key, value, env, err, sizeof err, &c), 0,
                 "%s: file '%s' env '%s' refused: %s", it->key, value ? value : "-",
                 env ? env : "-", err);
    cr_assert_eq(load_with(it->key, NULL, NULL, err, sizeof err, &d), 0, "%s", err);
}

static int is_number(const char *v)
{
    char *end;
    strtod(v, &end);
    return end != v && *end == '\0';
}

Test(config_table, every_setting_refuses_what_it_must_and_takes_its_default, .timeout = 60)
{
    snprintf(conf_path, sizeof conf_path, "/tmp/liq-config-table-%d.conf", (int)getpid());
    static struct item items[256];
    size_t n = settings(items, 256);
    cr_assert_gt(n, 40, "config_print lists the settings (%zu)", n);
    size_t numbers = 0, bools = 0, strings = 0, lists = 0;
    for (size_t i = 0; i < n; i++) {
        const struct item *it = &items[i];
        const char *v = it->value;
        if (!strcmp(v, "true") || !strcmp(v, "false")) {
            bools++;
            refused(it, "3", NULL);
            refused(it, NULL, "maybe");
            static const char *const yes[] = {"true", "1", "yes", "false", "0", "no"};
            for (int k = 0; k < 6; k++)
                taken(it, NULL, yes[k]);
            taken(it, v, NULL);
        } else if (v[0] == '"') {
            strings++;
            refused(it, "5", NULL);
            static char huge[1200];
            memset(huge, 'x', sizeof huge - 1);
            refused(it, NULL, huge);
            taken(it, v, NULL);
        } else if (v[0] == '[' || v[0] == '(') {
            lists++;
            refused(it, "5", NULL);
            refused(it, "[\"NOT_A_SOURCE\"]", NULL);
            refused(it, NULL, "ROUND,NOT_A_SOURCE");
            taken(it, v, NULL);
        } else {
            cr_assert(is_number(v), "%s = %s: not a number, bool, string or list", it->key, v);
            numbers++;
            refused(it, "\"text\"", NULL);
            refused(it, "1e30", NULL);
            refused(it, "-1e30", NULL);
            refused(it, NULL, "garbage");
            refused(it, NULL, "1e300");
            refused(it, NULL, "");
            taken(it, v, NULL);
            taken(it, NULL, v);
        }
    }
    unlink(conf_path);
    cr_log_info("config: %zu settings (%zu numbers, %zu booleans, %zu strings, %zu lists)", n,
                numbers, bools, strings, lists);
    cr_assert_gt(numbers, 20);
    cr_assert_gt(bools, 1);
    cr_assert_gt(strings, 2);
}

Test(config_table, a_file_that_is_not_a_config_is_refused_with_its_line)
{
    snprintf(conf_path, sizeof conf_path, "/tmp/liq-config-table-%d.conf", (int)getpid());
    static const char *const broken[] = {"port = ;\n", "port = 80 80;\n", "[[[\n",
                                         "min_rr_ratio = 1.5; min_rr_ratio = 2;\n"};
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        FILE *f = fopen(conf_path, "w");
        cr_assert_not_null(f);
        fputs(broken[i], f);
        fclose(f);
        struct app_config c;
        config_defaults(&c);
        char err[512] = "";
        cr_assert_eq(config_load(&c, conf_path, err, sizeof err), -1, "'%s' taken", broken[i]);
        cr_assert_neq(err[0], '\0', "'%s': no error text", broken[i]);
    }
    struct app_config c;
    config_defaults(&c);
    char err[512] = "";
    cr_assert_eq(config_load(&c, "/nonexistent/liquidityd.conf", err, sizeof err), -1);
    cr_assert_neq(err[0], '\0');
    unlink(conf_path);
}
