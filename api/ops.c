/*
 * ops.c - GET /health, GET /metrics (Prometheus text), GET /symbols.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "api/app.h"
#include "api/evidence.h"
#include "api/handlers.h"
#include "api/metrics.h"
#include "api/render.h"
#include "service/ownership.h"
#include "service/reads.h"
#include "service/trading.h"
#include "service/write_metrics.h"

void ops_health(struct request *rq, struct reply *rp)
{
    struct app *a = rq->app;
    int db = reads_database_up(&a->st);
    int starting = atomic_load(&a->starting);
    const char *status = atomic_load(&a->draining) ? "draining"
                         : starting                ? "starting"
                         : (db == 0 ? "degraded" : "ok");
    struct db_counters pc;
    reads_db_counters(&pc);
    char since[32];
    if (pc.node_since > 0)
        render_ts(pc.node_since, since);
    /* the node this instance writes to (a failover moves it) and since when */
    reply_json(rp, db == 0 || starting || atomic_load(&a->draining) ? 503 : 200,
               json_pack("{s:s, s:s, s:I, s:b, s:o, s:o, s:I, s:I, s:I}", "status", status,
                         "database", db < 0 ? "disabled" : (db ? "up" : "down"), "symbols",
                         (json_int_t)symtab_count(&a->st.reg.tab), "persistence",
                         a->st.persist, "database_node",
                         pc.node[0] ? json_string(pc.node) : json_null(),
                         "database_node_since",
                         pc.node_since > 0 ? json_string(since) : json_null(),
                         "database_node_changes", (json_int_t)pc.node_changes,
                         "database_timeouts", (json_int_t)pc.timeouts,
                         "database_commit_unknown", (json_int_t)pc.commit_unknown));
}

struct symbols_ctx {
    struct textbuf *tb;
    struct ownership *own;
    int n;
    uint32_t sources; /* the enabled liquidity sources (liquidity_sources) */
};

static void symbol_json(void *ctx, struct symbol_state *s)
{
    struct symbols_ctx *sc = ctx;
    struct zone_snapshot *snap = snapshot_acquire(s);
    if (snap == NULL || snap->bar_count == 0) {
        snapshot_release(snap);
        return;
    }
    struct textbuf *tb = sc->tb;
    textbuf_printf(tb, "%s{\"symbol\":\"%s\",\"pip_size\":%.15g,\"pip_size_inferred\":%s,"
                       "\"timeframe\":\"%s\",\"bars\":%llu,\"duplicates\":%llu,\"first_ts\":",
                   sc->n++ ? "," : "", s->name, s->pip, s->pip_inferred ? "true" : "false",
                   tf_name(s->tf), (unsigned long long)snap->bar_count,
                   (unsigned long long)atomic_load(&s->duplicates));
    render_ts_or_null(tb, snap->first_ts);
    textbuf_append(tb, ",\"last_ts\":", 11);
    render_ts_or_null(tb, snap->last_ts);
    textbuf_printf(tb, ",\"last_close\":%.15g,\"zones\":%zu,\"zones_active\":%zu,"
                       "\"lease_token\":%lld,\"sources\":[",
                   snap->last_close, snap->n, snap->nactive,
                   (long long)own_token(sc->own, s->name));
    for (int i = 0, first = 1; i < SRC_COUNT; i++) {
        if (sc->sources & (1u << i)) {
            textbuf_printf(tb, "%s\"%s\"", first ? "" : ",", source_name((enum liq_source)i));
            first = 0;
        }
    }
    textbuf_append(tb, "]}", 2);
    snapshot_release(snap);
}

struct symbol_list {
    struct symbol_state **v;
    size_t n, cap;
};

static void collect_symbol(void *ctx, struct symbol_state *s)
{
    struct symbol_list *l = ctx;
    if (l->n < l->cap)
        l->v[l->n++] = s;
}

static int by_name(const void *a, const void *b)
{
    const struct symbol_state *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

/* GET /symbols: sorted by name (byte order: "EURUSD" < "EURUSD.pro" < "XAUUSD"). */
void ops_symbols(struct request *rq, struct reply *rp)
{
    /* the registry only grows: a symbol created after the count is read is left out */
    size_t cap = symtab_count(&rq->app->st.reg.tab);
    struct symbol_list l = {cap ? malloc(cap * sizeof *l.v) : NULL, 0, cap};
    if (cap > 0 && l.v == NULL) {
        reply_oom(rp);
        return;
    }
    state_each(&rq->app->st, collect_symbol, &l);
    if (l.n > 1) /* qsort's base must not be NULL, even for 0 items (UBSan) */
        qsort(l.v, l.n, sizeof *l.v, by_name);
    struct textbuf tb = {0};
    struct ownership *own = rq->app->st.own;
    struct symbols_ctx sc = {&tb, own, 0, rq->app->st.cfg.params.liquidity_sources};
    char spec[1024];
    own_spec_text(own, spec, sizeof spec);
    /* this instance's partition only: the fleet view is the union over the instances */
    textbuf_append(&tb, "{\"instance\":", 12);
    textbuf_json_string(&tb, own_id(own));
    textbuf_append(&tb, ",\"owned_symbols\":", 17);
    textbuf_json_string(&tb, spec);
    textbuf_append(&tb, ",\"symbols\":[", 12);
    for (size_t i = 0; i < l.n; i++)
        symbol_json(&sc, l.v[i]);
    free(l.v);
    textbuf_append(&tb, "]}", 2);
    reply_textbuf(rp, 200, "application/json", &tb);
}

static void symbol_metrics(void *ctx, struct symbol_state *s)
{
    struct textbuf *tb = ctx;
    struct zone_snapshot *snap = snapshot_acquire(s);
    if (snap == NULL)
        return;
    if (snap->bar_count > 0) /* a symbol given up reads as empty: not this instance's */
        textbuf_printf(tb, "liq_zones_active{symbol=\"%s\"} %zu\n", s->name, snap->nactive);
    snapshot_release(snap);
}

static void symbol_evidence_metrics(void *ctx, struct symbol_state *s)
{
    struct zone_snapshot *snap = snapshot_acquire(s);
    if (snap == NULL)
        return;
    evidence_metrics(ctx, s->name, &snap->tally);
    snapshot_release(snap);
}

static void symbol_exits_metrics(void *ctx, struct symbol_state *s)
{
    struct zone_snapshot *snap = snapshot_acquire(s);
    if (snap == NULL)
        return;
    if (snap->bar_count > 0) /* a symbol given up reads as empty: not this instance's */
        exits_metrics(ctx, s->name, &snap->exits);
    snapshot_release(snap);
}

struct owned_ctx {
    struct app *a;
    struct textbuf *tb;
};

static void symbol_owned(void *ctx, struct symbol_state *s)
{
    struct owned_ctx *oc = ctx;
    int64_t token = own_token(oc->a->st.own, s->name);
    if (token > 0 || !oc->a->st.persist)
        textbuf_printf(oc->tb, "liq_symbol_owned{symbol=\"%s\",token=\"%lld\"} 1\n",
                       s->name, (long long)token);
}

static void ownership_metrics(struct app *a, struct textbuf *tb)
{
    struct own_counters oc;
    own_counters_get(a->st.own, &oc);
    textbuf_printf(tb, "# HELP liq_symbol_owned Symbols whose lease this instance holds "
                       "(label token: the fencing token).\n# TYPE liq_symbol_owned gauge\n");
    struct owned_ctx octx = {a, tb};
    state_each(&a->st, symbol_owned, &octx);
    textbuf_printf(tb,
                   "# HELP liq_leases_held Symbol leases held.\n# TYPE liq_leases_held gauge\n"
                   "liq_leases_held %zu\n"
                   "# HELP liq_lease_events_total Leases acquired, released (handed over) and "
                   "lost (taken over or fenced).\n# TYPE liq_lease_events_total counter\n"
                   "liq_lease_events_total{event=\"acquired\"} %llu\n"
                   "liq_lease_events_total{event=\"released\"} %llu\n"
                   "liq_lease_events_total{event=\"lost\"} %llu\n"
                   "# HELP liq_misdirected_total Requests answered 421 or 503 for a symbol "
                   "this instance does not own.\n# TYPE liq_misdirected_total counter\n"
                   "liq_misdirected_total{answer=\"421\"} %llu\n"
                   "liq_misdirected_total{answer=\"503\"} %llu\n",
                   oc.held, (unsigned long long)oc.acquired, (unsigned long long)oc.released,
                   (unsigned long long)oc.lost, (unsigned long long)oc.misdirected,
                   (unsigned long long)oc.moving);
}

void ops_metrics(struct request *rq, struct reply *rp)
{
    struct app *a = rq->app;
    struct textbuf tb = {0};
    http_metrics_write(a->metrics, &tb);
    textbuf_printf(&tb, "# HELP liq_bars_ingested_total Bars applied to the zone engine.\n"
                        "# TYPE liq_bars_ingested_total counter\n"
                        "liq_bars_ingested_total %llu\n",
                   (unsigned long long)atomic_load(&a->st.bars_ingested));
    textbuf_printf(&tb, "# HELP liq_zones_active Active zones per symbol.\n"
                        "# TYPE liq_zones_active gauge\n");
    state_each(&a->st, symbol_metrics, &tb);
    textbuf_printf(&tb,
                   "# HELP liq_zone_tests Resolved zone tests per symbol and source, at zones and "
                   "at their hidden control levels: control mirrored through the close, "
                   "side_control on the same side (GET /symbols/{symbol}/evidence).\n"
                   "# TYPE liq_zone_tests gauge\n"
                   "# HELP liq_zone_hold_rate Share of resolved tests that held (hold or sweep).\n"
                   "# TYPE liq_zone_hold_rate gauge\n"
                   "# HELP liq_zone_lift Hold rate at zones minus at controls, of the placement "
                   "whose lift is nearer 0; _low/_high: its 95 %% interval.\n"
                   "# TYPE liq_zone_lift gauge\n# TYPE liq_zone_lift_low gauge\n"
                   "# TYPE liq_zone_lift_high gauge\n"
                   "# HELP liq_zone_lift_by_placement Hold rate at zones minus at the controls "
                   "of one placement (mirrored, same_side).\n"
                   "# TYPE liq_zone_lift_by_placement gauge\n");
    state_each(&a->st, symbol_evidence_metrics, &tb);
    textbuf_printf(&tb,
                   "# HELP liq_exit_trades Trades of the record of zone exits against geometry "
                   "exits (GET /symbols/{symbol}/evidence exits).\n"
                   "# TYPE liq_exit_trades gauge\n"
                   "# HELP liq_exit_days Day blocks of that record.\n# TYPE liq_exit_days gauge\n"
                   "# HELP liq_exit_mean_r Mean R of the zone and of the geometry exits.\n"
                   "# TYPE liq_exit_mean_r gauge\n"
                   "# HELP liq_exit_diff_r Zones minus geometry, R per trade; _low/_high: its "
                   "95 %% day-block interval.\n"
                   "# TYPE liq_exit_diff_r gauge\n# TYPE liq_exit_diff_r_low gauge\n"
                   "# TYPE liq_exit_diff_r_high gauge\n");
    state_each(&a->st, symbol_exits_metrics, &tb);
    ownership_metrics(a, &tb);
    struct db_counters pc;
    reads_db_counters(&pc);
    textbuf_printf(&tb,
                   "# HELP liq_db_errors_total Database errors.\n# TYPE liq_db_errors_total counter\n"
                   "liq_db_errors_total %llu\n"
                   "# HELP liq_db_reconnects_total Database reconnects.\n"
                   "# TYPE liq_db_reconnects_total counter\nliq_db_reconnects_total %llu\n"
                   "# HELP liq_db_connects_total Database sessions made (connected, every "
                   "statement prepared).\n"
                   "# TYPE liq_db_connects_total counter\nliq_db_connects_total %llu\n"
                   "# HELP liq_db_sessions_ready Sessions made ahead at start that no worker "
                   "has taken yet.\n"
                   "# TYPE liq_db_sessions_ready gauge\nliq_db_sessions_ready %d\n"
                   "# HELP liq_db_timeouts_total Database calls that ran out of "
                   "database_timeout_ms and were cancelled.\n"
                   "# TYPE liq_db_timeouts_total counter\nliq_db_timeouts_total %llu\n"
                   "# HELP liq_db_commit_unknown_total Of them, calls cut after a COMMIT was "
                   "sent (outcome unknown).\n"
                   "# TYPE liq_db_commit_unknown_total counter\nliq_db_commit_unknown_total %llu\n"
                   "# HELP liq_db_node_changes_total Times the database node written to "
                   "changed (a failover).\n"
                   "# TYPE liq_db_node_changes_total counter\nliq_db_node_changes_total %llu\n"
                   "# HELP liq_db_group_commit_writes_total Writes committed under group "
                   "commit (each waited for a WAL flush shared with concurrent writes).\n"
                   "# TYPE liq_db_group_commit_writes_total counter\n"
                   "liq_db_group_commit_writes_total %llu\n"
                   "# HELP liq_db_group_commit_flushes_total The shared WAL flushes they "
                   "waited for.\n"
                   "# TYPE liq_db_group_commit_flushes_total counter\n"
                   "liq_db_group_commit_flushes_total %llu\n"
                   "# HELP liq_db_node_since_seconds When the node in the label became the "
                   "one written to (epoch seconds).\n"
                   "# TYPE liq_db_node_since_seconds gauge\n",
                   (unsigned long long)pc.errors, (unsigned long long)pc.reconnects,
                   (unsigned long long)pc.connects, pc.spares, (unsigned long long)pc.timeouts, (unsigned long long)pc.commit_unknown,
                   (unsigned long long)pc.node_changes, (unsigned long long)pc.group_writes,
                   (unsigned long long)pc.group_flushes);
    if (pc.node[0] != '\0') {
        char node[300]; /* a label value: no quote, backslash or newline */
        size_t o = 0;
        for (const char *p = pc.node; *p && o + 1 < sizeof node; p++)
            if (*p != '"' && *p != '\\' && *p != '\n')
                node[o++] = *p;
        node[o] = '\0';
        textbuf_printf(&tb, "liq_db_node_since_seconds{node=\"%s\"} %lld\n", node,
                       (long long)pc.node_since);
    }
    write_metrics_render(&tb);
    textbuf_printf(&tb, "# HELP liq_trades_open Trades open in memory (service/trading.c).\n"
                        "# TYPE liq_trades_open gauge\nliq_trades_open %zu\n",
                   a->trading ? trading_open_count(a->trading) : (size_t)0);
    textbuf_printf(&tb, "# HELP liq_log_dropped_total Log lines dropped because the log "
                        "writer's queue was full (base/log.h).\n"
                        "# TYPE liq_log_dropped_total counter\nliq_log_dropped_total %llu\n",
                   log_dropped());
    reply_textbuf(rp, 200, "text/plain; version=0.0.4", &tb);
}
