/*
 * request_decode.c - field-by-field checks of the trading request bodies.
 */
#include "api/request_decode.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api/decode.h"
#include "domain/instrument.h"
#include "domain/trade.h"
#include "base/utf8.h"

static int problem(struct decode_problem *p, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int problem(struct decode_problem *p, const char *field, const char *fmt, ...)
{
    utf8_clip(p->field, sizeof p->field, field ? field : "", sizeof p->field - 1);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->message, sizeof p->message, fmt, ap);
    va_end(ap);
    return -1;
}

/* The body is an object whose keys are all in allowed. */
static int known_fields(const json_t *o, const char *const *allowed, size_t n,
                        struct decode_problem *p)
{
    if (!json_is_object(o))
        return problem(p, NULL, "the body must be a JSON object");
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)o, key, v)
    {
        int known = 0;
        for (size_t i = 0; i < n; i++)
            known |= strcmp(key, allowed[i]) == 0;
        if (!known) {
            char shown[81];
            utf8_clip(shown, sizeof shown, key, sizeof shown - 1);
            return problem(p, key, "unknown field '%s'", shown);
        }
    }
    return 0;
}

/* 0 with *out, 1 when absent or null and optional, -1 with p filled. */
static int number(const json_t *o, const char *key, int optional, double *out,
                  struct decode_problem *p)
{
    const json_t *v = json_object_get(o, key);
    if ((v == NULL || json_is_null(v)) && optional)
        return 1;
    if (v == NULL || !json_is_number(v) || !isfinite(json_number_value(v)))
        return problem(p, key, "field '%s' is required and must be a number", key);
    *out = json_number_value(v);
    return 0;
}

static const char *string(const json_t *o, const char *key, struct decode_problem *p)
{
    const char *s = json_string_value(json_object_get(o, key));
    if (s == NULL)
        problem(p, key, "field '%s' is required and must be a string", key);
    return s;
}

/* ts: RFC 3339 text or epoch seconds; absent or null -> TRADE_TS_NONE. */
static int timestamp(const json_t *o, int64_t *ts, struct decode_problem *p)
{
    const json_t *v = json_object_get(o, "ts");
    *ts = TRADE_TS_NONE;
    if (v == NULL || json_is_null(v))
        return 0;
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *ts = (int64_t)json_integer_value(v);
        return 0;
    }
    if (json_is_string(v) && decode_time(json_string_value(v), ts) == 0)
        return 0;
    return problem(p, "ts",
                   "field 'ts' must be RFC 3339 text (2022-10-10T00:15:00Z) or epoch seconds");
}

int decode_setup(const json_t *o, char symbol[33], struct setup_request *req,
                 struct decode_problem *p)
{
    static const char *const fields[] = {"symbol", "entry", "side", "trend_score",
                                         "regime_mode", "regime_transition_strength", "qty",
                                         "risk_amount"};
    memset(req, 0, sizeof *req);
    if (known_fields(o, fields, sizeof fields / sizeof fields[0], p) != 0)
        return -1;
    const char *sym = string(o, "symbol", p);
    if (sym == NULL)
        return -1;
    if (!instrument_valid_symbol(sym))
        return problem(p, "symbol", "field 'symbol' must match " INSTRUMENT_SYMBOL_RULE);
    snprintf(symbol, 33, "%s", sym);
    const char *side = string(o, "side", p);
    if (side == NULL)
        return -1;
    if (side_parse(side, &req->side) != 0)
        return problem(p, "side", "field 'side' must be BUY or SELL");
    const char *regime = string(o, "regime_mode", p);
    if (regime == NULL)
        return -1;
    if (regime_parse(regime, &req->regime) != 0)
        return problem(p, "regime_mode",
                       "field 'regime_mode' must be NORMAL, TRANSITION or CHAOTIC");
    if (number(o, "entry", 0, &req->entry, p) < 0 ||
        number(o, "trend_score", 0, &req->trend_score, p) < 0 ||
        number(o, "regime_transition_strength", 0, &req->transition_strength, p) < 0)
        return -1;
    int rc = number(o, "qty", 1, &req->qty, p);
    if (rc < 0)
        return -1;
    req->has_qty = rc == 0;
    rc = number(o, "risk_amount", 1, &req->risk_amount, p);
    if (rc < 0)
        return -1;
    req->has_risk_amount = rc == 0;
    return 0;
}

int decode_trail(const json_t *o, double *price, double *high, double *low, int64_t *ts,
                 struct decode_problem *p)
{
    static const char *const fields[] = {"price", "high", "low", "ts"};
    if (known_fields(o, fields, 4, p) != 0 || number(o, "price", 0, price, p) != 0 ||
        number(o, "high", 0, high, p) != 0 || number(o, "low", 0, low, p) != 0)
        return -1;
    return timestamp(o, ts, p);
}

int decode_close(const json_t *o, double *price, int64_t *ts, struct decode_problem *p)
{
    static const char *const fields[] = {"price", "ts"};
    if (known_fields(o, fields, 2, p) != 0 || number(o, "price", 0, price, p) != 0)
        return -1;
    return timestamp(o, ts, p);
}
