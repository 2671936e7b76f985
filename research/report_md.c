/*
 * report_md.c - docs/report.md from a finished struct report (report.h): one function per
 * section, each writing its tables and the prose around them.
 */
#include <math.h>
#include <stdlib.h>

#include "research/report.h"

/* "2023-04-06 13:45" for epoch seconds ts (UTC). */
void report_fmt_ts(int64_t ts, char *buf, size_t len)
{
    int64_t z = ts / 86400 + 719468, secs = ts % 86400;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    snprintf(buf, len, "%04d-%02d-%02d %02d:%02d", (int)y, (int)m, (int)d, (int)(secs / 3600),
             (int)(secs % 3600 / 60));
}

static const char *const FEATURE_NAME[REPORT_FEATURES] = {
    [F_TESTS0] = "never tested before", [F_TESTS1] = "tested once before",
    [F_TESTS2] = "tested twice before", [F_LOG_TESTS] = "log(1 + tests before)",
    [F_HOLD_SHARE] = "own past holds / tests", [F_SWEEP_SHARE] = "own past sweeps / tests",
    [F_BREAK_SHARE] = "own past breaks / tests", [F_NSOURCES] = "number of sources",
    [F_LIVE] = "live (moving) VWAP zone", [F_WIDTH] = "band width / ATR14",
    [F_OPEN_DIST] = "test bar's open outside the band / ATR14 (clipped -2..5)",
    [F_SPEED] = "4-bar move towards the zone / ATR14 (clipped -5..5)",
    [F_WITH_ROLE] = "approach matches role (+1 support from above / resistance from below, "
                    "-1 against, 0 no role)",
    [F_AGE] = "log(1 + hours since created)", [F_IDLE] = "log(1 + hours since last touch)",
    [F_LONDON] = "session 07-12 UTC", [F_OVERLAP] = "session 12-16 UTC",
    [F_LATE] = "session 16-24 UTC",
};

static const char *const FAMILY[SRC_COUNT] = {
    [SRC_VWAP_DAILY] = "vwap",         [SRC_VWAP_WEEKLY] = "vwap",
    [SRC_PIVOT_M5] = "swing",          [SRC_PIVOT_M15] = "swing",
    [SRC_FLOOR_PIVOT] = "levels",      [SRC_HIGH_DAILY] = "levels",
    [SRC_LOW_DAILY] = "levels",        [SRC_HIGH_WEEKLY] = "levels",
    [SRC_LOW_WEEKLY] = "levels",       [SRC_PREVIOUS_CLOSE] = "levels",
    [SRC_ROUND] = "round",             [SRC_GANN] = "gann",
    [SRC_WYCKOFF] = "wyckoff",         [SRC_CLUSTER] = "cluster",
    [SRC_EQUAL_LEVELS] = "equal_levels",
};

static double skill(double brier, double base)
{
    return base > 0.0 ? 1.0 - brier / base : 0.0;
}
static void write_rel(FILE *f, const char *title, const struct cal_bin *b)
{
    fprintf(f, "%s\n\n| predicted | n | mean predicted | observed hold rate | gap |\n"
               "|---|---:|---:|---:|---:|\n", title);
    for (int k = 0; k < REPORT_BINS; k++) {
        if (b[k].n == 0) {
            fprintf(f, "| %.1f–%.1f | 0 | – | – | – |\n", b[k].lo, b[k].hi);
            continue;
        }
        fprintf(f, "| %.1f–%.1f | %zu | %.3f | %.3f | %+.3f |\n", b[k].lo, b[k].hi, b[k].n,
                b[k].mean_pred, b[k].obs_rate, b[k].obs_rate - b[k].mean_pred);
    }
    fprintf(f, "\n");
}

static void write_group(FILE *f, const char *name, const char *family,
                        const struct report_group *g)
{
    if (g->n == 0) {
        fprintf(f, "| %s | %s | %zu | – | – | 0 | – | – | – | – | – |\n", name, family,
                g->n_train);
        return;
    }
    double rt = g->n_train ? (double)g->holds_train / (double)g->n_train : 0.0;
    fprintf(f, "| %s | %s | %zu | %.3f | %+.1f | %zu | %.3f | %+.1f | %.3f | %.4f | %+.1f %% |\n",
            name, family, g->n_train, rt, g->z_fit, g->n, (double)g->holds / (double)g->n, g->z,
            g->mean_p, g->brier_model, 100.0 * skill(g->brier_model, g->brier_base));
}

static void write_metrics(FILE *f, const char *name, const struct cal_trade_metrics *m,
                          size_t stops, size_t swept, size_t at_end, double stop_pips)
{
    fprintf(f, "| %s | %zu | %.1f %% | %+.3f | %+.1f | %.1f | %zu | %zu (%.1f %%) | %zu | %.1f |\n",
            name, m->trades, 100.0 * m->win_rate, m->expectancy, m->total_r, m->max_drawdown,
            stops, swept, stops ? 100.0 * (double)swept / (double)stops : 0.0, at_end,
            stop_pips);
}

static const char *const GROUP_NAME[REPORT_GROUPS] = {
    [G_TESTS] = "tests before (3 dummies + log count)",
    [G_HISTORY] = "own past hold / sweep / break shares",
    [G_SOURCES] = "source bits, number of sources, live VWAP",
    [G_WIDTH] = "band width / ATR", [G_OPEN] = "open's distance from the band / ATR",
    [G_SPEED] = "4-bar approach speed / ATR", [G_ROLE] = "approach vs role",
    [G_AGE] = "hours since created / last touch", [G_SESSION] = "session (hour of day)",
};

static void feature_label(int k, char *buf, size_t len)
{
    if (k >= F_SRC0 && k < F_SRC0 + SRC_COUNT)
        snprintf(buf, len, "source %s", source_name((enum liq_source)(k - F_SRC0)));
    else
        snprintf(buf, len, "%s", FEATURE_NAME[k]);
}

static const double *weight_base;
static int weight_cmp(const void *a, const void *b)
{
    int i = *(const int *)a, k = *(const int *)b;
    double x = fabs(weight_base[i + 1]), z = fabs(weight_base[k + 1]);
    if (x != z)
        return x > z ? -1 : 1;
    return i < k ? -1 : i > k;
}

/* Section 1b: what a model across zones, fitted on the fit half, makes of the judged half. */
static void write_models(FILE *f, const struct report *r)
{
    size_t nt = r->n_train, nj = r->n_tests - nt;
    double sk = skill(r->brier_logit, r->brier_base);
    fprintf(f, "## 1b. A causal model across zones (fitted on the fit half only)\n\n");
    fprintf(f, "`prob_hold` is one zone's own Laplace frequency. The models here pool all zones' "
               "tests of the fit half and use only what was known when a test began: the zone "
               "at the close of the previous bar, ATR14 after the previous bar, and the test "
               "bar's open and hour. Nothing was tuned on the judged half: the features were "
               "fixed before the first fit, and the one free parameter (the L2 weight λ) is "
               "chosen inside the fit half.\n\n");
    fprintf(f, "**Groupings.** Hold rate per cell on the fit half, shrunk towards the fit "
               "half's base rate with %.0f pseudo-tests: (holds + %.0f × %.4f) / (n + %.0f). "
               "Judged half: tests by 0, 1, 2, 3+ earlier tests → Brier %.4f (skill %+.1f %%, "
               "AUC %.3f); by that × 1, 2, 3+ sources → Brier %.4f (skill %+.1f %%, AUC "
               "%.3f).\n\n", REPORT_SHRINK, REPORT_SHRINK, r->base_rate, REPORT_SHRINK,
            r->brier_g4, 100.0 * skill(r->brier_g4, r->brier_base), r->auc_g4, r->brier_g12,
            100.0 * skill(r->brier_g12, r->brier_base), r->auc_g12);
    fprintf(f, "| tests before | sources | fit n | fit holds | predicted (shrunk) | judged n | "
               "judged hold rate |\n|---|---|---:|---:|---:|---:|---:|\n");
    static const char *const TB[4] = {"0", "1", "2", "3+"}, *const SB[3] = {"1", "2", "3+"};
    for (int c = 0; c < 12; c++) {
        size_t jn = 0, jh = 0;
        for (size_t k = 0; k < nj; k++) {
            const struct report_test *t = &r->tests[nt + k];
            if (report_cell12(t) == c) {
                jn++;
                jh += t->outcome == OUTCOME_HOLD;
            }
        }
        fprintf(f, "| %s | %s | %zu | %zu | %.3f | %zu | ", TB[c / 3], SB[c % 3], r->g12_n[c],
                r->g12_holds[c], r->g12_rate[c], jn);
        if (jn)
            fprintf(f, "%.3f |\n", (double)jh / (double)jn);
        else
            fprintf(f, "– |\n");
    }
    fprintf(f, "\n**Logistic regression.** P(hold) = 1 / (1 + exp(−(w0 + Σ w·z))), z = the "
               "features standardised with the fit half's mean and standard deviation; fitted "
               "by Newton's method (IRLS) on the mean log-likelihood with an L2 penalty "
               "λ/2 · Σ w² on the weights (not the intercept), `cal_logit_fit` in "
               "`domain/calibration.c`. λ: fitted on the first %zu fit-half tests (time order), "
               "scored on the last %zu; the λ with the lowest validation Brier is refitted on "
               "all %zu fit-half tests (%d Newton steps).\n\n", r->n_inner, nt - r->n_inner,
            nt, r->logit_steps);
    fprintf(f, "| λ | validation Brier (fit half's last 25 %%) | skill vs the inner base rate "
               "(%.4f) |\n|---:|---:|---:|\n", r->val_brier_base);
    for (int l = 0; l < REPORT_LAMBDAS; l++)
        fprintf(f, "| %g%s | %.4f | %+.1f %% |\n", REPORT_LAMBDA_GRID[l],
                REPORT_LAMBDA_GRID[l] == r->lambda ? " (chosen)" : "", r->val_brier[l],
                100.0 * skill(r->val_brier[l], r->val_brier_base));
    fprintf(f, "\nIn sample (fit half) the model scores Brier %.4f against the base rate's "
               "%.4f (skill %+.1f %%); on the judged half **%.4f against %.4f: skill %+.1f %%, "
               "AUC %.3f** (goal +10 %%).\n\n", r->brier_logit_fit, r->brier_base_fit,
            100.0 * skill(r->brier_logit_fit, r->brier_base_fit), r->brier_logit,
            r->brier_base, 100.0 * sk, r->auc_logit);
    fprintf(f, "Weights, largest first (per standard deviation of the feature on the fit half; "
               "odds ratio = exp(weight), the change in the odds of a hold for one standard "
               "deviation more). Intercept %.3f (P %.3f at the fit half's mean features).\n\n"
               "| feature | fit mean | fit sd | weight | odds ratio |\n"
               "|---|---:|---:|---:|---:|\n", r->w[0], 1.0 / (1.0 + exp(-r->w[0])));
    int idx[REPORT_FEATURES];
    for (int k = 0; k < REPORT_FEATURES; k++)
        idx[k] = k;
    weight_base = r->w;
    qsort(idx, REPORT_FEATURES, sizeof idx[0], weight_cmp);
    for (int a = 0; a < REPORT_FEATURES; a++) {
        int k = idx[a];
        char name[96];
        feature_label(k, name, sizeof name);
        if (!(r->feat_sd[k] > 0.0)) {
            fprintf(f, "| %s | %.3f | 0 | – (constant, unused) | – |\n", name, r->feat_mean[k]);
            continue;
        }
        fprintf(f, "| %s | %.3f | %.3f | %+.3f | %.2f |\n", name, r->feat_mean[k],
                r->feat_sd[k], r->w[k + 1], exp(r->w[k + 1]));
    }
    fprintf(f, "\nWhat each group of features carries: the model refitted on the fit half "
               "without that group (same λ), scored on the judged half. A diagnostic only — "
               "nothing was chosen by it.\n\n| left out | judged Brier | skill | AUC | skill "
               "lost |\n|---|---:|---:|---:|---:|\n");
    fprintf(f, "| nothing (the full model) | %.4f | %+.1f %% | %.3f | – |\n", r->brier_logit,
            100.0 * sk, r->auc_logit);
    for (int g = 0; g < REPORT_GROUPS; g++) {
        double s2 = skill(r->drop_brier[g], r->brier_base);
        fprintf(f, "| %s | %.4f | %+.1f %% | %.3f | %+.1f pp |\n", GROUP_NAME[g],
                r->drop_brier[g], 100.0 * s2, r->drop_auc[g], 100.0 * (sk - s2));
    }
    fprintf(f, "\n");
    write_rel(f, "Reliability of the logistic model, judged half:", r->rel_logit);
    write_rel(f, "Reliability of the tests × sources grouping, judged half:", r->rel_g12);
}

/* The markdown report. cmd: the command that regenerates it, printed verbatim. */
/* Title, how to regenerate, the data and the split, the outcomes per half. */
static void write_setup(FILE *f, const struct report *r, const char *cmd)
{
    char t0[32], t1[32], t2[32];
    report_fmt_ts(r->first_ts, t0, sizeof t0);
    report_fmt_ts(r->split_ts, t1, sizeof t1);
    report_fmt_ts(r->last_ts, t2, sizeof t2);
    size_t nj = r->n_tests - r->n_train;

    fprintf(f, "# Truth of the numbers: zone probabilities and zone stops on EURUSD M15\n\n");
    fprintf(f, "Generated by the `report` program (`research/report_main.c`, library "
               "`research/`, pure maths `research/calibration.c`). Regenerate everything — this file, the data and the "
               "two plots — with:\n\n```\n%s\n```\n\n", cmd);
    fprintf(f, "The replay is deterministic: the same bars give the same numbers "
               "(`tests/unit/test_report.c` runs it twice on a slice and compares the text).\n\n");

    fprintf(f, "## Setup\n\n");
    fprintf(f, "- Bars: %zu M15 bars of EURUSD, %s to %s UTC. Pip 0.0001. Engine defaults "
               "(`params_defaults`) with `liquidity_sources` = all 15; the engine runs "
               "%d of them on M15 bars (PIVOT_M5 needs M5 bars).\n",
            r->n_bars, t0, t2, __builtin_popcount(r->active_sources));
    fprintf(f, "- Split by bar count: the first %zu bars (to %s) are the **fit** half, the "
               "remaining %zu bars the **judged** half. The engine runs through both without a "
               "reset (a zone's own counts keep growing); only what the first half saw is used "
               "to fit the base rate, the calibration maps and the models of §1b, and only tests that *start* in "
               "the second half are scored.\n",
            r->split, t1, r->n_bars - r->split);
    fprintf(f, "- One observation = one **test** of one zone (the engine's definition: the first "
               "touch after price left the band by its width starts a test). Its predictors are "
               "the zone's `prob_hold`, `prob_break`, `prob_sweep`, `strength` and sources as "
               "they were at the close of the bar *before* the test began. Its outcome is the "
               "test's final outcome as the engine counts it (hold < sweep < break, upgraded "
               "within the test; none when the test ended without a decisive close). The event "
               "`hold` counts as a hold only when no sweep or break followed in the same test — "
               "exactly what `prob_hold = (holds + 1) / (tests + 2)` estimates.\n");
    fprintf(f, "- Observations: %zu tests in the fit half, %zu in the judged half. Tests of "
               "nearby zones on the same bar are not independent, so z-scores below are "
               "optimistic.\n\n", r->n_train, nj);
    fprintf(f, "| half | tests | hold | sweep | break | none |\n|---|---:|---:|---:|---:|---:|\n");
    for (int h = 0; h < 2; h++) {
        size_t tot = h ? nj : r->n_train;
        fprintf(f, "| %s | %zu", h ? "judged" : "fit", tot);
        for (int k = 1; k <= 3; k++)
            fprintf(f, " | %zu (%.1f %%)", r->outcomes[h][k],
                    tot ? 100.0 * (double)r->outcomes[h][k] / (double)tot : 0.0);
        fprintf(f, " | %zu (%.1f %%) |\n", r->outcomes[h][0],
                tot ? 100.0 * (double)r->outcomes[h][0] / (double)tot : 0.0);
    }
}

/* Section 1: the Brier scores and reliability tables of prob_hold and its maps. */
static void write_calibration(FILE *f, const struct report *r)
{
    size_t nj = r->n_tests - r->n_train;
    double sk = skill(r->brier_model, r->brier_base);
    double sk_iso = skill(r->brier_iso, r->brier_base);
    double sk_platt = skill(r->brier_platt, r->brier_base);

    fprintf(f, "\n## 1. Is `prob_hold` calibrated?\n\n");
    fprintf(f, "Brier score on the %zu judged tests (lower is better; skill = 1 − Brier / "
               "Brier of the base rate). Goal: skill ≥ 10 %%.\n\n", nj);
    fprintf(f, "| predictor | Brier | skill vs base rate | AUC |\n|---|---:|---:|---:|\n");
    fprintf(f, "| base rate (fit half's hold frequency %.4f, constant) | %.4f | 0 %% | 0.500 |\n",
            r->base_rate, r->brier_base);
    fprintf(f, "| engine `prob_hold` | %.4f | %+.1f %% | %.3f |\n", r->brier_model, 100.0 * sk,
            r->auc_model);
    fprintf(f, "| `prob_hold` → isotonic map fitted on the fit half (%zu steps) | %.4f | %+.1f %% "
               "| – |\n", r->iso.n, r->brier_iso, 100.0 * sk_iso);
    fprintf(f, "| `prob_hold` → Platt scaling fitted on the fit half (a %.3f, b %.3f) | %.4f | "
               "%+.1f %% | – |\n", r->platt.a, r->platt.b, r->brier_platt, 100.0 * sk_platt);
    fprintf(f, "| hindsight: judged half's own hold frequency (not a forecast) | %.4f | %+.1f %% "
               "| 0.500 |\n", r->brier_perfect_const,
            100.0 * skill(r->brier_perfect_const, r->brier_base));
    fprintf(f, "| `strength` (ranking only, not a probability) | – | – | %.3f |\n",
            r->auc_strength);
    fprintf(f, "| the zone's own frequency with the fit half's base rate as prior, (holds + 2 × "
               "%.4f) / (tests + 2) | %.4f | %+.1f %% | %.3f |\n", r->base_rate, r->brier_own,
            100.0 * skill(r->brier_own, r->brier_base), r->auc_own);
    fprintf(f, "| causal grouping: hold rate by tests before (0, 1, 2, 3+), fit half (§1b) | "
               "%.4f | %+.1f %% | %.3f |\n", r->brier_g4, 100.0 * skill(r->brier_g4,
            r->brier_base), r->auc_g4);
    fprintf(f, "| causal grouping: tests before × number of sources (12 cells), fit half (§1b) "
               "| %.4f | %+.1f %% | %.3f |\n", r->brier_g12, 100.0 * skill(r->brier_g12,
            r->brier_base), r->auc_g12);
    fprintf(f, "| causal logistic regression, %d features, fit half (§1b) | %.4f | %+.1f %% | "
               "%.3f |\n\n", REPORT_FEATURES, r->brier_logit,
            100.0 * skill(r->brier_logit, r->brier_base), r->auc_logit);
    fprintf(f, "AUC = probability that a test that held got a higher prediction than one that "
               "did not (0.5 = no ranking power). The isotonic and Platt maps cannot add ranking "
               "power (they are monotone in `prob_hold`); they can only fix its scale.\n\n");
    fprintf(f, "![reliability diagram](img/reliability.png)\n\n");
    write_rel(f, "Reliability of the engine's `prob_hold`, judged half, by decile of the "
                 "prediction:", r->rel_model);
    write_rel(f, "After the isotonic map (fitted on the fit half), judged half:", r->rel_iso);
    write_rel(f, "After Platt scaling (fitted on the fit half), judged half:", r->rel_platt);
    write_rel(f, "Hold rate by decile of `strength` (the number setups use), judged half:",
              r->rel_strength);
}

/* Section 2: hold rates per source and per number of sources against chance. */
static void write_sources(FILE *f, const struct report *r)
{

    fprintf(f, "## 2. Which sources' zones hold more often than chance?\n\n");
    fprintf(f, "A zone counts for every source it carries (a zone with three sources is in three "
               "rows). *Chance* = the overall hold frequency of the same half (fit %.4f, judged "
               "%.4f): the hold rate of all zones drifts between the halves, so each half is "
               "compared with itself. z = (holds − n × chance) / √(n × chance × (1 − chance)). "
               "A source holds more often than chance when z ≥ 2 in *both* halves; remember "
               "that tests are not independent (one bar tests several nearby zones), so treat "
               "|z| < 3 as weak. Brier skill (last column) is the engine's `prob_hold` against "
               "the fit half's base rate *within the row*, judged half.\n\n",
            r->base_rate, r->judged_rate);
    fprintf(f, "| source | family | fit n | fit hold rate | fit z | judged n | judged hold rate "
               "| judged z | mean prob_hold | Brier | skill |\n"
               "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int s = 0; s < SRC_COUNT; s++)
        write_group(f, source_name((enum liq_source)s), FAMILY[s], &r->by_source[s]);
    static const char *const CNT[3] = {"1 source", "2 sources", "3+ sources"};
    for (int c = 0; c < 3; c++)
        write_group(f, CNT[c], "confluence", &r->by_count[c]);
    write_group(f, "never tested before", "fresh (prob_hold 0.5)", &r->fresh);
}

/* Section 3: the rule's entries through the zone exits and the fixed exit. */
static void write_stops(FILE *f, const struct report *r)
{
    const struct report_opts *o = &r->opts;

    fprintf(f, "\n## 3. Zone stops vs fixed stops (judged half)\n\n");
    fprintf(f, "Entry rule, fixed before looking at any result and not tuned: from the first "
               "bar of the judged half, every %zu-th bar (once a day) a setup at that bar's "
               "close, sides alternating BUY, SELL, ...; trend_score %.2f, regime NORMAL. "
               "Zones: the engine's active zones after that bar, sorted by price. The same "
               "entries run through each method:\n\n", o->trade_every, o->trend_score);
    fprintf(f, "- **zone**: `setup_build` (stop behind the strongest qualifying zone, or the "
               "%.0f-pip fallback; TP1/TP2/runner in front of zones, refused when no zone "
               "gives RR ≥ 1.5), then `trade_trail` with every following bar (price = close, "
               "high, low, ts) and the zones after that bar.\n", 30.0);
    fprintf(f, "- **fixed**: stop %.1f × ATR14 (M15, `engine_atr` at the entry bar) from entry, "
               "one target at %.1f R, stop first when one bar reaches both (the same "
               "conservative rule as `trade_trail`).\n", o->fixed_atr_mult, o->fixed_rr);
    fprintf(f, "- A trade still open at the last bar is closed at its close. R = |entry − "
               "initial stop|. Trades may overlap. The equity curve adds R in closing order.\n");
    fprintf(f, "- **Swept stop**: a trade closed by its stop (initial or trailed) where one of "
               "the %zu closes starting with the stop bar's own close is back on the trade's "
               "side of the stop level (BUY: close > stop) — price took the stop and came "
               "back within %zu minutes.\n\n", o->sweep_bars, o->sweep_bars * 15);
    fprintf(f, "Entries: %zu.\n\n| method | accepted | refused | invalid | fallback stop "
               "| typical refusal |\n|---|---:|---:|---:|---:|---|\n", r->entries);
    for (int m = 0; m < SIM_COUNT; m++) {
        const struct report_sim *sm = &r->sim[m];
        fprintf(f, "| %s | %zu | %zu | %zu | %zu | %s |\n", sm->name, sm->n,
                sm->refused + sm->skipped, sm->invalid, sm->fallback,
                sm->refused ? sm->refusal_example : "–");
    }
    fprintf(f, "\n| method | trades | win rate | expectancy (R) | total (R) | max drawdown (R) "
               "| stop exits | swept | open at end | mean initial stop (pips) |\n"
               "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int m = 0; m < SIM_COUNT; m++) {
        const struct report_sim *sm = &r->sim[m];
        write_metrics(f, sm->name, &sm->m, sm->stops, sm->swept, sm->at_end,
                      sm->mean_stop_pips);
    }
    fprintf(f, "\nThe zone methods trade only the entries they accept; the fixed method trades "
               "every entry. On the *same* entries the fixed method gives:\n\n"
               "| entries of | trades | zone expectancy (R) | fixed expectancy (R) | zone win rate "
               "| fixed win rate | zone max DD (R) | fixed max DD (R) |\n"
               "|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int m = 0; m < SIM_FIXED; m++) {
        const struct report_sim *sm = &r->sim[m];
        fprintf(f, "| %s | %zu | %+.3f | %+.3f | %.1f %% | %.1f %% | %.1f | %.1f |\n", sm->name,
                sm->m.trades, sm->m.expectancy, sm->fixed_same.expectancy,
                100.0 * sm->m.win_rate, 100.0 * sm->fixed_same.win_rate, sm->m.max_drawdown,
                sm->fixed_same.max_drawdown);
    }
    fprintf(f, "\nA zone trade that hits TP1 and is then stopped at break-even counts as a win "
               "and as a stop exit. The second zone row is a diagnostic, not a tuned variant: "
               "it shows what the zone stops and targets do when the strength filter that "
               "refuses almost every setup is switched off.\n\n");
    fprintf(f, "![equity curves in R](img/equity.png)\n\n");
}

/* Section 4: the conclusion, stated whatever the figures are. */
static void write_conclusion(FILE *f, const struct report *r)
{
    double sk = skill(r->brier_model, r->brier_base);
    double sk_iso = skill(r->brier_iso, r->brier_base);
    double sk_platt = skill(r->brier_platt, r->brier_base);
    const struct report_opts *o = &r->opts;

    fprintf(f, "## 4. Conclusion\n\n");
    if (sk >= 0.10)
        fprintf(f, "- **Calibration goal met**: `prob_hold` beats the base rate by %.1f %% "
                   "(goal 10 %%).\n", 100.0 * sk);
    else
        fprintf(f, "- **Calibration goal not met.** The engine's `prob_hold` scores %+.1f %% "
                   "against the constant base rate (goal: +10 %%). %s\n", 100.0 * sk,
                sk < 0.0 ? "As a probability it is worse than saying the same number for every "
                           "zone."
                         : "It is barely better than saying the same number for every zone.");
    fprintf(f, "- Ranking power: AUC %.3f for `prob_hold`, %.3f for `strength` (0.5 = none).\n",
            r->auc_model, r->auc_strength);
    fprintf(f, "- Recalibration fitted on the fit half: isotonic %+.1f %%, Platt %+.1f %% "
               "against the base rate. %s\n", 100.0 * sk_iso, 100.0 * sk_platt,
            (sk_iso >= 0.10 || sk_platt >= 0.10)
                ? "A recalibrated `prob_hold` meets the goal."
                : "Recalibration fixes the scale but cannot create information the number does "
                  "not carry: the goal is still not met.");
    double sk_lg = skill(r->brier_logit, r->brier_base);
    double sk_g4 = skill(r->brier_g4, r->brier_base), sk_g12 = skill(r->brier_g12, r->brier_base);
    double sk_own = skill(r->brier_own, r->brier_base);
    double sk_in = skill(r->brier_logit_fit, r->brier_base_fit);
    double best = sk_lg > sk_g12 ? sk_lg : sk_g12;
    if (sk_g4 > best)
        best = sk_g4;
    if (best >= 0.10)
        fprintf(f, "- **A causal model across zones meets the goal**: the best one fitted on the "
                   "fit half scores %+.1f %% on the judged half (logistic %+.1f %%, AUC %.3f; "
                   "groupings %+.1f %% and %+.1f %%).\n", 100.0 * best, 100.0 * sk_lg,
                r->auc_logit, 100.0 * sk_g4, 100.0 * sk_g12);
    else
        fprintf(f, "- **No causal model beats the base rate by 10 %%.** Pooled across zones and "
                   "fitted on the fit half only, a logistic regression on %d features known "
                   "when a test begins scores %+.1f %% on the judged half (AUC %.3f); the "
                   "groupings by tests so far (× number of sources) score %+.1f %% and "
                   "%+.1f %%. Even in sample the logistic model reaches only %+.1f %%, so this "
                   "is not a matter of overfitting or of λ: what is known at the start of a "
                   "test says little about whether this test ends as a hold.",
                REPORT_FEATURES, 100.0 * sk_lg, r->auc_logit, 100.0 * sk_g4, 100.0 * sk_g12,
                100.0 * sk_in);
    int top[REPORT_FEATURES];
    for (int k = 0; k < REPORT_FEATURES; k++)
        top[k] = k;
    weight_base = r->w;
    qsort(top, REPORT_FEATURES, sizeof top[0], weight_cmp);
    fprintf(f, "%s The logistic model's largest weights (per sd, §1b): ",
            best >= 0.10 ? "\n-" : "");
    for (int a = 0; a < 3; a++) {
        char name[96];
        feature_label(top[a], name, sizeof name);
        fprintf(f, "%s%s %+.3f", a ? "; " : "", name, r->w[top[a] + 1]);
    }
    fprintf(f, ".\n");
    fprintf(f, "- Part of `prob_hold`'s deficit is its prior: the same own frequency with the "
               "base rate instead of 1/2 as prior scores %+.1f %% (engine %+.1f %%) — fresh "
               "zones, which the engine calls 0.5, hold about %.0f %% — and the rest is the "
               "noise of a few tests per zone.\n", 100.0 * sk_own,
            100.0 * sk, r->fresh.n ? 100.0 * (double)r->fresh.holds / (double)r->fresh.n : 0.0);
    const struct report_sim *z0 = &r->sim[SIM_ZONE], *z1 = &r->sim[SIM_ZONE_ANY];
    const struct report_sim *fx = &r->sim[SIM_FIXED];
    fprintf(f, "- Setups: with the default `min_liquidity_strength` %.2f the zone method "
               "accepted %zu of %zu entries (%zu refused). `strength = base × prob_hold × "
               "decay` rarely reaches %.2f because the zones' observed hold rate is low "
               "(about %.0f %%), so almost no zone qualifies as a stop or a target.\n",
            0.60, z0->n, r->entries, z0->refused, 0.60, 100.0 * r->base_rate);
    fprintf(f, "- Stops: defaults %+.3f R per trade over %zu trades (win rate %.1f %%, max "
               "drawdown %.1f R); strength filter off %+.3f R over %zu trades (win rate "
               "%.1f %%, max drawdown %.1f R, fixed on the same entries %+.3f R); fixed ATR "
               "stop %+.3f R over %zu trades (win rate %.1f %%, max drawdown %.1f R). ",
            z0->m.expectancy, z0->m.trades, 100.0 * z0->m.win_rate, z0->m.max_drawdown,
            z1->m.expectancy, z1->m.trades, 100.0 * z1->m.win_rate, z1->m.max_drawdown,
            z1->fixed_same.expectancy, fx->m.expectancy, fx->m.trades, 100.0 * fx->m.win_rate,
            fx->m.max_drawdown);
    if (z0->m.trades < 30)
        fprintf(f, "%zu trades with the defaults are too few to say anything about zone stops. ",
                z0->m.trades);
    fprintf(f, "%s\n", z1->m.expectancy > z1->fixed_same.expectancy
                           ? "On the same entries the zone exits did better than the fixed "
                             "ones; whether that survives more data is open."
                           : "On the same entries the zone exits did **not** beat the fixed "
                             "ATR exits.");
    fprintf(f, "- Swept stops: %.0f %% of the fixed stops and %.0f %% of the zone stops "
               "(filter off) were taken and closed back within %zu bars.\n",
            fx->stops ? 100.0 * (double)fx->swept / (double)fx->stops : 0.0,
            z1->stops ? 100.0 * (double)z1->swept / (double)z1->stops : 0.0, o->sweep_bars);
    fprintf(f, "- Neither method has an edge of its own here: the entries are deliberately "
               "arbitrary, so the question is only which exit loses less or gains more.\n");
}

/* The closing list: what the figures suggest to try next. */
static void write_next(FILE *f, const struct report *r)
{
    size_t nj = r->n_tests - r->n_train;
    double sk_lg = skill(r->brier_logit, r->brier_base);
    double sk_own = skill(r->brier_own, r->brier_base);
    double sk_in = skill(r->brier_logit_fit, r->brier_base_fit);
    double best = fmax(sk_lg, fmax(skill(r->brier_g12, r->brier_base),
                                   skill(r->brier_g4, r->brier_base)));

    fprintf(f, "\n### What to try next\n\n");
    fprintf(f, "1. **A test outcome that means something to a trader.** Bands are narrow "
               "(half-width max(1 pip, 0.1 × ATR14)), and one M15 close beyond the far edge "
               "is a break: %.0f %% of judged tests end as breaks. Judge a test over a horizon "
               "instead (does price move k × ATR away from the zone before closing beyond it "
               "by k × ATR?) and widen bands with volatility.\n",
            nj ? 100.0 * (double)r->outcomes[1][OUTCOME_BREAK] / (double)nj : 0.0);
    if (best >= 0.10)
        fprintf(f, "2. **Wire the pooled model as the learner's prior** (the lead decides): "
                   "`prob_hold = (holds + m × p_model) / (tests + m)` with p_model the "
                   "logistic model's probability at the test's start and m pseudo-tests "
                   "chosen on the fit half, refitted periodically on past tests only.\n");
    else
        fprintf(f, "2. **Pooling across zones was tried (§1b) and is not enough** (%+.1f %%). "
                   "If a probability is shown at all, the pooled model's or simply the base "
                   "rate is more honest than a zone's own frequency, which adds noise even "
                   "with the base rate as prior (%+.1f %%). The engine's statistics are left "
                   "unchanged here (this is a measurement). More features of the same kind are unlikely "
                   "to help: in sample the %d features reach %+.1f %%. What could: an outcome "
                   "with a horizon (item 1), features of the test bar's path at the moment of "
                   "the touch (order flow, tick volume), other symbols.\n", 100.0 * sk_lg,
                100.0 * sk_own, REPORT_FEATURES, 100.0 * sk_in);
    fprintf(f, "3. **Count sweeps with holds** for stop placement (both close back on the "
               "approach side) and score `prob_hold + prob_sweep` against that outcome.\n");
    fprintf(f, "4. **Re-derive `strength` and `min_liquidity_strength`.** With hold rates "
               "near %.0f %%, a strength of 0.60 is almost unreachable, so the setup logic "
               "refuses or falls back; thresholds should come from the calibrated "
               "probability, not from a fixed number.\n", 100.0 * r->judged_rate);
    fprintf(f, "5. **More data** (other symbols and years, M5 bars so PIVOT_M5 runs) before "
               "trusting any stop comparison; a daily entry gives only about %zu trades "
               "here.\n", r->entries);
}

void report_write_md(FILE *f, const struct report *r, const char *cmd)
{
    write_setup(f, r, cmd);
    write_calibration(f, r);
    write_models(f, r);
    write_sources(f, r);
    write_stops(f, r);
    write_conclusion(f, r);
    write_next(f, r);
}
