/*
 * evidence.c - GET /symbols/{symbol}/evidence: do the symbol's zones hold more often than
 * their hidden control levels? The outcome tally of the published snapshot (service/state.h,
 * the engine's engine_tally()) rendered row by row with domain/evidence.h: per source, per
 * number of sources of a zone, and over all zones. Also the same rows as /metrics gauges.
 */
#include <math.h>
#include <stdio.h>

#include "api/evidence.h"
#include "api/handlers.h"
#include "api/reply_status.h"
#include "api/render.h"
#include "domain/evidence.h"
#include "domain/instrument.h"
#include "domain/stop.h"
#include "domain/stall.h"
#include "domain/target.h"
#include "domain/zone_stats.h"
#include "api/app.h"

/* One row as a JSON object: key is "source" or "sources". control_*: the mirrored
 * controls, side_control_*: the same-side ones; lift: the one of the two nearer 0. */
static void row_json(struct textbuf *tb, const struct zone_tally *t, int row, const char *key,
                     int first)
{
    struct evidence_row r;
    evidence_row(t, row, &r);
    textbuf_printf(tb,
                   "%s{\"%s\":\"%s\",\"tests\":%u,\"holds\":%u,\"sweeps\":%u,\"breaks\":%u,"
                   "\"timeouts\":%u,\"hold_rate\":%.6g,\"control_tests\":%u,"
                   "\"control_holds\":%u,\"control_sweeps\":%u,\"control_breaks\":%u,"
                   "\"control_timeouts\":%u,\"control_hold_rate\":%.6g,",
                   first ? "" : ",", key, evidence_row_name(row), r.tests,
                   r.outcomes[OUTCOME_HOLD], r.outcomes[OUTCOME_SWEEP], r.outcomes[OUTCOME_BREAK],
                   r.outcomes[OUTCOME_TIMEOUT], r.rate, r.ctl_tests,
                   r.ctl_outcomes[OUTCOME_HOLD], r.ctl_outcomes[OUTCOME_SWEEP],
                   r.ctl_outcomes[OUTCOME_BREAK], r.ctl_outcomes[OUTCOME_TIMEOUT], r.ctl_rate);
    textbuf_printf(tb,
                   "\"side_control_tests\":%u,\"side_control_holds\":%u,"
                   "\"side_control_sweeps\":%u,\"side_control_breaks\":%u,"
                   "\"side_control_timeouts\":%u,\"side_control_hold_rate\":%.6g,"
                   "\"lift_mirrored\":%.6g,\"lift_mirrored_low\":%.6g,"
                   "\"lift_mirrored_high\":%.6g,\"lift_same_side\":%.6g,"
                   "\"lift_same_side_low\":%.6g,\"lift_same_side_high\":%.6g,"
                   "\"lift_placement\":\"%s\",\"lift\":%.6g,\"lift_low\":%.6g,"
                   "\"lift_high\":%.6g,\"significant\":%s}",
                   r.side_tests, r.side_outcomes[OUTCOME_HOLD], r.side_outcomes[OUTCOME_SWEEP],
                   r.side_outcomes[OUTCOME_BREAK], r.side_outcomes[OUTCOME_TIMEOUT], r.side_rate,
                   r.mirror_lift, r.mirror_lo, r.mirror_hi, r.side_lift, r.side_lo, r.side_hi,
                   r.placement == EV_SIDE ? "same_side" : "mirrored", r.lift, r.lift_lo,
                   r.lift_hi, r.significant ? "true" : "false");
}

/* "exits": the record of zone exits against geometry exits and the exit auto gives. */
static void exits_json(struct textbuf *tb, const struct exit_record *x)
{
    char why[LIQ_REASON_LEN];
    enum exit_method m = exit_choose(EXIT_AUTO, x, why, sizeof why);
    textbuf_printf(tb,
                   ",\"exits\":{\"trades\":%zu,\"days\":%zu,\"mean_r_zones\":%.6g,"
                   "\"mean_r_geometry\":%.6g,\"zones_minus_geometry_r\":%.6g,",
                   x->trades, x->days, x->zone_r, x->geo_r, x->diff);
    if (isfinite(x->lo) && isfinite(x->hi))
        textbuf_printf(tb, "\"low\":%.6g,\"high\":%.6g,", x->lo, x->hi);
    else
        textbuf_printf(tb, "\"low\":null,\"high\":null,");
    textbuf_printf(tb, "\"interval\":\"95 %% normal, day blocks (cluster variance; "
                   "docs/trading.md)\",\"auto\":\"%s\",\"reason\":", exit_method_name(m));
    textbuf_json_string(tb, why);
    textbuf_append(tb, "}", 1);
}

/* "key":d, or "key":null when d < 0 (a quantile not known yet) */
static void quantile_json(struct textbuf *tb, const char *key, double d)
{
    if (d >= 0.0)
        textbuf_printf(tb, "\"%s\":%.6g,", key, d);
    else
        textbuf_printf(tb, "\"%s\":null,", key);
}

/* "sweep_depth": how far past a zone's far edge price went before the zone held, and the
 * zone stop's buffer it gives (docs/trading.md "Stop"). */
static void sweep_json(struct textbuf *tb, const struct zone_snapshot *snap,
                       const struct liq_params *p)
{
    const struct pierce_book *pb = &snap->pierce;
    textbuf_printf(tb, ",\"sweep_depth\":{\"tests\":%u,", pb->n);
    static const double Q[] = {0.50, 0.75, 0.90, 0.95};
    static const char *const KEY[] = {"p50", "p75", "p90", "p95"};
    for (int i = 0; i < 4; i++)
        quantile_json(tb, KEY[i], zone_stats_pierce_quantile(pb, Q[i], STOP_SWEEP_MIN_TESTS));
    struct liq_params sp;
    stop_params_for_sweep(p, snap->sweep_atr, &sp);
    textbuf_printf(tb, "\"stop_sweep_quantile\":%.6g,\"stop_buffer_atr\":%.6g,"
                   "\"unit\":\"ATR14 at the touch that started each test\"}",
                   p->stop_sweep_quantile, sp.buffer_atr);
}

/* "stall_distance": how far short of a zone ahead price turned, and the zone targets' front
 * offset it gives (docs/trading.md "Targets"). */
static void stall_json(struct textbuf *tb, const struct zone_snapshot *snap,
                       const struct liq_params *p, double pip)
{
    const struct stall_book *sb = &snap->stall;
    textbuf_printf(tb, ",\"stall_distance\":{\"turns\":%u,", sb->n);
    static const double Q[] = {0.25, 0.50, 0.75};
    static const char *const KEY[] = {"p25", "p50", "p75"};
    for (int i = 0; i < 3; i++)
        quantile_json(tb, KEY[i], stall_quantile(sb, Q[i], STALL_MIN_TURNS));
    double atr = snap->atr > 0.0 ? snap->atr : 0.0;
    double front = target_front_for_stall(p, pip, atr, snap->stall_atr);
    textbuf_printf(tb, "\"target_stall_quantile\":%.6g,", p->target_stall_quantile);
    quantile_json(tb, "target_front_atr", atr > 0.0 ? front / atr : -1.0);
    textbuf_printf(tb, "\"unit\":\"ATR14 at the turn\"}");
}

void symbols_evidence(struct request *rq, struct reply *rp)
{
    const char *sym = rq->params[0];
    /* another instance's symbol: 421/503 naming it (docs/scaling.md) */
    if (instrument_valid_symbol(sym) && reply_unless_readable(rq, rp, sym) != 0)
        return;
    struct symbol_state *s = instrument_valid_symbol(sym) ? state_find(&rq->app->st, sym) : NULL;
    struct zone_snapshot *snap = s ? snapshot_acquire(s) : NULL;
    if (snap == NULL || snap->bar_count == 0) {
        snapshot_release(snap);
        reply_status(rq, rp, LIQ_UNKNOWN_SYMBOL, &(struct status_reply){.symbol = sym});
        return;
    }
    const struct liq_params *p = &rq->app->st.cfg.params; /* what the engine runs with */
    struct textbuf tb = {0};
    char last[40];
    render_ts(snap->last_ts, last);
    textbuf_printf(&tb,
                   "{\"symbol\":\"%s\",\"bars\":%llu,\"last_bar_at\":\"%s\",\"settings\":{"
                   "\"test_hold_atr\":%.6g,\"test_break_atr\":%.6g,\"test_horizon_bars\":%d,"
                   "\"test_rearm_atr\":%.6g},\"interval\":\"95 %% normal approximation of a "
                   "difference of two proportions (docs/sources.md)\",\"all\":",
                   s->name, (unsigned long long)snap->bar_count, last, p->test_hold_atr,
                   p->test_break_atr, p->test_horizon_bars, p->test_rearm_atr);
    row_json(&tb, &snap->tally, EVR_ALL, "sources", 1);
    textbuf_append(&tb, ",\"by_source\":[", 14);
    int first = 1;
    for (int src = 0; src < SRC_COUNT; src++) {
        const uint32_t *z = snap->tally.zone[src], *c = snap->tally.ctl[src],
                       *sd = snap->tally.side[src];
        int seen = 0;
        for (int o = 0; o < OUTCOME_COUNT; o++)
            seen |= z[o] != 0 || c[o] != 0 || sd[o] != 0;
        if (!seen && !(p->liquidity_sources & (1u << src)))
            continue;
        row_json(&tb, &snap->tally, src, "source", first);
        first = 0;
    }
    textbuf_append(&tb, "],\"by_source_count\":[", 21);
    for (int row = EVR_NSRC_FIRST; row < EVR_ALL; row++)
        row_json(&tb, &snap->tally, row, "sources", row == EVR_NSRC_FIRST);
    textbuf_append(&tb, "]", 1);
    exits_json(&tb, &snap->exits);
    sweep_json(&tb, snap, p);
    stall_json(&tb, snap, p, s->pip);
    textbuf_append(&tb, "}", 1);
    snapshot_release(snap);
    reply_textbuf(rp, 200, "application/json", &tb);
}

void evidence_metrics(struct textbuf *tb, const char *symbol, const struct zone_tally *t)
{
    for (int row = 0; row <= EVR_ALL; row++) {
        if (row >= EVR_NSRC_FIRST && row < EVR_ALL)
            continue;
        struct evidence_row r;
        evidence_row(t, row, &r);
        if (r.tests == 0 && r.ctl_tests == 0 && r.side_tests == 0)
            continue;
        const char *src = evidence_row_name(row);
        textbuf_printf(tb,
                       "liq_zone_tests{symbol=\"%s\",source=\"%s\",level=\"zone\"} %u\n"
                       "liq_zone_tests{symbol=\"%s\",source=\"%s\",level=\"control\"} %u\n"
                       "liq_zone_tests{symbol=\"%s\",source=\"%s\",level=\"side_control\"} %u\n"
                       "liq_zone_hold_rate{symbol=\"%s\",source=\"%s\",level=\"zone\"} %.6g\n"
                       "liq_zone_hold_rate{symbol=\"%s\",source=\"%s\",level=\"control\"} %.6g\n",
                       symbol, src, r.tests, symbol, src, r.ctl_tests, symbol, src, r.side_tests,
                       symbol, src, r.rate, symbol, src, r.ctl_rate);
        textbuf_printf(tb,
                       "liq_zone_hold_rate{symbol=\"%s\",source=\"%s\",level=\"side_control\"} "
                       "%.6g\n"
                       "liq_zone_lift{symbol=\"%s\",source=\"%s\"} %.6g\n"
                       "liq_zone_lift_low{symbol=\"%s\",source=\"%s\"} %.6g\n"
                       "liq_zone_lift_high{symbol=\"%s\",source=\"%s\"} %.6g\n"
                       "liq_zone_lift_by_placement{symbol=\"%s\",source=\"%s\","
                       "placement=\"mirrored\"} %.6g\n"
                       "liq_zone_lift_by_placement{symbol=\"%s\",source=\"%s\","
                       "placement=\"same_side\"} %.6g\n",
                       symbol, src, r.side_rate, symbol, src, r.lift, symbol, src, r.lift_lo,
                       symbol, src, r.lift_hi, symbol, src, r.mirror_lift, symbol, src,
                       r.side_lift);
    }
}

void exits_metrics(struct textbuf *tb, const char *symbol, const struct exit_record *x)
{
    textbuf_printf(tb,
                   "liq_exit_trades{symbol=\"%s\"} %zu\n"
                   "liq_exit_days{symbol=\"%s\"} %zu\n"
                   "liq_exit_mean_r{symbol=\"%s\",exit=\"zones\"} %.6g\n"
                   "liq_exit_mean_r{symbol=\"%s\",exit=\"geometry\"} %.6g\n"
                   "liq_exit_diff_r{symbol=\"%s\"} %.6g\n",
                   symbol, x->trades, symbol, x->days, symbol, x->zone_r, symbol, x->geo_r,
                   symbol, x->diff);
    if (isfinite(x->lo) && isfinite(x->hi))
        textbuf_printf(tb,
                       "liq_exit_diff_r_low{symbol=\"%s\"} %.6g\n"
                       "liq_exit_diff_r_high{symbol=\"%s\"} %.6g\n",
                       symbol, x->lo, symbol, x->hi);
}
