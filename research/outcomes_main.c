/*
 * outcomes_main.c - the tuning replay of zone tests: what the defaults of test_hold_atr,
 * test_break_atr, test_horizon_bars and zone_prior_tests were chosen on (docs/sources.md).
 *
 *   build-report/research/outcomes FILE [FRACTION [X Y H]]   (scripts/report builds build-report/)
 *
 * Replays the first FRACTION (default 0.5: the first half, never the judged half) of an
 * MT5-layout bar file (../shared/data/README.md, read by research/barfile.c: symbol and
 * timeframe from the file name; pip inferred from the first close) with the default
 * sources, and prints the outcome rates at zones and controls (evidence.h) and, for each prior strength m, the prequential Brier
 * score of P(bounce) = prob_hold + prob_sweep and of prob_hold, computed at every test's
 * touch from what was resolved before that bar (zone_stats_probs), against the constant
 * base rate of the same half; then, every 24 h of bar time (96 M15 bars) with sides
 * alternating, a default setup at the close: how many are refused, the share of active zones
 * whose strength passes min_liquidity_strength, and the mean p_tp1_first. Not a report:
 * scripts/report judges second halves.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/engine.h"
#include "domain/instrument.h"
#include "domain/setup.h"
#include "domain/zone_stats.h"
#include "research/barfile.h"

#define NM 9
static const double PRIOR_M[NM] = {0, 5, 20, 50, 100, 200, 500, 2000, 1e9};

struct pending {
    uint32_t id;
    double p_bounce[NM], p_hold[NM];
};

struct score {
    double b_bounce[NM], b_hold[NM];
    size_t n, bounces, holds;
    double ece_num[NM][10], ece_cnt[NM][10], ece_obs[NM][10];
    double hnum[NM][10], hcnt[NM][10], hobs[NM][10]; /* the same for prob_hold */
};

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE [FRACTION [X Y H]]\n", argv[0]);
        return 2;
    }
    double frac = argc > 2 ? atof(argv[2]) : 0.5;
    struct barfile bf;
    if (barfile_load(argv[1], &bf) != 0 || bf.n < 2) {
        fprintf(stderr, "%s: not a bar file of ../shared/data's layout\n", argv[1]);
        return 1;
    }
    const struct bar *bars = bf.bars;
    size_t n = bf.n;
    struct liq_params p;
    params_defaults(&p);
    if (argc > 5) {
        p.test_hold_atr = atof(argv[3]);
        p.test_break_atr = atof(argv[4]);
        p.test_horizon_bars = atoi(argv[5]);
    }
    /* setup settings to try on first halves: OUTCOMES_FALLBACK_ATR, OUTCOMES_BUFFER_ATR */
    if (getenv("OUTCOMES_FALLBACK_ATR"))
        p.fallback_stop_atr = atof(getenv("OUTCOMES_FALLBACK_ATR"));
    if (getenv("OUTCOMES_BUFFER_ATR"))
        p.buffer_atr = atof(getenv("OUTCOMES_BUFFER_ATR"));
    if (getenv("OUTCOMES_HALF_LIFE"))
        p.zone_pool_half_life = atof(getenv("OUTCOMES_HALF_LIFE"));
    if (getenv("OUTCOMES_HISTORY_HOURS"))
        p.zone_history_hours = atof(getenv("OUTCOMES_HISTORY_HOURS"));
    double pip = instrument_infer_pip(bars[0].close);
    struct engine *e = engine_new(&p, pip, bf.tf);
    struct zone_events ev = {0};
    size_t cap = 1 << 16, npend = 0, upto = (size_t)((double)n * frac);
    struct pending *pend = calloc(cap, sizeof *pend);
    struct score sc = {0};
    struct zone_tally before;
    size_t entries = 0, refused = 0, zones_seen = 0, zones_pass = 0, no_zone = 0;
    double sum_p = 0, sum_er = 0;
    int64_t next_entry = 0;
    struct zone *act = malloc(1 << 20);
    struct setup_result *res = malloc(sizeof *res);
    if (e == NULL || pend == NULL || act == NULL || res == NULL)
        return 1;
    for (size_t i = 0; i < upto; i++) {
        before = *engine_tally(e);
        ev.n = 0;
        if (engine_push(e, &bars[i], &ev) != PUSH_OK)
            return 1;
        uint32_t sig = evidence_significant_sources(&before);
        for (size_t k = 0; k < ev.n; k++) {
            const struct zone_event *x = &ev.v[k];
            if (x->kind == ZEV_TEST) {
                struct zone z = *engine_zone_get(e, x->zone_id);
                /* a break on the touching bar is already counted: take it out */
                if (k + 1 < ev.n && ev.v[k + 1].zone_id == x->zone_id &&
                    ev.v[k + 1].kind == ZEV_BREAK)
                    z.breaks--;
                if (npend == cap)
                    return 1;
                struct pending *q = &pend[npend++];
                q->id = x->zone_id;
                for (int j = 0; j < NM; j++) {
                    double pr[OUTCOME_COUNT];
                    zone_stats_probs(&z, &before, sig, PRIOR_M[j], pr);
                    q->p_bounce[j] = pr[OUTCOME_HOLD] + pr[OUTCOME_SWEEP];
                    q->p_hold[j] = pr[OUTCOME_HOLD];
                }
                continue;
            }
            if (x->kind != ZEV_HOLD && x->kind != ZEV_SWEEP && x->kind != ZEV_BREAK &&
                x->kind != ZEV_TIMEOUT)
                continue;
            size_t at = npend;
            while (at > 0 && pend[at - 1].id != x->zone_id)
                at--;
            if (at == 0)
                continue;
            struct pending *q = &pend[at - 1];
            int yb = x->kind == ZEV_HOLD || x->kind == ZEV_SWEEP, yh = x->kind == ZEV_HOLD;
            sc.n++;
            sc.bounces += (size_t)yb;
            sc.holds += (size_t)yh;
            for (int j = 0; j < NM; j++) {
                sc.b_bounce[j] += (q->p_bounce[j] - yb) * (q->p_bounce[j] - yb);
                sc.b_hold[j] += (q->p_hold[j] - yh) * (q->p_hold[j] - yh);
                int bin = (int)(q->p_bounce[j] * 10);
                bin = bin < 0 ? 0 : bin > 9 ? 9 : bin;
                sc.ece_num[j][bin] += q->p_bounce[j];
                sc.ece_obs[j][bin] += yb;
                sc.ece_cnt[j][bin] += 1;
                int hb = (int)(q->p_hold[j] * 10);
                hb = hb < 0 ? 0 : hb > 9 ? 9 : hb;
                sc.hnum[j][hb] += q->p_hold[j];
                sc.hobs[j][hb] += yh;
                sc.hcnt[j][hb] += 1;
            }
            q->id = 0;
        }
        if (bars[i].ts < next_entry || i + 1 >= upto || engine_atr(e) <= 0)
            continue;
        next_entry = bars[i].ts + 86400;
        engine_refresh(e);
        size_t na = 0;
        for (size_t k = 0; k < engine_zone_count(e) && na < (1 << 20) / sizeof *act; k++) {
            const struct zone *z = engine_zone_sorted(e, k);
            if (!z->active)
                continue;
            act[na++] = *z;
            zones_pass += z->strength >= p.min_liquidity_strength;
        }
        zones_seen += na;
        struct setup_request rq = {.side = entries % 2 ? SIDE_SELL : SIDE_BUY,
                                   .entry = bars[i].close, .trend_score = 0.6,
                                   .regime = REGIME_NORMAL};
        struct setup_market mkt = {.atr = engine_atr(e), .geo = engine_geometry(e)};
        mkt.sweep_atr = engine_stop_sweep_atr(e, &mkt.sweep_tests);
        mkt.stall_atr = engine_target_stall_atr(e, &mkt.stall_turns);
        entries++;
        if (setup_build(&rq, act, na, &p, pip, &mkt, res) != SETUP_OK) {
            refused++;
            no_zone += strncmp(res->reasons[0], "no active zone", 14) == 0;
            continue;
        }
        sum_p += res->p_tp1_first;
        sum_er += res->expected_r;
    }
    const struct zone_tally *t = engine_tally(e);
    struct evidence_row all;
    evidence_row(t, EVR_ALL, &all);
    printf("%s: %zu of %zu bars, pip %g, horizon %u bars, X %.2f Y %.2f\n", argv[1], upto, n,
           pip, engine_test_horizon(e), p.test_hold_atr, p.test_break_atr);
    printf("zones: %u tests, hold %.3f sweep %.3f break %.3f timeout %.3f; bounce %.4f\n",
           all.tests, (double)all.outcomes[OUTCOME_HOLD] / all.tests,
           (double)all.outcomes[OUTCOME_SWEEP] / all.tests,
           (double)all.outcomes[OUTCOME_BREAK] / all.tests,
           (double)all.outcomes[OUTCOME_TIMEOUT] / all.tests, all.rate);
    printf("mirrored controls: %u tests, bounce %.4f; lift %+.4f [%+.4f, %+.4f]\n",
           all.ctl_tests, all.ctl_rate, all.mirror_lift, all.mirror_lo, all.mirror_hi);
    printf("same-side controls: %u tests, bounce %.4f; lift %+.4f [%+.4f, %+.4f]\n",
           all.side_tests, all.side_rate, all.side_lift, all.side_lo, all.side_hi);
    for (int s = 0; s < EVR_ALL; s++) {
        struct evidence_row r;
        evidence_row(t, s, &r);
        if (r.tests > 0)
            printf("  %-14s %6u tests bounce %.3f mirrored %.3f (%u) lift %+.3f [%+.3f, "
                   "%+.3f] same side %.3f (%u) lift %+.3f [%+.3f, %+.3f]\n",
                   evidence_row_name(s), r.tests, r.rate, r.ctl_rate, r.ctl_tests,
                   r.mirror_lift, r.mirror_lo, r.mirror_hi, r.side_rate, r.side_tests,
                   r.side_lift, r.side_lo, r.side_hi);
    }
    double rb = (double)sc.bounces / sc.n, rh = (double)sc.holds / sc.n;
    printf("scored %zu tests; base bounce %.4f (Brier %.5f), hold %.4f (Brier %.5f)\n", sc.n,
           rb, rb * (1 - rb), rh, rh * (1 - rh));
    for (int j = 0; j < NM; j++) {
        double ece = 0, eceh = 0;
        for (int b = 0; b < 10; b++) {
            ece += fabs(sc.ece_num[j][b] - sc.ece_obs[j][b]) / sc.n;
            eceh += fabs(sc.hnum[j][b] - sc.hobs[j][b]) / sc.n;
        }
        printf("  m %-6g Brier bounce %.5f (skill %+.2f %%) hold %.5f (skill %+.2f %%) "
               "ECE bounce %.4f hold %.4f\n", PRIOR_M[j], sc.b_bounce[j] / sc.n,
               100 * (1 - sc.b_bounce[j] / sc.n / (rb * (1 - rb))), sc.b_hold[j] / sc.n,
               100 * (1 - sc.b_hold[j] / sc.n / (rh * (1 - rh))), ece, eceh);
    }
    printf("refused for want of any active zone ahead: %zu\n", no_zone);
    printf("setups every 24 h: %zu, refused %zu (%.1f %%); active zones passing strength "
           "%.2f: %.1f %%; accepted: mean p_tp1_first %.3f, mean expected_r %+.3f\n", entries,
           refused, entries ? 100.0 * (double)refused / (double)entries : 0.0,
           p.min_liquidity_strength, zones_seen ? 100.0 * (double)zones_pass / zones_seen : 0.0,
           entries > refused ? sum_p / (double)(entries - refused) : 0.0,
           entries > refused ? sum_er / (double)(entries - refused) : 0.0);
    engine_free(e);
    zone_events_free(&ev);
    free(act);
    free(res);
    free(pend);
    barfile_free(&bf);
    return 0;
}
