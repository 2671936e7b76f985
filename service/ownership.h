/*
 * ownership.h - which symbols this instance may write, and the PostgreSQL leases that make
 * sure no two instances write one symbol at the same time (docs/scaling.md, "Ownership").
 *
 * Two layers. The setting owned_symbols says which symbols this instance is *eligible* for:
 * "all", a consistent-hash range "K of N" (FNV-1a of the name modulo N equals K) or an
 * explicit list "EURUSD, GBPUSD". A request for any other symbol gets 421 Misdirected
 * Request. Among eligible symbols, the instance writes one only while it holds the
 * symbol's lease (storage/lease_store.c): a row with a fencing token, renewed by a
 * background thread, checked by liq_lease_fence() inside every write transaction. A
 * takeover waits for in-flight writes (FOR SHARE) and bumps the token, so a paused or
 * partitioned ex-owner cannot commit afterwards: its fence fails and it answers 421.
 *
 * Taking a lease rebuilds the symbol from PostgreSQL (bars, open trades, learner rows);
 * losing or giving it up frees them - through struct own_hooks (service/lifecycle.c wires
 * them): ownership knows neither the state nor the trades. Eligible symbols with stored bars are taken at start
 * and, for a hash range or a list, re-tried on every renewal; any eligible symbol is taken
 * on demand by the first request naming it when its lease is free or expired. A write for
 * a symbol another live instance holds asks it to hand the symbol over (the proxy now
 * routes it here) and answers 503 + Retry-After - a read too; the holder gives the lease
 * up after handover_idle_ms without serving a request of the symbol itself, and the next
 * retry acquires and rebuilds.
 *
 * Lock order: a lease's rwlock (writers hold it shared for their whole write, transitions
 * exclusively), then trade stripes, the symbol's write_lock, the trading lock.
 */
#ifndef LIQ_OWNERSHIP_H
#define LIQ_OWNERSHIP_H

#include <stddef.h>
#include <stdint.h>

#include "service/status.h"

#define OWN_MAX_LIST 256

struct own_spec {
    enum { OWN_ALL, OWN_RANGE, OWN_LIST } kind;
    unsigned k, n;                      /* OWN_RANGE: symbols with hash % n == k */
    char list[OWN_MAX_LIST][33];        /* OWN_LIST */
    int nlist;
};

/* Parses "all", "K of N" (0 <= K < N <= 4096) or a comma/space separated list of symbols.
 * 0, or -1 with why set. */
int own_spec_parse(const char *text, struct own_spec *out, char *why, size_t whylen);
/* 1 if spec lets this instance own symbol. */
int own_spec_has(const struct own_spec *spec, const char *symbol);

struct pg_conn; /* libpq's PGconn */
struct ownership;
struct lease_entry;

/* The verdicts of own_begin / own_read / own_take are statuses (service/status.h):
 * LIQ_OK go ahead (a write: own_end must follow); LIQ_UNKNOWN_SYMBOL no such symbol stored
 * anywhere (the caller answers as before: 404); LIQ_MISDIRECTED not this instance's symbol
 * (owner[] names the holder if known); LIQ_MOVING being handed over or rebuilt (owner[] if
 * known); LIQ_UNAVAILABLE the database cannot say; LIQ_NOMEM. */

enum own_mode {
    OWN_READ,          /* a read: the symbol must be stored */
    OWN_WRITE,         /* setups and trades: the symbol must be stored */
    OWN_INGEST,        /* POST /bars: may create the symbol */
};

/* A write's hold on its symbol: the lease it writes under (NULL: persistence off). */
struct own_claim {
    struct lease_entry *lease;
    int64_t token;
    int committed;                /* own_commit: something of the symbol committed */
};

/* The settings ownership runs with, as started (owned_symbols: own_reconfigure). */
struct own_settings {
    int persist;                  /* off: every eligible symbol is written, no lease */
    int lease_ttl_ms;             /* a lease not renewed for this long may be taken over */
    int handover_idle_ms;         /* a wanted symbol is handed over after this long unwritten */
    int port;
    char owned_symbols[1024];
    char instance_name[64];
};

/* What a lease moves: the symbol's memory (bars and zones, open trades and learner rows),
 * loaded from the database when its lease is taken and dropped when it is given up or
 * lost. Called under the lease's exclusive lock; ctx is the caller's. */
struct own_hooks {
    int (*load)(void *ctx, struct pg_conn *c, const char *symbol); /* 0, or -1 (then drop) */
    void (*drop)(void *ctx, const char *symbol);
    void (*free)(void *ctx);      /* own_free's last call (NULL: nothing to free) */
    void *ctx;
};

/* NULL when out of memory. Owner id: instance_name (else host:port, host:pid with port 0)
 * + a random suffix; the part before '#' is the identity a restart takes its leases by. */
struct ownership *own_new(const struct own_settings *set, const struct own_hooks *hooks);
/* Takes the leases of the eligible stored symbols and rebuilds them, then starts the
 * renewal thread (persistence on). 0 or -1 with err. */
int own_start(struct ownership *o, char *err, size_t errlen);
/* Stops the thread and gives every lease up (after the HTTP server stopped). */
void own_free(struct ownership *o);
/* SIGHUP: a new owned_symbols. Symbols no longer eligible are released at once (after
 * their in-flight writes), newly eligible ones taken as soon as free. -1 if text is bad. */
int own_reconfigure(struct ownership *o, const char *text);

/* Before a write of symbol: LIQ_OK with *cl held (call own_end), else the verdict and
 * owner[] (may be empty). */
enum liq_status own_begin(struct ownership *o, const char *symbol, enum own_mode mode,
                           struct own_claim *cl, char *owner, size_t ownerlen);
/* After the write committed something of the symbol (before own_end): only marks cl, so it
 * takes no lock while the claim is held (the renewal thread drops a lease under o->mu and
 * then waits for its claims: taking o->mu here would deadlock the two). */
void own_commit(struct ownership *o, struct own_claim *cl);
/* After the write; fence_lost (the write came back PG_FENCED) marks the lease lost. A new
 * symbol's provisional lease becomes its lease when the write committed (own_commit),
 * after the claim is let go; one that no write of it committed is given up and forgotten:
 * a failed first write leaves no lease. */
void own_end(struct ownership *o, struct own_claim *cl, int fence_lost);
/* Before a read served from memory: LIQ_OK, LIQ_UNKNOWN_SYMBOL, or why not (nothing to end); a
 * read of a symbol another live instance holds asks for it like a write (LIQ_MOVING). */
enum liq_status own_read(struct ownership *o, const char *symbol, char *owner,
                          size_t ownerlen);
/* Runs or queues the fence of cl inside c's open transaction: 0 without a lease, else
 * lease_store_fence's code (PG_FENCED, run outside a pipeline, when the lease is lost). */
int own_fence(struct ownership *o, struct pg_conn *c, const struct own_claim *cl);

/* Fleet views. */
const char *own_id(const struct ownership *o);
/* The current owned_symbols text (for /symbols). */
void own_spec_text(struct ownership *o, char *buf, size_t len);
/* The lease token held for symbol, 0 when none (persistence off: 0). */
int64_t own_token(struct ownership *o, const char *symbol);
struct own_counters {
    uint64_t acquired, released, lost, handover_requests, misdirected, moving;
    size_t held;
};
void own_counters_get(struct ownership *o, struct own_counters *out);

#endif
