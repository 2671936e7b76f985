/*
 * deadline.h - a deadline for a request's headers that activity does not extend.
 *
 * libmicrohttpd's connection timeout is an idle timeout: a client that sends one header line
 * every few seconds (slowloris) or that connects and waits keeps its connection for ever. Here
 * every connection gets a deadline by which its request's headers must be complete:
 * header_timeout_s after it opened, or connection_timeout_s after its previous request
 * finished (an idle keep-alive connection). A reaper thread shuts down the socket of every
 * connection past its deadline; libmicrohttpd then closes it as a client that went away.
 *
 * The same table keeps room for a probe: the last DEADLINES_RESERVE connections under
 * connection_limit are admitted (MHD's accept policy) only from an address that holds no
 * connection yet, so clients that filled the rest - even from many addresses, each under the
 * per-IP limit - leave /health reachable for a monitor that connects on its own.
 */
#ifndef LIQ_DEADLINE_H
#define LIQ_DEADLINE_H

#include <microhttpd.h>
#include <stdint.h>
#include <sys/socket.h>

struct deadlines;

#define DEADLINES_RESERVE 16

/* NULL when out of memory or the reaper cannot start. */
struct deadlines *deadlines_start(int header_timeout_s, int idle_timeout_s,
                                  int connection_limit);
void deadlines_stop(struct deadlines *d);

/* MHD_OPTION_NOTIFY_CONNECTION's callback (cls = the table): a connection opened or closed. */
void deadlines_notify(void *cls, struct MHD_Connection *c, void **socket_ctx,
                      enum MHD_ConnectionNotificationCode toe);
/* MHD's accept policy (cls = the table): MHD_NO for a peer that already holds a connection
 * when only the reserved slots are left. */
enum MHD_Result deadlines_admit(void *cls, const struct sockaddr *addr, socklen_t len);
/* Its headers are complete: no deadline while the request runs. */
void deadlines_headers_done(struct deadlines *d, struct MHD_Connection *c);
/* Its request is finished: the next request's headers are due within the idle timeout. */
void deadlines_request_done(struct deadlines *d, struct MHD_Connection *c);
/* How many connections the reaper has cut (for /metrics and tests). */
uint64_t deadlines_cut(const struct deadlines *d);

#endif
