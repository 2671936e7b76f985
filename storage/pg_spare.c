/*
 * pg_spare.c - sessions made ahead: one per worker at start, beside the rebuild, so a
 * worker's first request takes a connected, prepared session instead of connecting and
 * preparing every statement while the caller waits (50-75 ms on 2 busy cores: the tail of
 * the first requests after a start; docs/architecture.md "Database connections").
 */
#include "storage/pg.h"

#include <pthread.h>
#include <time.h>

#include "storage/pg_session.h"
#include "storage/pg_wait.h"

#define PG_SPARE_MAX 256
#define PG_WARMERS 4 /* threads making them: a session is mostly round trips, not CPU */
static pthread_mutex_t g_spare_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_warm_done = PTHREAD_COND_INITIALIZER;
static PGconn *g_spare[PG_SPARE_MAX];
static int g_nspare;
static pthread_t g_warmer[PG_WARMERS];
static int g_nwarmers; /* started by pg_warm_start, not yet joined */
static int g_warm_left; /* of them, still making sessions (under g_spare_lock) */
static int g_share[PG_WARMERS];

/* A spare session that is still alive, or NULL. */
PGconn *pg_spare_take(void)
{
    for (;;) {
        pthread_mutex_lock(&g_spare_lock);
        PGconn *c = g_nspare > 0 ? g_spare[--g_nspare] : NULL;
        pthread_mutex_unlock(&g_spare_lock);
        if (c == NULL || pg_session_alive(c))
            return c;
        PQfinish(c); /* the server ended it while it waited (a restart, a failover) */
    }
}

int pg_warm(int n)
{
    int made = 0;
    for (; made < n && !pgw_stopped(); made++) {
        PGconn *c = pg_session_new();
        if (c == NULL)
            break;
        pthread_mutex_lock(&g_spare_lock);
        int kept = g_nspare < PG_SPARE_MAX;
        if (kept)
            g_spare[g_nspare++] = c;
        pthread_mutex_unlock(&g_spare_lock);
        if (!kept) {
            PQfinish(c);
            break;
        }
    }
    pg_close_thread(); /* what the warming thread's own calls may have opened */
    return made;
}

static void *warm_run(void *arg)
{
    pg_warm(*(int *)arg);
    pthread_mutex_lock(&g_spare_lock);
    g_warm_left--;
    pthread_cond_broadcast(&g_warm_done);
    pthread_mutex_unlock(&g_spare_lock);
    return NULL;
}

int pg_warm_start(int n)
{
    if (g_nwarmers > 0 || n < 1)
        return -1;
    int threads = n < PG_WARMERS ? n : PG_WARMERS;
    for (int i = 0; i < threads; i++) {
        g_share[i] = n / threads + (i < n % threads);
        pthread_mutex_lock(&g_spare_lock);
        g_warm_left++;
        pthread_mutex_unlock(&g_spare_lock);
        if (pthread_create(&g_warmer[i], NULL, warm_run, &g_share[i]) != 0) {
            pthread_mutex_lock(&g_spare_lock);
            g_warm_left--;
            pthread_mutex_unlock(&g_spare_lock);
            break;
        }
        g_nwarmers++;
    }
    return g_nwarmers > 0 ? 0 : -1;
}

int pg_warm_wait(int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&g_spare_lock);
    while (g_warm_left > 0)
        if (pthread_cond_timedwait(&g_warm_done, &g_spare_lock, &until) != 0)
            break;
    int left = g_warm_left;
    pthread_mutex_unlock(&g_spare_lock);
    return left == 0 ? 0 : -1;
}

void pg_warm_stop(void)
{
    for (int i = 0; i < g_nwarmers; i++)
        pthread_join(g_warmer[i], NULL);
    g_nwarmers = 0;
    pthread_mutex_lock(&g_spare_lock);
    while (g_nspare > 0)
        PQfinish(g_spare[--g_nspare]);
    pthread_mutex_unlock(&g_spare_lock);
}

int pg_spare_count(void)
{
    pthread_mutex_lock(&g_spare_lock);
    int n = g_nspare;
    pthread_mutex_unlock(&g_spare_lock);
    return n;
}

