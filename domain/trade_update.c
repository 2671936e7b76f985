/*
 * trade_update.c - the rows an applied trade update records (see trade_update.h).
 */
#include "domain/trade_update.h"

#include <string.h>

/* The runner_events kind of e in the update before -> after, or NULL. */
static const char *runner_kind(const struct trade *before, const struct trade *after,
                               const struct trail_event *e)
{
    if (e->type == TEV_RUNNER_ACTIVATED)
        return "activated";
    if (e->type == TEV_STOP_MOVED && after->runner_active)
        return "stop_moved";
    if (e->type == TEV_CLOSED && before->runner_active && !before->leg_closed[LEG_RUNNER])
        return "closed";
    return NULL;
}

void trade_update_facts(const struct trade *before, const struct trade *after,
                        const struct trail_events *ev, struct trade_event_fact *out)
{
    double remaining = before->remaining;
    for (size_t i = 0; i < ev->n; i++) {
        const struct trail_event *e = &ev->ev[i];
        remaining -= e->fraction;
        if (remaining < 1e-12)
            remaining = 0.0;
        out[i] = (struct trade_event_fact){
            .kind = trail_event_name((enum trail_event_type)e->type),
            .stop = e->type == TEV_STOP_MOVED ? e->price : after->stop,
            .remaining = remaining,
            .runner_kind = runner_kind(before, after, e),
        };
    }
}

enum trail_status trade_close_update(struct trade *t, double price, int64_t ts,
                                     int64_t bar_ts, struct trail_events *ev)
{
    double open = t->remaining;
    memset(ev, 0, sizeof *ev);
    enum trail_status rc = trade_close(t, price, ts, bar_ts);
    if (rc != TRAIL_OK)
        return rc;
    ev->n = 1;
    ev->ev[0] = (struct trail_event){.type = TEV_CLOSED, .price = t->close_price,
                                     .fraction = open};
    ev->stop = t->stop;
    ev->remaining = t->remaining;
    ev->status = t->status;
    return TRAIL_OK;
}
