/*
 * pg_spare.c - sessions made ahead: one per worker at start, beside the rebuild, so a
 * worker's first request takes a connected, prepared session instead of connecting and
 * preparing every statement while the caller waits (50-75 ms on 2 busy cores: the tail of
 * the first requests after a start; docs/architecture.md "Database connections").
 */
#include "storage/pg.h"

#include <pthread.h>
#include <stdlib.h>

#include "storage/pg_session.h"
#include "storage/pg_wait.h"

#define PG_SPARE_MAX 256
static pthread_mutex_t g_spare_lock = PTHREAD_MUTEX_INITIALIZER;
static PGconn *g_spare[PG_SPARE_MAX];
static int g_nspare;
static pthread_t g_warmer;
static int g_warming;

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
    free(arg);
    return NULL;
}

int pg_warm_start(int n)
{
    int *arg = g_warming ? NULL : malloc(sizeof *arg);
    if (arg == NULL)
        return -1;
    *arg = n;
    if (pthread_create(&g_warmer, NULL, warm_run, arg) != 0) {
        free(arg);
        return -1;
    }
    g_warming = 1;
    return 0;
}

void pg_warm_stop(void)
{
    if (g_warming) {
        pthread_join(g_warmer, NULL);
        g_warming = 0;
    }
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

