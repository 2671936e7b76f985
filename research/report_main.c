/*
 * report_main.c - the `report` program: writes docs/report.md, the calibration of zone
 * probabilities and zone stops against fixed stops on a bar file (default: the shared
 * EURUSD M15 year).
 *
 *   report [-i bars.csv] [-o report.md] [-d data_dir] [-n max_bars] [-c command]
 *
 * data_dir receives reliability.dat and equity.dat for gnuplot (scripts/report draws the
 * PNGs under docs/img from them). All the work is in the research library (report.h),
 * which tests/unit/test_report.c links too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "research/barfile.h"
#include "research/report.h"

int main(int argc, char **argv)
{
    const char *in = LIQ_DATA_DIR "/EURUSD_15M.csv";
    const char *md = "docs/report.md";
    const char *dir = ".";
    const char *cmd = "scripts/report";
    struct report_opts o = REPORT_DEFAULTS;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "-i") == 0)
            in = argv[i + 1];
        else if (strcmp(argv[i], "-o") == 0)
            md = argv[i + 1];
        else if (strcmp(argv[i], "-d") == 0)
            dir = argv[i + 1];
        else if (strcmp(argv[i], "-n") == 0)
            o.max_bars = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "-c") == 0)
            cmd = argv[i + 1];
        else {
            fprintf(stderr, "usage: %s [-i csv] [-o md] [-d dir] [-n bars] [-c cmd]\n", argv[0]);
            return 2;
        }
    }
    struct barfile bf;
    if (barfile_load(in, &bf) != 0) {
        fprintf(stderr, "report: cannot read bars from %s\n", in);
        return 1;
    }
    struct report r;
    int run = report_run(bf.bars, bf.n, &o, &r);
    barfile_free(&bf);
    if (run != 0) {
        fprintf(stderr, "report: the replay failed (out of memory or too few bars)\n");
        return 1;
    }
    FILE *f = fopen(md, "w");
    if (f == NULL) {
        fprintf(stderr, "report: cannot write %s\n", md);
        report_free(&r);
        return 1;
    }
    report_write_md(f, &r, cmd);
    int rc = fclose(f) != 0;
    if (report_write_data(&r, dir) != 0) {
        fprintf(stderr, "report: cannot write the data files in %s\n", dir);
        rc = 1;
    }
    printf("tests fit %zu judged %zu | Brier model %.4f base %.4f iso %.4f platt %.4f\n",
           r.n_train, r.n_tests - r.n_train, r.brier_model, r.brier_base, r.brier_iso,
           r.brier_platt);
    printf("causal models | lambda %g (%d steps) | logit %.4f (AUC %.3f) | tests x sources "
           "%.4f | tests %.4f\n", r.lambda, r.logit_steps, r.brier_logit, r.auc_logit,
           r.brier_g12, r.brier_g4);
    for (int m = 0; m < SIM_COUNT; m++)
        printf("%s: %zu trades, E %+.3f R, win %.1f %%, max DD %.1f R\n", r.sim[m].name,
               r.sim[m].m.trades, r.sim[m].m.expectancy, 100.0 * r.sim[m].m.win_rate,
               r.sim[m].m.max_drawdown);
    report_free(&r);
    return rc;
}
