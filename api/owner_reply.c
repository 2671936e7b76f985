/*
 * owner_reply.c - see owner_reply.h.
 */
#include "api/owner_reply.h"

#include "api/app.h"
#include "service/ownership.h"

static json_t *owner_details(const char *symbol, const char *owner)
{
    return json_pack("{s:s?, s:s?}", "symbol", symbol, "owner",
                     owner != NULL && owner[0] ? owner : NULL);
}

void reply_misdirected(struct reply *rp, const char *symbol, const char *owner)
{
    reply_error(rp, 421, "misdirected",
                "this instance does not own the symbol; nothing was changed - send it to the "
                "owner (the proxy routes by symbol)",
                owner_details(symbol, owner));
}

void reply_moving(struct reply *rp, const struct app *a, const char *symbol,
                  const char *owner)
{
    reply_error(rp, 503, "symbol_moving",
                "the symbol is being handed over between instances; nothing was changed, "
                "retry after Retry-After",
                owner_details(symbol, owner));
    rp->retry_after = state_live((struct state *)&a->st)->retry_after_s;
    rp->symbol_moving = 1; /* not a database outage (api/http.c note_database) */
}

int reply_unless_readable(struct request *rq, struct reply *rp, const char *symbol)
{
    char owner[160];
    switch (own_read(rq->app->st.own, symbol, owner, sizeof owner)) {
    case OWN_OK:
    case OWN_UNKNOWN:
        return 0;
    case OWN_MISDIRECTED:
        reply_misdirected(rp, symbol, owner);
        return -1;
    case OWN_MOVING:
        reply_moving(rp, rq->app, symbol, owner);
        return -1;
    case OWN_UNAVAILABLE:
        reply_unavailable(rp, rq->app);
        return -1;
    case OWN_NOMEM:
        break;
    }
    reply_oom(rp);
    return -1;
}
