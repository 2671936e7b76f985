/*
 * trades_store.c - trades, their history and the decisions that opened them.
 *
 * The one idea: a trade's row carries the whole domain struct trade as jsonb (`state`),
 * written with 17 significant digits, so the trade restored at start is the very struct
 * that was last committed and a trail continues exactly where it stopped. The scalar
 * columns next to it (status, stop_price, remaining_fraction, ...) are a projection for
 * SQL users and the list query; `state` is the authority.
 *
 * Every function runs inside the caller's transaction; SQL is in storage/statements.c.
 */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/stores.h"

#define STATE_VERSION 1

static void put_double(struct textbuf *tb, const char *key, double v)
{
    if (!isfinite(v))
        v = 0.0; /* never happens for a valid trade; keeps the JSON valid */
    textbuf_printf(tb, ",\"%s\":%.17g", key, v);
}

static void put_doubles(struct textbuf *tb, const char *key, const double *v, int n)
{
    textbuf_printf(tb, ",\"%s\":[", key);
    for (int i = 0; i < n; i++)
        textbuf_printf(tb, "%s%.17g", i ? "," : "", isfinite(v[i]) ? v[i] : 0.0);
    textbuf_append(tb, "]", 1);
}

char *trade_state_encode(const struct trade *t)
{
    struct textbuf tb = {0};
    textbuf_printf(&tb, "{\"v\":%d,\"id\":%" PRIu64 ",\"side\":%d,\"status\":%u", STATE_VERSION,
                   t->id, t->side, t->status);
    put_double(&tb, "pip", t->pip);
    put_double(&tb, "entry", t->entry);
    put_double(&tb, "initial_stop", t->initial_stop);
    put_double(&tb, "stop", t->stop);
    textbuf_printf(&tb, ",\"stop_zone_id\":%u", t->stop_zone_id);
    put_double(&tb, "buffer_pips", t->buffer_pips);
    put_double(&tb, "tp1", t->tp1);
    put_double(&tb, "tp2", t->tp2);
    textbuf_printf(&tb, ",\"tp1_zone_id\":%u,\"tp2_zone_id\":%u", t->tp1_zone_id,
                   t->tp2_zone_id);
    put_double(&tb, "tp1_zone_lo", t->tp1_zone_lo);
    put_double(&tb, "tp1_zone_hi", t->tp1_zone_hi);
    put_doubles(&tb, "leg", t->leg, LEG_COUNT);
    textbuf_printf(&tb, ",\"leg_closed\":[%u,%u,%u]", t->leg_closed[0], t->leg_closed[1],
                   t->leg_closed[2]);
    put_doubles(&tb, "leg_exit", t->leg_exit, LEG_COUNT);
    put_doubles(&tb, "leg_r", t->leg_r, LEG_COUNT);
    put_double(&tb, "remaining", t->remaining);
    textbuf_printf(&tb, ",\"tp1_hit\":%u,\"tp2_hit\":%u,\"runner_active\":%u", t->tp1_hit,
                   t->tp2_hit, t->runner_active);
    textbuf_printf(&tb, ",\"opened_ts\":%" PRId64 ",\"last_update_ts\":%" PRId64
                   ",\"closed_ts\":%" PRId64 ",\"updates\":%u",
                   t->opened_ts, t->last_update_ts, t->closed_ts, t->updates);
    put_double(&tb, "last_price", t->last_price);
    put_double(&tb, "close_price", t->close_price);
    put_double(&tb, "realised_r", t->realised_r);
    textbuf_append(&tb, ",\"close_reason\":", 16);
    textbuf_json_string(&tb, t->close_reason);
    textbuf_printf(&tb, ",\"zones_dropped\":%u,\"zones\":[", t->zones_dropped);
    for (int i = 0; i < t->n_zones && i < TRADE_MAX_ZONES; i++) {
        const struct trade_zone *z = &t->zones[i];
        textbuf_printf(&tb,
                       "%s{\"zone_id\":%u,\"roles\":%u,\"approach\":%d,\"touched\":%u,"
                       "\"pierced\":%u,\"closed_beyond\":%u,\"closed_back\":%u,"
                       "\"lo\":%.17g,\"hi\":%.17g}",
                       i ? "," : "", z->zone_id, z->roles, z->approach, z->touched, z->pierced,
                       z->closed_beyond, z->closed_back, z->lo, z->hi);
    }
    textbuf_append(&tb, "]}", 2);
    size_t len = 0;
    return textbuf_take(&tb, &len);
}

/* Readers of one member; each sets *bad when the member is missing or of the wrong type. */
static double get_d(const json_t *o, const char *key, int *bad)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_number(v)) {
        *bad = 1;
        return 0.0;
    }
    return json_number_value(v);
}

static int64_t get_i(const json_t *o, const char *key, int *bad)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    if (json_is_real(v) && json_real_value(v) == floor(json_real_value(v)))
        return (int64_t)json_real_value(v);
    *bad = 1;
    return 0;
}

static void get_da(const json_t *o, const char *key, double *out, int n, int *bad)
{
    const json_t *a = json_object_get(o, key);
    if (!json_is_array(a) || (int)json_array_size(a) != n) {
        *bad = 1;
        return;
    }
    for (int i = 0; i < n; i++) {
        const json_t *v = json_array_get(a, (size_t)i);
        if (!json_is_number(v))
            *bad = 1;
        else
            out[i] = json_number_value(v);
    }
}

static int decode_zones(const json_t *o, struct trade *t)
{
    const json_t *a = json_object_get(o, "zones");
    if (!json_is_array(a) || json_array_size(a) > TRADE_MAX_ZONES)
        return -1;
    int bad = 0;
    t->n_zones = (uint8_t)json_array_size(a);
    for (size_t i = 0; i < json_array_size(a); i++) {
        const json_t *zj = json_array_get(a, i);
        struct trade_zone *z = &t->zones[i];
        z->zone_id = (uint32_t)get_i(zj, "zone_id", &bad);
        z->roles = (uint8_t)get_i(zj, "roles", &bad);
        z->approach = (int8_t)get_i(zj, "approach", &bad);
        z->touched = (uint8_t)get_i(zj, "touched", &bad);
        z->pierced = (uint8_t)get_i(zj, "pierced", &bad);
        z->closed_beyond = (uint8_t)get_i(zj, "closed_beyond", &bad);
        z->closed_back = (uint8_t)get_i(zj, "closed_back", &bad);
        z->lo = get_d(zj, "lo", &bad);
        z->hi = get_d(zj, "hi", &bad);
    }
    return bad ? -1 : 0;
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
    if (get_i(o, "v", &bad) != STATE_VERSION)
        bad = 1;
    t->id = (uint64_t)get_i(o, "id", &bad);
    t->side = (int8_t)get_i(o, "side", &bad);
    t->status = (uint8_t)get_i(o, "status", &bad);
    t->pip = get_d(o, "pip", &bad);
    t->entry = get_d(o, "entry", &bad);
    t->initial_stop = get_d(o, "initial_stop", &bad);
    t->stop = get_d(o, "stop", &bad);
    t->stop_zone_id = (uint32_t)get_i(o, "stop_zone_id", &bad);
    t->buffer_pips = get_d(o, "buffer_pips", &bad);
    t->tp1 = get_d(o, "tp1", &bad);
    t->tp2 = get_d(o, "tp2", &bad);
    t->tp1_zone_id = (uint32_t)get_i(o, "tp1_zone_id", &bad);
    t->tp2_zone_id = (uint32_t)get_i(o, "tp2_zone_id", &bad);
    t->tp1_zone_lo = get_d(o, "tp1_zone_lo", &bad);
    t->tp1_zone_hi = get_d(o, "tp1_zone_hi", &bad);
    get_da(o, "leg", t->leg, LEG_COUNT, &bad);
    double closed[LEG_COUNT] = {0};
    get_da(o, "leg_closed", closed, LEG_COUNT, &bad);
    for (int i = 0; i < LEG_COUNT; i++)
        t->leg_closed[i] = closed[i] != 0.0;
    get_da(o, "leg_exit", t->leg_exit, LEG_COUNT, &bad);
    get_da(o, "leg_r", t->leg_r, LEG_COUNT, &bad);
    t->remaining = get_d(o, "remaining", &bad);
    t->tp1_hit = (uint8_t)get_i(o, "tp1_hit", &bad);
    t->tp2_hit = (uint8_t)get_i(o, "tp2_hit", &bad);
    t->runner_active = (uint8_t)get_i(o, "runner_active", &bad);
    t->opened_ts = get_i(o, "opened_ts", &bad);
    t->last_update_ts = get_i(o, "last_update_ts", &bad);
    t->closed_ts = get_i(o, "closed_ts", &bad);
    t->updates = (uint32_t)get_i(o, "updates", &bad);
    t->last_price = get_d(o, "last_price", &bad);
    t->close_price = get_d(o, "close_price", &bad);
    t->realised_r = get_d(o, "realised_r", &bad);
    const char *reason = json_string_value(json_object_get(o, "close_reason"));
    if (reason == NULL)
        bad = 1;
    else
        snprintf(t->close_reason, sizeof t->close_reason, "%s", reason);
    t->zones_dropped = (uint32_t)get_i(o, "zones_dropped", &bad);
    if (decode_zones(o, t) != 0)
        bad = 1;
    json_decref(o);
    return bad ? -1 : 0;
}

/* --- rows ------------------------------------------------------------------------------ */

/* A row write. Inside trades_store_pipeline_begin/_end it is only queued (its result is
 * read by _end); otherwise it runs and waits for its result. */
static int exec_void(PGconn *c, const char *stmt, int n, const char *const *v)
{
    if (PQpipelineStatus(c) != PQ_PIPELINE_OFF)
        return PQsendQueryPrepared(c, stmt, n, v, NULL, NULL, 0) == 1 ? 0 : -1;
    PGresult *r = pg_exec(c, stmt, n, v);
    PQclear(r);
    return r ? 0 : -1;
}

/* --- pipelined transactions --------------------------------------------------------------
 *
 * A trade write is a handful of small statements in one transaction. Sent one at a time,
 * each costs a round trip to PostgreSQL - a send, a poll and two context switches on each
 * side, which on a 2-core machine under 16 connections was most of a setup's CPU. Between
 * trades_store_pipeline_begin and _end they go out together in libpq's pipeline mode and
 * their results are read once, at the end: a setup takes 2 round trips (nextval, then
 * BEGIN..COMMIT) instead of 8, a trail 1 instead of 3. Statement order and transaction
 * semantics are unchanged: PostgreSQL runs them one after the other, and after a failed
 * statement it skips the rest (COMMIT included) up to the sync.
 */

int trades_store_pipeline_begin(PGconn *c)
{
    if (PQenterPipelineMode(c) != 1) {
        pg_fail(c, "pipeline mode");
        return -1;
    }
    if (PQsendQueryParams(c, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) != 1) {
        pg_fail(c, "BEGIN");
        if (PQexitPipelineMode(c) != 1)
            pg_mark_broken(); /* never hand out a connection stuck in pipeline mode */
        return -1;
    }
    return 0;
}

int trades_store_pipeline_end(PGconn *c, int commit)
{
    int ok = 1;
    if (commit && PQsendQueryParams(c, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) != 1)
        ok = 0;
    if (PQpipelineSync(c) != 1) {
        pg_fail(c, "pipeline sync");
        if (PQexitPipelineMode(c) != 1)
            pg_mark_broken();
        return -1;
    }
    /* each statement's results end with a NULL; the sync's result ends the pipeline. Two
     * NULLs in a row only happen when the connection is gone. */
    int nulls = 0;
    for (;;) {
        PGresult *r = PQgetResult(c);
        if (r == NULL) {
            if (++nulls == 2) {
                ok = 0;
                pg_fail(c, "pipeline results");
                break;
            }
            continue;
        }
        nulls = 0;
        ExecStatusType st = PQresultStatus(r);
        pg_note_result(r);
        PQclear(r);
        if (st == PGRES_PIPELINE_SYNC)
            break;
        if (st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR) {
            ok = 0;
            pg_fail(c, "pipelined statement");
        } else if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            ok = 0; /* PGRES_PIPELINE_ABORTED: skipped after an earlier error */
        }
    }
    if (PQexitPipelineMode(c) != 1) {
        pg_fail(c, "pipeline exit");
        pg_mark_broken(); /* results left unread: the next use reconnects */
        ok = 0;
    }
    return ok ? 0 : -1;
}

int trades_store_next_id(PGconn *c, uint64_t *id)
{
    PGresult *r = pg_exec(c, "trade_next_id", 0, NULL);
    if (r == NULL)
        return -1;
    int ok = PQntuples(r) == 1;
    if (ok)
        *id = (uint64_t)pg_get_int64(r, 0, 0);
    PQclear(r);
    return ok ? 0 : -1;
}

/* The text of a ts parameter, or NULL for TRADE_TS_NONE. buf >= 32. */
static const char *ts_param(int64_t ts, char *buf)
{
    if (ts == TRADE_TS_NONE)
        return NULL;
    pg_format_ts(ts, buf);
    return buf;
}

int trades_store_insert(PGconn *c, const char *symbol, const struct trade *t)
{
    char *state = trade_state_encode(t);
    if (state == NULL)
        return -1;
    char id[24], entry[32], stop[32], rem[32], r[32], opened[32], closed[32];
    snprintf(id, sizeof id, "%" PRIu64, t->id);
    snprintf(entry, sizeof entry, "%.17g", t->entry);
    snprintf(stop, sizeof stop, "%.17g", t->stop);
    snprintf(rem, sizeof rem, "%.17g", t->remaining);
    snprintf(r, sizeof r, "%.17g", t->realised_r);
    const char *v[11] = {id, symbol, side_name((enum trade_side)t->side), entry,
                         t->status == TRADE_OPEN ? "open" : "closed", stop, rem, r,
                         ts_param(t->opened_ts, opened), ts_param(t->closed_ts, closed), state};
    int rc = exec_void(c, "trade_insert", 11, v);
    free(state);
    return rc;
}

int trades_store_update(PGconn *c, const struct trade *t)
{
    char *state = trade_state_encode(t);
    if (state == NULL)
        return -1;
    char id[24], stop[32], rem[32], r[32], closed[32];
    snprintf(id, sizeof id, "%" PRIu64, t->id);
    snprintf(stop, sizeof stop, "%.17g", t->stop);
    snprintf(rem, sizeof rem, "%.17g", t->remaining);
    snprintf(r, sizeof r, "%.17g", t->realised_r);
    /* a close without a ts (an update that gave none) is dated by the database's clock */
    const char *closed_at = NULL;
    if (t->status != TRADE_OPEN)
        closed_at = t->closed_ts == TRADE_TS_NONE ? "now" : ts_param(t->closed_ts, closed);
    const char *v[7] = {id, t->status == TRADE_OPEN ? "open" : "closed", stop, rem, r,
                        closed_at, state};
    int rc = exec_void(c, "trade_update", 7, v);
    free(state);
    return rc;
}

int trade_events_store_insert(PGconn *c, const char *symbol, uint64_t trade_id, int64_t ts,
                              const char *kind, double price, double stop, uint32_t zone_id,
                              double fraction, double remaining)
{
    char id[24], tsb[32], p[32], s[32], z[16], f[32], rem[32];
    snprintf(id, sizeof id, "%" PRIu64, trade_id);
    snprintf(p, sizeof p, "%.17g", price);
    snprintf(s, sizeof s, "%.17g", stop);
    snprintf(z, sizeof z, "%u", zone_id);
    snprintf(f, sizeof f, "%.17g", fraction);
    snprintf(rem, sizeof rem, "%.17g", remaining);
    const char *v[9] = {id, symbol, ts_param(ts, tsb), kind, p, s, zone_id ? z : NULL, f, rem};
    return exec_void(c, "trade_event_insert", 9, v);
}

int runner_events_store_insert(PGconn *c, const char *symbol, uint64_t trade_id, int64_t ts,
                               const char *kind, double price, uint32_t zone_id)
{
    char id[24], tsb[32], p[32], z[16];
    snprintf(id, sizeof id, "%" PRIu64, trade_id);
    snprintf(p, sizeof p, "%.17g", price);
    snprintf(z, sizeof z, "%u", zone_id);
    const char *v[6] = {id, symbol, ts_param(ts, tsb), kind, p, zone_id ? z : NULL};
    return exec_void(c, "runner_event_insert", 6, v);
}

static int insert_stop_decision(PGconn *c, const char *symbol, const char *id,
                                const struct setup_result *s)
{
    char entry[32], stop[32], zone[16], buf[32];
    snprintf(entry, sizeof entry, "%.17g", s->req.entry);
    snprintf(stop, sizeof stop, "%.17g", s->stop.price);
    snprintf(zone, sizeof zone, "%u", s->stop.zone_id);
    snprintf(buf, sizeof buf, "%.17g", s->stop.buffer_pips);
    const char *v[9] = {id, symbol, side_name(s->req.side), entry, stop,
                        s->stop.zone_id ? zone : NULL, buf, s->stop.fallback ? "true" : "false",
                        s->stop.reason};
    return exec_void(c, "stop_decision_insert", 9, v);
}

static int insert_target_selection(PGconn *c, const char *symbol, const char *id,
                                   const struct setup_result *s)
{
    const struct target_decision *tg = &s->targets;
    json_t *reasons = json_pack("{s:s, s:s?, s:s, s:f}", "tp1", tg->tp1.reason, "tp2",
                                tg->tp2.present ? tg->tp2.reason : NULL, "runner",
                                tg->runner_reason, "runner_beyond_mean", tg->runner_beyond_mean);
    char *rj = reasons ? json_dumps(reasons, JSON_COMPACT) : NULL;
    json_decref(reasons);
    if (rj == NULL)
        return -1;
    char entry[32], tp1[32], z1[16], rr[32], tp2[32], z2[16];
    snprintf(entry, sizeof entry, "%.17g", s->req.entry);
    snprintf(tp1, sizeof tp1, "%.17g", tg->tp1.price);
    snprintf(z1, sizeof z1, "%u", tg->tp1.zone_id);
    snprintf(rr, sizeof rr, "%.17g", tg->tp1.rr);
    snprintf(tp2, sizeof tp2, "%.17g", tg->tp2.price);
    snprintf(z2, sizeof z2, "%u", tg->tp2.zone_id);
    const char *v[11] = {id, symbol, side_name(s->req.side), entry, tp1,
                         tg->tp1.zone_id ? z1 : NULL, rr, tg->tp2.present ? tp2 : NULL,
                         tg->tp2.present && tg->tp2.zone_id ? z2 : NULL,
                         tg->runner ? "true" : "false", rj};
    int rc = exec_void(c, "target_selection_insert", 11, v);
    free(rj);
    return rc;
}

int decisions_store_insert(PGconn *c, const char *symbol, uint64_t trade_id,
                           const struct setup_result *s)
{
    char id[24];
    snprintf(id, sizeof id, "%" PRIu64, trade_id);
    if (insert_stop_decision(c, symbol, id, s) != 0)
        return -1;
    return insert_target_selection(c, symbol, id, s);
}

int trades_store_symbol_of(PGconn *c, uint64_t id, char *symbol, size_t len)
{
    char idt[24];
    snprintf(idt, sizeof idt, "%" PRIu64, id);
    const char *v[1] = {idt};
    PGresult *r = pg_exec(c, "trade_get", 1, v);
    if (r == NULL)
        return -1;
    int found = PQntuples(r) > 0;
    if (found)
        snprintf(symbol, len, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return found;
}

int trades_store_each_open(PGconn *c, const char *symbol,
                           int (*fn)(void *ctx, const char *symbol, const struct trade *t),
                           void *ctx)
{
    const char *v[1] = {symbol};
    PGresult *r = pg_exec(c, "trades_open_all", 1, v);
    if (r == NULL)
        return -1;
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        struct trade t;
        if (trade_state_decode(PQgetvalue(r, i, 1), &t) != 0)
            rc = -1;
        else
            rc = fn(ctx, PQgetvalue(r, i, 0), &t);
    }
    PQclear(r);
    return rc;
}

int level_stats_store_upsert(PGconn *c, const char *symbol, const struct level_stat *row)
{
    char zone[16], count[16], sum[32], exp[32], conf[32];
    snprintf(zone, sizeof zone, "%u", row->zone_id);
    snprintf(count, sizeof count, "%u", row->count);
    snprintf(sum, sizeof sum, "%.17g", row->pnl_sum);
    snprintf(exp, sizeof exp, "%.17g", row->expected_pnl);
    snprintf(conf, sizeof conf, "%.17g", row->confidence);
    const char *v[7] = {symbol, zone, zone_action_name((enum zone_action)row->action), count,
                        sum, exp, conf};
    return exec_void(c, "level_stat_upsert", 7, v);
}

int level_stats_store_each(PGconn *c, const char *symbol,
                           int (*fn)(void *ctx, const char *symbol, const struct level_stat *r),
                           void *ctx)
{
    const char *v[1] = {symbol};
    PGresult *r = pg_exec(c, "level_stats_all", 1, v);
    if (r == NULL)
        return -1;
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        enum zone_action a;
        if (zone_action_parse(PQgetvalue(r, i, 2), &a) != 0) {
            rc = -1;
            break;
        }
        struct level_stat row = {
            .zone_id = (uint32_t)pg_get_int64(r, i, 1), .action = (uint8_t)a,
            .count = (uint32_t)pg_get_int64(r, i, 3), .pnl_sum = pg_get_double(r, i, 4),
            .expected_pnl = pg_get_double(r, i, 5), .confidence = pg_get_double(r, i, 6)};
        rc = fn(ctx, PQgetvalue(r, i, 0), &row);
    }
    PQclear(r);
    return rc;
}
