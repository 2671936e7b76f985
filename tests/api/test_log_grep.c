/*
 * Every line the process writes goes through the one logger (issue 21 item 5, issue 22):
 * no product source (api/ service/ storage/ cmd/ domain/ base/) writes to stderr, calls
 * perror, or prints with a bare printf/puts, except base/log.c itself; main hands stderr to
 * config_env_typos, whose warnings are log lines (log_end_to). stdout is left to
 * `--help` and `--check-config`'s listing (config_print writes to the FILE it is given).
 *
 * A source scan, like test_sql_grep: it reads the tree the test was built from.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/harness.h"

static const char *const DIRS[] = {"api", "service", "storage", "cmd", "domain", "base"};
/* What may name stderr: the logger itself (text NULL: the whole file), and main handing it
 * to the typo scan. */
static const struct {
    const char *file, *text;
} ALLOWED[] = {
    {"base/log.c", NULL},
    {"base/log.h", NULL},
    {"cmd/liquidityd.c", "config_env_typos(environ, stderr)"},
};

static int ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

/* 1 when word( occurs in line not as the tail of a longer name (snprintf is not printf). */
static int calls(const char *line, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(line, word); p != NULL; p = strstr(p + 1, word))
        if ((p == line || !ident(p[-1])) && p[n] == '(')
            return 1;
    return 0;
}

/* Violations in text (the source of file), each printed unless quiet. */
static int scan_text(const char *file, char *text, int quiet)
{
    int bad = 0, lineno = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        int hit = strstr(line, "stderr") != NULL || calls(line, "perror") ||
                  calls(line, "printf") || calls(line, "puts") || calls(line, "vprintf");
        for (size_t i = 0; hit && i < sizeof ALLOWED / sizeof ALLOWED[0]; i++)
            if (strstr(file, ALLOWED[i].file) &&
                (ALLOWED[i].text == NULL || strstr(line, ALLOWED[i].text)))
                hit = 0;
        if (hit && !quiet)
            fprintf(stderr, "%s:%d writes outside the logger: %s\n", file, lineno, line);
        bad += hit;
    }
    return bad;
}

static int scan_dir(const char *dir, int *files)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s", dir);
    int bad = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_type == DT_DIR) {
            bad += scan_dir(path, files);
            continue;
        }
        if (n < 3 || (strcmp(e->d_name + n - 2, ".c") != 0 && strcmp(e->d_name + n - 2, ".h")))
            continue;
        size_t len = 0;
        char *text = harness_read_file(path, &len);
        bad += scan_text(path, text, 0);
        free(text);
        (*files)++;
    }
    closedir(d);
    return bad;
}

Test(log_grep, no_product_source_writes_outside_the_logger)
{
    int bad = 0, files = 0;
    for (size_t i = 0; i < sizeof DIRS / sizeof DIRS[0]; i++) {
        char dir[600];
        snprintf(dir, sizeof dir, "%s/%s", LIQ_SOURCE_DIR, DIRS[i]);
        bad += scan_dir(dir, &files);
    }
    cr_assert_gt(files, 100, "the scan read the tree (%d files)", files);
    cr_assert_eq(bad, 0, "%d line(s) write outside base/log.h (listed above)", bad);
}

Test(log_grep, the_scan_catches_a_hand_built_line)
{
    char a[] = "    fprintf(stderr, \"{\\\"level\\\":\\\"info\\\"}\\n\");";
    char b[] = "    perror(\"open\");";
    char c[] = "    printf(\"%d\\n\", x);";
    char d[] = "    snprintf(buf, sizeof buf, \"%d\", x); textbuf_printf(&b, \"x\");";
    char e[] = "    fputs(\"x\", stderr);";
    cr_assert_eq(scan_text("api/x.c", a, 1), 1);
    cr_assert_eq(scan_text("api/x.c", b, 1), 1);
    cr_assert_eq(scan_text("api/x.c", c, 1), 1);
    cr_assert_eq(scan_text("api/x.c", d, 1), 0, "snprintf and textbuf_printf build, not print");
    cr_assert_eq(scan_text("api/x.c", e, 1), 1);
    char f[] = "    config_env_typos(environ, stderr);";
    cr_assert_eq(scan_text("/src/cmd/liquidityd.c", f, 1), 0);
    cr_assert_eq(scan_text("/src/service/x.c", f, 1), 1, "the allowance is per file");
}
