/*
 * Durability under crash (issue 6, item 1): the real liquidityd is fed bars, setups and
 * trail updates and killed with SIGKILL at a random moment, several times. After each
 * restart every request that got a 2xx must be reflected - the bars in the table and in
 * GET /bars' count, every opened trade readable, each trade's stop and status as the
 * last acknowledged trail answer left them - and at the end GET /zones must equal, byte
 * for byte, an in-memory replay of exactly the bars the database holds (which are the
 * acknowledged ones plus at most the one batch in flight at the kill).
 *
 * LIQ_CRASH_ROUNDS (default 6) sets the number of kill points; LIQ_CRASH_SEED the seed.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/harness.h"
#include "tests/support/spawn.h"

#define MAX_TRADES 256

struct trade_ack {
    long id;
    char status[16];
    double stop;
    int last_unacked;      /* a trail was sent after the last ack and got no answer */
};

struct killer {
    pid_t pid;
    unsigned delay_ms;
};

static void *kill_later(void *arg)
{
    struct killer *k = arg;
    usleep(k->delay_ms * 1000u);
    kill(k->pid, SIGKILL);
    return NULL;
}

static int env_int(const char *name, int dflt)
{
    const char *v = getenv(name);
    return v && *v ? atoi(v) : dflt;
}

static json_t *json_of(const struct http_reply *r)
{
    return json_loadb(r->body, r->len, 0, NULL);
}

static void post_setup(int port, const struct bar *last, struct trade_ack *trades,
                       int *ntrades, int *pending_setup)
{
    struct http_reply r = {0};
    for (int k = 0; k < 2; k++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"symbol\":\"EURUSD\",\"side\":\"%s\",\"entry\":%.5f,\"trend_score\":0.9,"
                 "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}",
                 k ? "SELL" : "BUY", last->close);
        http_free(&r);
        *pending_setup = 1;
        if (spawn_http(port, "POST", "/setups", "application/json", body, strlen(body), NULL,
                       &r))
            return;
        *pending_setup = 0;
        if (r.status == 201)
            break;
    }
    if (r.status == 201 && *ntrades < MAX_TRADES) {
        json_t *j = json_of(&r);
        cr_assert_not_null(j);
        struct trade_ack *t = &trades[(*ntrades)++];
        t->id = (long)json_integer_value(json_object_get(j, "trade_id"));
        snprintf(t->status, sizeof t->status, "open");
        t->stop = json_number_value(json_object_get(json_object_get(j, "stop"), "price"));
        t->last_unacked = 0;
        json_decref(j);
    } else {
        cr_assert(r.status == 422 || r.status == 404, "setup: %ld %s", r.status, r.body);
    }
    http_free(&r);
}

/* Returns -1 when the server is gone. */
static int post_trail(int port, const struct bar *b, struct trade_ack *t)
{
    if (strcmp(t->status, "open") != 0)
        return 0;
    char path[64], body[256];
    snprintf(path, sizeof path, "/trades/%ld/trail", t->id);
    snprintf(body, sizeof body, "{\"price\":%.5f,\"high\":%.5f,\"low\":%.5f}", b->close,
             b->high, b->low);
    struct http_reply r;
    t->last_unacked = 1;
    if (spawn_http(port, "PATCH", path, "application/json", body, strlen(body), NULL, &r))
        return -1;
    t->last_unacked = 0;
    if (r.status == 200) {
        json_t *j = json_of(&r);
        cr_assert_not_null(j);
        snprintf(t->status, sizeof t->status, "%s",
                 json_string_value(json_object_get(j, "status")));
        t->stop = json_number_value(json_object_get(j, "stop_price"));
        json_decref(j);
    } else {
        cr_assert(r.status == 409 || r.status == 422, "trail: %ld %s", r.status, r.body);
    }
    http_free(&r);
    return 0;
}

static void check_trades(int port, const struct trade_ack *trades, int ntrades)
{
    for (int i = 0; i < ntrades; i++) {
        char path[64];
        snprintf(path, sizeof path, "/trades/%ld", trades[i].id);
        struct http_reply r;
        cr_assert_eq(spawn_http(port, "GET", path, NULL, NULL, 0, NULL, &r), 0);
        cr_assert_eq(r.status, 200, "acknowledged trade %ld lost: %ld %s", trades[i].id,
                     r.status, r.body);
        json_t *j = json_of(&r);
        cr_assert_not_null(j);
        const char *status = json_string_value(json_object_get(j, "status"));
        double stop = json_number_value(json_object_get(j, "stop_price"));
        if (!trades[i].last_unacked) {
            cr_assert_str_eq(status, trades[i].status, "trade %ld status", trades[i].id);
            cr_assert_float_eq(stop, trades[i].stop, 1e-12, "trade %ld stop %.10f vs acked %.10f",
                               trades[i].id, stop, trades[i].stop);
        }
        json_decref(j);
        http_free(&r);
    }
}

static char *zones_of(const struct app *a, int port)
{
    const char *path = "/zones?symbol=EURUSD&active=all&limit=10000";
    struct http_reply r;
    if (a != NULL)
        r = http_get(a, path);
    else
        cr_assert_eq(spawn_http(port, "GET", path, NULL, NULL, 0, NULL, &r), 0);
    cr_assert_eq(r.status, 200, "%s", r.body);
    return r.body;
}

Test(crash, sigkill_at_random_moments_loses_nothing_acknowledged, .timeout = 600)
{
    char url[512];
    harness_db("t_crash", url, sizeof url);
    char env_url[600];
    snprintf(env_url, sizeof env_url, "LIQ_DATABASE_URL=%s", url);
    const char *env[] = {env_url, "LIQ_LOG_LEVEL=warn", "LIQ_INSTRUMENTS=EURUSD:0.0001",
                         "LIQ_THREADS=2", "LIQ_MIN_RR_RATIO=0.5",
                         "LIQ_MIN_LIQUIDITY_STRENGTH=0.05", NULL};
    size_t nall = 0;
    struct bar *all = harness_eurusd(&nall);
    size_t limit = nall; /* the whole year: the kills land all along it */
    int rounds = env_int("LIQ_CRASH_ROUNDS", 6);
    unsigned seed = (unsigned)env_int("LIQ_CRASH_SEED", (int)time(NULL));
    srand(seed);
    cr_log_info("crash: %d rounds, seed %u", rounds, seed);

    static struct trade_ack trades[MAX_TRADES];
    int ntrades = 0;
    size_t acked = 0;     /* bars[0..acked) got a 2xx */
    long total_killed_inflight = 0;
    for (int round = 0; round < rounds; round++) {
        struct spawned p;
        spawn_start(&p, env, NULL, "crash");
        /* everything acknowledged before the previous kill is there */
        long in_db = harness_sql_long(url, "SELECT count(*) FROM bars");
        cr_assert_geq(in_db, (long)acked, "round %d: %ld bars stored, %zu acknowledged", round,
                      in_db, acked);
        check_trades(p.port, trades, ntrades);

        struct killer k = {p.pid, 150u + (unsigned)(rand() % 1500)};
        pthread_t th;
        pthread_create(&th, NULL, kill_later, &k);
        size_t next = acked; /* resend from the last ack: the stored surplus is duplicates */
        int pending_setup = 0, alive = 1, step = 0;
        while (alive && next < limit) {
            size_t n = 1 + (size_t)(rand() % 60);
            if (next + n > limit)
                n = limit - next;
            char *body = harness_bars_json("EURUSD", "M15", all, next, next + n);
            char key[64];
            snprintf(key, sizeof key, "Idempotency-Key: crash-%zu-%zu", next, n);
            const char *hdr[] = {key, NULL};
            struct http_reply r;
            int rc = spawn_http(p.port, "POST", "/bars", "application/json", body,
                                strlen(body), (step % 2) ? hdr : NULL, &r);
            free(body);
            if (rc != 0) {
                total_killed_inflight++;
                break;
            }
            cr_assert_eq(r.status, 200, "bars: %ld %s", r.status, r.body);
            http_free(&r);
            next += n;
            acked = next;
            step++;
            if (next > 1500 && step % 7 == 0)
                post_setup(p.port, &all[next - 1], trades, &ntrades, &pending_setup);
            for (int t = 0; alive && t < ntrades; t++)
                if (step % 3 == 0 && post_trail(p.port, &all[next - 1], &trades[t]) != 0)
                    alive = 0;
        }
        pthread_join(th, NULL);
        int st;
        cr_assert(spawn_wait(&p, 10, &st), "liquidityd did not die");
        spawn_kill(&p);
        cr_log_info("round %d: killed after %u ms, %zu bars acknowledged, %d trades", round,
                    k.delay_ms, acked, ntrades);
        if (acked >= limit)
            break;
    }

    /* the last restart: everything acknowledged is there, zones equal a clean replay */
    struct spawned p;
    spawn_start(&p, env, NULL, "crash-final");
    long in_db = harness_sql_long(url, "SELECT count(*) FROM bars");
    cr_assert_geq(in_db, (long)acked);
    cr_assert_leq(in_db, (long)acked + 60, "more bars stored than were ever sent");
    long max_gap = harness_sql_long(url, "SELECT count(*) FROM (SELECT ts - lag(ts) OVER "
                                         "(ORDER BY ts) AS d FROM bars) x WHERE d <= '0'");
    cr_assert_eq(max_gap, 0, "stored bars are strictly increasing");
    check_trades(p.port, trades, ntrades);
    char *served = zones_of(NULL, p.port);
    spawn_signal(&p, SIGTERM);
    int st;
    cr_assert(spawn_wait(&p, 10, &st));
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit status %d", st);

    struct app_config cfg;
    harness_config(&cfg, NULL);
    struct app *clean = harness_start(&cfg);
    for (size_t from = 0; from < (size_t)in_db; from += 2000) {
        size_t to = from + 2000 < (size_t)in_db ? from + 2000 : (size_t)in_db;
        char *body = harness_bars_json("EURUSD", "M15", all, from, to);
        struct http_reply r = http_post_json(clean, "/bars", body);
        cr_assert_eq(r.status, 200, "%s", r.body);
        http_free(&r);
        free(body);
    }
    char *replayed = zones_of(clean, 0);
    cr_assert_str_eq(served, replayed, "zones after the crashes differ from a clean replay");
    cr_log_info("crash: %ld bars stored (%zu acknowledged), %d trades checked, %ld kills "
                "during POST /bars", in_db, acked, ntrades, total_killed_inflight);
    free(served);
    free(replayed);
    app_stop(clean);
    free(all);
}
