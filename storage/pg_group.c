/*
 * pg_group.c - group commit: concurrent writes share one WAL flush (docs/reliability.md,
 * "Group commit").
 *
 * A grouped write commits with synchronous_commit off for that one transaction (SET LOCAL,
 * sent with its COMMIT): PostgreSQL writes its commit record into the WAL and returns
 * without waiting for the flush. The write is then atomic (committed or, after a crash
 * before the flush, entirely absent) but not yet durable, so the caller must not answer or
 * publish it yet: pg_group_flush waits until a flush that covers it is done.
 *
 * The flush is a barrier: a transaction of its own, run at the session's normal
 * synchronous_commit (the server's setting: on, or remote_write/remote_apply with a
 * synchronous standby), that writes one WAL record (a transactional logical message, which
 * any role may emit and no decoder of ours reads). Its COMMIT flushes the WAL up to its own
 * commit record (and waits for the synchronous standby up to it), which lies after the
 * commit record of every transaction whose COMMIT returned before the barrier was sent: WAL
 * is one sequence, flushed in order. So one barrier makes every write committed before it
 * durable, however many there are.
 *
 * A COMMIT with no other COMMIT of this process under way (a lone writer) is not grouped:
 * it is sent with the session's synchronous_commit and flushes on its own, one round trip as
 * without group commit; there is nobody to share a flush with. Grouped or not, its answer
 * comes after its WAL is flushed, so a writer that arrives meanwhile groups safely.
 *
 * The barriers of this process run one at a time. A writer needs a barrier that *started*
 * after its COMMIT returned: one already running may have been sent before it. So it asks
 * for generation started + 1; if no barrier is running it runs that one itself (on its own
 * connection: it is the leader), else it waits for the running one to end and then leads
 * the next, or finds that another writer already did. Every writer that arrives while a
 * barrier runs is covered by the next one: under load, one flush per round of writers
 * instead of one each. A barrier that fails (the server gone, the deadline) leaves the
 * writes it would have covered with an unknown outcome: PG_FAIL_UNKNOWN, 503, nothing
 * published - committed or not, a client that got no 2xx retries.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "storage/pg.h"
#include "storage/pg_wait.h"

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static uint64_t g_started, g_done, g_ok; /* barrier generations: sent, ended, succeeded */
static int g_running;
static atomic_uint_fast64_t g_writes, g_flushes;
static atomic_int g_committing; /* COMMITs between pg_group_enter and _leave */

int pg_group_enter(int commit)
{
    if (!commit)
        return 0;
    int others = atomic_fetch_add(&g_committing, 1);
    return pg_limits_get()->group_commit && others > 0;
}

void pg_group_leave(void)
{
    atomic_fetch_sub(&g_committing, 1);
}

/* The barrier on c: 1 when its COMMIT (a synchronous one) succeeded. */
static int barrier(PGconn *c)
{
    atomic_fetch_add(&g_flushes, 1);
    return pg_command(c, "SELECT pg_logical_emit_message(true, 'liquidityd', '')") == 0;
}

int pg_durable_barrier(PGconn *c)
{
    return barrier(c) ? 0 : -1;
}

int pg_group_flush(PGconn *c)
{
    atomic_fetch_add(&g_writes, 1);
    pthread_mutex_lock(&g_mu);
    uint64_t need = g_started + 1;
    while (g_done < need) {
        if (g_running) {
            pthread_cond_wait(&g_cv, &g_mu); /* the running barrier is bounded by its deadline */
            continue;
        }
        g_running = 1;
        uint64_t gen = ++g_started;
        pthread_mutex_unlock(&g_mu);
        int ok = barrier(c);
        pthread_mutex_lock(&g_mu);
        g_running = 0;
        g_done = gen;
        if (ok)
            g_ok = gen;
        pthread_cond_broadcast(&g_cv);
    }
    /* any barrier that succeeded from generation need on covers this write */
    int ok = g_ok >= need;
    pthread_mutex_unlock(&g_mu);
    if (!ok)
        pgw_outcome_unknown();
    return ok ? PG_OK : PG_ERROR;
}

void pg_group_counters(uint64_t *writes, uint64_t *flushes)
{
    *writes = atomic_load(&g_writes);
    *flushes = atomic_load(&g_flushes);
}
