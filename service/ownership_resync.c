/*
 * ownership_resync.c - a held symbol whose last COMMIT went unconfirmed (503
 * commit_unknown): own_end marks it, own_begin reloads it before its next write. See
 * ownership.h.
 */
#include "service/ownership_internal.h"
#include "storage/stores.h"

/* A held symbol whose last COMMIT went unconfirmed, reloaded from the database before a
 * write: only once the database answers a read of it (a stalled database leaves memory,
 * and the reads it serves, as they are), then dropped and loaded as a take does. A load
 * that fails leaves nothing in memory: the lease is then lost (the renewal thread drops
 * it, the next request takes it again). */
enum liq_status own_resync(struct ownership *o, struct lease_entry *l)
{
    pthread_mutex_lock(&o->mu);
    enum liq_status v = LIQ_OK;
    if (atomic_load(&l->state) == L_HELD && atomic_load(&l->resync) &&
        !atomic_load(&l->lost)) {
        PGconn *c = pg_conn();
        struct symbol_row row;
        if (c == NULL || symbols_store_get(c, l->symbol, &row) < 0) {
            v = LIQ_UNAVAILABLE;
        } else {
            atomic_store(&l->state, L_MOVING);
            pthread_rwlock_wrlock(&l->rw);
            o->hooks.drop(o->hooks.ctx, l->symbol);
            if (own_load(o, c, l, 1) == 0) {
                atomic_store(&l->resync, 0);
            } else {
                atomic_store(&l->lost, 1);
                v = LIQ_UNAVAILABLE;
            }
            atomic_store(&l->state, L_HELD);
            pthread_rwlock_unlock(&l->rw);
            if (v != LIQ_OK)
                own_kick(o);
        }
    }
    pthread_mutex_unlock(&o->mu);
    return v;
}
