/*
 * pg_wait.c - see pg_wait.h. No worker ever blocks inside libpq: connections are
 * non-blocking, results are read only once PQisBusy says they are complete, and every
 * wait is a poll() on the socket that ends at a deadline.
 *
 * Why the cancel runs on a thread of its own: PQcancel connects to the server and waits
 * until the server closes that connection. A server stopped with SIGSTOP (or a frozen
 * host) still has its listen socket accepting in the kernel, so PQcancel would block
 * forever. The worker hands the cancel to a detached thread (at most CANCEL_THREADS at a
 * time), shuts its own socket and goes on. A server that merely waits (a COMMIT waiting
 * for a synchronous standby that is gone, a lock) processes the cancel at once: the
 * backend leaves the wait, and with its client gone it ends, releasing its locks.
 */
#include "storage/pg_wait.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "base/log.h"
#include "storage/pg.h"

#define CANCEL_THREADS 32
#define POLL_SLICE_MS 100 /* a wait re-reads the shutdown deadline this often */

static struct pg_limits g_lim = {.connect_timeout_ms = 2000,
                                 .call_timeout_ms = 5000,
                                 .statement_timeout_ms = 4000,
                                 .lock_timeout_ms = 2000};
static atomic_int_fast64_t g_stop_at; /* monotonic ms; 0: no shutdown under way */
static atomic_int g_cancels_running;
static atomic_uint_fast64_t g_timeouts, g_unknown, g_cancels, g_node_changes;
static _Thread_local int t_failure;
static _Thread_local int64_t t_bulk_ms; /* pgw_bulk_rows */

static pthread_mutex_t g_node_mu = PTHREAD_MUTEX_INITIALIZER;
static char g_node[300];
static int64_t g_node_since; /* epoch seconds */

int64_t pgw_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void pg_limits_set(const struct pg_limits *l)
{
    g_lim = *l;
}

const struct pg_limits *pg_limits_get(void)
{
    return &g_lim;
}

void pg_shutdown_within(int ms)
{
    atomic_store(&g_stop_at, pgw_now_ms() + (ms > 0 ? ms : 1));
}

int pgw_stopped(void)
{
    int64_t at = atomic_load(&g_stop_at);
    return at != 0 && pgw_now_ms() >= at;
}

int64_t pgw_bulk_ms(size_t rows)
{
    size_t ms = rows / PG_BULK_ROWS_PER_MS;
    return ms > 3600000 ? 3600000 : (int64_t)ms;
}

void pgw_bulk_rows(size_t rows)
{
    t_bulk_ms = pgw_bulk_ms(rows);
}

int64_t pgw_call_end(void)
{
    int64_t end = pgw_now_ms() + g_lim.call_timeout_ms + t_bulk_ms;
    int64_t at = atomic_load(&g_stop_at);
    return at != 0 && at < end ? at : end;
}

int pg_last_failure(void)
{
    return t_failure;
}

void pg_failure_reset(void)
{
    t_failure = PG_FAIL_NONE;
}

/* 0 when fd is ready for events, -1 when end (or the shutdown deadline) came first. */
static int wait_fd(int fd, short events, int64_t end)
{
    for (;;) {
        int64_t at = atomic_load(&g_stop_at);
        int64_t stop = at != 0 && at < end ? at : end;
        int64_t left = stop - pgw_now_ms();
        if (left <= 0 || fd < 0)
            return -1;
        struct pollfd p = {.fd = fd, .events = events};
        int n = poll(&p, 1, (int)(left < POLL_SLICE_MS ? left : POLL_SLICE_MS));
        if (n > 0)
            return 0;
    }
}

static void *cancel_main(void *arg)
{
    PGcancel *k = arg;
    char err[256];
    (void)PQcancel(k, err, sizeof err);
    PQfreeCancel(k);
    atomic_fetch_sub(&g_cancels_running, 1);
    return NULL;
}

static void send_cancel(PGconn *c)
{
    if (atomic_fetch_add(&g_cancels_running, 1) >= CANCEL_THREADS) {
        atomic_fetch_sub(&g_cancels_running, 1);
        return;
    }
    PGcancel *k = PQgetCancel(c);
    pthread_attr_t at;
    pthread_t t;
    int started = 0;
    if (k != NULL && pthread_attr_init(&at) == 0) {
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        started = pthread_create(&t, &at, cancel_main, k) == 0;
        pthread_attr_destroy(&at);
    }
    if (started) {
        atomic_fetch_add(&g_cancels, 1);
        return;
    }
    if (k != NULL)
        PQfreeCancel(k);
    atomic_fetch_sub(&g_cancels_running, 1);
}

void pgw_give_up(PGconn *c, int commit)
{
    atomic_fetch_add(&g_timeouts, 1);
    if (commit)
        atomic_fetch_add(&g_unknown, 1);
    if (t_failure != PG_FAIL_UNKNOWN)
        t_failure = commit ? PG_FAIL_UNKNOWN : PG_FAIL_TIMEOUT;
    struct log_line l;
    log_begin(&l, LOG_ERROR, "database: no answer within the deadline, call cancelled");
    log_bool(&l, "commit_outcome_unknown", commit);
    log_end(&l);
    if (PQsocket(c) >= 0) {
        send_cancel(c);
        shutdown(PQsocket(c), SHUT_RDWR); /* every later read or write on c fails at once */
    }
    pg_mark_broken();
}

void pgw_outcome_unknown(void)
{
    t_failure = PG_FAIL_UNKNOWN;
}

static int flush_until(PGconn *c, int64_t end)
{
    int r;
    while ((r = PQflush(c)) == 1) {
        if (wait_fd(PQsocket(c), POLLOUT | POLLIN, end) != 0)
            return -2;
        if (PQconsumeInput(c) == 0)
            return -1;
    }
    return r;
}

PGresult *pgw_next_result(PGconn *c, int64_t end, int *timed_out)
{
    *timed_out = 0;
    int f = flush_until(c, end);
    if (f == -2) {
        *timed_out = 1;
        return NULL;
    }
    while (f == 0 && PQisBusy(c)) {
        if (wait_fd(PQsocket(c), POLLIN, end) != 0) {
            *timed_out = 1;
            return NULL;
        }
        if (PQconsumeInput(c) == 0)
            break; /* the connection broke: PQgetResult reports it without waiting */
    }
    return PQgetResult(c);
}

static int put_until(PGconn *c, const char *buf, int len, int end_copy, int64_t end)
{
    for (;;) {
        int r = end_copy ? PQputCopyEnd(c, NULL) : PQputCopyData(c, buf, len);
        if (r < 0)
            return -1;
        if (r == 1 && !end_copy)
            return 1;
        if (r == 1) {
            /* The whole COPY on the wire before the caller goes on: a non-blocking
             * connection keeps what the socket did not take in libpq's buffer, and the
             * server would wait for it (its statement_timeout running, "COPY bars, line
             * 0") while the caller computes -- the engine runs behind the COPY. */
            int f = flush_until(c, end);
            if (f == -2)
                pgw_give_up(c, 0);
            return f == 0 ? 1 : -1;
        }
        if (wait_fd(PQsocket(c), POLLOUT, end) != 0) {
            pgw_give_up(c, 0);
            return -1;
        }
        if (PQflush(c) < 0)
            return -1;
    }
}

int pgw_put_copy(PGconn *c, const char *buf, int len, int64_t end)
{
    return put_until(c, buf, len, 0, end);
}

int pgw_put_copy_end(PGconn *c, int64_t end)
{
    return put_until(c, NULL, 0, 1, end);
}

/* --- connecting ------------------------------------------------------------------------ */

/* One attempt with keywords k/v until end. */
static PGconn *connect_one(const char *const *k, const char *const *v, int64_t end,
                           char *err, size_t errlen)
{
    PGconn *c = PQconnectStartParams(k, v, 1);
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    while (PQstatus(c) != CONNECTION_BAD && st != PGRES_POLLING_FAILED) {
        if (st == PGRES_POLLING_OK)
            return c;
        short ev = st == PGRES_POLLING_READING ? POLLIN : POLLOUT;
        if (wait_fd(PQsocket(c), ev, end) != 0) {
            snprintf(err, errlen, "no answer within the connect timeout");
            PQfinish(c);
            return NULL;
        }
        st = PQconnectPoll(c);
    }
    snprintf(err, errlen, "%s", PQerrorMessage(c));
    PQfinish(c);
    return NULL;
}

/* The i-th element of a comma-separated list (the last one when the list is shorter, as
 * libpq reads a single port for every host); "" when list is NULL. */
static void list_item(const char *list, int i, char *out, size_t n)
{
    out[0] = '\0';
    if (list == NULL)
        return;
    const char *p = list;
    for (int k = 0; k < i; k++) {
        const char *comma = strchr(p, ',');
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    size_t len = strcspn(p, ",");
    snprintf(out, n, "%.*s", (int)(len < n ? len : n - 1), p);
}

static const char *conninfo_value(PQconninfoOption *o, const char *key)
{
    for (; o != NULL && o->keyword != NULL; o++)
        if (strcmp(o->keyword, key) == 0)
            return o->val != NULL && o->val[0] != '\0' ? o->val : NULL;
    return NULL;
}

static int count_items(const char *list)
{
    int n = list != NULL;
    for (const char *p = list; p != NULL && *p; p++)
        n += *p == ',';
    return n;
}

PGconn *pgw_connect(const char *url, int raw, int64_t end, char *err, size_t errlen)
{
    PQconninfoOption *opts = PQconninfoParse(url, NULL);
    const char *hosts = conninfo_value(opts, "host");
    const char *ports = conninfo_value(opts, "port");
    const char *addrs = conninfo_value(opts, "hostaddr");
    int nhosts = count_items(hosts) > count_items(addrs) ? count_items(hosts)
                                                         : count_items(addrs);
    /* keepalives before the URL so the URL's own values win; the host, port and address
     * of the attempt after it (a URL with one host or none is used as it is) */
    char host[256], port[32], addr[64];
    const char *k[] = {"keepalives", "keepalives_idle", "keepalives_interval",
                       "keepalives_count", "tcp_user_timeout", "dbname", "host", "port",
                       "hostaddr", NULL};
    const char *v[] = {"1", "10", "3", "3", "10000", url, host, port, addr, NULL};
    if (nhosts <= 1)
        k[6] = NULL;
    PGconn *c = NULL;
    snprintf(err, errlen, "shutting down");
    for (int i = 0; c == NULL && i < (nhosts > 1 ? nhosts : 1) && !pgw_stopped(); i++) {
        int64_t host_end = pgw_now_ms() + g_lim.connect_timeout_ms;
        list_item(hosts, i, host, sizeof host);
        list_item(ports, i, port, sizeof port);
        list_item(addrs, i, addr, sizeof addr);
        if (nhosts > 1) {
            /* an empty value would be taken as given: leave the keyword out instead */
            k[6] = host[0] ? "host" : "hostaddr";
            v[6] = host[0] ? host : addr;
            k[7] = port[0] ? "port" : NULL;
            k[8] = port[0] && host[0] && addr[0] ? "hostaddr" : NULL;
        }
        c = connect_one(k, v, host_end < end ? host_end : end, err, errlen);
    }
    PQconninfoFree(opts);
    if (c != NULL && !raw && PQsetnonblocking(c, 1) != 0) {
        snprintf(err, errlen, "cannot make the connection non-blocking");
        PQfinish(c);
        c = NULL;
    }
    return c;
}

void pgw_note_node(PGconn *c)
{
    char node[300];
    const char *h = PQhost(c);
    snprintf(node, sizeof node, "%s:%s", h != NULL && h[0] != '/' ? h : "local", PQport(c));
    pthread_mutex_lock(&g_node_mu);
    if (strcmp(node, g_node) != 0) {
        if (g_node[0] != '\0')
            atomic_fetch_add(&g_node_changes, 1);
        snprintf(g_node, sizeof g_node, "%s", node);
        g_node_since = (int64_t)time(NULL);
        struct log_line l;
        log_begin(&l, LOG_INFO, "database node");
        log_str(&l, "node", node);
        log_end(&l);
    }
    pthread_mutex_unlock(&g_node_mu);
}

void pg_node_get(struct pg_node *out)
{
    pthread_mutex_lock(&g_node_mu);
    snprintf(out->node, sizeof out->node, "%s", g_node);
    out->since = g_node_since;
    pthread_mutex_unlock(&g_node_mu);
    out->changes = atomic_load(&g_node_changes);
    out->timeouts = atomic_load(&g_timeouts);
    out->commit_unknown = atomic_load(&g_unknown);
    out->cancels = atomic_load(&g_cancels);
}
