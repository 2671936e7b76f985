/*
 * A stalled database (issue 23): every database call has a deadline (database_timeout_ms,
 * storage/pg_wait.c), so a request whose database work does not answer in time gets 503 +
 * Retry-After within the deadline + 1 s and applies nothing; reads from memory keep
 * working; a COMMIT cut while waiting for a synchronous standby answers commit_unknown and
 * a retry with the same Idempotency-Key answers the committed outcome (bars, and a close:
 * its outcome, not 409 trade_closed); SIGTERM ends the
 * process with 0 within the drain time (APP_DRAIN_MS), also with PostgreSQL stopped by
 * SIGSTOP.
 *
 * The stalls: a lock held by another connection (ACCESS EXCLUSIVE on bars), a
 * synchronous_standby_names naming a standby that does not exist (every COMMIT waits for
 * it, as on a primary in strict synchronous mode whose standby is gone), and SIGSTOP of
 * every process of the test cluster (LIQ_PGDATA: skipped without it). Each test leaves
 * the cluster as it found it (the .fini undoes the stall even when an assertion failed).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/harness.h"
#include "tests/support/spawn.h"

#define DEADLINE_MS 1500

/* loose: setups accepted on few zones (the close test opens a trade on 3000 bars) */
static struct app *start_with(const char *db, char *url, size_t urllen, int loose)
{
    harness_db(db, url, urllen);
    struct app_config cfg;
    harness_config(&cfg, url);
    if (loose) {
        cfg.params.min_rr_ratio = 0.5;
        cfg.params.min_liquidity_strength = 0.05;
    }
    cfg.threads = 1; /* one worker: its connection is made before the stall */
    cfg.database_timeout_ms = DEADLINE_MS;
    cfg.database_statement_timeout_ms = 0; /* only the client's deadline acts here */
    cfg.database_lock_timeout_ms = 0;
    if (getenv("LIQ_TEST_INFO")) snprintf(cfg.log_level, sizeof cfg.log_level, "info");
    return harness_start(&cfg);
}

static struct app *start(const char *db, char *url, size_t urllen)
{
    return start_with(db, url, urllen, 0);
}

static const char *error_code(const struct http_reply *r, char *buf, size_t n)
{
    json_t *j = http_json(r);
    const char *c = json_string_value(json_object_get(json_object_get(j, "error"), "code"));
    snprintf(buf, n, "%s", c ? c : "");
    json_decref(j);
    return buf;
}

static struct http_reply post_bars(const struct app *a, const struct bar *all, size_t from,
                                   size_t to, const char *key, double *seconds)
{
    char *body = harness_bars_json("EURUSD", "M15", all, from, to);
    char hdr[128] = "";
    if (key != NULL)
        snprintf(hdr, sizeof hdr, "Idempotency-Key: %s", key);
    double t0 = spawn_now();
    struct http_reply r = http_do_with(a, "POST", "/bars", "application/json", body,
                                       strlen(body), key ? hdr : NULL);
    *seconds = spawn_now() - t0;
    free(body);
    return r;
}

/* --- a lock held by another session ---------------------------------------------------- */

static PGconn *g_locker;

static void unlock(void)
{
    if (g_locker != NULL)
        PQfinish(g_locker);
    g_locker = NULL;
}

Test(stall, lock_held_answers_503_within_deadline_and_applies_nothing, .timeout = 120,
     .fini = unlock)
{
    char url[512], code[64];
    struct app *a = start("t_stall_lock", url, sizeof url);
    size_t nall = 0;
    struct bar *all = harness_eurusd(&nall);
    double s;
    struct http_reply r = post_bars(a, all, 0, 300, NULL, &s);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);

    g_locker = PQconnectdb(url);
    cr_assert_eq(PQstatus(g_locker), CONNECTION_OK);
    PQclear(PQexec(g_locker, "BEGIN"));
    PGresult *l = PQexec(g_locker, "LOCK TABLE bars IN ACCESS EXCLUSIVE MODE");
    cr_assert_eq(PQresultStatus(l), PGRES_COMMAND_OK, "%s", PQerrorMessage(g_locker));
    PQclear(l);

    r = post_bars(a, all, 300, 304, NULL, &s);
    cr_assert_eq(r.status, 503, "a write on a locked table: %ld %s", r.status, r.body);
    cr_assert_str_neq(r.retry_after, "", "503 without Retry-After");
    cr_assert_str_eq(error_code(&r, code, sizeof code), "database_timeout", "%s", r.body);
    cr_assert_leq(s, DEADLINE_MS / 1000.0 + 1.0, "answered after %.2f s", s);
    http_free(&r);
    /* reads from memory do not wait for the database */
    double t0 = spawn_now();
    r = http_get(a, "/zones?symbol=EURUSD&limit=5");
    cr_assert_eq(r.status, 200);
    cr_assert_lt(spawn_now() - t0, 1.0);
    http_free(&r);
    r = http_get(a, "/metrics");
    cr_assert_not_null(strstr(r.body, "liq_db_timeouts_total "), "metrics name the timeouts");
    cr_assert_null(strstr(r.body, "liq_db_timeouts_total 0\n"), "a timeout was counted");
    http_free(&r);

    unlock();
    /* the lock is gone: the same write goes through (the connection is made anew) */
    double t1 = spawn_now();
    long st = 0;
    while (spawn_now() - t1 < 30) {
        r = post_bars(a, all, 300, 304, NULL, &s);
        st = r.status;
        http_free(&r);
        if (st == 200)
            break;
        usleep(100000);
    }
    cr_assert_eq(st, 200, "no write accepted after the lock was released");
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars"), 304,
                 "the timed-out write applied nothing, its retry applied once");
    r = http_get(a, "/health");
    json_t *h = http_json(&r);
    cr_assert_eq(r.status, 200);
    cr_assert_not_null(json_string_value(json_object_get(h, "database_node")));
    cr_assert_not_null(json_string_value(json_object_get(h, "database_node_since")));
    cr_assert_geq(json_integer_value(json_object_get(h, "database_timeouts")), 1);
    json_decref(h);
    http_free(&r);
    app_stop(a);
    free(all);
}

/* The server-side lock_timeout of the workers' sessions answers first when it is shorter
 * than the client's deadline: the statement fails on the server (no cancel needed). */
Test(stall, server_lock_timeout_fails_the_statement_first, .timeout = 120, .fini = unlock)
{
    char url[512], code[64];
    harness_db("t_stall_lock_server", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    cfg.threads = 1;
    cfg.database_timeout_ms = 20000;
    cfg.database_lock_timeout_ms = 300;
    struct app *a = harness_start(&cfg);
    size_t nall = 0;
    struct bar *all = harness_eurusd(&nall);
    double s;
    struct http_reply r = post_bars(a, all, 0, 300, NULL, &s);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    g_locker = PQconnectdb(url);
    PQclear(PQexec(g_locker, "BEGIN"));
    PQclear(PQexec(g_locker, "LOCK TABLE bars IN ACCESS EXCLUSIVE MODE"));
    r = post_bars(a, all, 300, 304, NULL, &s);
    cr_assert_eq(r.status, 503, "%ld %s", r.status, r.body);
    cr_assert_str_eq(error_code(&r, code, sizeof code), "unavailable", "%s", r.body);
    cr_assert_lt(s, 10.0, "lock_timeout (300 ms) did not end the wait: %.2f s", s);
    http_free(&r);
    r = http_get(a, "/health");
    json_t *h = http_json(&r);
    cr_assert_eq(json_integer_value(json_object_get(h, "database_timeouts")), 0,
                 "the server's lock_timeout acted, not the client's deadline");
    json_decref(h);
    http_free(&r);
    unlock();
    app_stop(a);
    free(all);
}

/* --- a COMMIT waiting for a synchronous standby that is not there ------------------------ */

static char g_admin_url[512];

static void set_standby_names(const char *value)
{
    char sql[256];
    if (value != NULL)
        snprintf(sql, sizeof sql, "ALTER SYSTEM SET synchronous_standby_names = '%s'", value);
    else
        snprintf(sql, sizeof sql, "ALTER SYSTEM RESET synchronous_standby_names");
    harness_sql_exec(g_admin_url, sql);
    harness_sql_exec(g_admin_url, "SELECT pg_reload_conf()");
    /* the reload is asynchronous: poll until a new session sees it */
    double t0 = spawn_now();
    while (spawn_now() - t0 < 10) {
        PGconn *c = PQconnectdb(g_admin_url);
        PGresult *r = PQexec(c, "SHOW synchronous_standby_names");
        int done = PQresultStatus(r) == PGRES_TUPLES_OK &&
                   strcmp(PQgetvalue(r, 0, 0), value ? value : "") == 0;
        PQclear(r);
        PQfinish(c);
        if (done)
            return;
        usleep(20000);
    }
    cr_assert_fail("synchronous_standby_names did not change");
}

static void standby_back(void)
{
    if (g_admin_url[0] != '\0')
        set_standby_names(NULL);
}

Test(stall, commit_waiting_for_a_gone_standby_is_unknown_then_replayed, .timeout = 120,
     .fini = standby_back)
{
    char url[512], code[64];
    struct app *a = start("t_stall_sync", url, sizeof url);
    snprintf(g_admin_url, sizeof g_admin_url, "%s", url);
    size_t nall = 0;
    struct bar *all = harness_eurusd(&nall);
    double s;
    struct http_reply r = post_bars(a, all, 0, 300, "k-0", &s);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    struct http_reply before = http_get(a, "/zones?symbol=EURUSD&limit=5");
    cr_assert_eq(before.status, 200, "%s", before.body);

    set_standby_names("liq_no_such_standby");
    r = post_bars(a, all, 300, 304, "k-1", &s);
    cr_assert_eq(r.status, 503, "a COMMIT waiting for a gone standby: %ld %s", r.status, r.body);
    cr_assert_str_neq(r.retry_after, "", "503 without Retry-After");
    cr_assert_str_eq(error_code(&r, code, sizeof code), "commit_unknown", "%s", r.body);
    cr_assert_leq(s, DEADLINE_MS / 1000.0 + 1.0, "answered after %.2f s", s);
    http_free(&r);
    /* memory still holds what was acknowledged: the symbol's reads go on being served
     * from it, unchanged, while the database does not confirm anything (no 503
     * symbol_moving for a symbol whose COMMIT went unconfirmed) */
    double t0 = spawn_now();
    for (int i = 0; i < 5; i++) {
        r = http_get(a, "/zones?symbol=EURUSD&limit=5");
        cr_assert_eq(r.status, 200, "a read after commit_unknown: %ld %s", r.status, r.body);
        cr_assert_str_eq(r.body, before.body, "the read is not what was acknowledged");
        http_free(&r);
    }
    cr_assert_lt(spawn_now() - t0, 5.0, "the reads waited for the database");
    http_free(&before);
    standby_back();

    /* committed locally (the cancel left the wait, not the commit): the retry with the
     * same key answers the committed outcome and applies nothing twice */
    t0 = spawn_now();
    long st = 0;
    char *replay = NULL;
    while (spawn_now() - t0 < 30) {
        r = post_bars(a, all, 300, 304, "k-1", &s);
        st = r.status;
        if (st == 200) {
            replay = r.body;
            r.body = NULL;
        }
        http_free(&r);
        if (st == 200)
            break;
        usleep(100000);
    }
    cr_assert_eq(st, 200, "the retry with the same key was not answered 200");
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars"), 304,
                 "the bars of the unknown commit are stored once");
    json_t *j = json_loads(replay, 0, NULL);
    cr_assert_eq(json_integer_value(json_object_get(j, "accepted")), 4, "%s", replay);
    json_decref(j);
    free(replay);
    /* memory follows the database: the symbol was rebuilt, the next bars go on from 304 */
    t0 = spawn_now();
    char last[512] = "";
    while (spawn_now() - t0 < 30) {
        r = post_bars(a, all, 304, 310, NULL, &s);
        st = r.status;
        snprintf(last, sizeof last, "%s", r.body ? r.body : "");
        http_free(&r);
        if (st == 200)
            break;
        usleep(100000);
    }
    cr_assert_eq(st, 200, "no write after the standby came back: %ld %s", st, last);
    r = http_get(a, "/symbols");
    cr_assert_not_null(strstr(r.body, "\"bars\":310"), "memory holds 310 bars: %s", r.body);
    http_free(&r);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars"), 310);
    app_stop(a);
    free(all);
}

/* Opens a trade on 3000 bars of all (BUY or SELL at the last close); its id. */
static long open_trade(const struct app *a, const struct bar *all)
{
    double s;
    for (size_t from = 0; from < 3000; from += 1000) {
        struct http_reply r = post_bars(a, all, from, from + 1000, NULL, &s);
        cr_assert_eq(r.status, 200, "%s", r.body);
        http_free(&r);
    }
    static const char *const SIDES[] = {"BUY", "SELL"};
    for (int k = 0; k < 2; k++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"symbol\":\"EURUSD\",\"side\":\"%s\",\"entry\":%.5f,\"trend_score\":0.9,"
                 "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}",
                 SIDES[k], all[2999].close);
        struct http_reply r = http_post_json(a, "/setups", body);
        json_t *j = r.status == 201 ? http_json(&r) : NULL;
        long id = (long)json_integer_value(json_object_get(j, "trade_id"));
        json_decref(j);
        http_free(&r);
        if (id > 0)
            return id;
    }
    cr_assert_fail("no setup accepted");
    return 0;
}

/* The case of the shared 503 commit_unknown that matters: a close whose COMMIT went
 * unconfirmed, retried with its key, answers the close's outcome - never 409 trade_closed
 * for the close it made itself - and the trade is closed once. */
Test(stall, close_commit_unknown_retried_with_its_key_answers_the_close, .timeout = 180,
     .fini = standby_back)
{
    char url[512], code[64];
    struct app *a = start_with("t_stall_close", url, sizeof url, 1);
    snprintf(g_admin_url, sizeof g_admin_url, "%s", url);
    size_t nall = 0;
    struct bar *all = harness_eurusd(&nall);
    long id = open_trade(a, all);
    char path[64], body[128], sql[160];
    snprintf(path, sizeof path, "/trades/%ld/close", id);
    snprintf(body, sizeof body, "{\"price\":%.5f,\"ts\":%ld}", all[2999].close,
             (long)all[2999].ts + 900);
    const char *hdr = "Idempotency-Key: close-1";

    set_standby_names("liq_no_such_standby");
    struct http_reply r = http_do_with(a, "POST", path, "application/json", body,
                                       strlen(body), hdr);
    cr_assert_eq(r.status, 503, "a COMMIT waiting for a gone standby: %ld %s", r.status, r.body);
    cr_assert_str_eq(error_code(&r, code, sizeof code), "commit_unknown", "%s", r.body);
    http_free(&r);
    standby_back();

    double t0 = spawn_now();
    long st = 0;
    char last[1024] = "";
    while (spawn_now() - t0 < 30) {
        r = http_do_with(a, "POST", path, "application/json", body, strlen(body), hdr);
        st = r.status;
        snprintf(last, sizeof last, "%s", r.body ? r.body : "");
        http_free(&r);
        if (st != 503)
            break;
        usleep(100000);
    }
    cr_assert_eq(st, 200, "the retried close answered %ld %s", st, last);
    cr_assert(strstr(last, "\"status\":\"closed\"") != NULL, "%s", last);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM trade_events WHERE trade_id = %ld AND kind = 'closed'", id);
    cr_assert_eq(harness_sql_long(url, sql), 1, "closed once");
    app_stop(a);
    free(all);
}

/* --- PostgreSQL stopped with SIGSTOP ---------------------------------------------------- */

static pid_t g_stopped[256];
static int g_nstopped;

/* Every process of the test cluster: the postmaster (postmaster.pid) and its children. */
static int cluster_pids(pid_t *out, int max)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/postmaster.pid", getenv("LIQ_PGDATA"));
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    long pm = 0;
    if (fscanf(f, "%ld", &pm) != 1)
        pm = 0;
    fclose(f);
    int n = 0;
    if (pm <= 0)
        return 0;
    out[n++] = (pid_t)pm;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL && n < max) {
        long pid = atol(e->d_name);
        if (pid <= 0)
            continue;
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        FILE *s = fopen(path, "r");
        if (s == NULL)
            continue;
        char buf[512] = "";
        if (fgets(buf, sizeof buf, s) == NULL)
            buf[0] = '\0';
        fclose(s);
        const char *rp = strrchr(buf, ')');
        long ppid = 0;
        char state;
        if (rp != NULL && sscanf(rp + 1, " %c %ld", &state, &ppid) == 2 && ppid == pm)
            out[n++] = (pid_t)pid;
    }
    if (d != NULL)
        closedir(d);
    return n;
}

/* Does cluster process pid serve database db? (its title: "postgres: USER DB ...") */
static int serves(pid_t pid, const char *db)
{
    char path[64], title[512];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    size_t n = fread(title, 1, sizeof title - 1, f);
    fclose(f);
    title[n] = '\0';
    char word[128];
    snprintf(word, sizeof word, " %s ", db);
    return strstr(title, word) != NULL;
}

/* The number of the stopped cluster's backends of database db with bytes waiting unread on
 * their socket (a query sent to a stopped server), from `ss -xn`'s Recv-Q; -1 when ss fails. */
static int unread_backends(const char *db)
{
    unsigned long inode[256];
    pid_t owner[256];
    int ni = 0;
    for (int i = 0; i < g_nstopped; i++) {
        if (!serves(g_stopped[i], db))
            continue;
        char dir[64], link[96], target[64];
        snprintf(dir, sizeof dir, "/proc/%d/fd", (int)g_stopped[i]);
        DIR *d = opendir(dir);
        struct dirent *e;
        while (d != NULL && (e = readdir(d)) != NULL && ni < 256) {
            snprintf(link, sizeof link, "%s/%.16s", dir, e->d_name);
            ssize_t k = readlink(link, target, sizeof target - 1);
            unsigned long ino;
            if (k > 0 && (target[k] = '\0', sscanf(target, "socket:[%lu]", &ino) == 1)) {
                inode[ni] = ino;
                owner[ni++] = g_stopped[i];
            }
        }
        if (d != NULL)
            closedir(d);
    }
    FILE *ss = popen("ss -xn 2>/dev/null", "r");
    if (ss == NULL)
        return -1;
    char line[1024];
    pid_t seen[256];
    int nseen = 0, lines = 0;
    while (fgets(line, sizeof line, ss) != NULL) {
        char netid[16], state[16], local[512];
        unsigned long rq, sq, ino;
        if (sscanf(line, "%15s %15s %lu %lu %511s %lu", netid, state, &rq, &sq, local, &ino) != 6)
            continue;
        lines++;
        for (int i = 0; i < ni && rq > 0; i++) {
            if (inode[i] != ino)
                continue;
            int dup = 0;
            for (int j = 0; j < nseen; j++)
                dup |= seen[j] == owner[i];
            if (!dup && nseen < 256)
                seen[nseen++] = owner[i];
        }
    }
    return pclose(ss) == 0 && lines > 0 ? nseen : -1;
}

static void resume_cluster(void)
{
    for (int i = 0; i < g_nstopped; i++)
        kill(g_stopped[i], SIGCONT);
    g_nstopped = 0;
}

struct stuck {
    int port;
    char *body;
    long status;
    double seconds;
};

static void *stuck_write(void *arg)
{
    struct stuck *w = arg;
    struct http_reply r;
    double t0 = spawn_now();
    w->status = spawn_http(w->port, "POST", "/bars", "application/json", w->body,
                           strlen(w->body), NULL, &r) == 0 ? r.status : -1;
    w->seconds = spawn_now() - t0;
    if (w->status > 0)
        http_free(&r);
    return NULL;
}

static void spawn_on(struct spawned *p, const char *db, const char *timeout_ms, char *url,
                     size_t urllen, const char *log, const char *threads)
{
    static char env_url[2][600], env_to[2][64], env_th[2][32];
    int k = strcmp(log, "stall-sigstop") == 0 ? 0 : 1;
    harness_db(db, url, urllen);
    snprintf(env_url[k], sizeof env_url[k], "LIQ_DATABASE_URL=%s", url);
    snprintf(env_to[k], sizeof env_to[k], "LIQ_DATABASE_TIMEOUT_MS=%s", timeout_ms);
    snprintf(env_th[k], sizeof env_th[k], "LIQ_THREADS=%s", threads);
    /* the second renews no lease while it is stalled (a renewal every TTL / 3 = 200 s): its
     * only query to the stopped server is the test's stuck write */
    const char *env[] = {env_url[k], "LIQ_LOG_LEVEL=warn", "LIQ_INSTRUMENTS=EURUSD:0.0001",
                         env_th[k], env_to[k], k == 1 ? "LIQ_LEASE_TTL_MS=600000" : NULL, NULL};
    spawn_start(p, env, NULL, log);
}

/* SIGTERM: exit 0 within the drain time (APP_DRAIN_MS 9 s); *took the seconds. */
static void sigterm_exits_0(struct spawned *p, double *took)
{
    double t0 = spawn_now();
    spawn_signal(p, SIGTERM);
    int status = 0;
    int exited = spawn_wait(p, 9.0 + 1.0, &status);
    *took = spawn_now() - t0;
    cr_assert(exited, "still running %.1f s after SIGTERM with the database stopped", *took);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status %d", status);
    cr_assert_leq(*took, 9.0 + 0.5, "SIGTERM took %.2f s", *took);
}

Test(stall, sigstop_postgres_503_reads_and_sigterm_exits_0, .timeout = 180,
     .fini = resume_cluster)
{
    if (getenv("LIQ_PGDATA") == NULL)
        cr_skip_test("LIQ_PGDATA not set: run under scripts/dev test");
    char url[512], url_long[512], code[64];
    /* p: a 2 s deadline; q: a 60 s deadline and one worker (its connection made before the
     * stop), so only the shutdown's cut can end the wait of its stuck write */
    struct spawned p, q;
    spawn_on(&p, "t_stall_stop", "2000", url, sizeof url, "stall-sigstop", "2");
    spawn_on(&q, "t_stall_stop_long", "60000", url_long, sizeof url_long, "stall-sigstop-long",
             "1");
    const struct app *a = spawn_app(&p);
    size_t nall = 0;
    struct bar *all = harness_eurusd(&nall);
    double s;
    struct http_reply r = post_bars(a, all, 0, 300, NULL, &s);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    r = post_bars(spawn_app(&q), all, 0, 300, NULL, &s);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);

    g_nstopped = cluster_pids(g_stopped, 256);
    cr_assert_gt(g_nstopped, 1, "no cluster processes found");
    for (int i = 0; i < g_nstopped; i++)
        cr_assert_eq(kill(g_stopped[i], SIGSTOP), 0);
    /* writes: 503 within the deadline + 1 s, each of several (connected or connecting) */
    for (int i = 0; i < 3; i++) {
        r = post_bars(a, all, 300, 304, NULL, &s);
        cr_assert_eq(r.status, 503, "a write to a stopped database: %ld %s", r.status, r.body);
        cr_assert_str_neq(r.retry_after, "", "503 without Retry-After");
        cr_assert_leq(s, 2.0 + 1.0, "write %d answered after %.2f s (%s)", i, s,
                      error_code(&r, code, sizeof code));
        http_free(&r);
    }
    double t0 = spawn_now();
    r = http_get(a, "/zones?symbol=EURUSD&limit=5");
    cr_assert_eq(r.status, 200, "a read from memory");
    http_free(&r);
    cr_assert_lt(spawn_now() - t0, 1.0, "a read waited for the database");
    t0 = spawn_now();
    r = http_get(a, "/health");
    cr_assert_eq(r.status, 503, "/health with the database stopped: %ld", r.status);
    http_free(&r);
    cr_assert_leq(spawn_now() - t0, 3.0, "/health waited %.2f s", spawn_now() - t0);

    /* SIGTERM to q with a write stuck in the database (its own deadline is 60 s) */
    struct stuck w = {.port = q.port, .body = harness_bars_json("EURUSD", "M15", all, 300, 304)};
    pthread_t th;
    /* stuck once one more backend of q's database has a query waiting unread (q renews no
     * lease meanwhile: LIQ_LEASE_TTL_MS=600000, a renewal every 200 s) */
    int before = unread_backends("t_stall_stop_long");
    cr_assert_geq(before, 0, "ss -xn failed");
    double sent = spawn_now();
    pthread_create(&th, NULL, stuck_write, &w);
    for (double t1 = sent + 15.0; unread_backends("t_stall_stop_long") <= before;) {
        cr_assert_lt(spawn_now(), t1, "the write did not reach the database within 15 s");
        usleep(10000);
    }
    cr_log_info("stall: the write waits in the stopped database after %.3f s (%d backend(s) "
                "had a query waiting before it)", spawn_now() - sent, before);
    double took_q, took_p;
    sigterm_exits_0(&q, &took_q);
    pthread_join(th, NULL);
    free(w.body);
    cr_assert_eq(w.status, 503, "the write stuck at SIGTERM got %ld after %.2f s", w.status,
                 w.seconds);
    /* it waited in the database until the shutdown cut it (APP_DB_CUT_MS after SIGTERM) */
    cr_assert_geq(w.seconds, 5.0, "the write was not stuck in the database (%.2f s)", w.seconds);
    sigterm_exits_0(&p, &took_p);
    resume_cluster();
    cr_log_info("stall: SIGTERM with PostgreSQL stopped: exit 0 after %.2f s (60 s deadline, "
                "a write stuck: 503 after %.2f s) and %.2f s", took_q, w.seconds, took_p);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars"), 300,
                 "nothing of the 503 writes was applied");
    cr_assert_eq(harness_sql_long(url_long, "SELECT count(*) FROM bars"), 300,
                 "nothing of the stuck write was applied");
    free(all);
}

/* A bulk write is not a stall: the EURUSD year in one CSV body (24,424 rows) goes through
 * with a server statement_timeout far below what its COPY takes. The thread's deadlines
 * grow by one millisecond per PG_BULK_ROWS_PER_MS rows for the COPY's transaction
 * (storage/bars_store.c copy_open), and the COPY's data is on the wire before the engine
 * runs behind it (pgw_put_copy_end flushes): before, the server waited for data libpq still
 * held while its statement_timeout ran ("COPY bars, line 0"), and a year's upload on a busy
 * machine answered 503 on every retry. */
Test(stall, a_year_in_one_body_is_not_cut_by_the_statement_deadlines, .timeout = 300)
{
    char url[512];
    harness_db("t_stall_bulk", url, sizeof url);
    struct app_config cfg;
    harness_config(&cfg, url);
    cfg.threads = 1;
    cfg.database_timeout_ms = 3000;
    cfg.database_statement_timeout_ms = 250;
    struct app *a = harness_start(&cfg);
    size_t len = 0;
    char *csv = harness_read_file(LIQ_DATA_DIR "/EURUSD_15M.csv", &len);
    struct http_reply r = http_do(a, "POST", "/bars?symbol=EURUSD&timeframe=M15", "text/csv",
                                  csv, len);
    cr_assert_eq(r.status, 200, "a year in one body: %ld %s", r.status, r.body);
    json_t *j = http_json(&r);
    long accepted = (long)json_integer_value(json_object_get(j, "accepted"));
    json_decref(j);
    http_free(&r);
    cr_assert_gt(accepted, 24000);
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars"), accepted);
    free(csv);
    app_stop(a);
}
