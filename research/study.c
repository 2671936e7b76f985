/*
 * study.c - the figures of study.h from the replay's observations and trades: calibration
 * tables and Brier skill with day-block intervals, the setups' metrics against the baseline,
 * and the pooled skill over files.
 */
#include "research/study.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/instrument.h"
#include "research/study_internal.h"

static double skill_stat(const double *sums, const void *ctx)
{
    (void)ctx;
    return sums[1] > 0.0 ? 1.0 - sums[0] / sums[1] : 0.0;
}

/* sums: {count, value}: value / count. */
static double mean_stat(const double *sums, const void *ctx)
{
    (void)ctx;
    return sums[0] > 0.0 ? sums[1] / sums[0] : 0.0;
}

/*
 * Rows of k sums, one per run of equal days in day[0 .. n): row(i) adds x(i) into the current
 * day's row. Returns the rows (caller frees) and their count in *nb; NULL on ENOMEM.
 */
static double *day_blocks(const int32_t *day, size_t n, size_t k,
                          void (*row)(size_t i, double *r, const void *ctx), const void *ctx,
                          size_t *nb)
{
    double *b = calloc((n + 1) * k, sizeof *b);
    *nb = 0;
    if (b == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || day[i] != day[i - 1])
            (*nb)++;
        row(i, b + (*nb - 1) * k, ctx);
    }
    return b;
}

struct sse_ctx {
    const struct study_obs *v;
    double base;
};

static void sse_row(size_t i, double *r, const void *ctx)
{
    const struct sse_ctx *c = ctx;
    double d = (double)c->v[i].p - c->v[i].y, e = c->base - c->v[i].y;
    r[0] += d * d;
    r[1] += e * e;
}

int study_calibrate(const struct study_obs_set *set, size_t draws, uint64_t seed,
                    struct study_calib *out)
{
    memset(out, 0, sizeof *out);
    out->n_fit = set->n_fit;
    out->n = set->n - set->n_fit;
    size_t n = out->n, ones = 0;
    for (size_t i = 0; i < set->n_fit; i++)
        ones += set->v[i].y;
    out->base_rate = set->n_fit ? (double)ones / (double)set->n_fit : 0.0;
    cal_reliability(NULL, NULL, 0, STUDY_BINS, out->rel);
    if (n == 0)
        return 0;
    const struct study_obs *v = set->v + set->n_fit;
    double *p = malloc(n * sizeof *p);
    uint8_t *y = malloc(n);
    int32_t *day = malloc(n * sizeof *day);
    int rc = -1;
    if (p == NULL || y == NULL || day == NULL)
        goto out;
    for (size_t i = 0; i < n; i++) {
        p[i] = v[i].p;
        y[i] = v[i].y;
        day[i] = v[i].day;
        out->mean_p += p[i] / (double)n;
    }
    out->judged_rate = cal_rate(y, n);
    out->brier = cal_brier(p, y, n);
    out->brier_base = cal_brier_const(out->base_rate, y, n);
    out->skill = skill_stat((double[]){out->brier, out->brier_base}, NULL);
    cal_reliability(p, y, n, STUDY_BINS, out->rel);
    out->ece = cal_ece(out->rel, STUDY_BINS);
    size_t nb;
    struct sse_ctx c = {.v = v, .base = out->base_rate};
    double *b = day_blocks(day, n, 2, sse_row, &c, &nb);
    if (b != NULL)
        rc = cal_boot_ci(b, nb, 2, skill_stat, NULL, draws, seed, &out->skill_lo,
                         &out->skill_hi);
    free(b);
out:
    free(p), free(y), free(day);
    return rc;
}

struct trade_ctx {
    const struct study_trade *t;
    const double *alt;   /* paired: the other method's R on the same entry */
    int what;            /* 0 R, 1 win, 2 R - alt */
};

static void trade_row(size_t i, double *r, const void *ctx)
{
    const struct trade_ctx *c = ctx;
    double x = c->t[i].r;
    r[0] += 1.0;
    r[1] += c->what == 0 ? x : c->what == 1 ? (double)(x > 0.0) : x - c->alt[i];
}

/* Interval of the mean of what over trades t[0 .. n), blocks by entry day. */
static int trade_ci(const struct study_trade *t, size_t n, const double *alt, int what,
                    const struct study_opts *o, double *lo, double *hi)
{
    *lo = *hi = 0.0;
    if (n == 0)
        return 0;
    int32_t *day = malloc(n * sizeof *day);
    if (day == NULL)
        return -1;
    for (size_t i = 0; i < n; i++)
        day[i] = t[i].day;
    struct trade_ctx c = {.t = t, .alt = alt, .what = what};
    size_t nb;
    double *b = day_blocks(day, n, 2, trade_row, &c, &nb);
    int rc = b ? cal_boot_ci(b, nb, 2, mean_stat, NULL, o->draws, o->seed, lo, hi) : -1;
    free(b), free(day);
    return rc;
}

static int entry_cmp(const void *a, const void *b)
{
    const struct study_trade *x = a, *y = b;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* The metrics of one method's trades (closing order) and their intervals. */
static int sim_metrics(struct study_sim *sm, const struct study_trades *tr,
                       const struct study_opts *o)
{
    double *r = malloc((tr->n + 1) * sizeof *r);
    struct study_trade *by_entry = malloc((tr->n + 1) * sizeof *by_entry);
    if (r == NULL || by_entry == NULL) {
        free(r), free(by_entry);
        return -1;
    }
    for (size_t i = 0; i < tr->n; i++)
        r[i] = tr->v[i].r;
    cal_trade_metrics(r, tr->n, &sm->m);
    if (tr->n > 0)
        memcpy(by_entry, tr->v, tr->n * sizeof *by_entry);
    qsort(by_entry, tr->n, sizeof *by_entry, entry_cmp);
    int rc = trade_ci(by_entry, tr->n, NULL, 0, o, &sm->exp_lo, &sm->exp_hi);
    if (rc == 0)
        rc = trade_ci(by_entry, tr->n, NULL, 1, o, &sm->win_lo, &sm->win_hi);
    free(r), free(by_entry);
    return rc;
}

struct refusal_ctx {
    const uint8_t *taken;
};

static void refusal_row(size_t i, double *r, const void *ctx)
{
    const struct refusal_ctx *c = ctx;
    r[0] += 1.0;
    r[1] += !c->taken[i];
}

/* Refusal rate and its interval: blocks = entries (one a day). */
static int refusal(struct study *s)
{
    struct study_sim *z = &s->zone;
    z->refusal = z->entries ? (double)(z->entries - z->accepted) / (double)z->entries : 0.0;
    if (z->entries == 0)
        return 0;
    uint8_t *taken = calloc(z->entries, 1);
    int32_t *day = malloc(z->entries * sizeof *day);
    if (taken == NULL || day == NULL) {
        free(taken), free(day);
        return -1;
    }
    for (size_t i = 0; i < s->zone_t.n; i++)
        taken[s->zone_t.v[i].entry] = 1;
    for (size_t i = 0; i < z->entries; i++)
        day[i] = (int32_t)i;
    struct refusal_ctx c = {.taken = taken};
    size_t nb;
    double *b = day_blocks(day, z->entries, 2, refusal_row, &c, &nb);
    int rc = b ? cal_boot_ci(b, nb, 2, mean_stat, NULL, s->opts.draws, s->opts.seed,
                             &z->refusal_lo, &z->refusal_hi)
               : -1;
    free(b), free(taken), free(day);
    return rc;
}

/* The baseline on the zone method's accepted entries, and the paired difference. */
static int same_entries(struct study *s)
{
    size_t n = s->zone_t.n, ne = s->fixed.entries + 1;
    struct study_trades same = {.v = malloc((n + 1) * sizeof *same.v), .n = 0};
    struct study_trade *zs = malloc((n + 1) * sizeof *zs);
    double *alt = malloc((n + 1) * sizeof *alt), *fixed_r = calloc(ne, sizeof *fixed_r);
    uint8_t *taken = calloc(ne, 1);
    int rc = -1;
    if (same.v == NULL || zs == NULL || alt == NULL || fixed_r == NULL || taken == NULL)
        goto out;
    for (size_t i = 0; i < n; i++)
        taken[s->zone_t.v[i].entry] = 1;
    for (size_t i = 0; i < s->fixed_t.n; i++) {
        const struct study_trade *t = &s->fixed_t.v[i];
        fixed_r[t->entry] = t->r;
        if (taken[t->entry])
            same.v[same.n++] = *t;
    }
    s->fixed_same.entries = n;
    s->fixed_same.accepted = same.n;
    if (sim_metrics(&s->fixed_same, &same, &s->opts) != 0)
        goto out;
    if (n > 0)
        memcpy(zs, s->zone_t.v, n * sizeof *zs);
    qsort(zs, n, sizeof *zs, entry_cmp);
    double d = 0.0;
    for (size_t i = 0; i < n; i++) {
        alt[i] = fixed_r[zs[i].entry];
        d += zs[i].r - alt[i];
    }
    s->diff = n ? d / (double)n : 0.0;
    rc = trade_ci(zs, n, alt, 2, &s->opts, &s->diff_lo, &s->diff_hi);
out:
    free(same.v), free(zs), free(alt), free(fixed_r), free(taken);
    return rc;
}

int study_run(const char *symbol, enum timeframe tf, const struct bar *bars, size_t n,
              const struct study_opts *o, struct study *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->symbol, sizeof s->symbol, "%s", symbol);
    s->tf = tf;
    s->opts = *o;
    s->n_bars = o->max_bars && o->max_bars < n ? o->max_bars : n;
    if (s->n_bars < 200)
        return -1;
    s->split = s->n_bars / 2;
    s->first_ts = bars[0].ts;
    s->split_ts = bars[s->split].ts;
    s->last_ts = bars[s->n_bars - 1].ts;
    s->pip = instrument_infer_pip(bars[0].close);
    s->every = (size_t)(4 * 3600 / tf_seconds(tf));
    if (s->every == 0)
        s->every = 1;
    int rc = study_replay(s, bars);
    if (rc == 0)
        rc = study_drawn(s, bars);
    if (rc == 0)
        rc = study_calibrate(&s->hold_obs, o->draws, o->seed, &s->hold);
    if (rc == 0)
        rc = study_calibrate(&s->tp1_obs, o->draws, o->seed, &s->tp1);
    if (rc == 0)
        rc = refusal(s);
    if (rc == 0)
        rc = sim_metrics(&s->zone, &s->zone_t, o);
    if (rc == 0)
        rc = sim_metrics(&s->fixed, &s->fixed_t, o);
    if (rc == 0)
        rc = same_entries(s);
    for (int a = 0; a < STUDY_ARMS && rc == 0; a++)
        rc = study_arm(s, (enum study_arm)a, &s->arm[a]);
    if (rc != 0)
        study_free(s);
    return rc;
}

void study_free(struct study *s)
{
    free(s->hold_obs.v);
    free(s->tp1_obs.v);
    free(s->zone_t.v);
    free(s->fixed_t.v);
    free(s->entry_day);
    free(s->entry_er);
    for (int a = 0; a < STUDY_ARMS; a++)
        free(s->arm_r[a]);
    free(s->ev_days);
    memset(s, 0, sizeof *s);
}

int study_pool(const struct study *const *s, size_t n, size_t draws, uint64_t seed,
               struct study_pool *out)
{
    memset(out, 0, sizeof *out);
    size_t total = 0;
    for (size_t f = 0; f < n; f++)
        total += s[f]->hold_obs.n - s[f]->hold_obs.n_fit + 1;
    double *b = calloc(total * 2 + 2, sizeof *b);
    if (b == NULL)
        return -1;
    size_t nb = 0;
    for (size_t f = 0; f < n; f++) {
        const struct study_obs_set *set = &s[f]->hold_obs;
        const struct study_obs *v = set->v + set->n_fit;
        size_t m = set->n - set->n_fit;
        for (size_t i = 0; i < m; i++) {
            if (i == 0 || v[i].day != v[i - 1].day)
                nb++;
            double d = (double)v[i].p - v[i].y, e = s[f]->hold.base_rate - v[i].y;
            b[(nb - 1) * 2] += d * d;
            b[(nb - 1) * 2 + 1] += e * e;
            out->brier += d * d;
            out->brier_base += e * e;
        }
        out->n += m;
    }
    out->skill = skill_stat((double[]){out->brier, out->brier_base}, NULL);
    if (out->n) {
        out->brier /= (double)out->n;
        out->brier_base /= (double)out->n;
    }
    int rc = nb ? cal_boot_ci(b, nb, 2, skill_stat, NULL, draws, seed, &out->skill_lo,
                              &out->skill_hi)
                : 0;
    free(b);
    return rc;
}

/* Adds the paired (arm - baseline) of study s into day-block rows {count, sum}; *nb blocks
 * so far (a new one at each new day). Also the sums of the arm and the baseline. */
static void arm_blocks(const struct study *s, enum study_arm a, double *b, size_t *nb,
                       struct study_arm_diff *out)
{
    const double *x = s->arm_r[a], *y = s->arm_r[STUDY_ARM_ATR_R];
    int32_t last = 0;
    int any = 0;
    for (size_t i = 0; i < s->n_entries; i++) {
        if (isnan(x[i]) || isnan(y[i]))
            continue;
        if (!any || s->entry_day[i] != last)
            (*nb)++;
        any = 1;
        last = s->entry_day[i];
        b[(*nb - 1) * 2] += 1.0;
        b[(*nb - 1) * 2 + 1] += x[i] - y[i];
        out->n++;
        out->mean += x[i];
        out->base += y[i];
    }
}

static int arm_finish(double *b, size_t nb, size_t draws, uint64_t seed,
                      struct study_arm_diff *out)
{
    int rc = 0;
    if (out->n > 0) {
        out->diff = (out->mean - out->base) / (double)out->n;
        out->mean /= (double)out->n;
        out->base /= (double)out->n;
        rc = cal_boot_ci(b, nb, 2, mean_stat, NULL, draws, seed, &out->lo, &out->hi);
    }
    free(b);
    return rc;
}

int study_arm(const struct study *s, enum study_arm a, struct study_arm_diff *out)
{
    return study_pool_arm(&s, 1, a, s->opts.draws, s->opts.seed, out);
}

int study_pool_arm(const struct study *const *s, size_t n, enum study_arm a, size_t draws,
                   uint64_t seed, struct study_arm_diff *out)
{
    memset(out, 0, sizeof *out);
    size_t total = 1, nb = 0;
    for (size_t f = 0; f < n; f++)
        total += s[f]->n_entries;
    double *b = calloc(total * 2, sizeof *b);
    if (b == NULL)
        return -1;
    for (size_t f = 0; f < n; f++)
        arm_blocks(s[f], a, b, &nb, out);
    return arm_finish(b, nb, draws, seed, out);
}
