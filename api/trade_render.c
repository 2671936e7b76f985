/*
 * trade_render.c - a trade as the JSON object of GET /trades and GET /trades/{id}.
 */
#include <jansson.h>

#include "api/render.h"
#include "api/trade_render.h"
#include "domain/trade.h"

static json_t *ts_json(int64_t ts)
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
                                              "r", t->leg_r[i]));
    }
    return legs;
}

json_t *trade_render_json(const char *symbol, const struct trade *t)
{
    int closed = t->status == TRADE_CLOSED;
    return json_pack(
        "{s:I, s:s, s:s, s:s, s:f, s:f, s:f, s:o, s:f, s:o, s:o, s:o, s:f, s:o, s:b, s:b, s:b,"
        " s:f, s:i, s:f, s:o, s:o, s:o, s:o, s:o}",
        "trade_id", (json_int_t)t->id, "symbol", symbol, "side",
        side_name((enum trade_side)t->side), "status", closed ? "closed" : "open", "entry",
        t->entry, "initial_stop", t->initial_stop, "stop_price", t->stop, "stop_zone_id",
        render_zone_ref_json(symbol, t->stop_zone_id), "tp1", t->tp1, "tp1_zone_id",
        render_zone_ref_json(symbol, t->tp1_zone_id), "tp2", t->tp2 > 0 ? json_real(t->tp2) : json_null(),
        "tp2_zone_id", render_zone_ref_json(symbol, t->tp2_zone_id), "remaining_fraction", t->remaining,
        "legs", legs_json(t), "tp1_hit", t->tp1_hit, "tp2_hit", t->tp2_hit, "runner_active",
        t->runner_active, "realised_r", render_ratio(t->realised_r), "updates", (int)t->updates,
        "last_price", t->last_price, "opened_at", ts_json(t->opened_ts), "last_update_at",
        ts_json(t->last_update_ts), "closed_at", closed ? ts_json(t->closed_ts) : json_null(),
        "close_price", closed ? json_real(t->close_price) : json_null(), "close_reason",
        closed ? json_string(t->close_reason) : json_null());
}

