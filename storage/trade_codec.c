/*
 * trade_codec.c - struct trade as the JSON text of liquidity_trades.state, both ways, from
 * the one table of its fields (trade_state_encode / trade_state_decode in stores.h).
 *
 * Each row of domain/trade_fields.c's TRADE_FIELDS names a member, where it is and its
 * type; the encoder and the decoder walk it (api/trade_render.c walks it too, for the
 * public JSON), so a field is added in one place. The stored key is the member's name.
 * Doubles are written with 17 significant digits (a restored trade is the very struct
 * that was committed); integers as integers; the three-leg arrays as arrays; the close
 * reason as a string; the zones as an array of objects from their own table.
 */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/trade_fields.h"
#include "storage/stores.h"

#define STATE_VERSION 1

/* --- encode ------------------------------------------------------------------------ */

/* A double as written: never non-finite (which never happens for a valid trade; it keeps
 * the JSON valid). */
static double finite_or_0(double v)
{
    return isfinite(v) ? v : 0.0;
}

static void put_value(struct textbuf *tb, const void *obj, const struct trade_field *f)
{
    const char *p = (const char *)obj + f->off;
    switch (f->type) {
    case TF_F64:
        textbuf_printf(tb, "%.17g", finite_or_0(*(const double *)p));
        break;
    case TF_U64:
        textbuf_printf(tb, "%" PRIu64, *(const uint64_t *)p);
        break;
    case TF_I64:
        textbuf_printf(tb, "%" PRId64, *(const int64_t *)p);
        break;
    case TF_U32:
        textbuf_printf(tb, "%u", *(const uint32_t *)p);
        break;
    case TF_U8:
        textbuf_printf(tb, "%u", *(const uint8_t *)p);
        break;
    case TF_I8:
        textbuf_printf(tb, "%d", *(const int8_t *)p);
        break;
    case TF_F64x3: {
        const double *v = (const double *)p;
        textbuf_printf(tb, "[%.17g,%.17g,%.17g]", finite_or_0(v[0]), finite_or_0(v[1]),
                       finite_or_0(v[2]));
        break;
    }
    case TF_U8x3: {
        const uint8_t *v = (const uint8_t *)p;
        textbuf_printf(tb, "[%u,%u,%u]", v[0], v[1], v[2]);
        break;
    }
    case TF_STR:
        textbuf_json_string(tb, p);
        break;
    }
}

/* The members of obj in table order, each as ,"key":value (the first without the comma
 * when first is set). */
static void put_fields(struct textbuf *tb, const void *obj, const struct trade_field *fs, size_t n,
                       int first)
{
    for (size_t i = 0; i < n; i++) {
        textbuf_printf(tb, "%s\"%s\":", first && i == 0 ? "" : ",", fs[i].name);
        put_value(tb, obj, &fs[i]);
    }
}

char *trade_state_encode(const struct trade *t)
{
    struct textbuf tb = {0};
    textbuf_printf(&tb, "{\"v\":%d", STATE_VERSION);
    put_fields(&tb, t, TRADE_FIELDS, TRADE_FIELD_COUNT, 0);
    textbuf_append(&tb, ",\"zones\":[", 10);
    for (int i = 0; i < t->n_zones && i < TRADE_MAX_ZONES; i++) {
        textbuf_append(&tb, i ? ",{" : "{", i ? 2 : 1);
        put_fields(&tb, &t->zones[i], TRADE_ZONE_FIELDS, TRADE_ZONE_FIELD_COUNT, 1);
        textbuf_append(&tb, "}", 1);
    }
    textbuf_append(&tb, "]}", 2);
    size_t len = 0;
    return textbuf_take(&tb, &len);
}

/* --- decode ------------------------------------------------------------------------ */

/* An integer member (an integral real is accepted, as PostgreSQL's jsonb may give it). */
static int64_t get_int(const json_t *v, int *bad)
{
    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)))
        return (int64_t)json_real_value(v);
    *bad = 1;
    return 0;
}

static double get_num(const json_t *v, int *bad)
{
    if (!json_is_number(v)) {
        *bad = 1;
        return 0.0;
    }
    return json_number_value(v);
}

/* Three numbers into out. */
static void get_three(const json_t *a, double out[3], int *bad)
{
    if (!json_is_array(a) || json_array_size(a) != 3) {
        *bad = 1;
        return;
    }
    for (size_t i = 0; i < 3; i++) {
        const json_t *v = json_array_get(a, i);
        if (json_is_number(v))
            out[i] = json_number_value(v);
        else
            *bad = 1;
    }
}

/* One member of o into obj; *bad set when it is missing or of the wrong type. */
static void get_value(const json_t *o, void *obj, const struct trade_field *f, int *bad)
{
    const json_t *v = json_object_get(o, f->name);
    char *p = (char *)obj + f->off;
    double three[3] = {0};
    switch (f->type) {
    case TF_F64:
        *(double *)p = get_num(v, bad);
        break;
    case TF_U64:
        *(uint64_t *)p = (uint64_t)get_int(v, bad);
        break;
    case TF_I64:
        *(int64_t *)p = get_int(v, bad);
        break;
    case TF_U32:
        *(uint32_t *)p = (uint32_t)get_int(v, bad);
        break;
    case TF_U8:
        *(uint8_t *)p = (uint8_t)get_int(v, bad);
        break;
    case TF_I8:
        *(int8_t *)p = (int8_t)get_int(v, bad);
        break;
    case TF_F64x3:
        get_three(v, (double *)p, bad);
        break;
    case TF_U8x3:
        get_three(v, three, bad);
        for (int i = 0; i < 3; i++)
            ((uint8_t *)p)[i] = three[i] != 0.0;
        break;
    case TF_STR:
        if (!json_is_string(v))
            *bad = 1;
        else
            snprintf(p, TRADE_CLOSE_REASON_LEN, "%s", json_string_value(v));
        break;
    }
}

static void get_fields(const json_t *o, void *obj, const struct trade_field *fs, size_t n, int *bad)
{
    for (size_t i = 0; i < n; i++)
        get_value(o, obj, &fs[i], bad);
}

int trade_state_decode(const char *text, struct trade *t)
{
    json_error_t e;
    json_t *o = json_loads(text, 0, &e);
    if (!json_is_object(o)) {
        json_decref(o);
        return -1;
    }
    memset(t, 0, sizeof *t);
    int bad = 0;
    if (get_int(json_object_get(o, "v"), &bad) != STATE_VERSION)
        bad = 1;
    get_fields(o, t, TRADE_FIELDS, TRADE_FIELD_COUNT, &bad);
    const json_t *zones = json_object_get(o, "zones");
    if (!json_is_array(zones) || json_array_size(zones) > TRADE_MAX_ZONES) {
        bad = 1;
    } else {
        t->n_zones = (uint8_t)json_array_size(zones);
        for (size_t i = 0; i < json_array_size(zones); i++)
            get_fields(json_array_get(zones, i), &t->zones[i], TRADE_ZONE_FIELDS, TRADE_ZONE_FIELD_COUNT,
                       &bad);
    }
    json_decref(o);
    return bad ? -1 : 0;
}
