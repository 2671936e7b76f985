/*
 * idempotency.h - the stored first answer of an Idempotency-Key, as the service keeps it.
 *
 * The API layer (api/idempotency.c) reads the header, hashes the request and looks the key
 * up here; for a new key it fills a struct idem_pending and passes it to the write
 * (state_ingest, trading_setup), which calls idem_before_commit inside its transaction
 * right before COMMIT, so the key's row commits - or rolls back - together with the write.
 * The states are explicit: the caller owns the struct, the write reports back in it.
 */
#ifndef LIQ_SERVICE_IDEMPOTENCY_H
#define LIQ_SERVICE_IDEMPOTENCY_H

#include <stdint.h>

struct pg_conn; /* libpq's PGconn */

struct idem_pending {
    const char *route;
    const char *key;        /* one key names one request, whatever its route */
    const char *symbol;     /* the symbol the request writes: DELETE of it forgets the key */
    char request_hash[65];
    /* renders the answer to store from the write's outcome: (accepted, duplicates) for
     * POST /bars, (trade id, 0) for POST /setups; 0 ok, -1 out of memory */
    int (*render)(void *ctx, int64_t a, int64_t b, int *status, char **body);
    void *ctx;
    int stored;             /* out: the row was written into the write's transaction */
    int taken;              /* out: another request already holds the key */
};

/* A stored answer. */
struct idem_answer {
    char request_hash[65];
    int status;
    char *body;             /* malloc'd; the caller frees it */
};

/* 1 with *out filled when key is stored (under any route), 0 when not, -1 when the database
 * cannot be asked. */
int idem_lookup(const char *key, struct idem_answer *out);

/* Stores p's key with this answer in a statement of its own (the write committed nothing:
 * all duplicates, dry run): 0 stored, 1 the key was taken meanwhile, -1 database error. */
int idem_store_alone(const struct idem_pending *p, int status, const char *body);

/* For a write, inside its open transaction on c: p NULL (no key) -> 0. Otherwise renders
 * the answer and inserts the row: 0 written (p->stored), -1 when the key was taken
 * (p->taken) or on any error - the caller then rolls back and answers as for a failed
 * commit. */
int idem_before_commit(struct pg_conn *c, struct idem_pending *p, int64_t a, int64_t b);

#endif
