/*
 * zones_store.c - the zone map's projection in liquidity_levels, and zone history.
 *
 * The engine is the authority (it is rebuilt from bars); these rows let dashboards and
 * SQL users see zones, and keep the history of outcomes behind GET /zones/{id}. Zones go
 * through a session-local staging table: one COPY and one INSERT .. ON CONFLICT per
 * request, whatever the number of zones.
 */
#include <stdio.h>

#include "domain/bar.h"
#include "storage/copy_binary.h"
#include "storage/stores.h"

static void put_ts_or_null(struct textbuf *tb, int64_t ts, char sep)
{
    char buf[32];
    if (ts == TS_NONE) {
        textbuf_printf(tb, "\\N%c", sep);
        return;
    }
    pg_format_ts(ts, buf);
    textbuf_printf(tb, "%s%c", buf, sep);
}

static void put_sources(struct textbuf *tb, uint32_t mask)
{
    textbuf_printf(tb, "{");
    int first = 1;
    for (int s = 0; s < SRC_COUNT; s++) {
        if (mask & (1u << s)) {
            textbuf_printf(tb, "%s%s", first ? "" : ",", source_name((enum liq_source)s));
            first = 0;
        }
    }
    textbuf_printf(tb, "}\t");
}

int zones_store_upsert(PGconn *c, const char *symbol, const struct zone *const *zones,
                       size_t n)
{
    if (n == 0)
        return 0;
    struct textbuf tb = {0};
    for (size_t i = 0; i < n; i++) {
        const struct zone *z = zones[i];
        textbuf_printf(&tb, "%s\t%u\t", symbol, z->id);
        put_sources(&tb, z->sources);
        textbuf_printf(&tb, "%.17g\t%.17g\t%.17g\t%.9g\t%.9g\t%.9g\t%.9g\t%u\t%u\t%u\t%u\t%u\t%d\t%s\t",
                       z->price, z->lo, z->hi, z->strength, z->prob_hold, z->prob_break,
                       z->prob_sweep, z->tests, z->touches, z->holds, z->breaks, z->sweeps,
                       z->role, z->active ? "t" : "f");
        if (z->merged_into)
            textbuf_printf(&tb, "%u\t", z->merged_into);
        else
            textbuf_printf(&tb, "\\N\t");
        put_ts_or_null(&tb, z->created_ts, '\t');
        put_ts_or_null(&tb, z->origin_ts, '\t');
        put_ts_or_null(&tb, z->last_touch_ts, '\t');
        textbuf_printf(&tb, "now\t%u\t%.9g\n", z->timeouts, z->prob_timeout);
    }
    int rc = -1;
    if (!tb.oom && pg_copy_begin(c, COPY_ZONE_STAGE) == 0) {
        rc = pg_copy_put(c, tb.s, (int)tb.len);
        rc |= pg_copy_end(c);
    }
    textbuf_free(&tb);
    if (rc == 0) {
        PGresult *r = pg_exec(c, "zones_merge", 0, NULL);
        PQclear(r);
        rc = r ? 0 : -1;
    }
    /* zones_merge deleted the staged rows as it read them: the stage is empty again for
     * another upsert in the same transaction (and ON COMMIT DELETE ROWS at commit) */
    return rc;
}

int zone_events_store_insert(PGconn *c, const char *symbol, const struct zone_event *ev,
                             size_t n)
{
    struct textbuf tb = {0};
    size_t rows = 0;
    copybin_begin(&tb);
    for (size_t i = 0; i < n; i++) {
        /* touches, test starts and live moves are counted on the zone; the history keeps
         * outcomes */
        if (ev[i].kind == ZEV_TOUCH || ev[i].kind == ZEV_MOVED || ev[i].kind == ZEV_TEST)
            continue;
        copybin_row(&tb, 6);
        copybin_text(&tb, symbol);
        copybin_int4(&tb, (int32_t)ev[i].zone_id);
        copybin_ts(&tb, ev[i].ts);
        copybin_text(&tb, zone_event_name((enum zone_event_kind)ev[i].kind));
        copybin_float8(&tb, ev[i].price);
        if (ev[i].other_id)
            copybin_int4(&tb, (int32_t)ev[i].other_id);
        else
            copybin_null(&tb);
        rows++;
    }
    copybin_end(&tb);
    int rc = tb.oom ? -1 : 0;
    if (rows > 0 && rc == 0 && pg_copy_begin(c, COPY_ZONE_EVENTS) == 0) {
        rc = pg_copy_put(c, tb.s, (int)tb.len);
        rc |= pg_copy_end(c);
    } else if (rows > 0) {
        rc = -1;
    }
    textbuf_free(&tb);
    return rc;
}
