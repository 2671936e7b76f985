/*
 * symbol_delete.h - DELETE /symbols/{symbol} as a use case: its steps for the one write path
 * (service/write.h).
 */
#ifndef LIQ_SYMBOL_DELETE_H
#define LIQ_SYMBOL_DELETE_H

#include "service/state.h"
#include "service/status.h"

struct idem_pending;

/* What DELETE /symbols/{symbol} removed (trades: the open ones when refused). */
struct symbol_deleted {
    long bars, zones, trades, other_rows;
};

/* What the symbol's trades say, without this file knowing trading.h. */
struct delete_hooks {
    long (*open_trades)(void *ctx, const char *symbol); /* how many are open */
    void (*forget)(void *ctx, const char *symbol);      /* after the commit, under the lock */
    void *ctx;
};

/*
 * Removes everything of s: under its write_lock, refuses while h->open_trades(ctx, name) > 0
 * unless force (LIQ_OPEN_TRADES, out->trades says how many), deletes its rows in one
 * transaction (with idem's key row when idem is not NULL: its answer is rendered from
 * *out, which holds the deleted counts right before the COMMIT), then empties its bar log
 * and zone engine. The symbol's slot stays (readers see no bars: 404); its next bars start it
 * again, with any timeframe. owner (ownerlen bytes) names the holder on LIQ_MISDIRECTED /
 * LIQ_MOVING when known.
 */
enum liq_status symbol_delete(struct state *st, struct symbol_state *s,
                              const struct delete_hooks *h, int force,
                              struct idem_pending *idem, struct symbol_deleted *out,
                              char *owner, size_t ownerlen);

#endif
