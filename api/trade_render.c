/*
 * trade_render.c - a trade as the JSON object of GET /trades and GET /trades/{id}, by
 * walking domain/trade_fields.c's table (the one the stored form walks too): each row
 * with an API key is shown under that key, at its place, in its form; the rows of the
 * four leg arrays make the one member "legs"; the symbol takes place 1.
 */
#include <jansson.h>
#include <stdint.h>

#include "api/render.h"
#include "api/trade_render.h"
#include "domain/risk.h"
#include "domain/stop.h"
#include "domain/trade.h"
#include "domain/trade_fields.h"

json_t *trade_ts_json(int64_t ts)
{
    if (ts == TRADE_TS_NONE)
        return json_null();
    char buf[24];
    render_ts(ts, buf);
    return json_string(buf);
}

static json_t *legs_json(const struct trade *t)
{
    json_t *legs = json_array();
    for (int i = 0; legs && i < LEG_COUNT; i++) {
        if (t->leg[i] <= 0.0)
            continue;
        int closed = t->leg_closed[i];
        json_array_append_new(legs, json_pack("{s:s, s:f, s:b, s:o, s:f}", "name",
                                              leg_name((enum leg)i), "fraction", t->leg[i],
                                              "closed", closed, "exit_price",
                                              closed ? json_real(t->leg_exit[i]) : json_null(),
                                              "r", render_ratio(t->leg_r[i])));
    }
    return legs;
}

/* A member's value as an integer of any of the table's integer types. */
static int64_t int_at(const void *p, enum trade_field_type type)
{
    switch (type) {
    case TF_U64:
        return (int64_t)*(const uint64_t *)p;
    case TF_I64:
        return *(const int64_t *)p;
    case TF_U32:
        return *(const uint32_t *)p;
    case TF_U8:
        return *(const uint8_t *)p;
    case TF_I8:
        return *(const int8_t *)p;
    default:
        return 0;
    }
}

/* One row's value in its API form (a new reference; NULL when out of memory). */
static json_t *field_json(const char *symbol, const struct trade *t, const struct trade_field *f)
{
    const void *p = (const char *)t + f->off;
    double num = f->type == TF_F64 ? *(const double *)p : 0.0;
    int closed = t->status == TRADE_CLOSED;
    switch (f->view) {
    case TV_INT:
        return json_integer((json_int_t)int_at(p, f->type));
    case TV_SIDE:
        return json_string(side_name((enum trade_side)int_at(p, f->type)));
    case TV_STATUS:
        return json_string(int_at(p, f->type) == TRADE_CLOSED ? "closed" : "open");
    case TV_NUMBER:
        return json_real(num);
    case TV_NUMBER_OR_NULL:
        return num > 0 ? json_real(num) : json_null();
    case TV_ZONE_REF:
        return render_zone_ref_json(symbol, (uint32_t)int_at(p, f->type));
    case TV_BOOL:
        return json_boolean(int_at(p, f->type));
    case TV_RATIO:
        return json_real(render_ratio(num));
    case TV_TIME:
        return trade_ts_json(int_at(p, f->type));
    case TV_CLOSED_TIME:
        return closed ? trade_ts_json(int_at(p, f->type)) : json_null();
    case TV_CLOSED_NUMBER:
        return closed ? json_real(num) : json_null();
    case TV_CLOSED_TEXT:
        return closed ? json_string((const char *)p) : json_null();
    case TV_LEGS:
        return legs_json(t);
    default:
        return NULL;
    }
}

/* The first row shown at place pos, or NULL. */
static const struct trade_field *field_at(int pos)
{
    for (size_t i = 0; i < TRADE_FIELD_COUNT; i++)
        if (TRADE_FIELDS[i].api != NULL && TRADE_FIELDS[i].api_pos == pos)
            return &TRADE_FIELDS[i];
    return NULL;
}

json_t *trade_render_json(const char *symbol, const struct trade *t)
{
    json_t *o = json_object();
    for (int pos = 0; o != NULL && pos < TRADE_API_KEYS; pos++) {
        const struct trade_field *f = field_at(pos);
        const char *key = pos == TRADE_API_SYMBOL_POS ? "symbol" : f ? f->api : NULL;
        json_t *v = pos == TRADE_API_SYMBOL_POS ? json_string(symbol)
                    : f                         ? field_json(symbol, t, f)
                                                : NULL;
        if (key == NULL || v == NULL || json_object_set_new(o, key, v) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}
