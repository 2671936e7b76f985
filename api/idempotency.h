/*
 * idempotency.h - the Idempotency-Key header of every write: POST /bars, POST /setups,
 * PATCH /trades/{id}/trail, POST /trades/{id}/close, DELETE /symbols/{symbol}.
 *
 * A client that retries a write sends the same key; the first answer (status and body) is
 * stored in PostgreSQL in the same transaction as the write, and every retry gets exactly
 * that answer back without changing anything. The same key with a different request is a
 * 422 (idempotency_key_reused); so is a request with two Idempotency-Key headers (422
 * invalid_idempotency_key, as their merged form is). Only successful writes are stored: a
 * 4xx changed nothing and a retry is judged afresh - unless a concurrent request with the
 * same key committed meanwhile (the 409 of a second close): then its answer is replayed;
 * a 503 rolled back the key with the write.
 *
 * Use in a handler (api/bars.c is the example):
 *     struct idem id;
 *     if (idem_begin(rq, rp, "bars", symbol, render_fn, ctx, &id) != 0)
 *         return;                          // replayed, refused or 503: reply written
 *     ... the service write, given idem_pending(&id) (it stores the key before COMMIT) ...
 *     idem_end(rq, rp, &id, ok);           // stores the key if the service had no
 *                                          // transaction; replays if a racer won
 * With persistence off the header is accepted and ignored (nothing is stored anywhere).
 */
#ifndef LIQ_IDEMPOTENCY_H
#define LIQ_IDEMPOTENCY_H

#include <stdint.h>

#include "api/http.h"
#include "service/idempotency.h"

#define IDEM_KEY_MAX 255

struct idem {
    int active;                  /* a key was given and persistence is on */
    char key[IDEM_KEY_MAX + 1];
    struct idem_pending p;
};

/* 0: go on with the write (passing it idem_pending(id)). 1: the reply is
 * written (the stored answer replayed, 422 for a bad or reused key, 503 when the database
 * cannot be asked) and the handler returns. The request's identity is its method, route,
 * its path's {..} segments (the trade id, the symbol), media type, every query parameter of
 * its route and its body; one key names one request whatever the route. symbol: the symbol
 * the write touches (DELETE of it forgets the key), read when the key is stored, so it may
 * be a buffer the service write fills (a trade's symbol); NULL: no symbol forgets it. */
int idem_begin(struct request *rq, struct reply *rp, const char *route, const char *symbol,
               int (*render)(void *ctx, int64_t a, int64_t b, int *status, char **body),
               void *ctx, struct idem *id);

/* What the service write takes: the key's pending row, or NULL when there is no key to
 * store (none given, or persistence off). */
struct idem_pending *idem_pending(struct idem *id);

/* After the service write. ok: the write succeeded and rp holds its answer; if
 * the service committed nothing (all duplicates, dry run) the key is stored now. If a
 * concurrent request with the same key won (whether this one then lost the key's row or
 * was refused with a 4xx), rp is replaced by that request's answer. */
void idem_end(struct request *rq, struct reply *rp, struct idem *id, int ok);

/* For a render function: *status = status and *body = j as reply_json writes it (so a
 * replay is byte for byte the first answer); takes j (NULL: out of memory). 0, or -1. */
int idem_render_json(json_t *j, int status, int *out_status, char **body);

/* SHA-256 of data as 64 hex digits + NUL (exposed for the unit test). */
void idem_sha256_hex(const void *data, size_t len, char out[65]);

#endif
