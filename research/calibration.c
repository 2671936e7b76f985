/*
 * calibration.c - scores, reliability, isotonic and Platt recalibration, trade metrics
 * (see calibration.h). Everything is deterministic: sorts break ties by index, Newton's
 * method runs a fixed maximum of steps from a fixed start.
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

struct ranked {
    double p;
    size_t i;
    uint8_t y;
};

static int ranked_cmp(const void *a, const void *b)
{
    const struct ranked *x = a, *z = b;
    if (x->p != z->p)
        return x->p < z->p ? -1 : 1;
    return x->i < z->i ? -1 : x->i > z->i;
}

/* A copy of (p, y) sorted by p, ties by index; NULL when out of memory. */
static struct ranked *sorted_copy(const double *p, const uint8_t *y, size_t n)
{
    struct ranked *v = malloc((n ? n : 1) * sizeof *v);
    if (v == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        v[i] = (struct ranked){.p = p[i], .i = i, .y = y[i] != 0};
    qsort(v, n, sizeof *v, ranked_cmp);
    return v;
}

double cal_auc(const double *p, const uint8_t *y, size_t n)
{
    struct ranked *v = sorted_copy(p, y, n);
    if (v == NULL)
        return -1.0;
    /* Mann-Whitney: sum of the (tie-averaged, 1-based) ranks of the ones */
    double rank_sum = 0.0;
    size_t ones = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        size_t ones_here = 0;
        while (j < n && v[j].p == v[i].p)
            ones_here += v[j++].y;
        double mid = ((double)(i + 1) + (double)j) / 2.0;
        rank_sum += mid * (double)ones_here;
        ones += ones_here;
        i = j;
    }
    free(v);
    size_t zeros = n - ones;
    if (ones == 0 || zeros == 0)
        return 0.5;
    double u = rank_sum - (double)ones * ((double)ones + 1.0) / 2.0;
    return u / ((double)ones * (double)zeros);
}

int cal_isotonic_fit(const double *p, const uint8_t *y, size_t n, struct cal_isotonic *out)
{
    *out = (struct cal_isotonic){0};
    if (n == 0)
        return -1;
    struct ranked *v = sorted_copy(p, y, n);
    double *lo = malloc(n * sizeof *lo), *hi = malloc(n * sizeof *hi);
    double *sum = malloc(n * sizeof *sum), *w = malloc(n * sizeof *w);
    if (v == NULL || lo == NULL || hi == NULL || sum == NULL || w == NULL) {
        free(v), free(lo), free(hi), free(sum), free(w);
        return -1;
    }
    /* equal predictions start as one block; then pool adjacent violators */
    size_t nb = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        double s = 0.0;
        while (j < n && v[j].p == v[i].p)
            s += v[j++].y;
        lo[nb] = v[i].p, hi[nb] = v[i].p, sum[nb] = s, w[nb] = (double)(j - i);
        nb++;
        while (nb > 1 && sum[nb - 2] / w[nb - 2] >= sum[nb - 1] / w[nb - 1]) {
            hi[nb - 2] = hi[nb - 1];
            sum[nb - 2] += sum[nb - 1];
            w[nb - 2] += w[nb - 1];
            nb--;
        }
        i = j;
    }
    free(v);
    for (size_t k = 0; k < nb; k++)
        sum[k] /= w[k]; /* now the block's value */
    free(w);
    out->n = nb;
    out->x_lo = lo;
    out->x_hi = hi;
    out->value = sum;
    return 0;
}

void cal_isotonic_free(struct cal_isotonic *m)
{
    free(m->x_lo);
    free(m->x_hi);
    free(m->value);
    *m = (struct cal_isotonic){0};
}

double cal_isotonic_apply(const struct cal_isotonic *m, double x)
{
    assert(m->n > 0);
    if (x <= m->x_hi[0])
        return m->value[0];
    /* first block whose x_hi >= x */
    size_t a = 0, b = m->n;
    while (b - a > 1) {
        size_t mid = a + (b - a) / 2;
        if (m->x_hi[mid] < x)
            a = mid;
        else
            b = mid;
    }
    if (b == m->n)
        return m->value[m->n - 1];
    if (x >= m->x_lo[b])
        return m->value[b];
    double t = (x - m->x_hi[a]) / (m->x_lo[b] - m->x_hi[a]);
    return m->value[a] + t * (m->value[b] - m->value[a]);
}

static double logit(double p)
{
    const double eps = 1e-6;
    if (p < eps)
        p = eps;
    if (p > 1.0 - eps)
        p = 1.0 - eps;
    return log(p / (1.0 - p));
}

static double sigmoid(double z)
{
    return 1.0 / (1.0 + exp(-z));
}

int cal_platt_fit(const double *p, const uint8_t *y, size_t n, struct cal_platt *out)
{
    *out = (struct cal_platt){.a = 1.0, .b = 0.0};
    if (n == 0)
        return -1;
    const double ridge = 1e-6 * (double)n;
    double a = 1.0, b = 0.0;
    for (int step = 0; step < 100; step++) {
        /* gradient and Hessian of the negative log-likelihood + ridge/2 (a^2 + b^2) */
        double ga = ridge * a, gb = ridge * b;
        double haa = ridge, hab = 0.0, hbb = ridge;
        for (size_t i = 0; i < n; i++) {
            double x = logit(p[i]);
            double q = sigmoid(a * x + b);
            double r = q - (double)(y[i] != 0);
            double wq = q * (1.0 - q);
            ga += r * x;
            gb += r;
            haa += wq * x * x;
            hab += wq * x;
            hbb += wq;
        }
        double det = haa * hbb - hab * hab;
        if (!(det > 0.0))
            break;
        double da = (hbb * ga - hab * gb) / det;
        double db = (haa * gb - hab * ga) / det;
        a -= da;
        b -= db;
        if (fabs(da) < 1e-12 && fabs(db) < 1e-12)
            break;
    }
    out->a = a;
    out->b = b;
    return 0;
}

double cal_platt_apply(const struct cal_platt *m, double p)
{
    return sigmoid(m->a * logit(p) + m->b);
}

double cal_binom_z(size_t k, size_t n, double p0)
{
    if (n == 0 || !(p0 > 0.0) || !(p0 < 1.0))
        return 0.0;
    double nn = (double)n;
    return ((double)k - nn * p0) / sqrt(nn * p0 * (1.0 - p0));
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

int cal_stop_swept(int side, double stop, const double *closes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((side > 0 && closes[i] > stop) || (side < 0 && closes[i] < stop))
            return 1;
    return 0;
}

double cal_log_loss(const double *p, const uint8_t *y, size_t n)
{
    if (n == 0)
        return 0.0;
    const double eps = 1e-12;
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double q = p[i] < eps ? eps : p[i] > 1.0 - eps ? 1.0 - eps : p[i];
        s -= y[i] ? log(q) : log(1.0 - q);
    }
    return s / (double)n;
}

void cal_moments(const double *x, size_t n, size_t k, double *mean, double *sd)
{
    for (size_t j = 0; j < k; j++) {
        double m = 0.0, v = 0.0;
        for (size_t i = 0; i < n; i++)
            m += x[i * k + j];
        m = n ? m / (double)n : 0.0;
        for (size_t i = 0; i < n; i++)
            v += (x[i * k + j] - m) * (x[i * k + j] - m);
        mean[j] = m;
        sd[j] = n ? sqrt(v / (double)n) : 0.0;
    }
}

double cal_logit_apply(const double *w, const double *x, size_t k)
{
    double z = w[0];
    for (size_t j = 0; j < k; j++)
        z += w[j + 1] * x[j];
    return sigmoid(z);
}

/* -log of the likelihood of one outcome given the linear score z, without overflow. */
static double nll1(double z, uint8_t y)
{
    /* -log sigmoid(z) = log(1 + exp(-z)); -log(1 - sigmoid(z)) = log(1 + exp(z)) */
    double t = y ? -z : z;
    return t > 0.0 ? t + log1p(exp(-t)) : log1p(exp(t));
}

static double logit_objective(const double *x, const uint8_t *y, size_t n, size_t k,
                              double lambda, const double *w)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double z = w[0];
        for (size_t j = 0; j < k; j++)
            z += w[j + 1] * x[i * k + j];
        s += nll1(z, y[i] != 0);
    }
    double pen = 0.0;
    for (size_t j = 1; j <= k; j++)
        pen += w[j] * w[j];
    return s / (double)n + 0.5 * lambda * pen;
}

/* Solves a x = b for the symmetric positive definite m x m matrix a (overwritten by its
 * Cholesky factor); b becomes x. 0, or -1 when a is not positive definite. */
static int cholesky_solve(double *a, double *b, size_t m)
{
    for (size_t j = 0; j < m; j++) {
        double d = a[j * m + j];
        for (size_t p = 0; p < j; p++)
            d -= a[j * m + p] * a[j * m + p];
        if (!(d > 1e-300))
            return -1;
        d = sqrt(d);
        a[j * m + j] = d;
        for (size_t i = j + 1; i < m; i++) {
            double s = a[i * m + j];
            for (size_t p = 0; p < j; p++)
                s -= a[i * m + p] * a[j * m + p];
            a[i * m + j] = s / d;
        }
    }
    for (size_t i = 0; i < m; i++) { /* L z = b */
        double s = b[i];
        for (size_t p = 0; p < i; p++)
            s -= a[i * m + p] * b[p];
        b[i] = s / a[i * m + i];
    }
    for (size_t i = m; i-- > 0;) { /* L^T x = z */
        double s = b[i];
        for (size_t p = i + 1; p < m; p++)
            s -= a[p * m + i] * b[p];
        b[i] = s / a[i * m + i];
    }
    return 0;
}

int cal_logit_fit(const double *x, const uint8_t *y, size_t n, size_t k, double lambda,
                  double *w)
{
    size_t m = k + 1;
    for (size_t j = 0; j < m; j++)
        w[j] = 0.0;
    if (n == 0)
        return -1;
    double *h = malloc(m * m * sizeof *h), *g = malloc(m * sizeof *g);
    double *row = malloc(m * sizeof *row), *trial = malloc(m * sizeof *trial);
    int steps = -1;
    if (h == NULL || g == NULL || row == NULL || trial == NULL)
        goto out;
    double obj = logit_objective(x, y, n, k, lambda, w);
    const double inv_n = 1.0 / (double)n;
    for (steps = 0; steps < 100;) {
        for (size_t j = 0; j < m * m; j++)
            h[j] = 0.0;
        for (size_t j = 0; j < m; j++)
            g[j] = 0.0;
        for (size_t i = 0; i < n; i++) {
            row[0] = 1.0;
            for (size_t j = 0; j < k; j++)
                row[j + 1] = x[i * k + j];
            double z = 0.0;
            for (size_t j = 0; j < m; j++)
                z += w[j] * row[j];
            double q = sigmoid(z);
            double r = q - (double)(y[i] != 0), wq = q * (1.0 - q);
            for (size_t a = 0; a < m; a++) {
                g[a] += r * row[a];
                for (size_t b = 0; b <= a; b++)
                    h[a * m + b] += wq * row[a] * row[b];
            }
        }
        for (size_t a = 0; a < m; a++) {
            g[a] *= inv_n;
            for (size_t b = 0; b <= a; b++) {
                h[a * m + b] *= inv_n;
                h[b * m + a] = h[a * m + b];
            }
            if (a > 0) {
                g[a] += lambda * w[a];
                h[a * m + a] += lambda;
            }
        }
        if (cholesky_solve(h, g, m) != 0) { /* g is now the Newton step */
            steps = -1;
            goto out;
        }
        double t = 1.0, next = obj;
        for (int halve = 0; halve <= 40; halve++, t *= 0.5) {
            for (size_t j = 0; j < m; j++)
                trial[j] = w[j] - t * g[j];
            next = logit_objective(x, y, n, k, lambda, trial);
            if (next <= obj)
                break;
        }
        if (!(next <= obj))
            break; /* no descent left at machine precision: w is the optimum */
        double moved = 0.0;
        for (size_t j = 0; j < m; j++) {
            double d = fabs(trial[j] - w[j]);
            if (d > moved)
                moved = d;
            w[j] = trial[j];
        }
        obj = next;
        steps++;
        if (moved < 1e-10)
            break;
    }
out:
    free(h), free(g), free(row), free(trial);
    return steps;
}

double cal_shrunk_rate(size_t ones, size_t n, double prior, double m)
{
    double d = (double)n + m;
    return d > 0.0 ? ((double)ones + m * prior) / d : prior;
}
