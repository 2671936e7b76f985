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
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include "base/hash.h"

struct slot {
    struct MHD_Connection *conn; /* NULL: no connection on this fd */
    int64_t due_ns;              /* 0: no deadline (a request is running) */
    uint64_t peer;               /* the client's address, hashed */
};

struct deadlines {
    pthread_mutex_t lock;
    pthread_t reaper;
    atomic_int stop;
    atomic_uint_fast64_t cut;
    int64_t header_ns, idle_ns;
    size_t open, limit, reserve; /* connections now; connection_limit; slots kept for new peers */
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

/* The hash of the address bytes (IPv4 or IPv6; the port is not part of a peer). */
static uint64_t peer_key(const struct sockaddr *a)
{
    const unsigned char *p = NULL;
    size_t n = 0;
    if (a != NULL && a->sa_family == AF_INET) {
        p = (const unsigned char *)&((const struct sockaddr_in *)(const void *)a)->sin_addr;
        n = sizeof(struct in_addr);
    } else if (a != NULL && a->sa_family == AF_INET6) {
        p = (const unsigned char *)&((const struct sockaddr_in6 *)(const void *)a)->sin6_addr;
        n = sizeof(struct in6_addr);
    }
    return hash_bytes(p, n);
}

void deadlines_notify(void *cls, struct MHD_Connection *c, void **socket_ctx,
                      enum MHD_ConnectionNotificationCode toe)
{
    (void)socket_ctx;
    struct deadlines *d = cls;
    long fd = fd_of(c);
    if (fd < 0 || (size_t)fd >= d->nslots)
        return;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    pthread_mutex_lock(&d->lock);
    struct slot *s = &d->slots[fd];
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        d->open += s->conn == NULL;
        *s = (struct slot){.conn = c, .due_ns = now_ns() + d->header_ns,
                           .peer = peer_key(ci ? ci->client_addr : NULL)};
    } else if (s->conn == c) {
        *s = (struct slot){0};
        d->open--;
    }
    pthread_mutex_unlock(&d->lock);
}

enum MHD_Result deadlines_admit(void *cls, const struct sockaddr *addr, socklen_t len)
{
    (void)len;
    struct deadlines *d = cls;
    uint64_t peer = peer_key(addr);
    pthread_mutex_lock(&d->lock);
    int admit = d->open + d->reserve < d->limit;
    if (!admit) { /* the last slots: only for a peer that holds no connection yet */
        admit = 1;
        for (size_t fd = 0; admit && fd < d->nslots; fd++)
            if (d->slots[fd].conn != NULL && d->slots[fd].peer == peer)
                admit = 0;
    }
    pthread_mutex_unlock(&d->lock);
    return admit ? MHD_YES : MHD_NO;
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

struct deadlines *deadlines_start(int header_timeout_s, int idle_timeout_s,
                                  int connection_limit)
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
    d->limit = (size_t)connection_limit;
    d->reserve = d->limit > 4 * DEADLINES_RESERVE ? DEADLINES_RESERVE : d->limit / 4;
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
