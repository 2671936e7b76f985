/*
 * trade_update.h - what one applied trade update records, decided here and only here:
 * for each event, the stop in force and the fraction still open after it, and whether it is
 * also a runner event; and a manual close as an update with its one event (trade_close
 * itself only changes the trade).
 *
 * service/trading.c writes exactly these rows; nothing about them is decided there.
 */
#ifndef LIQ_TRADE_UPDATE_H
#define LIQ_TRADE_UPDATE_H

#include "domain/trade.h"

/* One event of an update as the history records it. */
struct trade_event_fact {
    const char *kind;         /* trail_event_name of the event */
    double stop;              /* the stop in force after the event */
    double remaining;         /* the fraction still open after the event (>= 0) */
    const char *runner_kind;  /* "activated", "stop_moved", "closed", or NULL: no runner
                               * event */
};

/*
 * The facts of every event of ev (an update that took before to after), in order, into
 * out[ev->n]. remaining starts at before->remaining and each event takes its fraction off
 * (below 1e-12 is 0). A stop_moved event's stop is its price, any other's the stop after
 * the update. Runner events: the runner's activation; a stop move while the runner is
 * active after the update; the close of a runner that was active and open before it.
 * Example: a BUY at remaining 1 with events tp1_hit (0.5), stop_moved (1.0500) ->
 * {tp1_hit, stop after, 0.5, NULL}, {stop_moved, 1.0500, 0.5, NULL}.
 */
void trade_update_facts(const struct trade *before, const struct trade *after,
                        const struct trail_events *ev, struct trade_event_fact *out);

/*
 * A manual close as an update: trade_close(t, price, ts, bar_ts), and on TRAIL_OK the one event it
 * makes in ev - closed, at the close price, for the fraction that was open - with ev's
 * stop/remaining/status after it. Other results as trade_close (ev->n = 0).
 */
enum trail_status trade_close_update(struct trade *t, double price, int64_t ts,
                                     int64_t bar_ts, struct trail_events *ev);

#endif
