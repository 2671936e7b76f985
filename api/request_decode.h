/*
 * request_decode.h - the bodies of POST /setups, PATCH /trades/{id}/trail and
 * POST /trades/{id}/close, checked field by field into domain structs.
 *
 * Pure functions of a parsed JSON value (no server state, no reply), so the fuzz
 * harnesses drive them directly and the handlers only turn a problem into a 422.
 * Example: decode_trail of {"price":1.01,"high":1.02,"low":1.0} gives ts = TRADE_TS_NONE;
 * of {"price":"1.01",...} the problem {field "price", "field 'price' is required and must be
 * a number"}.
 */
#ifndef LIQ_REQUEST_DECODE_H
#define LIQ_REQUEST_DECODE_H

#include <jansson.h>
#include <stdint.h>

#include "domain/setup.h"

struct decode_problem {
    char field[48];     /* the offending field, "" when the body as a whole is wrong */
    char message[160];
};

/* 0 with symbol and req filled, -1 with p filled. */
int decode_setup(const json_t *o, char symbol[33], struct setup_request *req,
                 struct decode_problem *p);
/* price, high, low required; ts optional (TRADE_TS_NONE when absent). */
int decode_trail(const json_t *o, double *price, double *high, double *low, int64_t *ts,
                 struct decode_problem *p);
/* price required; ts optional. */
int decode_close(const json_t *o, double *price, int64_t *ts, struct decode_problem *p);

#endif
