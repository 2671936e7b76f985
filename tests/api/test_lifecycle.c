/*
 * Lifecycle (issue 6, item 8) on the real binary: SIGTERM while a large request is still
 * uploading - the request completes with 2xx and is committed, new connections are
 * refused, the process exits 0 within 10 s. The upload is held at a gate a third of the way
 * through until the signal has been sent and the listener is seen closed, so it is in
 * flight at the signal by construction (no pacing, no sleep); SIGHUP reloads the live settings (api_key,
 * log_level, setup parameters) and a broken file on SIGHUP changes nothing.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/harness.h"
#include "tests/support/spawn.h"

struct upload {
    int port;
    const char *data;
    size_t len, sent;
    atomic_int halfway;     /* set once a third of the body is out */
    atomic_int release;     /* the test lets the rest of the body go */
    long status;
    char *reply;
    size_t reply_len;
    CURLcode rc;
};

static size_t paced_read(char *buf, size_t size, size_t n, void *ud)
{
    struct upload *u = ud;
    size_t want = size * n;
    if (want > 32 * 1024)
        want = 32 * 1024;
    if (want > u->len - u->sent)
        want = u->len - u->sent;
    if (u->sent > u->len / 3) {
        atomic_store(&u->halfway, 1);
        /* the gate: held (with a deadline, so a broken test cannot hang) until released */
        double until = spawn_now() + 60;
        while (!atomic_load(&u->release) && spawn_now() < until)
            usleep(1000);
    }
    memcpy(buf, u->data + u->sent, want);
    u->sent += want;
    return want;
}

static void *run_upload(void *arg)
{
    struct upload *u = arg;
    CURL *c = curl_easy_init();
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/bars?symbol=EURUSD&timeframe=M15", u->port);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, paced_read);
    curl_easy_setopt(c, CURLOPT_READDATA, u);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)u->len);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: text/csv");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    FILE *mem = open_memstream(&u->reply, &u->reply_len);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, mem);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    u->rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &u->status);
    fclose(mem);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return NULL;
}

static int can_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

Test(lifecycle, sigterm_finishes_the_request_in_flight_and_exits_0_within_10_s,
     .timeout = 120)
{
    char url[512], env_url[600];
    harness_db("t_lifecycle_term", url, sizeof url);
    snprintf(env_url, sizeof env_url, "LIQ_DATABASE_URL=%s", url);
    const char *env[] = {env_url, "LIQ_LOG_LEVEL=warn", NULL};
    struct spawned p;
    spawn_start(&p, env, NULL, "term");
    struct upload u = {.port = p.port};
    u.data = harness_read_file(LIQ_DATA_DIR "/EURUSD_15M.csv", &u.len);
    pthread_t th;
    pthread_create(&th, NULL, run_upload, &u);
    double until = spawn_now() + 60;
    while (!atomic_load(&u.halfway) && spawn_now() < until)
        usleep(1000);
    cr_assert(atomic_load(&u.halfway), "the upload never reached its gate");
    spawn_signal(&p, SIGTERM);
    double t0 = spawn_now();
    /* draining: new connections refused while the upload is still held at the gate */
    int refused = 0;
    while (!refused && spawn_now() - t0 < 10) {
        refused = !can_connect(p.port);
        if (!refused)
            usleep(5000);
    }
    cr_assert_lt(u.sent, u.len, "the upload was still in flight at the signal");
    atomic_store(&u.release, 1);
    pthread_join(th, NULL);
    int st = 0;
    int exited = spawn_wait(&p, 10.0 - (spawn_now() - t0), &st);
    double took = spawn_now() - t0;
    if (!exited)
        spawn_kill(&p);
    cr_assert_eq(u.rc, CURLE_OK, "the request in flight was cut: %s", curl_easy_strerror(u.rc));
    cr_assert_eq(u.status, 200, "in-flight request: %ld %s", u.status, u.reply);
    cr_assert(strstr(u.reply, "\"accepted\":24424"), "%s", u.reply);
    cr_assert(exited, "still running 10 s after SIGTERM");
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit status %d", st);
    cr_assert(refused, "a new connection was accepted while draining");
    cr_assert_eq(harness_sql_long(url, "SELECT count(*) FROM bars"), 24424, "committed");
    cr_log_info("SIGTERM mid-upload: request answered 200, exit 0 after %.2f s", took);
    free(u.reply);
    free((char *)u.data);
}

static void write_config(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static long post_status(int port, const char *path, const char *body, const char *auth,
                        char **reply)
{
    const char *hdr[] = {auth, NULL};
    struct http_reply r;
    cr_assert_eq(spawn_http(port, "POST", path, "application/json", body, strlen(body),
                            auth ? hdr : NULL, &r), 0);
    if (reply != NULL)
        *reply = r.body;
    else
        http_free(&r);
    return r.status;
}

static void wait_for_log(const struct spawned *p, const char *needle, int count)
{
    double t0 = spawn_now();
    while (spawn_log_count(p, needle) < count && spawn_now() - t0 < 30)
        usleep(10000);
    cr_assert_geq(spawn_log_count(p, needle), count, "no '%s' in %s", needle, p->log);
}

Test(lifecycle, sighup_reloads_the_live_settings, .timeout = 120)
{
    char url[512], env_url[600];
    harness_db("t_lifecycle_hup", url, sizeof url);
    snprintf(env_url, sizeof env_url, "LIQ_DATABASE_URL=%s", url);
    char cfgpath[64];
    snprintf(cfgpath, sizeof cfgpath, "/tmp/liq-hup-%d.conf", (int)getpid());
    write_config(cfgpath, "log_level = \"warn\";\nmin_rr_ratio = 1.5;\n"
                          "min_liquidity_strength = 0.05;\n");
    const char *env[] = {env_url, NULL};
    const char *args[] = {"--config", cfgpath, NULL};
    struct spawned p;
    spawn_start(&p, env, args, "hup");
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    char *b = harness_bars_json("EURUSD", "M15", bars, 0, 3000);
    cr_assert_eq(post_status(p.port, "/bars", b, NULL, NULL), 200, "no key needed yet");
    free(b);
    char setup[256];
    snprintf(setup, sizeof setup,
             "{\"symbol\":\"EURUSD\",\"side\":\"BUY\",\"entry\":%.5f,\"trend_score\":0.9,"
             "\"regime_mode\":\"NORMAL\",\"regime_transition_strength\":0}", bars[2999].close);

    write_config(cfgpath, "log_level = \"error\";\nmin_rr_ratio = 50.0;\n"
                          "min_liquidity_strength = 0.05;\napi_key = \"fresh-key\";\n"
                          "port = 1;\n");
    spawn_signal(&p, SIGHUP);
    wait_for_log(&p, "configuration reloaded", 1);
    cr_assert_eq(spawn_log_count(&p, "\"api_key\""), 1, "api_key reported as changed");
    b = harness_bars_json("EURUSD", "M15", bars, 3000, 3010);
    cr_assert_eq(post_status(p.port, "/bars", b, NULL, NULL), 401, "the new key is required");
    cr_assert_eq(post_status(p.port, "/bars", b, "Authorization: Bearer fresh-key", NULL), 200);
    free(b);
    char *reply = NULL;
    long st = post_status(p.port, "/setups?dry_run=true", setup,
                          "Authorization: Bearer fresh-key", &reply);
    cr_assert_eq(st, 422, "%s", reply);
    cr_assert(strstr(reply, "min_rr_ratio 50.00"), "setups use the reloaded RR: %s", reply);
    free(reply);
    /* port is not live: still the same listener */
    struct http_reply h;
    cr_assert_eq(spawn_http(p.port, "GET", "/health", NULL, NULL, 0, NULL, &h), 0);
    cr_assert_eq(h.status, 200);
    http_free(&h);

    /* a broken file on SIGHUP changes nothing */
    write_config(cfgpath, "api_key = ;;; nonsense\n");
    spawn_signal(&p, SIGHUP);
    wait_for_log(&p, "configuration rejected", 1);
    b = harness_bars_json("EURUSD", "M15", bars, 3010, 3020);
    cr_assert_eq(post_status(p.port, "/bars", b, NULL, NULL), 401, "the key stays");
    cr_assert_eq(post_status(p.port, "/bars", b, "Authorization: Bearer fresh-key", NULL), 200);
    free(b);

    spawn_signal(&p, SIGTERM);
    int ws = 0;
    cr_assert(spawn_wait(&p, 10, &ws));
    cr_assert(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    unlink(cfgpath);
    free(bars);
}

/* liquidityd --check-config [--config path] with one more environment variable: its exit
 * code, its output in out. */
static int check_config_file(const char *path, const char *var, char *out, size_t outlen)
{
    const char *env[] = {var, NULL};
    char args[600];
    snprintf(args, sizeof args, "--check-config %s%s", path ? "--config " : "",
             path ? path : "");
    return harness_run_binary(env, args, 1, out, outlen);
}

/* A reload is taken whole or not at all: an empty file, a file cut short at any point (so
 * that it lacks what the running one set, or no longer parses), an api_key with a control
 * character - each is refused with one JSON log line, and the running key stays; the key is
 * removed only by writing api_key = "". --check-config and a start say the same. */
Test(lifecycle, a_reload_is_taken_whole_or_not_at_all, .timeout = 120)
{
    char url[512], env_url[600];
    harness_db("t_lifecycle_hup_whole", url, sizeof url);
    snprintf(env_url, sizeof env_url, "LIQ_DATABASE_URL=%s", url);
    char cfgpath[64];
    snprintf(cfgpath, sizeof cfgpath, "/tmp/liq-hup-whole-%d.conf", (int)getpid());
    const char *full = "log_level = \"info\";\nmin_rr_ratio = 2.0;\n"
                       "min_liquidity_strength = 0.05;\napi_key = \"s3cret\";\n";
    write_config(cfgpath, full);
    const char *env[] = {env_url, NULL};
    const char *args[] = {"--config", cfgpath, NULL};
    struct spawned p;
    spawn_start(&p, env, args, "hup-whole");
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    char *b = harness_bars_json("EURUSD", "M15", bars, 0, 10);
    cr_assert_eq(post_status(p.port, "/bars", b, NULL, NULL), 401, "the key is required");
    /* every prefix of the file that is not the whole of it, and other broken files */
    size_t len = strlen(full);
    int rejected = 0;
    for (size_t cut = 0; cut <= len + 3; cut++) {
        char text[256];
        if (cut < len)
            snprintf(text, sizeof text, "%.*s", (int)cut, full);
        else if (cut == len)
            snprintf(text, sizeof text, "# all commented out\n");
        else if (cut == len + 1)
            snprintf(text, sizeof text, "%sapi_key = \"new\\nkey\";\n", full);
        else if (cut == len + 2)
            snprintf(text, sizeof text, "%.*sapi_key = \"new key\";\n", (int)(len - 21), full);
        else
            snprintf(text, sizeof text, "%.*sapi_key = \"tab\tkey\";\n", (int)(len - 21), full);
        if (cut < len && strstr(text, "api_key = \"s3cret\"") != NULL)
            continue; /* all of it but a ';' or the last newline: nothing lost */
        write_config(cfgpath, text);
        spawn_signal(&p, SIGHUP);
        rejected++;
        wait_for_log(&p, "\"SIGHUP: configuration rejected, nothing changed\"", rejected);
        cr_assert_eq(post_status(p.port, "/bars", b, NULL, NULL), 401,
                     "the key stays after a reload of \"%s\"", text);
    }
    cr_assert_eq(spawn_log_count(&p, "configuration reloaded"), 0);
    /* removing the key is written: api_key = "" */
    write_config(cfgpath, "log_level = \"info\";\nmin_rr_ratio = 2.0;\n"
                          "min_liquidity_strength = 0.05;\napi_key = \"\";\n");
    spawn_signal(&p, SIGHUP);
    wait_for_log(&p, "configuration reloaded", 1);
    cr_assert_eq(post_status(p.port, "/bars", b, NULL, NULL), 200, "the key was removed");
    free(b);
    spawn_signal(&p, SIGTERM);
    int ws = 0;
    cr_assert(spawn_wait(&p, 10, &ws));
    /* --check-config says the same of an empty file and of a key with a control character */
    char out[4096];
    write_config(cfgpath, "");
    cr_assert_eq(check_config_file(cfgpath, "LIQ_X_UNUSED_=1", out, sizeof out), 2, "%s", out);
    cr_assert(strstr(out, "holds no setting"), "%s", out);
    write_config(cfgpath, full);
    cr_assert_eq(check_config_file(cfgpath, "LIQ_API_KEY=a\nb", out, sizeof out), 2, "%s", out);
    cr_assert(strstr(out, "api_key"), "%s", out);
    cr_assert_eq(check_config_file(cfgpath, "LIQ_API_KEY=a\x01", out, sizeof out), 2, "%s", out);
    cr_assert_eq(check_config_file(cfgpath, "LIQ_API_KEY=fine-key", out, sizeof out), 0, "%s",
                 out);
    unlink(cfgpath);
    free(bars);
}
