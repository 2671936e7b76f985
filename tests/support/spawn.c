/*
 * spawn.c - see spawn.h. Every child is registered until it is reaped: spawn_kill_all()
 * (run at exit and from a test's .fini) and PR_SET_PDEATHSIG make sure no liquidityd
 * outlives the test process, whichever way the test ends (a failing assertion included).
 */
#include "tests/support/spawn.h"

#include "tests/support/harness.h"

#include <criterion/criterion.h>
#include <curl/curl.h>
#include <strings.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define SPAWN_MAX_LIVE 16

static pid_t live[SPAWN_MAX_LIVE];

static void live_forget(pid_t pid)
{
    for (int i = 0; i < SPAWN_MAX_LIVE; i++)
        if (live[i] == pid)
            live[i] = 0;
}

void spawn_kill_all(void)
{
    for (int i = 0; i < SPAWN_MAX_LIVE; i++) {
        if (live[i] > 0) {
            int st;
            kill(live[i], SIGKILL);
            waitpid(live[i], &st, 0);
            live[i] = 0;
        }
    }
}

static void live_add(pid_t pid)
{
    static int registered;
    if (!registered) {
        atexit(spawn_kill_all);
        registered = 1;
    }
    for (int i = 0; i < SPAWN_MAX_LIVE; i++) {
        if (live[i] == 0) {
            live[i] = pid;
            return;
        }
    }
    kill(pid, SIGKILL);
    cr_assert_fail("more than %d live children", SPAWN_MAX_LIVE);
}

double spawn_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void binary_path(char *out, size_t outlen)
{
    char self[512];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    cr_assert_gt(n, 0);
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    cr_assert_not_null(slash);
    *slash = '\0';
    snprintf(out, outlen, "%s/liquidityd", self);
    cr_assert_eq(access(out, X_OK), 0, "no liquidityd beside the test: %s", out);
}

/* The port from the "listening" line, or 0 while it is not there. */
static int read_port(const char *log)
{
    FILE *f = fopen(log, "r");
    if (f == NULL)
        return 0;
    char line[1024];
    int port = 0;
    while (port == 0 && fgets(line, sizeof line, f) != NULL) {
        const char *p = strstr(line, "\"msg\":\"listening\"");
        const char *q = p ? strstr(p, "\"port\":") : NULL;
        if (q != NULL)
            port = atoi(q + 7);
    }
    fclose(f);
    return port;
}

void spawn_start(struct spawned *p, const char *const *env, const char *const *args,
                 const char *logname)
{
    memset(p, 0, sizeof *p);
    char bin[600];
    binary_path(bin, sizeof bin);
    snprintf(p->log, sizeof p->log, "/tmp/liq-spawn-%d-%s.log", (int)getpid(), logname);
    int fd = open(p->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert_geq(fd, 0);
    pid_t parent = getpid();
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        /* dies with the test process, even when that one is killed or crashes */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
            _exit(126);
        dup2(fd, 2);
        close(fd);
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 1);
        }
        setenv("LIQ_PORT", "0", 1);
        /* one identity across restarts (port 0 would make each start a new one): a
         * restarted process takes its predecessor's symbol leases over at once instead
         * of waiting lease_ttl_ms (docs/scaling.md) */
        setenv("LIQ_INSTANCE_NAME", "spawned", 0);
        for (size_t i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        const char *argv[16] = {bin};
        int n = 1;
        for (size_t i = 0; args && args[i] && n < 15; i++)
            argv[n++] = args[i];
        argv[n] = NULL;
        /* the test blocks no signal the service relies on, but make sure */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execve(bin, (char *const *)argv, environ);
        _exit(127);
    }
    close(fd);
    p->pid = pid;
    live_add(pid);
    double deadline = spawn_now() + 30;
    while (spawn_now() < deadline) {
        p->port = read_port(p->log);
        if (p->port > 0)
            break;
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            live_forget(pid);
            p->pid = 0;
            cr_assert_fail("liquidityd exited at start (status %d), see %s", st, p->log);
        }
        usleep(20000);
    }
    cr_assert_gt(p->port, 0, "liquidityd did not listen within 30 s, see %s", p->log);
    p->view.port = p->port;
}

const struct app *spawn_app(const struct spawned *p)
{
    return &p->view;
}

void spawn_signal(const struct spawned *p, int sig)
{
    cr_assert_gt(p->pid, 0);
    cr_assert_eq(kill(p->pid, sig), 0, "kill: %s", strerror(errno));
}

int spawn_wait(struct spawned *p, double timeout_s, int *status)
{
    double deadline = spawn_now() + timeout_s;
    while (p->pid > 0) {
        pid_t r = waitpid(p->pid, status, WNOHANG);
        if (r == p->pid) {
            live_forget(p->pid);
            p->pid = 0;
            return 1;
        }
        if (spawn_now() > deadline)
            return 0;
        usleep(10000);
    }
    return 1;
}

void spawn_kill(struct spawned *p)
{
    if (p->pid <= 0)
        return;
    kill(p->pid, SIGKILL);
    int st;
    waitpid(p->pid, &st, 0);
    live_forget(p->pid);
    p->pid = 0;
}

int spawn_log_count(const struct spawned *p, const char *needle)
{
    FILE *f = fopen(p->log, "r");
    if (f == NULL)
        return 0;
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, f) != NULL)
        n += strstr(line, needle) != NULL;
    fclose(f);
    return n;
}

static size_t sink(char *p, size_t size, size_t n, void *ud)
{
    struct http_reply *r = ud;
    size_t add = size * n;
    char *b = realloc(r->body, r->len + add + 1);
    if (b == NULL)
        return 0;
    memcpy(b + r->len, p, add);
    r->len += add;
    b[r->len] = '\0';
    r->body = b;
    return add;
}

static size_t head_line(char *p, size_t size, size_t n, void *ud)
{
    struct http_reply *r = ud;
    size_t len = size * n;
    if (len > 13 && strncasecmp(p, "Retry-After: ", 13) == 0)
        snprintf(r->retry_after, sizeof r->retry_after, "%.*s", (int)strcspn(p + 13, "\r\n"),
                 p + 13);
    if (len > 18 && strncasecmp(p, "WWW-Authenticate: ", 18) == 0)
        snprintf(r->www_authenticate, sizeof r->www_authenticate, "%.*s",
                 (int)strcspn(p + 18, "\r\n"), p + 18);
    return len;
}

/* The kill of spawn_http_cut: the pid and the moment, disarmed once fired. */
struct cut {
    pid_t pid;
    enum spawn_cut when;
    int fired;
};

static void cut_fire(struct cut *c)
{
    if (c->pid > 0 && !c->fired) {
        kill(c->pid, SIGKILL);
        c->fired = 1;
    }
}

struct reply_ctx {
    struct http_reply *r;
    struct cut *cut;
};

static size_t head_line_cut(char *p, size_t size, size_t n, void *ud)
{
    struct reply_ctx *x = ud;
    if (x->cut->when == SPAWN_CUT_AT_REPLY) {
        cut_fire(x->cut);
        return 0; /* the reply is dropped: the client never learns the outcome */
    }
    return head_line(p, size, n, x->r);
}

static int sent_all(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                    curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    struct cut *c = ud;
    if (c->when == SPAWN_CUT_AFTER_SEND && ultotal > 0 && ulnow >= ultotal)
        cut_fire(c);
    return 0;
}

static int http_exchange(int port, const char *method, const char *path,
                         const char *content_type, const char *body, size_t len,
                         const char *const *headers, struct cut *cut, struct http_reply *out)
{
    memset(out, 0, sizeof *out);
    CURL *c = curl_easy_init();
    cr_assert_not_null(c);
    char url[2048];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    struct reply_ctx ctx = {.r = out, .cut = cut};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, head_line_cut);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &ctx);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, sent_all);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, cut);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, cut->when == SPAWN_CUT_AFTER_SEND ? 0L : 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    struct curl_slist *h = curl_slist_append(NULL, "Expect:");
    if (content_type != NULL) {
        char ct[128];
        snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
        h = curl_slist_append(h, ct);
    }
    for (size_t i = 0; headers && headers[i]; i++)
        h = curl_slist_append(h, headers[i]);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    cut_fire(cut); /* a cut whose moment never came (no body, no reply) still kills */
    if (rc != CURLE_OK || cut->fired) {
        free(out->body);
        out->body = NULL;
        return -1;
    }
    if (out->body == NULL)
        out->body = calloc(1, 1);
    return 0;
}

int spawn_http(int port, const char *method, const char *path, const char *content_type,
               const char *body, size_t len, const char *const *headers,
               struct http_reply *out)
{
    struct cut none = {.pid = 0, .when = SPAWN_CUT_NONE};
    return http_exchange(port, method, path, content_type, body, len, headers, &none, out);
}

int spawn_http_cut(struct spawned *p, enum spawn_cut when, const char *method,
                   const char *path, const char *content_type, const char *body, size_t len,
                   const char *const *headers, struct http_reply *out)
{
    cr_assert_gt(p->pid, 0);
    struct cut cut = {.pid = p->pid, .when = when};
    if (when == SPAWN_CUT_BEFORE) {
        cut_fire(&cut);
        int st;
        cr_assert(spawn_wait(p, 30, &st), "liquidityd did not die of SIGKILL");
    }
    return http_exchange(p->port, method, path, content_type, body, len, headers, &cut, out);
}
