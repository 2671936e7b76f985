/*
 * Transaction control in storage/ only (issue 22): no string literal outside storage/ is a
 * BEGIN, COMMIT, ROLLBACK (or START TRANSACTION, SAVEPOINT, ...): the one write path,
 * service/write.c, opens and ends transactions through storage's pg_begin / pg_commit /
 * pg_rollback / pg_pipeline_*.
 *
 * Parameterised SQL only (issue 6, item 7): every call that hands SQL text to libpq in the
 * service's sources (api/ service/ storage/ cli/) passes a string literal or one of the
 * constant tables of storage/statements.c - never a buffer built at run time - and no
 * printf-family call formats SQL. Values travel as $n parameters or COPY data.
 *
 * A source scan, not a server test: it reads the tree the test was built from.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/harness.h"

/* Call name and the index (0-based) of the argument holding SQL. */
static const struct {
    const char *fn;
    int arg;
} SQL_CALLS[] = {
    {"PQexec", 1},        {"PQexecParams", 1}, {"PQprepare", 2},     {"PQsendQuery", 1},
    {"PQsendQueryParams", 1}, {"PQsendPrepare", 2}, {"pg_command", 1}, {"pg_copy_begin", 1},
    {"run_sql", 1},
};
/* pg_exec / PQexecPrepared take the NAME of a statement prepared from the table, not SQL. */

/* Non-literal arguments that are allowed, by file: the wrappers' own parameters and the
 * constant tables (every entry of which is a literal in storage/statements.c). */
static const struct {
    const char *file, *arg;
} ALLOWED[] = {
    {"storage/pg.c", "sql"},          {"storage/pg.c", "copy_sql"},
    {"storage/pg.c", "s->sql"},       {"storage/pg.c", "s->name"},
    {"storage/migrate.c", "sql"},
    {"storage/zones_store.c", "COPY_ZONE_STAGE"}, {"storage/zones_store.c", "COPY_ZONE_EVENTS"},
    {"storage/bars_store.c", "COPY_BARS"}, {"storage/bars_store.c", "BEGIN_COPY_BARS"},
};

static int allowed(const char *file, const char *arg)
{
    for (size_t i = 0; i < sizeof ALLOWED / sizeof ALLOWED[0]; i++)
        if (strstr(file, ALLOWED[i].file) && strcmp(arg, ALLOWED[i].arg) == 0)
            return 1;
    return 0;
}

/* The argument idx of the call whose '(' is at p, trimmed, into out. */
static int call_arg(const char *p, int idx, char *out, size_t outlen)
{
    int depth = 0, cur = 0;
    const char *start = p + 1;
    for (const char *q = p; *q; q++) {
        if (*q == '"') { /* skip literals, they may hold commas */
            for (q++; *q && *q != '"'; q++)
                if (*q == '\\' && q[1])
                    q++;
            continue;
        }
        if (*q == '(') {
            depth++;
        } else if (*q == ')' || (*q == ',' && depth == 1)) {
            if (*q == ')')
                depth--;
            if (depth == 0 || *q == ',') {
                if (cur == idx) {
                    while (isspace((unsigned char)*start))
                        start++;
                    size_t n = (size_t)(q - start);
                    while (n > 0 && isspace((unsigned char)start[n - 1]))
                        n--;
                    snprintf(out, outlen, "%.*s", (int)n, start);
                    return 0;
                }
                cur++;
                start = q + 1;
            }
            if (depth == 0)
                return -1;
        }
    }
    return -1;
}

static int is_identifier_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

static int g_violations, g_calls;
static int g_quiet;   /* the self-test expects violations: do not log them */

static void scan_file(const char *path)
{
    size_t len;
    char *text = harness_read_file(path, &len);
    for (size_t k = 0; k < sizeof SQL_CALLS / sizeof SQL_CALLS[0]; k++) {
        const char *fn = SQL_CALLS[k].fn;
        size_t fl = strlen(fn);
        for (const char *p = strstr(text, fn); p; p = strstr(p + 1, fn)) {
            if ((p > text && is_identifier_char(p[-1])) || p[fl] != '(')
                continue;
            /* a definition or declaration: the argument is a typed parameter */
            char arg[512];
            if (call_arg(p + fl, SQL_CALLS[k].arg, arg, sizeof arg) != 0)
                continue;
            if (strstr(arg, "const char") || strstr(arg, "PGconn"))
                continue;
            g_calls++;
            if (arg[0] == '"' || allowed(path, arg))
                continue;
            g_violations++;
            if (!g_quiet)
                cr_log_error("%s: %s(...) gets SQL from '%s', not a literal or constant", path,
                             fn, arg);
        }
    }
    /* SQL formatted with printf-family calls */
    static const char *const FORMATTERS[] = {"sprintf(", "snprintf(", "strcat(", "strcpy(",
                                             "textbuf_printf("};
    static const char *const KEYWORDS[] = {"SELECT ", "INSERT ", "UPDATE ", "DELETE ",
                                           "DROP ", "CREATE ", "ALTER ", "TRUNCATE ",
                                           " WHERE "};
    for (size_t f = 0; f < sizeof FORMATTERS / sizeof FORMATTERS[0]; f++) {
        for (const char *p = strstr(text, FORMATTERS[f]); p; p = strstr(p + 1, FORMATTERS[f])) {
            const char *end = strchr(p, ';');
            if (end == NULL)
                continue;
            for (size_t w = 0; w < sizeof KEYWORDS / sizeof KEYWORDS[0]; w++) {
                const char *hit = strstr(p, KEYWORDS[w]);
                if (hit != NULL && hit < end) {
                    g_violations++;
                    if (!g_quiet)
                        cr_log_error("%s: %.*s formats SQL", path, (int)(end - p), p);
                    break;
                }
            }
        }
    }
    free(text);
}

/* Calls fn on every .c file below dir (and every .h file with headers). */
static void scan_dir(const char *dir, void (*fn)(const char *path), int headers)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t n = strlen(e->d_name);
        if (e->d_type == DT_DIR)
            scan_dir(path, fn, headers);
        else if (n > 2 && (strcmp(e->d_name + n - 2, ".c") == 0 ||
                           (headers && strcmp(e->d_name + n - 2, ".h") == 0)))
            fn(path);
    }
    closedir(d);
}

Test(sql, only_literal_or_constant_sql_reaches_libpq)
{
    static const char *const DIRS[] = {"api", "service", "storage", "cli", "domain"};
    for (size_t i = 0; i < sizeof DIRS / sizeof DIRS[0]; i++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s", LIQ_SOURCE_DIR, DIRS[i]);
        scan_dir(dir, scan_file, 0);
    }
    cr_assert_gt(g_calls, 15, "the scan found the libpq calls (%d)", g_calls);
    cr_assert_eq(g_violations, 0, "%d place(s) build SQL at run time (see the log)",
                 g_violations);
}

/* --- transaction control outside storage/ ---------------------------------------------- */

static int g_txn_literals;

/* Counts the string literals of path that start with a transaction-control word (upper case,
 * as the house writes SQL) followed by the literal's end, ';' or a space ("COMMIT",
 * "BEGIN;", "ROLLBACK TO x"); comments are skipped. */
static void scan_txn_file(const char *path)
{
    static const char *const WORDS[] = {"BEGIN", "COMMIT", "ROLLBACK", "START TRANSACTION",
                                        "SAVEPOINT", "RELEASE SAVEPOINT", "END TRANSACTION",
                                        "ABORT", "PREPARE TRANSACTION"};
    size_t len;
    char *text = harness_read_file(path, &len);
    int in_comment = 0;
    for (const char *q = text; *q; q++) {
        if (in_comment) {
            if (q[0] == '*' && q[1] == '/')
                in_comment = 0, q++;
            continue;
        }
        if (q[0] == '/' && q[1] == '*') {
            in_comment = 1;
            continue;
        }
        if (q[0] == '/' && q[1] == '/') {
            while (*q && *q != '\n')
                q++;
            if (!*q)
                break;
            continue;
        }
        if (q[0] == '\'' && q[1] && q[2] == '\'') { /* '"' */
            q += 2;
            continue;
        }
        if (*q != '"')
            continue;
        const char *lit = q + 1;
        for (q++; *q && *q != '"'; q++)
            if (*q == '\\' && q[1])
                q++;
        while (*lit == ' ')
            lit++;
        for (size_t w = 0; w < sizeof WORDS / sizeof WORDS[0]; w++) {
            size_t wl = strlen(WORDS[w]);
            if (strncmp(lit, WORDS[w], wl) == 0 &&
                (lit[wl] == '"' || lit[wl] == ';' || lit[wl] == ' ')) {
                g_txn_literals++;
                if (!g_quiet)
                    cr_log_error("%s: \"%.*s...\" controls a transaction outside storage/",
                                 path, (int)wl, lit);
                break;
            }
        }
        if (!*q)
            break;
    }
    free(text);
}

Test(sql, no_begin_commit_or_rollback_outside_storage)
{
    static const char *const DIRS[] = {"api", "service", "cmd", "cli", "domain", "base",
                                       "research"};
    for (size_t i = 0; i < sizeof DIRS / sizeof DIRS[0]; i++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s", LIQ_SOURCE_DIR, DIRS[i]);
        scan_dir(dir, scan_txn_file, 1);
    }
    cr_assert_eq(g_txn_literals, 0, "%d transaction statement(s) outside storage/ (see the log)",
                 g_txn_literals);
    /* and the scan sees them where they belong */
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/storage", LIQ_SOURCE_DIR);
    g_quiet = 1;
    scan_dir(dir, scan_txn_file, 1);
    g_quiet = 0;
    cr_assert_geq(g_txn_literals, 3, "storage/ holds BEGIN, COMMIT and ROLLBACK (%d)",
                  g_txn_literals);
}

Test(sql, the_transaction_scan_catches_a_commit)
{
    char path[] = "/tmp/liq-txngrep-XXXXXX.c";
    int fd = mkstemps(path, 2);
    cr_assert_geq(fd, 0);
    const char *bad = "/* COMMIT in a comment is fine: \"COMMIT\" */\n"
                      "static const char *m = \"begin with a bar\"; /* not SQL */\n"
                      "int f(PGconn *c) { return pg_command(c, \"COMMIT\") + q(\" BEGIN;\"); }\n";
    cr_assert_eq(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
    close(fd);
    g_txn_literals = 0;
    g_quiet = 1;
    scan_txn_file(path);
    g_quiet = 0;
    unlink(path);
    cr_assert_eq(g_txn_literals, 2, "\"COMMIT\" and \" BEGIN;\" are reported, nothing else (%d)",
                 g_txn_literals);
}

Test(sql, the_scan_catches_a_built_query)
{
    char path[] = "/tmp/liq-sqlgrep-XXXXXX.c";
    int fd = mkstemps(path, 2);
    cr_assert_geq(fd, 0);
    const char *bad = "void f(PGconn *c, const char *sym) {\n"
                      "    char q[256];\n"
                      "    snprintf(q, sizeof q, \"SELECT * FROM bars WHERE symbol = '%s'\", sym);\n"
                      "    PQclear(PQexec(c, q));\n}\n";
    cr_assert_eq(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
    close(fd);
    g_violations = 0;
    g_quiet = 1; /* Criterion fails the run on any logged error, even an expected one */
    scan_file(path);
    g_quiet = 0;
    unlink(path);
    cr_assert_eq(g_violations, 2, "both the snprintf and the PQexec(c, q) are reported");
}
