/*
 * log.c - see log.h.
 */
#include "base/log.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "base/utf8.h"

static const char *const NAMES[] = {"debug", "info", "warn", "error"};

static atomic_int g_level = LOG_INFO;
static _Thread_local char t_request[80];

int log_level_of(const char *name)
{
    for (int i = LOG_DEBUG; i <= LOG_ERROR; i++)
        if (name != NULL && strcmp(name, NAMES[i]) == 0)
            return i;
    return -1;
}

void log_set_level(enum log_level lv)
{
    atomic_store(&g_level, (int)lv);
}

int log_enabled(enum log_level lv)
{
    return (int)lv >= atomic_load(&g_level);
}

void log_set_request(const char *id)
{
    t_request[0] = '\0';
    if (id != NULL)
        utf8_clip(t_request, sizeof t_request, id, sizeof t_request - 1);
}

/* The one escaper: a cut on a character, '?' for invalid bytes and controls, then quoted. */
static void put_string(struct textbuf *b, const char *s)
{
    char clean[1025];
    utf8_clip(clean, sizeof clean, s, sizeof clean - 1);
    textbuf_json_string(b, clean);
}

static void put_key(struct log_line *l, const char *key)
{
    textbuf_append(&l->b, ",", 1);
    put_string(&l->b, key);
    textbuf_append(&l->b, ":", 1);
}

void log_always(struct log_line *l, enum log_level lv, const char *msg)
{
    l->b = (struct textbuf){0};
    l->on = 1;
    textbuf_append(&l->b, "{\"level\":", 9);
    put_string(&l->b, NAMES[lv]);
    put_key(l, "msg");
    put_string(&l->b, msg);
    if (t_request[0] != '\0')
        log_str(l, "request_id", t_request);
}

void log_begin(struct log_line *l, enum log_level lv, const char *msg)
{
    if (!log_enabled(lv)) {
        *l = (struct log_line){0};
        return;
    }
    log_always(l, lv, msg);
}

void log_str(struct log_line *l, const char *key, const char *value)
{
    if (!l->on)
        return;
    put_key(l, key);
    if (value == NULL)
        textbuf_append(&l->b, "null", 4);
    else
        put_string(&l->b, value);
}

void log_int(struct log_line *l, const char *key, long long value)
{
    if (!l->on)
        return;
    put_key(l, key);
    textbuf_printf(&l->b, "%lld", value);
}

void log_num(struct log_line *l, const char *key, double value)
{
    if (!l->on)
        return;
    put_key(l, key);
    if (isfinite(value))
        textbuf_printf(&l->b, "%.6g", value);
    else
        textbuf_append(&l->b, "null", 4);
}

void log_bool(struct log_line *l, const char *key, int value)
{
    if (!l->on)
        return;
    put_key(l, key);
    textbuf_append(&l->b, value ? "true" : "false", value ? 4 : 5);
}

void log_strs(struct log_line *l, const char *key, const char *const *values, size_t n)
{
    if (!l->on)
        return;
    put_key(l, key);
    textbuf_append(&l->b, "[", 1);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            textbuf_append(&l->b, ",", 1);
        put_string(&l->b, values[i]);
    }
    textbuf_append(&l->b, "]", 1);
}

/* --- the queue (a bounded multi-producer queue with a sequence number per slot, after
 * D. Vyukov): producers claim a slot with one CAS on the head; the writer alone takes from
 * the tail. No lock anywhere on the request path. */
struct qslot {
    atomic_size_t seq;
    char *s;
    size_t n;
};

static struct qslot *g_q;
static size_t g_mask;
static atomic_size_t g_head;
static size_t g_tail;              /* the writer's (and, after it stopped, log_async_stop's) */
static atomic_int g_async;         /* 1: log_end queues */
static atomic_int g_users;         /* producers between checking g_async and queueing */
static atomic_int g_stop;
static atomic_ullong g_dropped;
static pthread_t g_writer;
static int g_atexit;

static int enqueue(char *s, size_t n)
{
    size_t pos = atomic_load_explicit(&g_head, memory_order_relaxed);
    for (;;) {
        struct qslot *c = &g_q[pos & g_mask];
        size_t seq = atomic_load_explicit(&c->seq, memory_order_acquire);
        intptr_t dif = (intptr_t)seq - (intptr_t)pos;
        if (dif == 0) {
            if (atomic_compare_exchange_weak_explicit(&g_head, &pos, pos + 1,
                                                      memory_order_relaxed,
                                                      memory_order_relaxed)) {
                c->s = s;
                c->n = n;
                atomic_store_explicit(&c->seq, pos + 1, memory_order_release);
                return 0;
            }
        } else if (dif < 0) {
            return -1; /* full */
        } else {
            pos = atomic_load_explicit(&g_head, memory_order_relaxed);
        }
    }
}

/* Writes up to one batch of queued lines in one writev; the number of lines taken. */
static size_t write_batch(void)
{
    enum { BATCH = 64 };
    struct iovec iov[BATCH];
    char *owned[BATCH];
    size_t k = 0;
    while (k < BATCH) {
        struct qslot *c = &g_q[g_tail & g_mask];
        if (atomic_load_explicit(&c->seq, memory_order_acquire) != g_tail + 1)
            break;
        iov[k] = (struct iovec){.iov_base = c->s, .iov_len = c->n};
        owned[k++] = c->s;
        atomic_store_explicit(&c->seq, g_tail + g_mask + 1, memory_order_release);
        g_tail++;
    }
    size_t i = 0;
    while (i < k) { /* a short write resumes where it stopped */
        ssize_t w = writev(STDERR_FILENO, iov + i, (int)(k - i));
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break; /* stderr is gone: nothing to do for these lines */
        while (i < k && (size_t)w >= iov[i].iov_len)
            w -= (ssize_t)iov[i++].iov_len;
        if (i < k) {
            iov[i].iov_base = (char *)iov[i].iov_base + w;
            iov[i].iov_len -= (size_t)w;
        }
    }
    for (size_t j = 0; j < k; j++)
        free(owned[j]);
    return k;
}

static void *writer(void *arg)
{
    (void)arg;
    for (;;) {
        if (write_batch() > 0)
            continue;
        if (atomic_load(&g_stop))
            return NULL; /* stopping and empty */
        struct timespec ts = {0, 1000000}; /* 1 ms: the longest a line waits when idle */
        nanosleep(&ts, NULL);
    }
}

int log_async_start(size_t capacity)
{
    if (atomic_load(&g_async) || capacity < 2 || (capacity & (capacity - 1)) != 0)
        return -1;
    g_q = calloc(capacity, sizeof *g_q);
    if (g_q == NULL)
        return -1;
    for (size_t i = 0; i < capacity; i++)
        atomic_init(&g_q[i].seq, i);
    g_mask = capacity - 1;
    atomic_store(&g_head, 0);
    g_tail = 0;
    atomic_store(&g_stop, 0);
    fflush(stderr); /* what stdio holds goes first */
    if (pthread_create(&g_writer, NULL, writer, NULL) != 0) {
        free(g_q);
        g_q = NULL;
        return -1;
    }
    if (!g_atexit)
        g_atexit = atexit(log_async_stop) == 0;
    atomic_store(&g_async, 1);
    return 0;
}

void log_async_stop(void)
{
    if (!atomic_exchange(&g_async, 0))
        return;
    atomic_store(&g_stop, 1);
    pthread_join(g_writer, NULL);
    while (atomic_load(&g_users) != 0) /* a producer that saw g_async still queueing */
        sched_yield();
    while (write_batch() > 0) {
    }
    free(g_q);
    g_q = NULL;
}

unsigned long long log_dropped(void)
{
    return atomic_load(&g_dropped);
}

void log_end_to(struct log_line *l, FILE *out)
{
    if (!l->on)
        return;
    textbuf_append(&l->b, "}\n", 2);
    static const char LOST[] = "{\"level\":\"error\",\"msg\":\"a log line was lost: out of "
                               "memory\"}\n";
    if (out == stderr && !l->b.oom) {
        atomic_fetch_add(&g_users, 1);
        if (atomic_load(&g_async)) {
            /* the writer frees the line; the caller's buffer is handed over */
            if (enqueue(l->b.s, l->b.len) != 0) {
                atomic_fetch_add(&g_dropped, 1);
                textbuf_free(&l->b);
            }
            atomic_fetch_sub(&g_users, 1);
            l->b = (struct textbuf){0};
            l->on = 0;
            return;
        }
        atomic_fetch_sub(&g_users, 1);
    }
    const char *s = l->b.oom ? LOST : l->b.s;
    size_t n = l->b.oom ? sizeof LOST - 1 : l->b.len;
    flockfile(out);
    fwrite(s, 1, n, out);
    fflush(out);
    funlockfile(out);
    textbuf_free(&l->b);
    l->on = 0;
}

void log_end(struct log_line *l)
{
    log_end_to(l, stderr);
}

void log_msg(enum log_level lv, const char *msg)
{
    struct log_line l;
    log_begin(&l, lv, msg);
    log_end(&l);
}
