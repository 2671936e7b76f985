/*
 * owner_reply.h - the answers for a symbol this instance does not own (docs/scaling.md):
 * 421 Misdirected Request naming the owner when known, 503 + Retry-After while the symbol
 * is handed over, and the check every read served from memory makes first.
 */
#ifndef LIQ_OWNER_REPLY_H
#define LIQ_OWNER_REPLY_H

#include "api/http.h"

/* 421 {"error":{"code":"misdirected","details":{"symbol","owner"}}} (owner may be "", symbol NULL when
 * the request named a trade id only). */
void reply_misdirected(struct reply *rp, const char *symbol, const char *owner);
/* 503 {"error":{"code":"symbol_moving", ...}} with Retry-After. */
void reply_moving(struct reply *rp, const struct app *a, const char *symbol,
                  const char *owner);
/* Before a read of symbol from memory: 0 go ahead (also for a symbol stored nowhere: the
 * handler answers 404 as before), -1 with 421/503 written. */
int reply_unless_readable(struct request *rq, struct reply *rp, const char *symbol);

#endif
