/*
 * idempotency_store.c - the stored first answer of each Idempotency-Key.
 *
 * Two operations, called by service/idempotency.c. idem_store_get reads a key's row
 * (outside or inside a transaction); idem_store_put inserts one with ON CONFLICT DO
 * NOTHING and says whether this call won the key: the primary key (the key alone, whatever
 * route it was sent to: migration 010) is the only arbiter between two concurrent requests
 * carrying the same key, so the loser rolls back and replays the winner's answer. A row
 * names the symbol its request wrote; DELETE /symbols/{symbol} deletes those rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/stores.h"

int idem_store_get(PGconn *c, const char *key, struct idem_row *out)
{
    memset(out, 0, sizeof *out);
    const char *v[1] = {key};
    PGresult *r = pg_exec(c, "idem_get", 1, v);
    if (r == NULL)
        return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 0;
    }
    snprintf(out->request_hash, sizeof out->request_hash, "%s", PQgetvalue(r, 0, 0));
    out->status = (int)pg_get_int64(r, 0, 1);
    out->body = strdup(PQgetvalue(r, 0, 2));
    PQclear(r);
    return out->body ? 1 : -1;
}

int idem_store_put(PGconn *c, const char *route, const char *key, const char *symbol,
                   const char *request_hash, int status, const char *body)
{
    char st[16];
    snprintf(st, sizeof st, "%d", status);
    const char *v[6] = {route, key, request_hash, st, body, symbol};
    PGresult *r = pg_exec(c, "idem_put", 6, v);
    if (r == NULL)
        return -1;
    int won = PQntuples(r) == 1;
    PQclear(r);
    return won ? 0 : 1;
}
