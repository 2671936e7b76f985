/*
 * render.h - domain structs to JSON text, written straight into a textbuf (no jansson
 * tree on the hot read path).
 */
#ifndef LIQ_RENDER_H
#define LIQ_RENDER_H

#include <jansson.h>
#include <stdint.h>

#include "base/textbuf.h"
#include "domain/zone.h"

/* "2022-10-10T00:15:00Z"; buf >= 24 */
void render_ts(int64_t ts, char *buf);
/* Appends "2022-..Z" with quotes, or null when ts == TS_NONE (domain/bar.h). */
void render_ts_or_null(struct textbuf *tb, int64_t ts);
/* The public zone id "EURUSD:42". */
void render_zone_id(struct textbuf *tb, const char *symbol, uint32_t id);
/* The public zone id as a JSON value: "EURUSD:42", or null for id 0 (no zone). */
json_t *render_zone_ref_json(const char *symbol, uint32_t id);
/* One zone object of the wire format (DESIGN.md section 3); distance from ref_price. */
/* A zone's prices are shown on the instrument's tick (docs/trading.md "Prices on the tick"):
 * the band widened outwards to whole ticks (price_low down, price_high up), its price to the
 * nearest tick, the distance from that shown price. */
void render_zone(struct textbuf *tb, const char *symbol, const struct zone *z, double tick,
                 double ref_price);
/* A ratio (reward/risk, realised R and a leg's R, a strength, a stop's distance and buffer
 * in pips) as shown: 4 decimals, so the wire says 2.5933 and not 2.59333333333337. render_ratio(2.59333333333337) == 2.5933. */
double render_ratio(double x);
/* |price - ref| without the binary subtraction's noise: to 1e-10, far below any tick.
 * render_distance(0.975, 0.97029) == 0.00471 (not 0.00470999999999999). */
double render_distance(double price, double ref);
/* render_zone in two halves around the one field that depends on the query, the distance:
 * head ends with "distance":, tail starts with ,"strength". GET /zones caches them per
 * snapshot (api/zones.c) and formats only the distance per request. */
void render_zone_head(struct textbuf *tb, const char *symbol, const struct zone *z,
                      double tick);
/* The price render_zone_head shows for z (for the distance beside it). */
double render_zone_price(const struct zone *z, double tick);
void render_zone_tail(struct textbuf *tb, const struct zone *z);

#endif
