/*
 * test_drawn.c - the drawn sources over HTTP on the real EURUSD year (docs/sources.md
 * "Drawn sources"): with them enabled, GET /zones?source=X lists exactly the zones an
 * in-process replay of the same bars makes for X, each with its `drawn` object (kind,
 * confirmed_ts = created_at, drawn_from_ts = origin_at never after it, mitigated_ts after
 * it or null, the band drawn); GET /symbols/EURUSD/evidence has a row per drawn source with
 * the replay's test counts; and an instance with the default sources answers
 * GET /zones?source=FVG with an empty list (the source is off there, not unknown).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "domain/engine.h"
#include "domain/evidence.h"
#include "tests/support/harness.h"

static struct app *a;
static struct app_config cfg;
static struct bar *bars;
static size_t nbars;
static struct engine *replay;

static void start(void)
{
    char url[512];
    harness_db("liq_drawn", url, sizeof url);
    harness_config(&cfg, url);
    cfg.params.liquidity_sources |= SRC_DRAWN;
    a = harness_start(&cfg);
    bars = harness_eurusd(&nbars);
    /* in batches of a month or so: with every drawn source on the engine is slower per bar
     * (docs/sources.md "Cost"), and one request holds its COPY open while it computes */
    for (size_t from = 0; from < nbars; from += 2000) {
        size_t n = nbars - from < 2000 ? nbars - from : 2000;
        char *json = harness_bars_json("EURUSD", "M15", bars, from, from + n);
        struct http_reply r = http_post_json(a, "/bars", json);
        cr_assert_eq(r.status, 200, "bars %zu..: %s", from, r.body);
        http_free(&r);
        free(json);
    }
    replay = engine_new(&cfg.params, 0.0001, TF_M15);
    cr_assert_not_null(replay);
    for (size_t i = 0; i < nbars; i++)
        cr_assert_eq(engine_push(replay, &bars[i], NULL), PUSH_OK);
}

static void stop(void)
{
    engine_free(replay);
    app_stop(a);
    free(bars);
}

TestSuite(drawn, .init = start, .fini = stop);

static int64_t iso_ts(const char *s)
{
    int y, mo, d, h, mi, se;
    cr_assert_eq(sscanf(s, "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &se), 6, "%s", s);
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
}

static int64_t ts_or_none(json_t *v)
{
    return json_is_null(v) ? TS_NONE : iso_ts(json_string_value(v));
}

Test(drawn, zones_of_each_drawn_source_are_the_replays_with_their_dates, .timeout = 240)
{
    static const char *const kinds[] = {"bullish", "bearish", "bos_up", "bos_down", "choch_up",
                                        "choch_down", "asia", "london", "new_york",
                                        "equilibrium"};
    for (int src = 0; src < SRC_COUNT; src++) {
        if (!((SRC_DRAWN >> src) & 1u))
            continue;
        const char *name = source_name((enum liq_source)src);
        size_t want = 0;
        for (uint32_t id = 1; id <= engine_zone_max_id(replay); id++)
            want += (engine_zone_get(replay, id)->sources >> src & 1u) != 0;
        char path[160];
        snprintf(path, sizeof path, "/zones?symbol=EURUSD&source=%s&active=all&limit=10000",
                 name);
        struct http_reply r = http_get(a, path);
        cr_assert_eq(r.status, 200, "%s: %s", name, r.body);
        json_t *doc = http_json(&r);
        json_t *zones = json_object_get(doc, "zones");
        cr_assert_eq(json_array_size(zones), want, "%s: %zu served, replay made %zu", name,
                     json_array_size(zones), want);
        cr_assert_gt(want, 50, "%s: the year makes many", name);
        size_t i, ended = 0;
        json_t *z;
        json_array_foreach(zones, i, z) {
            uint32_t id = (uint32_t)json_integer_value(json_object_get(z, "zone_id"));
            const struct zone *e = engine_zone_get(replay, id);
            cr_assert_not_null(e);
            cr_assert_eq(e->sources, 1u << src, "%s zone %u carries only its source", name, id);
            json_t *dr = json_object_get(z, "drawn");
            cr_assert(json_is_object(dr), "%s zone %u has no drawn object", name, id);
            const char *kind = json_string_value(json_object_get(dr, "kind"));
            cr_assert_str_eq(kind, drawn_kind_name((enum drawn_kind)e->kind));
            int known = 0;
            for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
                known |= strcmp(kind, kinds[k]) == 0;
            cr_assert(known, "%s: kind %s", name, kind);
            int64_t conf = ts_or_none(json_object_get(dr, "confirmed_ts"));
            int64_t from = ts_or_none(json_object_get(dr, "drawn_from_ts"));
            int64_t mit = ts_or_none(json_object_get(dr, "mitigated_ts"));
            cr_assert_eq(conf, e->created_ts);
            cr_assert_eq(conf, ts_or_none(json_object_get(z, "created_at")));
            cr_assert_eq(from, e->origin_ts);
            cr_assert_leq(from, conf, "%s zone %u drawn from its future", name, id);
            cr_assert_eq(mit, e->mitigated_ts);
            cr_assert(mit == TS_NONE || mit > conf, "%s zone %u ended before it was known",
                      name, id);
            ended += mit != TS_NONE;
            double lo = json_number_value(json_object_get(z, "price_low"));
            double hi = json_number_value(json_object_get(z, "price_high"));
            cr_assert(lo <= e->lo + 1e-9 && hi >= e->hi - 1e-9, "%s zone %u band", name, id);
            double share = json_number_value(json_object_get(dr, "volume_share"));
            cr_assert(share >= 0 && share <= 1);
            if (src == SRC_ORDER_BLOCK)
                cr_assert_float_eq(share, e->vol_share, 1e-4);
        }
        cr_assert_gt(ended, 0, "%s: some are mitigated or replaced in a year", name);
        json_decref(doc);
        http_free(&r);
    }
}

Test(drawn, evidence_has_a_row_per_drawn_source, .timeout = 120)
{
    struct http_reply r = http_get(a, "/symbols/EURUSD/evidence");
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *doc = http_json(&r);
    json_t *rows = json_object_get(doc, "by_source");
    int seen = 0;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row) {
        enum liq_source src;
        cr_assert_eq(source_parse(json_string_value(json_object_get(row, "source")), &src), 0);
        if (!((SRC_DRAWN >> src) & 1u))
            continue;
        struct evidence_row want;
        evidence_row(engine_tally(replay), src, &want);
        cr_assert_eq(json_integer_value(json_object_get(row, "tests")), want.tests, "%s",
                     source_name(src));
        cr_assert_gt(want.tests, 100);
        seen++;
    }
    cr_assert_eq(seen, 6, "one row per drawn source");
    json_decref(doc);
    http_free(&r);
}

Test(drawn, off_by_default_and_still_a_known_source, .timeout = 120)
{
    struct app_config off;
    harness_config(&off, NULL);
    struct app *b = harness_start(&off);
    char *json = harness_bars_json("EURUSD", "M15", bars, 0, 2000);
    struct http_reply r = http_post_json(b, "/bars", json);
    cr_assert_eq(r.status, 200, "%s", r.body);
    http_free(&r);
    free(json);
    r = http_get(b, "/zones?symbol=EURUSD&source=FVG&active=all");
    cr_assert_eq(r.status, 200, "%s", r.body);
    json_t *doc = http_json(&r);
    cr_assert_eq(json_array_size(json_object_get(doc, "zones")), 0);
    json_decref(doc);
    http_free(&r);
    r = http_get(b, "/zones?symbol=EURUSD&active=all&limit=10000");
    doc = http_json(&r);
    size_t i;
    json_t *z;
    json_array_foreach(json_object_get(doc, "zones"), i, z)
        cr_assert_null(json_object_get(z, "drawn"), "a default zone is not drawn");
    cr_assert_gt(json_array_size(json_object_get(doc, "zones")), 10);
    json_decref(doc);
    http_free(&r);
    app_stop(b);
}
