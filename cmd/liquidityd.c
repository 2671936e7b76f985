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
#include "base/log.h"
#include "service/config.h"
#include "service/lifecycle.h"

/* Lines the log writer may lag behind before new ones are dropped (and counted). */
#define LOG_QUEUE_LINES 16384

static const char USAGE[] =
    "usage: liquidityd [migrate] [--config FILE] [--check-config]\n"
    "  environment: LIQ_<SETTING> overrides any setting (LIQ_PORT, LIQ_DATABASE_URL,\n"
    "  LIQ_API_KEY, LIQ_THREADS, LIQ_MIN_RR_RATIO, ...), see config/liquidityd.conf\n";

/* An error line (whatever log_level says) with its reason. */
static void log_error(const char *msg, const char *key, const char *value)
{
    struct log_line l;
    log_always(&l, LOG_ERROR, msg);
    if (key != NULL)
        log_str(&l, key, value);
    log_end(&l);
}

/* SIGHUP: re-reads the file and the environment like a start does, checks the result as a
 * whole against the running file (config_check_reload: a file cut short is refused), then
 * publishes the live settings (config_apply_live). A bad file changes nothing and is logged;
 * running->file_keys follows the file taken. */
static void reload(struct app *a, const char *config_path, struct app_config *running)
{
    struct app_config fresh;
    config_defaults(&fresh);
    char err[512];
    if (config_load(&fresh, config_path, err, sizeof err) != 0 ||
        config_check_reload(running, &fresh, err, sizeof err) != 0) {
        log_error("SIGHUP: configuration rejected, nothing changed", "reason", err);
        return;
    }
    memcpy(running->file_keys, fresh.file_keys, sizeof running->file_keys);
    const char *names[32];
    int n = app_reload(a, &fresh, names, 32);
    struct log_line l;
    log_always(&l, LOG_INFO, "SIGHUP: configuration reloaded");
    log_int(&l, "changed", n < 0 ? 0 : n);
    log_strs(&l, "settings", names, n < 0 ? 0 : (size_t)(n < 32 ? n : 32));
    log_end(&l);
}

static void log_listening(const struct app *a)
{
    struct log_line l;
    log_always(&l, LOG_INFO, "listening");
    log_int(&l, "port", app_port(a));
    log_bool(&l, "persistence", a->st.persist);
    log_end(&l);
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
            fputs(USAGE, stdout);
            return 0;
        } else {
            struct log_line l;
            log_always(&l, LOG_ERROR, "unknown argument");
            log_str(&l, "argument", argv[i]);
            log_str(&l, "usage", USAGE);
            log_end(&l);
            return 2;
        }
    }
    struct app_config cfg;
    config_defaults(&cfg);
    char err[512];
    if (config_load(&cfg, config_path, err, sizeof err) != 0) {
        log_error("configuration rejected", "reason", err);
        return 2;
    }
    /* a misspelled LIQ_ variable would be ignored silently: warn, and fail the check */
    int typos = config_env_typos(environ, stderr);
    if (check) {
        config_print(&cfg, stdout);
        if (typos > 0) {
            struct log_line l;
            log_always(&l, LOG_ERROR, "configuration rejected: unknown LIQ_ variables, see the "
                                      "warnings above");
            log_int(&l, "count", typos);
            log_end(&l);
            return 2;
        }
        return 0;
    }
    if (migrate_only) {
        int applied = 0;
        service_db_limits(&cfg);
        if (service_migrate(cfg.database_url, &applied, err, sizeof err) != 0) {
            log_error("migrate failed", "reason", err);
            return 1;
        }
        struct log_line l;
        log_always(&l, LOG_INFO, "migrations applied");
        log_int(&l, "applied", applied);
        log_end(&l);
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
    /* log lines through one writer thread from here on (base/log.h); also while starting */
    if (log_async_start(LOG_QUEUE_LINES) != 0)
        log_error("log writer not started: lines are written directly", NULL, NULL);
    /* "listening" once the port is open (/health answers 503 "starting" until the
     * symbols it owns are served) */
    struct app *a = app_start_then(&cfg, log_listening, err, sizeof err);
    if (a == NULL) {
        log_error("cannot start", "reason", err);
        return 1;
    }
    struct log_line l;
    for (;;) {
        int sig = 0;
        sigwait(&set, &sig);
        if (sig == SIGHUP) {
            reload(a, config_path, &cfg);
            continue;
        }
        break;
    }
    service_shutdown_within(APP_DB_CUT_MS); /* whatever the database does (api/app.h) */
    log_always(&l, LOG_INFO, "draining");
    log_end(&l);
    app_stop(a);
    log_always(&l, LOG_INFO, "stopped");
    log_end(&l);
    log_async_stop();
    return 0;
}
