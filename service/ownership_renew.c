/*
 * ownership_renew.c - the renewal thread of service/ownership.c: every third of the lease
 * time (or when kicked) it renews the leases held, drops those lost or no longer eligible,
 * answers another instance's want, and takes the eligible stored symbols nobody holds.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "service/ownership_internal.h"
#include "storage/stores.h"

static void on_renewed(void *ctx, const char *symbol, int64_t token, int wanted)
{
    struct ownership *o = ctx;
    struct lease_entry *l = own_entry_find(o, symbol);
    if (l == NULL || atomic_load(&l->token) != token)
        return;
    atomic_store(&l->seen, atomic_load(&o->round));
    atomic_store(&l->wanted, wanted);
}

/* The held entries the database no longer confirms, that are no longer eligible, or that
 * another instance wants and this one has not written for handover_idle_ms. */
static void settle(struct ownership *o, PGconn *c, int renewed)
{
    int64_t idle = o->set.handover_idle_ms;
    for (size_t i = 0; i < o->leases.cap; i++) {
        struct lease_entry *l = symtab_slot(&o->leases, i);
        if (l == NULL || atomic_load(&l->state) != L_HELD)
            continue;
        pthread_mutex_lock(&o->mu);
        if (atomic_load(&l->state) == L_HELD) {
            uint64_t round = atomic_load(&o->round);
            int gone = atomic_load(&l->lost) || (renewed && atomic_load(&l->seen) != round);
            int unwanted = !own_eligible(o, l->symbol);
            int handover = atomic_load(&l->wanted) &&
                           own_now_ms() - atomic_load(&l->last_use_ms) >= idle;
            if (gone)
                own_drop(o, c, l, 0); /* gives it up if it is still ours (expired, not taken) */
            else if (unwanted || handover)
                own_drop(o, c, l, 1);
        }
        pthread_mutex_unlock(&o->mu);
    }
}

struct eager_ctx {
    struct ownership *o;
    int n;
};

static int take_stored(void *ctx, const struct symbol_row *row)
{
    struct eager_ctx *ec = ctx;
    if (!own_eligible(ec->o, row->symbol))
        return 0;
    char other[160];
    enum liq_status v = own_take(ec->o, row->symbol, OWN_READ, 0, NULL, other, sizeof other);
    ec->n += v == LIQ_OK;
    return v == LIQ_NOMEM || v == LIQ_UNAVAILABLE ? -1 : 0;
}

/* Takes every eligible stored symbol whose lease is free. -1 on a database error. */
int own_take_eligible(struct ownership *o, PGconn *c)
{
    struct eager_ctx ec = {o, 0};
    return symbols_store_each(c, take_stored, &ec);
}

static void tick(struct ownership *o)
{
    PGconn *c = pg_conn();
    if (c == NULL)
        return;
    atomic_fetch_add(&o->round, 1);
    int renewed = lease_store_renew(c, o->id, own_ttl_ms(o), on_renewed, o) == 0;
    settle(o, c, renewed);
    pthread_rwlock_rdlock(&o->spec_rw);
    int eager = o->spec.kind != OWN_ALL;
    pthread_rwlock_unlock(&o->spec_rw);
    if (eager)
        (void)own_take_eligible(o, c);
}

void *own_renewal_main(void *arg)
{
    struct ownership *o = arg;
    long period = own_ttl_ms(o) / 3;
    pthread_mutex_lock(&o->tmu);
    while (!o->stop) {
        struct timespec dl;
        clock_gettime(CLOCK_REALTIME, &dl);
        dl.tv_sec += period / 1000;
        dl.tv_nsec += (period % 1000) * 1000000L;
        if (dl.tv_nsec >= 1000000000L) {
            dl.tv_sec++;
            dl.tv_nsec -= 1000000000L;
        }
        while (!o->stop && !o->kicked)
            if (pthread_cond_timedwait(&o->tcv, &o->tmu, &dl) == ETIMEDOUT)
                break;
        o->kicked = 0;
        if (o->stop)
            break;
        pthread_mutex_unlock(&o->tmu);
        tick(o);
        pthread_mutex_lock(&o->tmu);
    }
    pthread_mutex_unlock(&o->tmu);
    pg_close_thread();
    return NULL;
}
