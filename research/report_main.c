/*
 * report_main.c - the `report` program: studies every bar file given (study.h) and writes
 * docs/report.md, its JSON twin and the plot data.
 *
 *   report [-o report.md] [--json report.json] [-d data_dir] [-n max_bars] [-c command]
 *          [--first-half] [--exit 0|1|2] [--min-er R] [--sweep-q Q] [--stall-q Q] [--drawn]
 *          FILE...
 *
 * --first-half studies each file's first half alone (fit on its first quarter, judge on its
 * second): where the defaults of docs/trading.md "Which exit" were chosen, never on the
 * judged halves. --exit, --min-er, --sweep-q and --stall-q override exit_method,
 * min_expected_r, stop_sweep_quantile and target_stall_quantile for such runs.
 * --drawn replays with the drawn sources on too (docs/sources.md "Drawn sources": their
 * zones as stops and targets in the exit decomposition); the shipped report is the defaults'.
 *
 * data_dir receives the .dat files gnuplot draws from (scripts/report). Exit 0, 1 when a
 * file cannot be read or studied or an output cannot be written, 2 on bad usage.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "research/barfile.h"
#include "research/report.h"

struct args {
    const char *md, *json, *dir, *cmd;
    size_t max_bars;
    int first_half, exit_method, drawn;
    double min_er, sweep_q, stall_q;
    char **files;
    size_t n_files;
};

static int parse_args(int argc, char **argv, struct args *a)
{
    *a = (struct args){.md = "docs/report.md", .dir = ".", .cmd = "scripts/report",
                       .exit_method = -1, .min_er = NAN, .sweep_q = NAN, .stall_q = NAN};
    a->files = calloc((size_t)argc, sizeof *a->files);
    if (a->files == NULL)
        return -1;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "-o") == 0 && v)
            a->md = argv[++i];
        else if (strcmp(argv[i], "--json") == 0 && v)
            a->json = argv[++i];
        else if (strcmp(argv[i], "-d") == 0 && v)
            a->dir = argv[++i];
        else if (strcmp(argv[i], "-c") == 0 && v)
            a->cmd = argv[++i];
        else if (strcmp(argv[i], "-n") == 0 && v)
            a->max_bars = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--drawn") == 0)
            a->drawn = 1;
        else if (strcmp(argv[i], "--first-half") == 0)
            a->first_half = 1;
        else if (strcmp(argv[i], "--exit") == 0 && v)
            a->exit_method = atoi(argv[++i]);
        else if (strcmp(argv[i], "--min-er") == 0 && v)
            a->min_er = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--sweep-q") == 0 && v)
            a->sweep_q = strtod(argv[++i], NULL);
        else if (strcmp(argv[i], "--stall-q") == 0 && v)
            a->stall_q = strtod(argv[++i], NULL);
        else if (argv[i][0] == '-')
            return -1;
        else
            a->files[a->n_files++] = argv[i];
    }
    return a->n_files ? 0 : -1;
}

static int study_file(const char *path, const struct args *a, struct report_file *rf)
{
    struct barfile bf;
    if (barfile_load(path, &bf) != 0) {
        fprintf(stderr, "report: cannot read bars from %s (name SYMBOL_TF.csv, MT5 layout)\n",
                path);
        return -1;
    }
    const char *base = strrchr(path, '/');
    snprintf(rf->name, sizeof rf->name, "%s", base ? base + 1 : path);
    rf->repaired = bf.repaired;
    rf->skipped = bf.skipped;
    struct study_opts o = STUDY_DEFAULTS;
    o.max_bars = a->first_half ? bf.n / 2 : a->max_bars;
    o.exit_method = a->exit_method;
    o.min_expected_r = a->min_er;
    o.sweep_q = a->sweep_q;
    o.stall_q = a->stall_q;
    o.drawn = a->drawn;
    int rc = study_run(bf.symbol, bf.tf, bf.bars, bf.n, &o, &rf->s);
    barfile_free(&bf);
    if (rc != 0)
        fprintf(stderr, "report: the study of %s failed (out of memory or too few bars)\n",
                path);
    return rc;
}

static int write_outputs(const struct report *r, const struct args *a)
{
    FILE *f = fopen(a->md, "w");
    if (f == NULL)
        return -1;
    report_write_md(f, r, a->cmd);
    int rc = fclose(f) != 0;
    if (a->json != NULL) {
        f = fopen(a->json, "w");
        if (f == NULL)
            return -1;
        rc |= report_write_json(f, r, a->cmd) != 0;
        rc |= fclose(f) != 0;
    }
    rc |= report_write_data(r, a->dir) != 0;
    return rc ? -1 : 0;
}

int main(int argc, char **argv)
{
    struct args a;
    if (parse_args(argc, argv, &a) != 0) {
        fprintf(stderr, "usage: %s [-o md] [--json path] [-d dir] [-n bars] [-c cmd] FILE...\n",
                argv[0]);
        free(a.files);
        return 2;
    }
    struct report r = {.f = calloc(a.n_files, sizeof *r.f)};
    int rc = r.f == NULL;
    for (size_t k = 0; k < a.n_files && rc == 0; k++) {
        rc = study_file(a.files[k], &a, &r.f[k]);
        r.n += rc == 0;
    }
    const struct study **all = calloc(r.n + 1, sizeof *all);
    for (size_t k = 0; all != NULL && k < r.n; k++)
        all[k] = &r.f[k].s;
    if (rc == 0)
        rc = all == NULL || study_pool(all, r.n, STUDY_DRAWS, STUDY_SEED, &r.pool) != 0 ||
             study_pool_lift(all, r.n, STUDY_DRAWS, STUDY_SEED, &r.lift_pool) != 0;
    if (rc == 0)
        rc = report_pool_arms(&r, r.arms) != 0;
    if (rc == 0 && write_outputs(&r, &a) != 0) {
        fprintf(stderr, "report: cannot write %s, its JSON or the data in %s\n", a.md, a.dir);
        rc = 1;
    }
    for (size_t k = 0; k < r.n; k++) {
        const struct study *s = &r.f[k].s;
        printf("%s: prob_hold n %zu ECE %.4f skill %+.4f | p_tp1 n %zu ECE %.4f | refused "
               "%.1f %% | zone E %+.3f R, baseline %+.3f R\n", r.f[k].name, s->hold.n,
               s->hold.ece, s->hold.skill, s->tp1.n, s->tp1.ece, 100.0 * s->zone.refusal,
               s->zone.m.expectancy, s->fixed.m.expectancy);
        study_free(&r.f[k].s);
    }
    free(all), free(r.f), free(a.files);
    return rc ? 1 : 0;
}
