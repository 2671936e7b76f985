/*
 * Group commit survives a crash of both processes (issue 24, "writes that share one fsync",
 * part b): the real liquidityd writes with database_group_commit on - 8 threads post bars of
 * 8 symbols in batches, 8 threads open, trail and close trades on them - against a PostgreSQL of
 * its own with fsync on; at a random moment (a count of acknowledged writes) PostgreSQL
 * (postmaster and every backend, frozen first so they die together) and liquidityd get
 * SIGKILL. PostgreSQL restarts (crash recovery), liquidityd restarts, and:
 *   - every acknowledged write is there: each symbol's bars at least as many as were
 *     acknowledged, each acknowledged trade with the stop and status of its last answer
 *     (or, when a trail was unanswered at the kill, a state that trail could have made);
 *   - nothing unacknowledged is half there: bars only in whole batches (stored count a
 *     multiple of the batch), at most one unanswered batch per symbol, at most one
 *     unanswered setup per trade thread, and every stored trade has its stop decision.
 * A grouped COMMIT returns before the WAL is flushed; only the shared flush makes it
 * durable, and PostgreSQL's WAL buffers die with its processes: an answer sent before that
 * flush would show up here as a lost acknowledged write (seen when pg_group_flush answered
 * PG_OK without its barrier).
 *
 * Runs as root (the cluster runs as `postgres`, as scripts/pg does). LIQ_GROUP_KILL_ROUNDS
 * (default 5) sets the number of kills; LIQ_GROUP_KILL_SEED the seed (printed).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <pwd.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/harness.h"
#include "tests/support/spawn.h"

#define SYMBOLS 8
#define SEED_BARS 2000  /* bars per symbol posted before the first round */
#define BATCH 10        /* bars per POST /bars in the rounds */
#define MAX_TRADES 512  /* per trade thread */

struct trade_ack {
    long id;
    int side;
    char status[16];
    double stop;
    int unacked; /* a trail was sent after the last answer and got none */
};

struct worker {
    int k, port;
    const struct bar *bars;
    size_t nbars;
    size_t acked;                 /* bar threads: bars acknowledged */
    int setup_unacked;            /* trade threads: a setup got no answer */
    struct trade_ack trades[MAX_TRADES];
    int ntrades;
    long step;
    char err[512];
};

static atomic_long g_acks;     /* writes acknowledged in this round */
static long g_kill_at;         /* the ack that triggers the kill */
static sem_t g_kill_now;       /* posted by the thread that got it */
static atomic_int g_dead;      /* the server is gone: stop */
static int g_pg_port;
static char g_pg_dir[64], g_pg_bin[256], g_url[512];
static pid_t g_pm;             /* the postmaster, our child */

/* Counts an acknowledged write; the kill_at-th wakes the killer at once (no polling delay:
 * the kill should land while the acknowledged writes are fresh). */
static void ack(void)
{
    if (atomic_fetch_add(&g_acks, 1) + 1 == g_kill_at)
        sem_post(&g_kill_now);
}

static void fail(struct worker *w, const char *what, const struct http_reply *r)
{
    if (w->err[0] == '\0')
        snprintf(w->err, sizeof w->err, "thread %d: %s: %ld %.300s", w->k, what, r->status,
                 r->body ? r->body : "");
}

/* One exchange; 421/503 retried (the lease of the killed instance expires, the database
 * recovers) while the server lives. -1: no reply (server gone). */
static int http(struct worker *w, const char *method, const char *path, const char *body,
                struct http_reply *r)
{
    double until = spawn_now() + 60;
    for (;;) {
        if (atomic_load(&g_dead))
            return -1;
        int rc = spawn_http(w->port, method, path, body ? "application/json" : NULL, body,
                            body ? strlen(body) : 0, NULL, r);
        if (rc != 0 || (r->status != 503 && r->status != 421) || spawn_now() > until)
            return rc;
        http_free(r);
        usleep(50000); /* a poll with the deadline above */
    }
}

static void *bar_thread(void *arg)
{
    struct worker *w = arg;
    char sym[16];
    snprintf(sym, sizeof sym, "GK%d", w->k);
    while (w->err[0] == '\0' && w->acked + BATCH <= w->nbars) {
        char *json = harness_bars_json(sym, "M15", w->bars, w->acked, w->acked + BATCH);
        struct http_reply r;
        int rc = http(w, "POST", "/bars", json, &r);
        free(json);
        if (rc != 0)
            return NULL;
        if (r.status != 200)
            fail(w, "POST /bars", &r);
        else {
            w->acked += BATCH;
            ack();
        }
        http_free(&r);
    }
    return NULL;
}

static int take_state(struct trade_ack *t, const struct http_reply *r)
{
    json_t *j = json_loadb(r->body, r->len, 0, NULL);
    const char *st = j ? json_string_value(json_object_get(j, "status")) : NULL;
    int ok = st != NULL && json_is_number(json_object_get(j, "stop_price"));
    if (ok) {
        snprintf(t->status, sizeof t->status, "%s", st);
        t->stop = json_number_value(json_object_get(j, "stop_price"));
    }
    json_decref(j);
    return ok ? 0 : -1;
}

static void *trade_thread(void *arg)
{
    struct worker *w = arg;
    char sym[16];
    snprintf(sym, sizeof sym, "GK%d", w->k);
    const struct bar *last = &w->bars[SEED_BARS - 1];
    while (w->err[0] == '\0') {
        w->step++;
        int open = 0;
        for (int i = 0; i < w->ntrades; i++)
            open += strcmp(w->trades[i].status, "open") == 0;
        if (open == 0 && w->ntrades == MAX_TRADES)
            return NULL; /* nothing left to write */
        if (open < 4 && w->ntrades < MAX_TRADES) {
            char body[256];
            int side = w->step % 2 ? -1 : 1;
            snprintf(body, sizeof body,
                     "{\"symbol\":\"%s\",\"side\":\"%s\",\"entry\":%.5f,\"trend_score\":0.9,"
                     "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}", sym,
                     side > 0 ? "BUY" : "SELL", last->close);
            struct http_reply r;
            w->setup_unacked = 1;
            if (http(w, "POST", "/setups", body, &r) != 0)
                return NULL;
            w->setup_unacked = 0;
            if (r.status == 201) {
                struct trade_ack *t = &w->trades[w->ntrades++];
                json_t *j = json_loadb(r.body, r.len, 0, NULL);
                t->id = j ? (long)json_integer_value(json_object_get(j, "trade_id")) : 0;
                t->stop = j ? json_number_value(json_object_get(json_object_get(j, "stop"),
                                                                "price")) : 0;
                json_decref(j);
                t->side = side;
                snprintf(t->status, sizeof t->status, "open");
                ack();
            } else if (r.status != 422) {
                fail(w, "POST /setups", &r);
            }
            http_free(&r);
        }
        /* every fifth step the oldest open trade is closed: setups go on being made */
        for (int i = 0; w->step % 5 == 0 && i < w->ntrades; i++) {
            struct trade_ack *t = &w->trades[i];
            if (strcmp(t->status, "open") != 0)
                continue;
            char path[64], body[64];
            snprintf(path, sizeof path, "/trades/%ld/close", t->id);
            snprintf(body, sizeof body, "{\"price\":%.5f}", last->close);
            struct http_reply r;
            t->unacked = 1;
            if (http(w, "POST", path, body, &r) != 0)
                return NULL;
            t->unacked = 0;
            if (r.status != 200 || take_state(t, &r) != 0 || strcmp(t->status, "closed") != 0)
                fail(w, path, &r);
            else
                ack();
            http_free(&r);
            break;
        }
        /* prices wander around the entry: stops move and some trades close */
        const struct bar *b = &w->bars[SEED_BARS + (size_t)(w->step % 2000)];
        double shift = last->close - w->bars[SEED_BARS].close;
        for (int i = 0; i < w->ntrades && w->err[0] == '\0'; i++) {
            struct trade_ack *t = &w->trades[i];
            if (strcmp(t->status, "open") != 0)
                continue;
            char path[64], body[200];
            snprintf(path, sizeof path, "/trades/%ld/trail", t->id);
            snprintf(body, sizeof body, "{\"price\":%.5f,\"high\":%.5f,\"low\":%.5f}",
                     b->close + shift, b->high + shift, b->low + shift);
            struct http_reply r;
            t->unacked = 1;
            if (http(w, "PATCH", path, body, &r) != 0)
                return NULL;
            t->unacked = 0;
            if (r.status != 200 || take_state(t, &r) != 0)
                fail(w, path, &r);
            else
                ack();
            http_free(&r);
        }
    }
    return NULL;
}

/* --- the cluster ------------------------------------------------------------------------ */

/* Starts the postmaster on g_pg_port and waits until it accepts connections: 0, or -1
 * when it exited (a port taken by another cluster). */
static int pg_launch(void)
{
    struct passwd *pw = getpwnam("postgres");
    cr_assert_not_null(pw);
    char data[128], port[16], sock[80];
    snprintf(data, sizeof data, "%s/data", g_pg_dir);
    snprintf(port, sizeof port, "%d", g_pg_port);
    snprintf(sock, sizeof sock, "%s", g_pg_dir);
    char bin[300];
    snprintf(bin, sizeof bin, "%s/postgres", g_pg_bin);
    char log[128];
    snprintf(log, sizeof log, "%s/server.log", g_pg_dir);
    g_pm = fork();
    cr_assert_geq(g_pm, 0);
    if (g_pm == 0) {
        FILE *f = freopen(log, "a", stderr);
        (void)f;
        if (setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
            _exit(126);
        execl(bin, bin, "-D", data, "-k", sock, "-p", port, "-c", "listen_addresses=",
              "-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "max_connections=100",
              (char *)NULL);
        _exit(127);
    }
    double until = spawn_now() + 120; /* crash recovery included */
    while (PQping(g_url) != PQPING_OK) {
        int st;
        if (waitpid(g_pm, &st, WNOHANG) == g_pm) {
            g_pm = 0;
            return -1;
        }
        cr_assert_lt(spawn_now(), until, "postgres did not accept connections, see %s", log);
        usleep(50000); /* a poll with the deadline above */
    }
    return 0;
}

static int read_ppid(pid_t pid, char *state)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    int ppid = -1;
    if (p == NULL || sscanf(p + 1, " %c %d", state, &ppid) != 2)
        return -1;
    return ppid;
}

/* The postmaster's children (backends, WAL writer, checkpointer ...): at most cap. */
static int pg_children(pid_t *out, int cap)
{
    DIR *d = opendir("/proc");
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < cap) {
        pid_t pid = (pid_t)atoi(e->d_name);
        char st;
        if (pid > 0 && read_ppid(pid, &st) == g_pm)
            out[n++] = pid;
    }
    closedir(d);
    return n;
}

/* liquidityd and the whole cluster die together: frozen first, then SIGKILL. */
static void kill_both(struct spawned *svc, const pid_t *known, int nknown)
{
    pid_t kids[256];
    cr_assert_eq(kill(g_pm, SIGSTOP), 0);
    for (int i = 0; i < nknown; i++) /* frozen before the scan below takes its time */
        kill(known[i], SIGSTOP);
    int n = pg_children(kids, 256);
    for (int i = 0; i < n; i++)
        kill(kids[i], SIGSTOP);
    kill(svc->pid, SIGKILL);
    for (int i = 0; i < n; i++)
        kill(kids[i], SIGKILL);
    kill(g_pm, SIGKILL);
    atomic_store(&g_dead, 1);
    int st;
    cr_assert_eq(waitpid(g_pm, &st, 0), g_pm);
    cr_assert(spawn_wait(svc, 30, &st), "liquidityd did not die of SIGKILL");
    /* the backends are init's now: gone or zombies before PostgreSQL starts again */
    double until = spawn_now() + 30;
    for (int i = 0; i < n; i++) {
        char s = 'R';
        while (read_ppid(kids[i], &s) >= 0 && s != 'Z') {
            cr_assert_lt(spawn_now(), until, "backend %d outlived SIGKILL", (int)kids[i]);
            usleep(10000); /* a poll with the deadline above */
        }
    }
}

static void pg_fini(void)
{
    spawn_kill_all();
    if (g_pm > 0) {
        kill(g_pm, SIGINT); /* fast shutdown */
        int st;
        waitpid(g_pm, &st, 0);
        g_pm = 0;
    }
    if (g_pg_dir[0] != '\0') {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_pg_dir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", g_pg_dir);
    }
}

static void pg_init(uint64_t seed)
{
    const char *bin = getenv("LIQ_PGBIN");
    snprintf(g_pg_bin, sizeof g_pg_bin, "%s", bin && *bin ? bin : "/usr/lib/postgresql/15/bin");
    snprintf(g_pg_dir, sizeof g_pg_dir, "/tmp/liq-pg.XXXXXX");
    cr_assert_not_null(mkdtemp(g_pg_dir));
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "chown postgres: '%s' && runuser -u postgres -- '%s/initdb' -D '%s/data' "
             "-U postgres -A trust -E UTF8 --no-locale >'%s/initdb.log' 2>&1",
             g_pg_dir, g_pg_bin, g_pg_dir, g_pg_dir);
    cr_assert_eq(system(cmd), 0, "initdb failed, see %s/initdb.log", g_pg_dir);
    for (int try = 0; try < 5; try++) { /* a port taken by another cluster: the next */
        g_pg_port = 20000 + (int)((seed + (uint64_t)try * 7919) % 20000);
        snprintf(g_url, sizeof g_url, "postgresql://postgres@/postgres?host=%s&port=%d",
                 g_pg_dir, g_pg_port);
        if (pg_launch() == 0)
            return;
    }
    cr_assert_fail("postgres did not start, see %s/server.log", g_pg_dir);
}

/* --- the checks ------------------------------------------------------------------------- */

static void check_after_restart(struct spawned *p, struct worker *bw, struct worker *tw)
{
    char sql[256];
    for (int k = 0; k < SYMBOLS; k++) {
        snprintf(sql, sizeof sql, "SELECT count(*) FROM bars WHERE symbol = 'GK%d'", k);
        long n = harness_sql_long(g_url, sql);
        cr_assert_geq(n, (long)bw[k].acked, "GK%d: %ld bars stored, %zu acknowledged", k, n,
                      bw[k].acked);
        cr_assert_leq(n, (long)bw[k].acked + BATCH, "GK%d: more than the one batch in flight",
                      k);
        cr_assert_eq((n - SEED_BARS) % BATCH, 0, "GK%d: %ld bars: a batch half stored", k, n);
        bw[k].acked = (size_t)n; /* a batch stored unanswered: the next round goes on after it */
    }
    static long in_flight; /* setups unanswered at a kill, over all rounds */
    long acked_trades = 0;
    for (int k = 0; k < SYMBOLS; k++) {
        struct worker *w = &tw[k];
        acked_trades += w->ntrades;
        in_flight += w->setup_unacked;
        w->setup_unacked = 0;
        w->port = p->port;
        for (int i = 0; i < w->ntrades; i++) {
            struct trade_ack *t = &w->trades[i];
            char path[64];
            snprintf(path, sizeof path, "/trades/%ld", t->id);
            struct http_reply r;
            cr_assert_eq(http(w, "GET", path, NULL, &r), 0);
            cr_assert_eq(r.status, 200, "acknowledged trade %ld lost: %ld %s", t->id, r.status,
                         r.body);
            struct trade_ack now = *t;
            cr_assert_eq(take_state(&now, &r), 0, "%s", r.body);
            http_free(&r);
            if (!t->unacked) {
                cr_assert_str_eq(now.status, t->status, "trade %ld status", t->id);
                cr_assert_eq(now.stop, t->stop, "trade %ld stop %.10f, acknowledged %.10f",
                             t->id, now.stop, t->stop);
            } else {
                cr_assert(!strcmp(now.status, "closed") || (now.stop - t->stop) * t->side >= 0,
                          "trade %ld: stop %.10f moved against it (acknowledged %.10f)", t->id,
                          now.stop, t->stop);
                *t = now;
                t->unacked = 0;
            }
        }
    }
    long stored = harness_sql_long(g_url, "SELECT count(*) FROM liquidity_trades");
    cr_assert_geq(stored, acked_trades);
    cr_assert_leq(stored, acked_trades + in_flight, "%ld trades stored, %ld acknowledged and "
                  "%ld unanswered", stored, acked_trades, in_flight);
    cr_assert_eq(harness_sql_long(g_url, "SELECT count(*) FROM liquidity_trades t WHERE NOT "
                                         "EXISTS (SELECT 1 FROM stop_decisions s WHERE "
                                         "s.trade_id = t.id)"), 0,
                 "a trade stored without its stop decision");
    /* a trade stored but never answered (its setup cut by the kill) is not followed: the
     * next rounds trail only what the client knows about */
}

static int env_int(const char *name, int dflt)
{
    const char *v = getenv(name);
    return v && *v ? atoi(v) : dflt;
}

Test(group_kill, sigkill_of_service_and_database_during_grouped_commits_loses_no_ack,
     .timeout = 1800, .fini = pg_fini)
{
    if (geteuid() != 0)
        cr_skip_test("needs root: the cluster runs as postgres (like scripts/pg)");
    int rounds = env_int("LIQ_GROUP_KILL_ROUNDS", 5);
    const char *seed_env = getenv("LIQ_GROUP_KILL_SEED");
    uint64_t seed = seed_env && *seed_env ? strtoull(seed_env, NULL, 10)
                                          : (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16);
    fprintf(stderr, "group_kill: %d rounds, LIQ_GROUP_KILL_SEED=%llu\n", rounds,
            (unsigned long long)seed);
    srand((unsigned)seed);
    pg_init(seed);

    size_t nbars;
    struct bar *bars = harness_eurusd(&nbars);
    cr_assert_geq(nbars, (size_t)SEED_BARS + 4000);
    char env_url[600];
    snprintf(env_url, sizeof env_url, "LIQ_DATABASE_URL=%s", g_url);
    const char *env[] = {env_url, "LIQ_LOG_LEVEL=warn", "LIQ_THREADS=16",
                         "LIQ_DATABASE_GROUP_COMMIT=true", "LIQ_MIN_RR_RATIO=0.5",
                         "LIQ_MIN_LIQUIDITY_STRENGTH=0.05", "LIQ_EXIT_METHOD=zones",
                         "LIQ_MIN_EXPECTED_R=-100", "LIQ_MAX_ENTRY_ATR=0",
                         "LIQ_LEASE_TTL_MS=300",
                         "LIQ_INSTRUMENTS=GK0:0.0001,GK1:0.0001,GK2:0.0001,GK3:0.0001,"
                         "GK4:0.0001,GK5:0.0001,GK6:0.0001,GK7:0.0001", NULL};
    static struct worker bw[SYMBOLS], tw[SYMBOLS];
    memset(bw, 0, sizeof bw);
    memset(tw, 0, sizeof tw);
    for (int k = 0; k < SYMBOLS; k++) {
        bw[k] = (struct worker){.k = k, .bars = bars, .nbars = nbars};
        tw[k] = (struct worker){.k = k, .bars = bars, .nbars = nbars};
    }

    struct spawned p;
    spawn_start(&p, env, NULL, "group-kill");
    for (int k = 0; k < SYMBOLS; k++) { /* zones to trade on */
        char sym[16];
        snprintf(sym, sizeof sym, "GK%d", k);
        char *json = harness_bars_json(sym, "M15", bars, 0, SEED_BARS);
        struct http_reply r;
        bw[k].port = p.port;
        cr_assert_eq(http(&bw[k], "POST", "/bars", json, &r), 0);
        cr_assert_eq(r.status, 200, "%s", r.body);
        http_free(&r);
        free(json);
        bw[k].acked = SEED_BARS;
    }
    cr_assert_eq(sem_init(&g_kill_now, 0, 0), 0);
    for (int round = 0; round < rounds; round++) {
        atomic_store(&g_acks, 0);
        g_kill_at = 50 + rand() % 400;
        while (sem_trywait(&g_kill_now) == 0)
            ;
        atomic_store(&g_dead, 0);
        for (int k = 0; k < SYMBOLS; k++)
            bw[k].port = tw[k].port = p.port;
        pthread_t th[2 * SYMBOLS];
        for (int k = 0; k < SYMBOLS; k++) {
            cr_assert_eq(pthread_create(&th[k], NULL, bar_thread, &bw[k]), 0);
            cr_assert_eq(pthread_create(&th[SYMBOLS + k], NULL, trade_thread, &tw[k]), 0);
        }
        long kill_at = g_kill_at; /* acknowledged writes of this round */
        double until = spawn_now() + 120;
        while (atomic_load(&g_acks) < 20 && spawn_now() < until) /* connections made */
            usleep(2000); /* a poll of the count, with the deadline above */
        pid_t known[256];
        int nknown = pg_children(known, 256);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 120;
        while (sem_timedwait(&g_kill_now, &ts) != 0 && errno == EINTR)
            ;
        long at = atomic_load(&g_acks);
        kill_both(&p, known, nknown);
        for (int i = 0; i < 2 * SYMBOLS; i++)
            pthread_join(th[i], NULL);
        for (int k = 0; k < SYMBOLS; k++) {
            cr_assert_str_empty(bw[k].err, "%s", bw[k].err);
            cr_assert_str_empty(tw[k].err, "%s", tw[k].err);
        }
        cr_assert_geq(at, kill_at, "round %d: only %ld writes acknowledged in 120 s", round, at);
        atomic_store(&g_dead, 0);
        cr_assert_eq(pg_launch(), 0, "postgres did not restart, see %s/server.log", g_pg_dir);
        spawn_start(&p, env, NULL, "group-kill");
        check_after_restart(&p, bw, tw);
        long trades = 0;
        for (int k = 0; k < SYMBOLS; k++)
            trades += tw[k].ntrades;
        fprintf(stderr, "group_kill round %d: killed after %ld acknowledged writes; all there "
                "(%ld trades)\n", round, at, trades);
    }
    spawn_kill(&p);
    free(bars);
}
