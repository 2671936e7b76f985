/*
 * ownership.c - see ownership.h. The cache of the leases this instance holds, taking and
 * giving them up (with the rebuild and the freeing of the symbol's memory), the requests'
 * claims and the lifecycle. owned_symbols is ownership_spec.c, the renewal thread
 * ownership_renew.c.
 *
 * A lease entry's state moves FREE -> MOVING -> HELD -> MOVING -> FREE; every transition
 * runs under o->mu (one at a time per instance) and, around the memory work, holds the
 * entry's rwlock exclusively, so no write of the symbol is in flight while its state is
 * loaded or freed. Entries are never freed while the instance runs (lock-free lookups).
 */
#include "service/ownership.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/log.h"
#include "service/ownership_internal.h"
#include "storage/stores.h"

/* --- the lease cache ------------------------------------------------------------------- */

int64_t own_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct lease_entry *own_entry_find(struct ownership *o, const char *symbol)
{
    return symtab_find(&o->leases, symbol);
}

/* Under o->mu. NULL when out of memory or the table is half full. */
static struct lease_entry *entry_create(struct ownership *o, const char *symbol)
{
    struct lease_entry *l = own_entry_find(o, symbol);
    if (l != NULL)
        return l;
    if (symtab_full(&o->leases) || strlen(symbol) > 32)
        return NULL;
    l = calloc(1, sizeof *l);
    if (l == NULL)
        return NULL;
    snprintf(l->symbol, sizeof l->symbol, "%s", symbol);
    pthread_rwlock_init(&l->rw, NULL);
    (void)symtab_add(&o->leases, l); /* not full: checked above, under o->mu */
    return l;
}

int own_eligible(struct ownership *o, const char *symbol)
{
    pthread_rwlock_rdlock(&o->spec_rw);
    int yes = own_spec_has(&o->spec, symbol);
    pthread_rwlock_unlock(&o->spec_rw);
    return yes;
}

long own_ttl_ms(const struct ownership *o)
{
    return o->set.lease_ttl_ms;
}

void own_kick(struct ownership *o)
{
    pthread_mutex_lock(&o->tmu);
    o->kicked = 1;
    pthread_cond_signal(&o->tcv);
    pthread_mutex_unlock(&o->tmu);
}

void own_log_lease(const char *what, const char *symbol, int64_t token)
{
    char msg[64];
    snprintf(msg, sizeof msg, "lease %s", what);
    struct log_line l;
    log_begin(&l, LOG_INFO, msg);
    log_str(&l, "symbol", symbol);
    log_int(&l, "token", (long long)token);
    log_end(&l);
}

/* --- transitions (under o->mu) ---------------------------------------------------------- */

/* Frees the symbol's memory and, with release, gives the lease up in the database. */
void own_drop(struct ownership *o, PGconn *c, struct lease_entry *l, int release)
{
    atomic_store(&l->state, L_MOVING);
    pthread_rwlock_wrlock(&l->rw);
    o->hooks.drop(o->hooks.ctx, l->symbol);
    int64_t token = atomic_load(&l->token);
    if (c != NULL) /* owner and token must match: a lease taken over is left alone */
        (void)lease_store_release(c, l->symbol, o->id, token);
    atomic_fetch_add(release ? &o->released : &o->lost, 1);
    own_log_lease(release ? "released" : "lost", l->symbol, token);
    atomic_store(&l->token, 0);
    atomic_store(&l->state, L_FREE);
    pthread_rwlock_unlock(&l->rw);
}

/* Rebuilds a freshly leased symbol from the database. 0 or -1. */
int own_load(struct ownership *o, PGconn *c, struct lease_entry *l, int stored)
{
    if (!stored)
        return 0;
    if (o->hooks.load(o->hooks.ctx, c, l->symbol) != 0) {
        o->hooks.drop(o->hooks.ctx, l->symbol); /* a part may have been loaded */
        return -1;
    }
    return 0;
}

/* want: a request for the symbol arrived here, so ask a live holder to hand it over (not
 * for the eager takes at start and on renewal, which only pick up free leases). */
static enum liq_status take_locked(struct ownership *o, const char *symbol,
                                    enum own_mode mode, int want, struct own_claim *cl,
                                    char *owner, size_t ownerlen)
{
    struct lease_entry *l = own_entry_find(o, symbol);
    if (l != NULL && atomic_load(&l->state) == L_HELD)
        return LIQ_OK;
    /* looked at again under o->mu: a SIGHUP may have made it another instance's since the
     * request checked, and the lease just given up must not be taken back */
    if (!own_eligible(o, symbol))
        return LIQ_MISDIRECTED;
    PGconn *c = pg_conn();
    if (c == NULL)
        return LIQ_UNAVAILABLE;
    struct symbol_row row;
    int stored = symbols_store_get(c, symbol, &row);
    if (stored < 0)
        return LIQ_UNAVAILABLE;
    if (!stored && (mode != OWN_INGEST || cl == NULL))
        return LIQ_UNKNOWN_SYMBOL;
    /* a symbol nothing of which is stored, or whose first write is committing: its lease
     * is provisional until that write commits (ownership_first.c) */
    int first = own_first_find(o, symbol) != NULL;
    if (first && cl == NULL)
        return LIQ_MOVING;
    if (first || !stored)
        return own_first_claim(o, c, symbol, cl, owner, ownerlen);
    l = entry_create(o, symbol);
    if (l == NULL)
        return LIQ_NOMEM;
    int64_t token = 0;
    enum lease_take t = lease_store_take(c, symbol, o->id, own_ttl_ms(o), &token, owner, ownerlen);
    if (t == LEASE_ERROR)
        return LIQ_UNAVAILABLE;
    if (t == LEASE_HELD) {
        if (!want)
            return LIQ_MISDIRECTED;
        atomic_fetch_add(&o->wants, 1);
        (void)lease_store_want(c, symbol, o->id);
        return LIQ_MOVING;
    }
    atomic_store(&l->state, L_MOVING);
    pthread_rwlock_wrlock(&l->rw);
    int ok = own_load(o, c, l, stored) == 0;
    if (ok) {
        atomic_store(&l->token, token);
        atomic_store(&l->lost, 0);
        atomic_store(&l->resync, 0);
        atomic_store(&l->wanted, 0);
        atomic_store(&l->last_use_ms, own_now_ms());
        atomic_store(&l->seen, atomic_load(&o->round));
        atomic_fetch_add(&o->acquired, 1);
        own_log_lease("acquired", symbol, token);
    } else {
        (void)lease_store_release(c, symbol, o->id, token);
    }
    atomic_store(&l->state, ok ? L_HELD : L_FREE);
    pthread_rwlock_unlock(&l->rw);
    return ok ? LIQ_OK : LIQ_UNAVAILABLE;
}

enum liq_status own_take(struct ownership *o, const char *symbol, enum own_mode mode,
                          int want, struct own_claim *cl, char *owner, size_t ownerlen)
{
    pthread_mutex_lock(&o->mu);
    enum liq_status v = take_locked(o, symbol, mode, want, cl, owner, ownerlen);
    pthread_mutex_unlock(&o->mu);
    return v;
}

/* --- requests ---------------------------------------------------------------------------- */

static enum liq_status misdirected(struct ownership *o, const char *symbol, char *owner,
                                    size_t ownerlen)
{
    atomic_fetch_add(&o->misdirected, 1);
    PGconn *c = o->set.persist ? pg_conn() : NULL;
    int live = 0;
    if (c != NULL && lease_store_owner(c, symbol, owner, ownerlen, &live) > 0 && !live)
        owner[0] = '\0';
    return LIQ_MISDIRECTED;
}

static enum liq_status moving(struct ownership *o)
{
    atomic_fetch_add(&o->moving, 1);
    return LIQ_MOVING;
}

/* Waits until the transition this instance is running (a take with its rebuild, or a
 * drop) is over: every transition runs under o->mu, so once o->mu is ours it is. Bounded
 * by the transition's own database deadlines. A request that found its own instance's
 * claim in progress then looks again instead of answering 503 symbol_moving. */
static void await_transition(struct ownership *o)
{
    pthread_mutex_lock(&o->mu);
    pthread_mutex_unlock(&o->mu);
}

enum liq_status own_begin(struct ownership *o, const char *symbol, enum own_mode mode,
                           struct own_claim *cl, char *owner, size_t ownerlen)
{
    cl->lease = NULL;
    cl->token = 0;
    cl->committed = 0;
    owner[0] = '\0';
    if (!own_eligible(o, symbol))
        return misdirected(o, symbol, owner, ownerlen);
    if (!o->set.persist)
        return LIQ_OK;
    for (int attempt = 0; attempt < 3; attempt++) {
        struct lease_entry *l = own_entry_find(o, symbol);
        int state = l ? atomic_load(&l->state) : L_FREE;
        /* a lost lease still held waits for the renewal thread to drop it; once dropped
         * (FREE) the symbol is taken again, rebuilt from the database */
        if (state == L_HELD && atomic_load(&l->lost))
            return moving(o);
        if (state == L_MOVING) {
            await_transition(o); /* this instance's own take (or drop): wait, then look again */
            continue;
        }
        if (state == L_HELD && atomic_load(&l->resync)) {
            enum liq_status v = own_resync(o, l);
            if (v != LIQ_OK)
                return v;
            continue;
        }
        if (state == L_HELD) {
            pthread_rwlock_rdlock(&l->rw);
            if (atomic_load(&l->state) == L_HELD && !atomic_load(&l->lost)) {
                cl->lease = l;
                cl->token = atomic_load(&l->token);
                atomic_store(&l->last_use_ms, own_now_ms());
                return LIQ_OK;
            }
            pthread_rwlock_unlock(&l->rw);
            continue;
        }
        enum liq_status v = own_take(o, symbol, mode, 1, cl, owner, ownerlen);
        if (v == LIQ_MOVING)
            return moving(o);
        if (v == LIQ_MISDIRECTED)
            return misdirected(o, symbol, owner, ownerlen);
        if (v != LIQ_OK || cl->lease != NULL) /* a new symbol's provisional lease: held */
            return v;
    }
    return moving(o);
}

void own_end(struct ownership *o, struct own_claim *cl, int fence_lost)
{
    if (cl->lease == NULL)
        return;
    /* a new symbol's lease that no write of it committed (own_commit) */
    if (atomic_load(&cl->lease->provisional)) {
        own_first_end(o, cl);
        return;
    }
    /* a COMMIT whose outcome is unknown (cut by the database deadline) may have stored
     * what memory does not hold: memory still holds what was acknowledged, so reads go on
     * being served (a stalled database does not cost them), and the symbol is reloaded from
     * the database before its next write (own_begin) */
    if (fence_lost) {
        atomic_store(&cl->lease->lost, 1);
        own_kick(o);
    } else if (pg_last_failure() == PG_FAIL_UNKNOWN) {
        atomic_store(&cl->lease->resync, 1);
    }
    pthread_rwlock_unlock(&cl->lease->rw);
    cl->lease = NULL;
}

enum liq_status own_read(struct ownership *o, const char *symbol, char *owner,
                          size_t ownerlen)
{
    owner[0] = '\0';
    if (!own_eligible(o, symbol))
        return misdirected(o, symbol, owner, ownerlen);
    if (!o->set.persist)
        return LIQ_OK;
    struct lease_entry *l = own_entry_find(o, symbol);
    int state = l ? atomic_load(&l->state) : L_FREE;
    if (state == L_HELD && !atomic_load(&l->lost)) {
        atomic_store(&l->last_use_ms, own_now_ms()); /* served here: not idle */
        return LIQ_OK;
    }
    if (state == L_MOVING) {
        await_transition(o); /* this instance's own take in progress: wait for it */
        state = atomic_load(&l->state);
        if (state == L_HELD && !atomic_load(&l->lost))
            return LIQ_OK;
    }
    if (state != L_FREE)
        return moving(o);
    /* a read asks for a handover too: a symbol that is only read follows the routing */
    enum liq_status v = own_take(o, symbol, OWN_READ, 1, NULL, owner, ownerlen);
    if (v == LIQ_MISDIRECTED)
        return misdirected(o, symbol, owner, ownerlen);
    return v == LIQ_MOVING ? moving(o) : v;
}

int own_fence(struct ownership *o, PGconn *c, const struct own_claim *cl)
{
    if (cl->lease == NULL)
        return 0;
    return lease_store_fence(c, cl->lease->symbol, o->id, cl->token);
}

/* --- lifecycle ------------------------------------------------------------------------- */

/* instance_name, else host:port (stable across restarts: a restart takes its own leases
 * over at once), else host:pid (port 0: a new identity per start), plus a random suffix. */
static void make_id(struct ownership *o, const char *name, int port)
{
    static atomic_uint seq; /* several instances in one process (the tests) */
    unsigned n = atomic_fetch_add(&seq, 1);
    char host[64] = "host";
    (void)gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t salt = hash_str(host) ^ ((uint64_t)ts.tv_nsec << 20) ^
                    ((uint64_t)getpid() << 40) ^ (uint64_t)n;
    salt &= 0xffffffffffffull;
    if (name[0] != '\0')
        snprintf(o->id, sizeof o->id, "%s#%012" PRIx64, name, salt);
    else if (port != 0)
        snprintf(o->id, sizeof o->id, "%s:%d#%012" PRIx64, host, port, salt);
    else
        snprintf(o->id, sizeof o->id, "%s:pid%d.%u#%012" PRIx64, host, (int)getpid(), n, salt);
}

struct ownership *own_new(const struct own_settings *set, const struct own_hooks *hooks)
{
    struct ownership *o = calloc(1, sizeof *o);
    if (o == NULL)
        return NULL;
    o->set = *set;
    o->hooks = *hooks;
    char why[160];
    snprintf(o->spec_text, sizeof o->spec_text, "%s", set->owned_symbols);
    if (own_spec_parse(o->spec_text, &o->spec, why, sizeof why) != 0 ||
        symtab_init(&o->leases, LEASE_SLOTS, offsetof(struct lease_entry, symbol)) != 0) {
        symtab_free(&o->leases);
        free(o);
        return NULL;
    }
    make_id(o, set->instance_name, set->port);
    pthread_rwlock_init(&o->spec_rw, NULL);
    pthread_mutex_init(&o->mu, NULL);
    pthread_mutex_init(&o->tmu, NULL);
    pthread_cond_init(&o->tcv, NULL);
    return o;
}

int own_start(struct ownership *o, char *err, size_t errlen)
{
    if (!o->set.persist)
        return 0;
    PGconn *c = pg_conn();
    if (c == NULL) {
        snprintf(err, errlen, "cannot connect to the database");
        return -1;
    }
    int rc = own_take_eligible(o, c);
    pg_close_thread();
    if (rc != 0) {
        snprintf(err, errlen, "cannot lease and rebuild the stored symbols");
        return -1;
    }
    if (pthread_create(&o->thread, NULL, own_renewal_main, o) != 0) {
        snprintf(err, errlen, "cannot start the lease renewal thread");
        return -1;
    }
    o->running = 1;
    return 0;
}

void own_free(struct ownership *o)
{
    if (o == NULL)
        return;
    if (o->running) {
        pthread_mutex_lock(&o->tmu);
        o->stop = 1;
        pthread_cond_signal(&o->tcv);
        pthread_mutex_unlock(&o->tmu);
        pthread_join(o->thread, NULL);
    }
    PGconn *c = o->set.persist ? pg_conn() : NULL;
    for (size_t i = 0; i < o->leases.cap; i++) {
        struct lease_entry *l = symtab_slot(&o->leases, i);
        if (l == NULL)
            continue;
        if (c != NULL && atomic_load(&l->state) == L_HELD)
            (void)lease_store_release(c, l->symbol, o->id, atomic_load(&l->token));
        pthread_rwlock_destroy(&l->rw);
        free(l);
    }
    own_first_free(o);
    if (c != NULL)
        pg_close_thread();
    pthread_rwlock_destroy(&o->spec_rw);
    pthread_mutex_destroy(&o->mu);
    pthread_mutex_destroy(&o->tmu);
    pthread_cond_destroy(&o->tcv);
    symtab_free(&o->leases);
    if (o->hooks.free != NULL)
        o->hooks.free(o->hooks.ctx);
    free(o);
}

int own_reconfigure(struct ownership *o, const char *text)
{
    struct own_spec *spec = malloc(sizeof *spec);
    char why[160];
    if (spec == NULL || own_spec_parse(text, spec, why, sizeof why) != 0) {
        free(spec);
        return -1;
    }
    pthread_rwlock_wrlock(&o->spec_rw);
    o->spec = *spec;
    snprintf(o->spec_text, sizeof o->spec_text, "%s", text);
    pthread_rwlock_unlock(&o->spec_rw);
    free(spec);
    own_kick(o);
    return 0;
}

/* --- fleet views ------------------------------------------------------------------------- */

const char *own_id(const struct ownership *o)
{
    return o->id;
}

void own_spec_text(struct ownership *o, char *buf, size_t len)
{
    pthread_rwlock_rdlock(&o->spec_rw);
    snprintf(buf, len, "%s", o->spec_text);
    pthread_rwlock_unlock(&o->spec_rw);
}

int64_t own_token(struct ownership *o, const char *symbol)
{
    struct lease_entry *l = own_entry_find(o, symbol);
    return l != NULL && atomic_load(&l->state) == L_HELD ? atomic_load(&l->token) : 0;
}

void own_counters_get(struct ownership *o, struct own_counters *out)
{
    out->acquired = atomic_load(&o->acquired);
    out->released = atomic_load(&o->released);
    out->lost = atomic_load(&o->lost);
    out->handover_requests = atomic_load(&o->wants);
    out->misdirected = atomic_load(&o->misdirected);
    out->moving = atomic_load(&o->moving);
    out->held = 0;
    for (size_t i = 0; i < o->leases.cap; i++) {
        struct lease_entry *l = symtab_slot(&o->leases, i);
        if (l != NULL && atomic_load(&l->state) == L_HELD)
            out->held++;
    }
}
