/*
 * calibration.c - scores, reliability, the expected calibration error, the block bootstrap
 * and trade metrics (see calibration.h). Deterministic: the bootstrap's only randomness is
 * its seeded splitmix64 sequence.
 */
#include "calibration.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

double cal_brier(const double *p, const uint8_t *y, size_t n)
{
    if (n == 0)
        return 0.0;
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = p[i] - (double)y[i];
        s += d * d;
    }
    return s / (double)n;
}

double cal_brier_const(double c, const uint8_t *y, size_t n)
{
    if (n == 0)
        return 0.0;
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = c - (double)y[i];
        s += d * d;
    }
    return s / (double)n;
}

double cal_rate(const uint8_t *y, size_t n)
{
    if (n == 0)
        return 0.0;
    size_t ones = 0;
    for (size_t i = 0; i < n; i++)
        ones += y[i] != 0;
    return (double)ones / (double)n;
}

void cal_reliability(const double *p, const uint8_t *y, size_t n, size_t nbins,
                     struct cal_bin *bins)
{
    assert(nbins > 0);
    for (size_t k = 0; k < nbins; k++)
        bins[k] = (struct cal_bin){.lo = (double)k / (double)nbins,
                                   .hi = (double)(k + 1) / (double)nbins};
    for (size_t i = 0; i < n; i++) {
        double x = p[i] * (double)nbins;
        size_t k = x <= 0.0 ? 0 : x >= (double)nbins ? nbins - 1 : (size_t)x;
        bins[k].n++;
        bins[k].ones += y[i] != 0;
        bins[k].mean_pred += p[i]; /* a sum until the end */
    }
    for (size_t k = 0; k < nbins; k++) {
        if (bins[k].n == 0)
            continue;
        bins[k].mean_pred /= (double)bins[k].n;
        bins[k].obs_rate = (double)bins[k].ones / (double)bins[k].n;
    }
}

void cal_trade_metrics(const double *r, size_t n, struct cal_trade_metrics *out)
{
    *out = (struct cal_trade_metrics){.trades = n};
    double cum = 0.0, peak = 0.0;
    for (size_t i = 0; i < n; i++) {
        cum += r[i];
        out->wins += r[i] > 0.0;
        if (cum > peak)
            peak = cum;
        if (peak - cum > out->max_drawdown)
            out->max_drawdown = peak - cum;
    }
    out->total_r = cum;
    if (n > 0) {
        out->win_rate = (double)out->wins / (double)n;
        out->expectancy = cum / (double)n;
    }
}

void cal_fixed_open(struct cal_fixed_trade *t, int side, double entry, double dist, double rr)
{
    assert(side == 1 || side == -1);
    assert(dist > 0.0);
    *t = (struct cal_fixed_trade){.side = side, .entry = entry, .open = 1,
                                  .stop = entry - side * dist,
                                  .target = entry + side * rr * dist};
}

static void fixed_close(struct cal_fixed_trade *t, double exit, int by_stop)
{
    t->open = 0;
    t->stop_hit = by_stop;
    t->exit = exit;
    t->r = (exit - t->entry) * t->side / fabs(t->entry - t->stop);
}

int cal_fixed_step(struct cal_fixed_trade *t, double price, double high, double low)
{
    if (!t->open)
        return 0;
    if (t->side > 0) {
        if (low <= t->stop) {
            fixed_close(t, high < t->stop ? price : t->stop, 1);
            return 1;
        }
        if (high >= t->target) {
            fixed_close(t, t->target, 0);
            return 1;
        }
        return 0;
    }
    if (high >= t->stop) {
        fixed_close(t, low > t->stop ? price : t->stop, 1);
        return 1;
    }
    if (low <= t->target) {
        fixed_close(t, t->target, 0);
        return 1;
    }
    return 0;
}

double cal_ece(const struct cal_bin *bins, size_t nbins)
{
    size_t total = 0;
    double s = 0.0;
    for (size_t k = 0; k < nbins; k++) {
        total += bins[k].n;
        s += (double)bins[k].n * fabs(bins[k].mean_pred - bins[k].obs_rate);
    }
    return total ? s / (double)total : 0.0;
}

uint64_t cal_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int double_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int cal_boot_ci(const double *blocks, size_t nb, size_t k,
                double (*stat)(const double *sums, const void *ctx), const void *ctx,
                size_t draws, uint64_t seed, double *lo, double *hi)
{
    *lo = *hi = 0.0;
    if (nb == 0 || draws == 0 || k == 0 || k > CAL_BOOT_MAX_K)
        return -1;
    double *v = malloc(draws * sizeof *v);
    if (v == NULL)
        return -1;
    uint64_t st = seed;
    for (size_t d = 0; d < draws; d++) {
        double sums[CAL_BOOT_MAX_K] = {0};
        for (size_t i = 0; i < nb; i++) {
            const double *row = blocks + (cal_rand(&st) % nb) * k;
            for (size_t j = 0; j < k; j++)
                sums[j] += row[j];
        }
        v[d] = stat(sums, ctx);
    }
    qsort(v, draws, sizeof *v, double_cmp);
    size_t a = (size_t)floor(0.025 * (double)draws);
    size_t b = (size_t)ceil(0.975 * (double)draws);
    *lo = v[a];
    *hi = v[b > 0 ? b - 1 : 0];
    free(v);
    return 0;
}
