/*
 * liquidityd.c - main of liquidityd: `liquidityd [--config FILE] [--check-config]` serves;
 * `liquidityd migrate [--config FILE]` only applies migrations.
 *
 * Exit codes: 0 after SIGTERM/SIGINT and a clean drain, 1 when the service cannot start
 * (database, port), 2 for a bad command line or configuration.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/app.h"
#include "service/config.h"
#include "service/lifecycle.h"

static void usage(FILE *out)
{
    fputs("usage: liquidityd [migrate] [--config FILE] [--check-config]\n"
          "  environment: LIQ_<SETTING> overrides any setting (LIQ_PORT, LIQ_DATABASE_URL,\n"
          "  LIQ_API_KEY, LIQ_THREADS, LIQ_MIN_RR_RATIO, ...), see config/liquidityd.conf\n",
          out);
}

/* SIGHUP: re-reads the file and the environment like a start does, then publishes the
 * live settings (config_apply_live). A bad file changes nothing and is logged. */
static void reload(struct app *a, const char *config_path)
{
    struct app_config fresh;
    config_defaults(&fresh);
    char err[512];
    if (config_load(&fresh, config_path, err, sizeof err) != 0) {
        fprintf(stderr, "{\"level\":\"error\",\"msg\":\"SIGHUP: configuration rejected, "
                        "nothing changed\",\"reason\":\"");
        for (const char *p = err; *p; p++)
            if (*p != '"' && *p != '\\' && *p != '\n')
                fputc(*p, stderr);
        fputs("\"}\n", stderr);
        return;
    }
    const char *names[32];
    int n = app_reload(a, &fresh, names, 32);
    fprintf(stderr, "{\"level\":\"info\",\"msg\":\"SIGHUP: configuration reloaded\","
                    "\"changed\":%d,\"settings\":[", n < 0 ? 0 : n);
    for (int i = 0; i < n && i < 32; i++)
        fprintf(stderr, "%s\"%s\"", i ? "," : "", names[i]);
    fputs("]}\n", stderr);
}

int main(int argc, char **argv)
{
    const char *config_path = NULL;
    int check = 0, migrate_only = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config_path = argv[++i];
        } else if (strcmp(argv[i], "--check-config") == 0) {
            check = 1;
        } else if (strcmp(argv[i], "migrate") == 0) {
            migrate_only = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "liquidityd: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    struct app_config cfg;
    config_defaults(&cfg);
    char err[512];
    if (config_load(&cfg, config_path, err, sizeof err) != 0) {
        fprintf(stderr, "liquidityd: configuration: %s\n", err);
        return 2;
    }
    /* a misspelled LIQ_ variable would be ignored silently: warn, and fail the check */
    int typos = config_env_typos(environ, stderr);
    if (check) {
        config_print(&cfg, stdout);
        if (typos > 0) {
            fprintf(stderr, "liquidityd: configuration: %d unknown LIQ_ variable(s), "
                            "see the warnings above\n", typos);
            return 2;
        }
        return 0;
    }
    if (migrate_only) {
        int applied = 0;
        service_db_limits(&cfg);
        if (service_migrate(cfg.database_url, &applied, err, sizeof err) != 0) {
            fprintf(stderr, "liquidityd: migrate: %s\n", err);
            return 1;
        }
        printf("liquidityd: %d migration(s) applied\n", applied);
        return 0;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    /* block before any thread starts so only sigwait sees them */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct app *a = app_start(&cfg, err, sizeof err);
    if (a == NULL) {
        fprintf(stderr, "liquidityd: cannot start: %s\n", err);
        return 1;
    }
    fprintf(stderr, "{\"level\":\"info\",\"msg\":\"listening\",\"port\":%d,\"persistence\":%s}\n",
            app_port(a), cfg.params.liquidity_db_persist ? "true" : "false");
    for (;;) {
        int sig = 0;
        sigwait(&set, &sig);
        if (sig == SIGHUP) {
            reload(a, config_path);
            continue;
        }
        break;
    }
    fprintf(stderr, "{\"level\":\"info\",\"msg\":\"draining\"}\n");
    service_shutdown_within(APP_DB_CUT_MS); /* whatever the database does (api/app.h) */
    app_stop(a);
    fprintf(stderr, "{\"level\":\"info\",\"msg\":\"stopped\"}\n");
    return 0;
}
