/*
 * ownership_internal.h - the lease cache of service/ownership.c, shared with the renewal
 * thread (ownership_renew.c) only. See ownership.c for the states and the locking.
 */
#ifndef LIQ_OWNERSHIP_INTERNAL_H
#define LIQ_OWNERSHIP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "base/symtab.h"
#include "service/ownership.h"

enum { L_FREE, L_MOVING, L_HELD };

struct lease_entry {
    char symbol[33];
    atomic_int state;
    _Atomic int64_t token;
    _Atomic int64_t last_use_ms;   /* the last request of this symbol served here */
    atomic_int wanted;             /* another instance asked for it (renewal says) */
    atomic_int lost;               /* a fence failed: the renewal thread drops it */
    atomic_int resync;             /* a COMMIT of it went unconfirmed: memory may lack what
                                      the database holds; reads are served, its next write
                                      reloads it from the database first (own_begin) */
    atomic_uint_fast64_t seen;     /* the renewal round that last returned it */
    pthread_rwlock_t rw;           /* writes shared, transitions exclusive */
    /* the lease of a symbol whose first write is in flight is provisional: in o->first,
     * not in o->leases, its writers counted (under o->mu); it joins o->leases when that
     * write commits, else the last writer gives it up and frees it (ownership_first.c) */
    atomic_int provisional;        /* read by own_end without o->mu */
    int claims;
    struct lease_entry *next_first;
};

#define LEASE_SLOTS 8192 /* power of two; lookups probe, entries are never removed */

struct ownership {
    struct own_settings set;       /* as started (owned_symbols: spec below, reloadable) */
    struct own_hooks hooks;        /* a symbol's memory loaded and dropped */
    char id[128];
    pthread_rwlock_t spec_rw;
    struct own_spec spec;
    char spec_text[1024];
    pthread_mutex_t mu;            /* one transition at a time; entry creation */
    struct symtab leases;          /* symbol -> struct lease_entry (base/symtab.h) */
    struct lease_entry *first;     /* the provisional leases, under mu */
    size_t nfirst;
    pthread_t thread;
    int running;
    pthread_mutex_t tmu;           /* the thread's sleep */
    pthread_cond_t tcv;
    int stop, kicked;
    atomic_uint_fast64_t round;
    atomic_uint_fast64_t acquired, released, lost, wants, misdirected, moving;
};

/* CLOCK_MONOTONIC in milliseconds. */
int64_t own_now_ms(void);
/* The entry of symbol, NULL if this instance never saw it (lock-free). */
struct lease_entry *own_entry_find(struct ownership *o, const char *symbol);
/* 1 when symbol is in this instance's owned_symbols. */
int own_eligible(struct ownership *o, const char *symbol);
/* The lease time to live in milliseconds (own_settings: as started, not reloaded). */
long own_ttl_ms(const struct ownership *o);
/* Gives l up (release: also in the database) and drops the symbol's memory (own_hooks);
 * under o->mu. */
void own_drop(struct ownership *o, struct pg_conn *c, struct lease_entry *l, int release);
/* Takes symbol's lease (and rebuilds it) under o->mu; see take_locked in ownership.c. cl:
 * a write's claim (own_begin), NULL for a read or an eager take. */
enum liq_status own_take(struct ownership *o, const char *symbol, enum own_mode mode,
                          int want, struct own_claim *cl, char *owner, size_t ownerlen);
void own_log_lease(const char *what, const char *symbol, int64_t token);
/* Wakes the renewal thread (a lease lost: drop it now). */
void own_kick(struct ownership *o);
/* Rebuilds a freshly leased symbol from the database (own_hooks load; a failed load is
 * dropped): 0 or -1. Under o->mu with l's rwlock exclusive. */
int own_load(struct ownership *o, struct pg_conn *c, struct lease_entry *l, int stored);
/* ownership_resync.c: reloads l (held, marked resync) from the database before a write:
 * LIQ_OK, or LIQ_UNAVAILABLE (the database does not answer: memory left as it is; or the
 * load failed: the lease is lost). */
enum liq_status own_resync(struct ownership *o, struct lease_entry *l);

/* ownership_first.c: the lease of a symbol nothing of which is stored yet. Under o->mu
 * but own_first_end. */
/* The provisional lease of symbol, or NULL. */
struct lease_entry *own_first_find(struct ownership *o, const char *symbol);
/* A claim on symbol's provisional lease (taken now if there is none): LIQ_OK with *cl held,
 * LIQ_MOVING (another live instance holds it: asked for it), LIQ_NOMEM, LIQ_UNAVAILABLE. */
enum liq_status own_first_claim(struct ownership *o, struct pg_conn *c, const char *symbol,
                                struct own_claim *cl, char *owner, size_t ownerlen);
/* own_end of a claim on a provisional lease (not under o->mu): the last one gives the
 * lease up, forgotten in the database unless something of the symbol is stored. */
void own_first_end(struct ownership *o, struct own_claim *cl);
/* Frees the provisional leases left (own_free). */
void own_first_free(struct ownership *o);
/* Takes every eligible stored symbol nobody holds (at start and each renewal round): 0 or
 * -1 when the stored symbols cannot be read. */
int own_take_eligible(struct ownership *o, struct pg_conn *c);
/* The renewal thread (ownership_renew.c), started by own_start with o. */
void *own_renewal_main(void *arg);

#endif
