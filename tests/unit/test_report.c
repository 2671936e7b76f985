/*
 * The report generator on a slice: the first 2,000 EURUSD bars run twice give the same
 * text, byte for byte, and every number is in its range.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "research/barfile.h"
#include "research/report.h"

static char *render(const struct bar *bars, size_t n, struct report *r)
{
    struct report_opts o = REPORT_DEFAULTS;
    o.max_bars = 2000;
    cr_assert_eq(report_run(bars, n, &o, r), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    report_write_md(f, r, "scripts/report");
    cr_assert_eq(fclose(f), 0);
    return text;
}

Test(report, slice_is_deterministic_and_sane)
{
    struct barfile bf;
    cr_assert_eq(barfile_load(LIQ_DATA_DIR "/EURUSD_15M.csv", &bf), 0);
    cr_assert_eq(bf.n, 24424);
    const struct bar *bars = bf.bars;
    size_t n = bf.n;
    struct report a, b;
    char *ta = render(bars, n, &a);
    char *tb = render(bars, n, &b);
    cr_assert_str_eq(ta, tb);
    cr_assert_eq(a.n_bars, 2000);
    cr_assert_eq(a.split, 1000);
    cr_assert_gt(a.n_train, 50);
    cr_assert_gt(a.n_tests - a.n_train, 50);
    cr_assert(a.base_rate > 0.0 && a.base_rate < 1.0);
    double briers[] = {a.brier_model, a.brier_base, a.brier_iso, a.brier_platt};
    for (int i = 0; i < 4; i++)
        cr_assert(briers[i] > 0.0 && briers[i] < 1.0, "Brier %d = %f", i, briers[i]);
    cr_assert(a.auc_model >= 0.0 && a.auc_model <= 1.0);
    size_t in_bins = 0;
    for (int k = 0; k < REPORT_BINS; k++) {
        in_bins += a.rel_model[k].n;
        cr_assert(a.rel_model[k].obs_rate >= 0.0 && a.rel_model[k].obs_rate <= 1.0);
    }
    cr_assert_eq(in_bins, a.n_tests - a.n_train);
    /* section 1b: the causal models, fitted on the fit half */
    double more[] = {a.brier_logit, a.brier_g4, a.brier_g12, a.brier_own, a.brier_logit_fit};
    for (int i = 0; i < 5; i++)
        cr_assert(more[i] > 0.0 && more[i] < 1.0, "Brier 1b %d = %f", i, more[i]);
    cr_assert_geq(a.logit_steps, 1);
    int on_grid = 0;
    for (int l = 0; l < REPORT_LAMBDAS; l++)
        on_grid += a.lambda == REPORT_LAMBDA_GRID[l];
    cr_assert_eq(on_grid, 1);
    cr_assert(a.auc_logit >= 0.0 && a.auc_logit <= 1.0);
    cr_assert_eq(a.n_inner, a.n_train * 3 / 4);
    for (int k = 0; k <= REPORT_FEATURES; k++)
        cr_assert(isfinite(a.w[k]), "w[%d]", k);
    in_bins = 0;
    for (int k = 0; k < REPORT_BINS; k++)
        in_bins += a.rel_logit[k].n;
    cr_assert_eq(in_bins, a.n_tests - a.n_train);
    size_t cells = 0;
    for (int c = 0; c < 12; c++)
        cells += a.g12_n[c];
    cr_assert_eq(cells, a.n_train);
    double x[REPORT_FEATURES];
    for (size_t i = 0; i < a.n_tests; i++) {
        report_test_features(&a.tests[i], x);
        for (int k = 0; k < REPORT_FEATURES; k++)
            cr_assert(isfinite(x[k]), "test %zu feature %d", i, k);
        cr_assert_leq(a.tests[i].holds_before + a.tests[i].sweeps_before +
                          a.tests[i].breaks_before, a.tests[i].tests_before);
    }
    cr_assert_not_null(strstr(ta, "## 1b. A causal model across zones"));
    for (size_t i = 0; i < a.n_tests; i++) {
        cr_assert(a.tests[i].p_hold > 0.0f && a.tests[i].p_hold < 1.0f);
        cr_assert(a.tests[i].outcome <= OUTCOME_BREAK);
        cr_assert((i < a.n_train) == (a.tests[i].bar < a.split));
    }
    cr_assert_eq(a.entries, (2000 - 1000 - 1) / 96 + 1);
    for (int m = 0; m < SIM_COUNT; m++) {
        const struct report_sim *s = &a.sim[m];
        cr_assert_eq(s->n + s->refused + s->invalid + s->skipped, a.entries);
        cr_assert(s->m.win_rate >= 0.0 && s->m.win_rate <= 1.0);
        cr_assert_geq(s->m.max_drawdown, 0.0);
        cr_assert_leq(s->swept, s->stops);
        for (size_t i = 0; i < s->n; i++) {
            cr_assert_geq(s->t[i].close_bar, s->t[i].entry_bar);
            cr_assert_lt(s->t[i].close_bar, a.n_bars);
            cr_assert(s->t[i].r > -3.0 && s->t[i].r < 50.0, "R %f", s->t[i].r);
        }
    }
    /* the fixed method never loses more than 1 R except through a gap */
    cr_assert_eq(a.sim[SIM_FIXED].n, a.entries);
    cr_assert_not_null(strstr(ta, "## 4. Conclusion"));
    free(ta);
    free(tb);
    report_free(&a);
    report_free(&b);
    barfile_free(&bf);
}
