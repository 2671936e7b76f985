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
 * The state's JSON both ways is storage/trade_codec.c.
 */
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/stores.h"

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
    int rc = pg_exec_or_queue(c, "trade_insert", 11, v);
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
    int rc = pg_exec_or_queue(c, "trade_update", 7, v);
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
    return pg_exec_or_queue(c, "trade_event_insert", 9, v);
}

int runner_events_store_insert(PGconn *c, const char *symbol, uint64_t trade_id, int64_t ts,
                               const char *kind, double price, uint32_t zone_id)
{
    char id[24], tsb[32], p[32], z[16];
    snprintf(id, sizeof id, "%" PRIu64, trade_id);
    snprintf(p, sizeof p, "%.17g", price);
    snprintf(z, sizeof z, "%u", zone_id);
    const char *v[6] = {id, symbol, ts_param(ts, tsb), kind, p, zone_id ? z : NULL};
    return pg_exec_or_queue(c, "runner_event_insert", 6, v);
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
    return pg_exec_or_queue(c, "stop_decision_insert", 9, v);
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
    int rc = pg_exec_or_queue(c, "target_selection_insert", 11, v);
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
    return pg_exec_or_queue(c, "level_stat_upsert", 7, v);
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
