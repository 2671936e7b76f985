/*
 * idempotency.c - see idempotency.h. The request's identity is the SHA-256 of its method,
 * route, media type, every query parameter its route takes (the route's query table in
 * api/router.c: a parameter added there is part of the identity without a line here) and
 * the body, so "same key, other request" is told apart from a retry without storing bodies.
 */
#include "api/idempotency.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/app.h"

/* --- SHA-256 (FIPS 180-4), small and slow enough: it runs once per keyed request -------- */

struct sha256 {
    uint32_t h[8];
    uint8_t buf[64];
    size_t nbuf;
    uint64_t total;
};

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

static uint32_t ror(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

static void sha_block(struct sha256 *s, const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4], f = s->h[5],
             g = s->h[6], h = s->h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] +
                      w[i];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    s->h[0] += a;
    s->h[1] += b;
    s->h[2] += c;
    s->h[3] += d;
    s->h[4] += e;
    s->h[5] += f;
    s->h[6] += g;
    s->h[7] += h;
}

static void sha_init(struct sha256 *s)
{
    static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, H0, sizeof H0);
    s->nbuf = 0;
    s->total = 0;
}

static void sha_update(struct sha256 *s, const void *data, size_t len)
{
    const uint8_t *p = data;
    s->total += len;
    while (len > 0) {
        size_t take = 64 - s->nbuf < len ? 64 - s->nbuf : len;
        memcpy(s->buf + s->nbuf, p, take);
        s->nbuf += take;
        p += take;
        len -= take;
        if (s->nbuf == 64) {
            sha_block(s, s->buf);
            s->nbuf = 0;
        }
    }
}

static void sha_final_hex(struct sha256 *s, char out[65])
{
    uint64_t bits = s->total * 8;
    uint8_t pad = 0x80;
    sha_update(s, &pad, 1);
    pad = 0;
    while (s->nbuf != 56)
        sha_update(s, &pad, 1);
    uint8_t len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (uint8_t)(bits >> (56 - 8 * i));
    sha_update(s, len, 8);
    for (int i = 0; i < 8; i++)
        snprintf(out + 8 * i, 9, "%08x", s->h[i]);
}

void idem_sha256_hex(const void *data, size_t len, char out[65])
{
    struct sha256 s;
    sha_init(&s);
    sha_update(&s, data, len);
    sha_final_hex(&s, out);
}

/* --- the header ---------------------------------------------------------------------- */

static int key_valid(const char *k)
{
    size_t n = strlen(k);
    if (n == 0 || n > IDEM_KEY_MAX)
        return 0;
    for (const char *p = k; *p; p++)
        if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
            return 0;
    return 1;
}

/* Fields are length-prefixed so that no two different requests hash alike. */
static void hash_field(struct sha256 *s, const char *v)
{
    char len[24];
    int n = snprintf(len, sizeof len, "%zu:", v ? strlen(v) : (size_t)-1);
    sha_update(s, len, (size_t)n);
    if (v != NULL)
        sha_update(s, v, strlen(v));
}

/* The path segments the route captures ({id}, {symbol}): as many as its pattern has. */
static size_t path_params(const struct request *rq)
{
    size_t n = 0;
    for (const char *p = rq->route >= 0 ? ROUTES[rq->route].pattern : ""; *p; p++)
        n += *p == '{';
    return n < ROUTE_MAX_PARAMS ? n : ROUTE_MAX_PARAMS;
}

static void request_hash(const struct request *rq, const char *route, char out[65])
{
    struct sha256 s;
    sha_init(&s);
    hash_field(&s, rq->method);
    hash_field(&s, route);
    /* after the route, only for a route with {..} segments: the hash of a route without
     * (POST /bars, POST /setups) is the one keys stored before were given */
    for (size_t i = 0; i < path_params(rq); i++)
        hash_field(&s, rq->params[i]);
    const char *ct = rq_header(rq, "Content-Type");
    char media[64] = "";
    if (ct != NULL)
        snprintf(media, sizeof media, "%.*s", (int)strcspn(ct, "; "), ct);
    hash_field(&s, media);
    const struct query_param *q = rq->route >= 0 ? ROUTES[rq->route].query : NULL;
    for (size_t i = 0; q != NULL && q[i].name != NULL; i++) {
        hash_field(&s, q[i].name);
        hash_field(&s, rq_query(rq, q[i].name));
    }
    char len[24];
    int n = snprintf(len, sizeof len, "%zu:", rq->len);
    sha_update(&s, len, (size_t)n);
    if (rq->len > 0)
        sha_update(&s, rq->body, rq->len);
    sha_final_hex(&s, out);
}

/* Writes the stored answer, or 422 when the stored request is another one. */
static void replay(struct reply *rp, const struct idem *id, struct idem_answer *row)
{
    if (strcmp(row->request_hash, id->p.request_hash) != 0) {
        free(row->body);
        reply_error(rp, 422, "idempotency_key_reused",
                    "this Idempotency-Key was used for a different request; use a new key",
                    json_pack("{s:s}", "key", id->key));
        return;
    }
    reply_body(rp, row->status, "application/json", row->body, strlen(row->body));
    row->body = NULL;
}

static enum MHD_Result count_key(void *cls, enum MHD_ValueKind kind, const char *name,
                                 const char *value)
{
    (void)kind;
    (void)value;
    if (strcasecmp(name, "Idempotency-Key") == 0)
        ++*(int *)cls;
    return MHD_YES;
}

/* How many Idempotency-Key header lines the request has. */
static int key_headers(const struct request *rq)
{
    int n = 0;
    MHD_get_connection_values(rq->conn, MHD_HEADER_KIND, count_key, &n);
    return n;
}

int idem_begin(struct request *rq, struct reply *rp, const char *route, const char *symbol,
               int (*render)(void *ctx, int64_t a, int64_t b, int *status, char **body),
               void *ctx, struct idem *id)
{
    memset(id, 0, sizeof *id);
    const char *k = rq_header(rq, "Idempotency-Key");
    if (k == NULL)
        return 0;
    /* two header lines are refused as their merged form "k4, k5" is (a space is no key
     * character): a proxy that merges them must not change the outcome */
    if (key_headers(rq) > 1) {
        reply_error(rp, 422, "invalid_idempotency_key",
                    "send one Idempotency-Key header; this request has several", NULL);
        return 1;
    }
    if (!key_valid(k)) {
        reply_error(rp, 422, "invalid_idempotency_key",
                    "Idempotency-Key must be 1 to 255 visible ASCII characters", NULL);
        return 1;
    }
    if (!rq->app->st.persist)
        return 0;
    snprintf(id->key, sizeof id->key, "%s", k);
    id->p.route = route;
    id->p.key = id->key;
    id->p.symbol = symbol;
    id->p.render = render;
    id->p.ctx = ctx;
    request_hash(rq, route, id->p.request_hash);
    struct idem_answer row;
    int found = idem_lookup(id->key, &row);
    if (found < 0) {
        reply_unavailable(rp, rq);
        return 1;
    }
    if (found == 1) {
        replay(rp, id, &row);
        return 1;
    }
    id->active = 1;
    return 0;
}

int idem_render_json(json_t *j, int status, int *out_status, char **body)
{
    *out_status = status;
    *body = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
    json_decref(j);
    return *body ? 0 : -1;
}

struct idem_pending *idem_pending(struct idem *id)
{
    return id->active ? &id->p : NULL;
}

void idem_end(struct request *rq, struct reply *rp, struct idem *id, int ok)
{
    if (!id->active)
        return;
    struct idem_answer row;
    if (!ok && rp->status >= 400 && rp->status < 500) {
        /* refused (a 409 trade_closed, a 404 symbol gone), nothing changed: a concurrent
         * request with the same key may have committed first and made it so - then its
         * answer is ours; not stored (or not readable now): the refusal stands */
        if (idem_lookup(id->key, &row) == 1)
            replay(rp, id, &row);
        return;
    }
    if (ok && !id->p.stored && !id->p.taken) {
        /* the service wrote nothing (all duplicates, dry run): the key alone, in a
         * statement of its own */
        char *body = strndup(rp->body ? rp->body : "", rp->len);
        int rc = body == NULL ? -1 : idem_store_alone(&id->p, rp->status, body);
        free(body);
        if (rc == 1)
            id->p.taken = 1;
        else if (rc < 0)
            reply_unavailable(rp, rq);
    }
    if (!id->p.taken)
        return;
    /* a concurrent request with the same key committed first: its answer is the answer */
    int found = idem_lookup(id->key, &row);
    if (found == 1)
        replay(rp, id, &row);
    else
        reply_unavailable(rp, rq);
}
