/*
 * config_typos.c - a misspelled setting named: the closest known key to an unknown file key
 * (config_closest_key) and the LIQ_ environment variables that name no setting, warned at
 * start with the closest one (config_env_typos). See config.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "service/config.h"

/* Edit distance (insertions, deletions, substitutions) of a and b, case-insensitive;
 * keys are short: beyond 63 characters the tail is ignored. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strnlen(a, 63), lb = strnlen(b, 63);
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            int same = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]);
            size_t best = diag + (same ? 0 : 1);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *config_closest_key(const char *name)
{
    const char *best = "instruments";
    size_t bestd = edit_distance(name, best);
    for (size_t k = 0; config_key_at(k) != NULL; k++) {
        size_t d = edit_distance(name, config_key_at(k));
        if (d < bestd) {
            bestd = d;
            best = config_key_at(k);
        }
    }
    return best;
}

/* LIQ_* variables that are not settings of the service but of its tools and tests
 * (liqctl, scripts/dev, the test harnesses, docker compose): never warned about. The test
 * config::every_variable_the_scripts_and_tests_export_is_known scans scripts/, tests/, bench/,
 * deploy/, .ci/ and tools/ and fails on a LIQ_ name missing here. */
static const char *const TOOL_VARS[] = {
    "URL",         "CONTRACT_LOG", "PGBIN",        "PGDATA",      "DATA_DIR",
    "SOURCE_DIR",  "FUZZ_SECONDS", "EURUSD_CSV",   "DB_PASSWORD", "CRASH_SEED",
    "CRASH_ROUNDS", "CHROMIUM",    "HTTP_PORT",    "OUTAGE_SECONDS", "PGDIR",
    "FUZZ_REQUESTS", "FUZZ_SEED",  "FUZZ_TARGETS", "HAPROXY_VERBOSE", "PATRONI_VERBOSE",
    "HA_HTTP_PORT", "MUTATE_KEEP", "MUTATE_TIMEOUT", "PG_REPLICATION_PASSWORD",
    "PG_SUPERUSER_PASSWORD", "TEST_INFO", "TEST_HTTP_PORT", "TEST_PGPORT",
    "COVERAGE_ENFORCE", "FIXTURE",
};

/* 1 if the LIQ_ variable named by suffix (upper case, without LIQ_) is known. */
static int env_known(const char *suffix, size_t n)
{
    if (n == strlen("INSTRUMENTS") && strncmp(suffix, "INSTRUMENTS", n) == 0)
        return 1;
    for (size_t k = 0; config_key_at(k) != NULL; k++)
        if (strlen(config_key_at(k)) == n && strncasecmp(config_key_at(k), suffix, n) == 0)
            return 1;
    for (size_t k = 0; k < sizeof TOOL_VARS / sizeof TOOL_VARS[0]; k++)
        if (strlen(TOOL_VARS[k]) == n && strncmp(TOOL_VARS[k], suffix, n) == 0)
            return 1;
    return 0;
}

int config_env_typos(char *const *env, FILE *out)
{
    int count = 0;
    for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
        const char *e = env[i];
        if (strncmp(e, "LIQ_", 4) != 0)
            continue;
        const char *eq = strchr(e, '=');
        size_t n = eq != NULL ? (size_t)(eq - e) - 4 : strlen(e) - 4;
        if (env_known(e + 4, n))
            continue;
        char key[64];
        size_t m = n < sizeof key - 1 ? n : sizeof key - 1;
        for (size_t j = 0; j < m; j++)
            key[j] = (char)tolower((unsigned char)e[4 + j]);
        key[m] = '\0';
        const char *near = config_closest_key(key);
        char upper[64];
        size_t u = 0;
        for (; near[u] != '\0' && u < sizeof upper - 1; u++)
            upper[u] = (char)toupper((unsigned char)near[u]);
        upper[u] = '\0';
        if (out != NULL) {
            char var[80], closest[80];
            snprintf(var, sizeof var, "LIQ_%.*s", (int)m, e + 4);
            snprintf(closest, sizeof closest, "LIQ_%s", upper);
            struct log_line l;
            log_always(&l, LOG_WARN, "unknown environment variable");
            log_str(&l, "variable", var);
            log_str(&l, "closest", closest);
            log_end_to(&l, out);
        }
        count++;
    }
    return count;
}
