/*
 * analysis.c - the statistics of the report's zone tests (report.h): the calibration of
 * prob_hold and its recalibrations, the groups by source, and the causal models across zones
 * of section 1b, all fitted on the first half's tests and scored on the second's.
 */
#include <math.h>
#include <stdlib.h>

#include "research/report.h"

static void score_group(const struct report *r, struct report_group *g, const double *p,
                        const uint8_t *y, const uint8_t *in)
{
    size_t nj = r->n_tests - r->n_train;
    double sp = 0.0, sm = 0.0, sb = 0.0;
    *g = (struct report_group){0};
    for (size_t i = 0; i < r->n_train; i++) {
        if (!in[i])
            continue;
        g->n_train++;
        g->holds_train += y[i];
    }
    for (size_t k = 0; k < nj; k++) {
        size_t i = r->n_train + k;
        if (!in[i])
            continue;
        g->n++;
        g->holds += y[i];
        sp += p[i];
        sm += (p[i] - y[i]) * (p[i] - y[i]);
        sb += (r->base_rate - y[i]) * (r->base_rate - y[i]);
    }
    if (g->n > 0) {
        g->mean_p = sp / (double)g->n;
        g->brier_model = sm / (double)g->n;
        g->brier_base = sb / (double)g->n;
    }
    g->z_fit = cal_binom_z(g->holds_train, g->n_train, r->base_rate);
    g->z = cal_binom_z(g->holds, g->n, r->judged_rate);
}

static int feature_group(int f)
{
    if (f <= F_LOG_TESTS)
        return G_TESTS;
    if (f <= F_BREAK_SHARE)
        return G_HISTORY;
    if (f <= F_LIVE)
        return G_SOURCES;
    if (f == F_WIDTH)
        return G_WIDTH;
    if (f == F_OPEN_DIST)
        return G_OPEN;
    if (f == F_SPEED)
        return G_SPEED;
    if (f == F_WITH_ROLE)
        return G_ROLE;
    if (f <= F_IDLE)
        return G_AGE;
    return G_SESSION;
}

static double clampd(double v, double lo, double hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void report_test_features(const struct report_test *t, double *x)
{
    for (int f = 0; f < REPORT_FEATURES; f++)
        x[f] = 0.0;
    uint32_t n = t->tests_before;
    x[F_TESTS0] = n == 0;
    x[F_TESTS1] = n == 1;
    x[F_TESTS2] = n == 2;
    x[F_LOG_TESTS] = log1p((double)n);
    if (n > 0) {
        x[F_HOLD_SHARE] = (double)t->holds_before / (double)n;
        x[F_SWEEP_SHARE] = (double)t->sweeps_before / (double)n;
        x[F_BREAK_SHARE] = (double)t->breaks_before / (double)n;
    }
    x[F_NSOURCES] = __builtin_popcount(t->sources);
    for (int s = 0; s < SRC_COUNT; s++)
        x[F_SRC0 + s] = (t->sources >> s) & 1u;
    x[F_LIVE] = t->live;
    x[F_WIDTH] = t->width_atr;
    x[F_OPEN_DIST] = clampd(t->open_dist_atr, -2.0, 5.0);
    x[F_SPEED] = clampd(t->speed_atr, -5.0, 5.0);
    x[F_WITH_ROLE] = (double)(t->role * t->approach);
    x[F_AGE] = log1p(t->hours_created > 0.0f ? t->hours_created : 0.0);
    x[F_IDLE] = log1p(t->hours_touched > 0.0f ? t->hours_touched : 0.0);
    x[F_LONDON] = t->hour >= 7 && t->hour < 12;
    x[F_OVERLAP] = t->hour >= 12 && t->hour < 16;
    x[F_LATE] = t->hour >= 16;
}

/* Grouping cells: tests before (0, 1, 2, 3+) and that x sources (1, 2, 3+). */
static int cell4(const struct report_test *t)
{
    return t->tests_before < 3 ? (int)t->tests_before : 3;
}

int report_cell12(const struct report_test *t)
{
    int k = __builtin_popcount(t->sources);
    return cell4(t) * 3 + (k <= 1 ? 0 : k == 2 ? 1 : 2);
}

/*
 * Standardised design matrix z (n x REPORT_FEATURES) with the fit half's moments; with
 * drop >= 0 the columns of that group are zeroed (their weights then stay 0 under the
 * ridge). A constant column (sd 0) is 0 everywhere.
 */
static void standardise(const struct report *r, const double *x, double *z, size_t n, int drop)
{
    for (size_t i = 0; i < n; i++)
        for (int f = 0; f < REPORT_FEATURES; f++) {
            size_t k = i * REPORT_FEATURES + (size_t)f;
            z[k] = r->feat_sd[f] > 0.0 && feature_group(f) != drop
                       ? (x[k] - r->feat_mean[f]) / r->feat_sd[f]
                       : 0.0;
        }
}

/*
 * Section 1b: the groupings and the logistic model, fitted on tests[0 .. n_train) only.
 * lambda is chosen on the fit half alone: fit on its first 75 % of tests (time order),
 * lowest Brier on its last 25 %, then refitted on the whole fit half. q: scratch of nj.
 */
static int analyse_models(struct report *r, const uint8_t *y, double *q)
{
    size_t n = r->n_tests, nt = r->n_train, nj = n - nt;
    const size_t K = REPORT_FEATURES;
    double *x = malloc(n * K * sizeof *x), *z = malloc(n * K * sizeof *z);
    double *pv = malloc((nt + 1) * sizeof *pv), w[REPORT_FEATURES + 1];
    int rc = -1;
    if (x == NULL || z == NULL || pv == NULL)
        goto out;
    const uint8_t *yj = y + nt;

    /* groupings: shrunk hold rates per cell */
    for (size_t i = 0; i < nt; i++) {
        const struct report_test *t = &r->tests[i];
        r->g4_n[cell4(t)]++;
        r->g4_holds[cell4(t)] += y[i];
        r->g12_n[report_cell12(t)]++;
        r->g12_holds[report_cell12(t)] += y[i];
    }
    for (int c = 0; c < 4; c++)
        r->g4_rate[c] = cal_shrunk_rate(r->g4_holds[c], r->g4_n[c], r->base_rate, REPORT_SHRINK);
    for (int c = 0; c < 12; c++)
        r->g12_rate[c] = cal_shrunk_rate(r->g12_holds[c], r->g12_n[c], r->base_rate,
                                         REPORT_SHRINK);
    for (size_t k = 0; k < nj; k++)
        q[k] = r->g4_rate[cell4(&r->tests[nt + k])];
    r->brier_g4 = cal_brier(q, yj, nj);
    r->auc_g4 = cal_auc(q, yj, nj);
    for (size_t k = 0; k < nj; k++)
        q[k] = r->g12_rate[report_cell12(&r->tests[nt + k])];
    r->brier_g12 = cal_brier(q, yj, nj);
    r->auc_g12 = cal_auc(q, yj, nj);
    cal_reliability(q, yj, nj, REPORT_BINS, r->rel_g12);

    /* the engine's own frequency with the fit half's base rate instead of 1/2 as prior */
    for (size_t k = 0; k < nj; k++) {
        const struct report_test *t = &r->tests[nt + k];
        q[k] = cal_shrunk_rate(t->holds_before, t->tests_before, r->base_rate, 2.0);
    }
    r->brier_own = cal_brier(q, yj, nj);
    r->auc_own = cal_auc(q, yj, nj);

    /* the logistic model */
    for (size_t i = 0; i < n; i++)
        report_test_features(&r->tests[i], x + i * K);
    cal_moments(x, nt, K, r->feat_mean, r->feat_sd);
    standardise(r, x, z, n, -1);
    r->n_inner = nt * 3 / 4;
    size_t nv = nt - r->n_inner;
    if (r->n_inner == 0 || nv == 0)
        goto out;
    r->val_brier_base = cal_brier_const(cal_rate(y, r->n_inner), y + r->n_inner, nv);
    double best = 2.0;
    for (int l = 0; l < REPORT_LAMBDAS; l++) {
        if (cal_logit_fit(z, y, r->n_inner, K, REPORT_LAMBDA_GRID[l], w) < 0)
            goto out;
        for (size_t i = 0; i < nv; i++)
            pv[i] = cal_logit_apply(w, z + (r->n_inner + i) * K, K);
        r->val_brier[l] = cal_brier(pv, y + r->n_inner, nv);
        if (r->val_brier[l] < best) {
            best = r->val_brier[l];
            r->lambda = REPORT_LAMBDA_GRID[l];
        }
    }
    r->logit_steps = cal_logit_fit(z, y, nt, K, r->lambda, r->w);
    if (r->logit_steps < 0)
        goto out;
    for (size_t i = 0; i < nt; i++)
        pv[i] = cal_logit_apply(r->w, z + i * K, K);
    r->brier_logit_fit = cal_brier(pv, y, nt);
    r->brier_base_fit = cal_brier_const(r->base_rate, y, nt);
    for (size_t k = 0; k < nj; k++)
        q[k] = cal_logit_apply(r->w, z + (nt + k) * K, K);
    r->brier_logit = cal_brier(q, yj, nj);
    r->auc_logit = cal_auc(q, yj, nj);
    cal_reliability(q, yj, nj, REPORT_BINS, r->rel_logit);

    /* each feature group left out (same lambda, refitted on the fit half) */
    for (int g = 0; g < REPORT_GROUPS; g++) {
        standardise(r, x, z, n, g);
        if (cal_logit_fit(z, y, nt, K, r->lambda, w) < 0)
            goto out;
        for (size_t k = 0; k < nj; k++)
            q[k] = cal_logit_apply(w, z + (nt + k) * K, K);
        r->drop_brier[g] = cal_brier(q, yj, nj);
        r->drop_auc[g] = cal_auc(q, yj, nj);
    }
    rc = 0;
out:
    free(x), free(z), free(pv);
    return rc;
}

int report_analyse_tests(struct report *r)
{
    size_t n = r->n_tests, nt = r->n_train, nj = n - nt;
    double *p = malloc((n + 1) * sizeof *p), *st = malloc((n + 1) * sizeof *st);
    double *q = malloc((nj + 1) * sizeof *q);
    uint8_t *y = malloc(n + 1), *in = malloc(n + 1);
    int rc = -1;
    if (p == NULL || st == NULL || q == NULL || y == NULL || in == NULL)
        goto out;
    for (size_t i = 0; i < n; i++) {
        p[i] = r->tests[i].p_hold;
        st[i] = r->tests[i].strength;
        y[i] = r->tests[i].outcome == OUTCOME_HOLD;
        r->outcomes[i >= nt][r->tests[i].outcome]++;
    }
    if (nt == 0 || nj == 0)
        goto out;
    r->base_rate = cal_rate(y, nt);
    const double *pj = p + nt;
    const uint8_t *yj = y + nt;
    r->brier_model = cal_brier(pj, yj, nj);
    r->brier_base = cal_brier_const(r->base_rate, yj, nj);
    r->judged_rate = cal_rate(yj, nj);
    r->brier_perfect_const = cal_brier_const(r->judged_rate, yj, nj);
    r->auc_model = cal_auc(pj, yj, nj);
    r->auc_strength = cal_auc(st + nt, yj, nj);
    cal_reliability(pj, yj, nj, REPORT_BINS, r->rel_model);
    cal_reliability(st + nt, yj, nj, REPORT_BINS, r->rel_strength);
    if (cal_isotonic_fit(p, y, nt, &r->iso) != 0)
        goto out;
    for (size_t k = 0; k < nj; k++)
        q[k] = cal_isotonic_apply(&r->iso, pj[k]);
    r->brier_iso = cal_brier(q, yj, nj);
    cal_reliability(q, yj, nj, REPORT_BINS, r->rel_iso);
    cal_platt_fit(p, y, nt, &r->platt);
    for (size_t k = 0; k < nj; k++)
        q[k] = cal_platt_apply(&r->platt, pj[k]);
    r->brier_platt = cal_brier(q, yj, nj);
    cal_reliability(q, yj, nj, REPORT_BINS, r->rel_platt);
    for (int s = 0; s < SRC_COUNT; s++) {
        for (size_t i = 0; i < n; i++)
            in[i] = (r->tests[i].sources >> s) & 1u;
        score_group(r, &r->by_source[s], p, y, in);
    }
    for (int c = 0; c < 3; c++) {
        for (size_t i = 0; i < n; i++) {
            int k = __builtin_popcount(r->tests[i].sources);
            in[i] = c < 2 ? k == c + 1 : k >= 3;
        }
        score_group(r, &r->by_count[c], p, y, in);
    }
    for (size_t i = 0; i < n; i++)
        in[i] = r->tests[i].tests_before == 0;
    score_group(r, &r->fresh, p, y, in);
    rc = analyse_models(r, y, q);
out:
    free(p), free(st), free(q), free(y), free(in);
    return rc;
}

/* Closing order: by close bar, then entry order. */
