/*
 * ownership_first.c - the lease of a symbol nothing of which is stored yet (its first
 * POST /bars). A symbol exists only once something of it is committed, so its lease is
 * provisional until then: taken in the database (the write's fence needs it) but kept out
 * of the lease cache (o->leases), in o->first, where only writers under o->mu find it.
 * The write that commits makes it the symbol's lease (own_commit, then own_end); when no
 * write of it commits (a database error, disk full, a timeout, a refusal) the last writer
 * holding it gives it up and deletes it from the database (own_first_end): failures cannot
 * fill the cache, and no reader ever holds a provisional entry, so it is freed at once.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/ownership_internal.h"
#include "storage/stores.h"

struct lease_entry *own_first_find(struct ownership *o, const char *symbol)
{
    for (struct lease_entry *l = o->first; l != NULL; l = l->next_first)
        if (strcmp(l->symbol, symbol) == 0)
            return l;
    return NULL;
}

static void first_unlink(struct ownership *o, struct lease_entry *l)
{
    for (struct lease_entry **pp = &o->first; *pp != NULL; pp = &(*pp)->next_first)
        if (*pp == l) {
            *pp = l->next_first;
            o->nfirst--;
            break;
        }
    l->next_first = NULL;
    atomic_store(&l->provisional, 0);
}

static void entry_free(struct lease_entry *l)
{
    pthread_rwlock_destroy(&l->rw);
    free(l);
}

/* A provisional lease of symbol taken in the database: LIQ_OK with *out, else why not. */
static enum liq_status first_take(struct ownership *o, PGconn *c, const char *symbol,
                                  struct lease_entry **out, char *owner, size_t ownerlen)
{
    /* counted with the cache: the entry joins it when the write commits */
    if (symtab_count(&o->leases) + o->nfirst >= o->leases.cap / 2 || strlen(symbol) > 32)
        return LIQ_NOMEM;
    int64_t token = 0;
    enum lease_take t = lease_store_take(c, symbol, o->id, own_ttl_ms(o), &token, owner, ownerlen);
    if (t == LEASE_ERROR)
        return LIQ_UNAVAILABLE;
    if (t == LEASE_HELD) { /* another live instance writes it: ask for it */
        atomic_fetch_add(&o->wants, 1);
        (void)lease_store_want(c, symbol, o->id);
        return LIQ_MOVING;
    }
    struct lease_entry *l = calloc(1, sizeof *l);
    if (l == NULL) {
        (void)lease_store_forget(c, symbol, o->id, token);
        return LIQ_NOMEM;
    }
    snprintf(l->symbol, sizeof l->symbol, "%s", symbol);
    pthread_rwlock_init(&l->rw, NULL);
    atomic_store(&l->token, token);
    atomic_store(&l->last_use_ms, own_now_ms());
    atomic_store(&l->state, L_HELD);
    atomic_store(&l->provisional, 1);
    l->next_first = o->first;
    o->first = l;
    o->nfirst++;
    *out = l;
    return LIQ_OK;
}

enum liq_status own_first_claim(struct ownership *o, PGconn *c, const char *symbol,
                                struct own_claim *cl, char *owner, size_t ownerlen)
{
    struct lease_entry *l = own_first_find(o, symbol);
    if (l == NULL) {
        enum liq_status v = first_take(o, c, symbol, &l, owner, ownerlen);
        if (v != LIQ_OK)
            return v;
    }
    l->claims++;
    /* never blocks: only a transition takes it exclusively, and a provisional entry has
     * none (the renewal thread sees o->leases only) */
    pthread_rwlock_rdlock(&l->rw);
    cl->lease = l;
    cl->token = atomic_load(&l->token);
    return LIQ_OK;
}

void own_commit(struct ownership *o, struct own_claim *cl)
{
    (void)o;
    cl->committed = 1;
}

/* The last step of a claim on a provisional lease: the claim is let go first, then o->mu
 * is taken (never the other way round: a transition holds o->mu while it waits for the
 * claims of a lease). A write that committed makes it the symbol's lease; when none of
 * its writers committed, the last one gives it up. */
void own_first_end(struct ownership *o, struct own_claim *cl)
{
    struct lease_entry *l = cl->lease;
    int committed = cl->committed;
    cl->lease = NULL;
    pthread_rwlock_unlock(&l->rw);
    pthread_mutex_lock(&o->mu);
    int gone = 0;
    if (atomic_load(&l->provisional) && committed) {
        /* once in the cache an entry stays: readers find it lock-free */
        first_unlink(o, l);
        atomic_store(&l->seen, atomic_load(&o->round));
        (void)symtab_add(&o->leases, l); /* room: counted while provisional */
        atomic_fetch_add(&o->acquired, 1);
        own_log_lease("acquired", l->symbol, atomic_load(&l->token));
    } else if (atomic_load(&l->provisional)) {
        gone = --l->claims == 0;
    }
    if (gone) {
        first_unlink(o, l);
        PGconn *c = pg_conn();
        /* a database that is down keeps the row until it expires; the next take of the
         * same instance name takes it over */
        if (c != NULL)
            (void)lease_store_forget(c, l->symbol, o->id, atomic_load(&l->token));
    }
    pthread_mutex_unlock(&o->mu);
    if (gone)
        entry_free(l);
}

void own_first_free(struct ownership *o)
{
    while (o->first != NULL) {
        struct lease_entry *l = o->first;
        o->first = l->next_first;
        entry_free(l);
    }
}
