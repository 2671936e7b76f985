/*
 * idempotency.c - see idempotency.h: the key's row, looked up, stored alone or inside the
 * write's transaction (storage/idempotency_store.c runs the SQL).
 */
#include "service/idempotency.h"

#include <stdio.h>
#include <stdlib.h>

#include "storage/stores.h"

int idem_lookup(const char *key, struct idem_answer *out)
{
    PGconn *c = pg_conn();
    struct idem_row row;
    int found = c ? idem_store_get(c, key, &row) : -1;
    if (found != 1)
        return found;
    snprintf(out->request_hash, sizeof out->request_hash, "%s", row.request_hash);
    out->status = row.status;
    out->body = row.body;
    return 1;
}

int idem_store_alone(const struct idem_pending *p, int status, const char *body)
{
    PGconn *c = pg_conn();
    return c ? idem_store_put(c, p->route, p->key, p->symbol, p->request_hash, status, body)
             : -1;
}

int idem_before_commit(PGconn *c, struct idem_pending *p, int64_t a, int64_t b)
{
    if (p == NULL)
        return 0;
    int status = 0;
    char *body = NULL;
    if (p->render(p->ctx, a, b, &status, &body) != 0)
        return -1;
    int rc = idem_store_put(c, p->route, p->key, p->symbol, p->request_hash, status, body);
    free(body);
    if (rc == 1)
        p->taken = 1;
    if (rc != 0)
        return -1;
    p->stored = 1;
    return 0;
}
