/*
 * render.c - zone JSON. Prices are shown on the instrument's tick (a band widened outwards to
 * whole ticks, its price to the nearest), printed with %.15g so the decimal comes out short
 * (1.02573, not 1.02572861119275 or 1.0257300000000001); the same bytes for the same zone
 * every time.
 */
#include "api/render.h"

#include "domain/bar.h"
#include "domain/instrument.h"

#include <math.h>
#include <stdio.h>
#include <time.h>

void render_ts(int64_t ts, char *buf)
{
    time_t t = (time_t)ts;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void render_ts_or_null(struct textbuf *tb, int64_t ts)
{
    if (ts == TS_NONE) {
        textbuf_append(tb, "null", 4);
        return;
    }
    char buf[24];
    render_ts(ts, buf);
    textbuf_printf(tb, "\"%s\"", buf);
}

void render_zone_id(struct textbuf *tb, const char *symbol, uint32_t id)
{
    textbuf_printf(tb, "\"%s:%u\"", symbol, id);
}

json_t *render_zone_ref_json(const char *symbol, uint32_t id)
{
    if (id == 0)
        return json_null();
    char buf[48];
    snprintf(buf, sizeof buf, "%s:%u", symbol, id);
    return json_string(buf);
}

void render_zone(struct textbuf *tb, const char *symbol, const struct zone *z, double tick,
                 double ref_price)
{
    render_zone_head(tb, symbol, z, tick);
    textbuf_printf(tb, "%.15g", render_distance(render_zone_price(z, tick), ref_price));
    render_zone_tail(tb, z);
}

double render_zone_price(const struct zone *z, double tick)
{
    return instrument_round_to_tick(z->price, tick, 0);
}

void render_zone_head(struct textbuf *tb, const char *symbol, const struct zone *z,
                      double tick)
{
    textbuf_append(tb, "{\"id\":", 6);
    render_zone_id(tb, symbol, z->id);
    textbuf_printf(tb, ",\"zone_id\":%u,\"symbol\":\"%s\",\"sources\":[", z->id, symbol);
    int first = 1;
    for (int s = 0; s < SRC_COUNT; s++) {
        if (z->sources & (1u << s)) {
            textbuf_printf(tb, "%s\"%s\"", first ? "" : ",", source_name((enum liq_source)s));
            first = 0;
        }
    }
    textbuf_printf(tb,
                   "],\"price_low\":%.15g,\"price_high\":%.15g,\"price\":%.15g,\"distance\":",
                   instrument_round_to_tick(z->lo, tick, -1),
                   instrument_round_to_tick(z->hi, tick, 1), render_zone_price(z, tick));
}

void render_zone_tail(struct textbuf *tb, const struct zone *z)
{
    textbuf_printf(tb,
                   ",\"strength\":%.6g,\"prob_hold\":%.6g,\"prob_break\":%.6g,"
                   "\"prob_sweep\":%.6g,\"prob_timeout\":%.6g,\"tests\":%u,\"touches\":%u,"
                   "\"holds\":%u,\"breaks\":%u,\"sweeps\":%u,\"timeouts\":%u,\"role\":\"%s\","
                   "\"active\":%s,\"created_at\":",
                   (double)z->strength, (double)z->prob_hold, (double)z->prob_break,
                   (double)z->prob_sweep, (double)z->prob_timeout, z->tests, z->touches,
                   z->holds, z->breaks, z->sweeps, z->timeouts,
                   z->role == ROLE_SUPPORT ? "support"
                                           : (z->role == ROLE_RESISTANCE ? "resistance" : "none"),
                   z->active ? "true" : "false");
    render_ts_or_null(tb, z->created_ts);
    textbuf_append(tb, ",\"origin_at\":", 13);
    render_ts_or_null(tb, z->origin_ts);
    textbuf_append(tb, ",\"last_touch_at\":", 17);
    render_ts_or_null(tb, z->last_touch_ts);
    if (z->flags & ZONE_F_DRAWN) {
        textbuf_printf(tb, ",\"drawn\":{\"kind\":\"%s\",\"confirmed_ts\":",
                       drawn_kind_name((enum drawn_kind)z->kind));
        render_ts_or_null(tb, z->created_ts);
        textbuf_append(tb, ",\"drawn_from_ts\":", 17);
        render_ts_or_null(tb, z->origin_ts);
        textbuf_append(tb, ",\"mitigated_ts\":", 16);
        render_ts_or_null(tb, z->mitigated_ts);
        textbuf_printf(tb, ",\"volume_share\":%.4g}", render_ratio((double)z->vol_share));
    }
    textbuf_append(tb, "}", 1);
}

double render_ratio(double x)
{
    if (!isfinite(x))
        return 0.0;
    double r = round(x * 1e4) / 1e4;
    return r == 0.0 ? 0.0 : r; /* no -0 */
}

double render_distance(double price, double ref)
{
    /* 0.975 - 0.97029 is 0.00470999999999999 in binary: 1e-10 is far below any tick */
    double d = round(fabs(price - ref) * 1e10) / 1e10;
    return isfinite(d) ? d : fabs(price - ref);
}
