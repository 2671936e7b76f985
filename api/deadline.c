/*
 * deadline.c - see deadline.h. One slot per file descriptor (the kernel never hands out an
 * fd at or above RLIMIT_NOFILE), guarded by one mutex: the notifications come from every
 * MHD thread, and the reaper shuts a socket down only while its slot says the connection is
 * open - MHD reports a connection closed before it closes the descriptor, so the reaper can
 * never shut down a descriptor that was reused by a newer connection.
 */
#include "api/deadline.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

struct slot {
    struct MHD_Connection *conn; /* NULL: no connection on this fd */
    int64_t due_ns;              /* 0: no deadline (a request is running) */
};

struct deadlines {
    pthread_mutex_t lock;
    pthread_t reaper;
    atomic_int stop;
    atomic_uint_fast64_t cut;
    int64_t header_ns, idle_ns;
    size_t nslots;
    struct slot slots[];
};

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static long fd_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *i =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    return i != NULL ? (long)i->connect_fd : -1;
}

static void set_due(struct deadlines *d, struct MHD_Connection *c, int64_t due, int opening)
{
    long fd = fd_of(c);
    if (d == NULL || fd < 0 || (size_t)fd >= d->nslots)
        return;
    pthread_mutex_lock(&d->lock);
    struct slot *s = &d->slots[fd];
    if (opening)
        s->conn = c;
    if (s->conn == c)
        s->due_ns = due;
    pthread_mutex_unlock(&d->lock);
}

void deadlines_notify(void *cls, struct MHD_Connection *c, void **socket_ctx,
                      enum MHD_ConnectionNotificationCode toe)
{
    (void)socket_ctx;
    struct deadlines *d = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        set_due(d, c, now_ns() + d->header_ns, 1);
        return;
    }
    long fd = fd_of(c);
    if (fd < 0 || (size_t)fd >= d->nslots)
        return;
    pthread_mutex_lock(&d->lock);
    if (d->slots[fd].conn == c)
        d->slots[fd] = (struct slot){0};
    pthread_mutex_unlock(&d->lock);
}

void deadlines_headers_done(struct deadlines *d, struct MHD_Connection *c)
{
    set_due(d, c, 0, 0);
}

void deadlines_request_done(struct deadlines *d, struct MHD_Connection *c)
{
    if (d != NULL)
        set_due(d, c, now_ns() + d->idle_ns, 0);
}

uint64_t deadlines_cut(const struct deadlines *d)
{
    return d ? atomic_load(&((struct deadlines *)d)->cut) : 0;
}

static void *reap(void *arg)
{
    struct deadlines *d = arg;
    while (!atomic_load(&d->stop)) {
        struct timespec tick = {0, 100 * 1000 * 1000};
        nanosleep(&tick, NULL);
        int64_t now = now_ns();
        pthread_mutex_lock(&d->lock);
        for (size_t fd = 0; fd < d->nslots; fd++) {
            struct slot *s = &d->slots[fd];
            if (s->conn == NULL || s->due_ns == 0 || s->due_ns > now)
                continue;
            shutdown((int)fd, SHUT_RDWR); /* MHD sees the end and closes the connection */
            s->due_ns = 0;
            atomic_fetch_add(&d->cut, 1);
        }
        pthread_mutex_unlock(&d->lock);
    }
    return NULL;
}

struct deadlines *deadlines_start(int header_timeout_s, int idle_timeout_s)
{
    struct rlimit rl;
    size_t n = 65536;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < 1048576)
        n = (size_t)rl.rlim_cur;
    struct deadlines *d = calloc(1, sizeof *d + n * sizeof d->slots[0]);
    if (d == NULL)
        return NULL;
    d->nslots = n;
    d->header_ns = (int64_t)header_timeout_s * 1000000000;
    d->idle_ns = (int64_t)idle_timeout_s * 1000000000;
    pthread_mutex_init(&d->lock, NULL);
    if (pthread_create(&d->reaper, NULL, reap, d) != 0) {
        pthread_mutex_destroy(&d->lock);
        free(d);
        return NULL;
    }
    return d;
}

void deadlines_stop(struct deadlines *d)
{
    if (d == NULL)
        return;
    atomic_store(&d->stop, 1);
    pthread_join(d->reaper, NULL);
    pthread_mutex_destroy(&d->lock);
    free(d);
}
