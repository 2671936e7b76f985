/*
 * report_data.c - the report's plot data for gnuplot (report_write_data in report.h);
 * scripts/report draws the PNGs under docs/img from them.
 */
#include <inttypes.h>
#include <stdio.h>

#include "research/report.h"

static int write_rel(const char *dir, const char *what, size_t k, const struct study_calib *c)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/rel_%s_%zu.dat", dir, what, k);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "# bin mean_pred observed n\n");
    for (int b = 0; b < STUDY_BINS; b++) {
        if (c->rel[b].n)
            fprintf(f, "%d %.6f %.6f %zu\n", b, c->rel[b].mean_pred, c->rel[b].obs_rate,
                    c->rel[b].n);
    }
    if (c->n == 0)
        fprintf(f, "0 NaN NaN 0\n");
    return fclose(f) == 0 ? 0 : -1;
}

static void write_curve(FILE *f, const char *name, const struct study *s,
                        const struct study_trades *t)
{
    fprintf(f, "# %s: close_ts cum_r\n%" PRId64 " 0\n", name, s->split_ts);
    double cum = 0.0;
    for (size_t i = 0; i < t->n; i++) {
        cum += t->v[i].r;
        fprintf(f, "%" PRId64 " %.6f\n", t->v[i].close_ts, cum);
    }
    fprintf(f, "\n\n");
}

int report_write_data(const struct report *r, const char *dir)
{
    int rc = 0;
    for (size_t k = 0; k < r->n && rc == 0; k++) {
        const struct study *s = &r->f[k].s;
        rc = write_rel(dir, "hold", k, &s->hold);
        if (rc == 0)
            rc = write_rel(dir, "tp1", k, &s->tp1);
        char path[1024];
        snprintf(path, sizeof path, "%s/equity_%zu.dat", dir, k);
        FILE *f = rc == 0 ? fopen(path, "w") : NULL;
        if (f == NULL)
            return -1;
        write_curve(f, "zone, default settings", s, &s->zone_t);
        write_curve(f, "baseline 1.5 ATR / 1.5 R", s, &s->fixed_t);
        rc = fclose(f) == 0 ? 0 : -1;
    }
    return rc;
}
