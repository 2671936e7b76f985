/*
 * report_data.c - the report's plot data for gnuplot (reliability.dat, equity.dat; see
 * report_write_data in report.h). scripts/report draws the PNGs under docs/img from them.
 */
#include <inttypes.h>
#include <stdio.h>

#include "research/report.h"

int report_write_data(const struct report *r, const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/reliability.dat", dir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "# bin  raw_pred raw_obs raw_n  iso_pred iso_obs iso_n  platt_pred platt_obs "
               "platt_n  logit_pred logit_obs logit_n\n");
    for (int k = 0; k < REPORT_BINS; k++) {
        const struct cal_bin *set[4] = {&r->rel_model[k], &r->rel_iso[k], &r->rel_platt[k],
                                        &r->rel_logit[k]};
        fprintf(f, "%d", k);
        for (int s = 0; s < 4; s++) {
            if (set[s]->n)
                fprintf(f, "  %.6f %.6f %zu", set[s]->mean_pred, set[s]->obs_rate, set[s]->n);
            else
                fprintf(f, "  NaN NaN 0");
        }
        fprintf(f, "\n");
    }
    int rc = fclose(f);
    snprintf(path, sizeof path, "%s/equity.dat", dir);
    f = fopen(path, "w");
    if (f == NULL)
        return -1;
    for (int m = 0; m < SIM_COUNT; m++) {
        const struct report_sim *sm = &r->sim[m];
        fprintf(f, "# %s: close_ts trade cum_r\n%" PRId64 " 0 0\n", sm->name, r->split_ts);
        double cum = 0.0;
        for (size_t i = 0; i < sm->n; i++) {
            cum += sm->rs[i];
            fprintf(f, "%" PRId64 " %zu %.6f\n", sm->t[sm->order[i]].close_ts, i + 1, cum);
        }
        fprintf(f, "\n\n");
    }
    rc |= fclose(f);
    return rc == 0 ? 0 : -1;
}

