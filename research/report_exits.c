/*
 * report_exits.c - where the zone exits' cost comes from (the four arms of study.h against
 * the baseline, per file and pooled) and what expected_r is worth (realized R per bin of
 * the predicted expected_r, its ECE in R, and the trades min_expected_r keeps).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "domain/params.h"
#include "research/report.h"

static const char *const ARM_NAME[STUDY_ARMS] = {
    "zone stop + zone TP1", "zone stop + 1.5 R", "1.5-ATR stop + zone TP1",
    "1.5-ATR stop + 1.5 R (baseline)", "zone setup as trailed (legs, runner)",
    "service default (exit_method auto)"};
static const char *const ARM_KEY[STUDY_ARMS] = {
    "zone_stop_zone_tp1", "zone_stop_r_target", "atr_stop_zone_tp1", "baseline",
    "zone_trade", "service_default"};

const char *report_arm_key(int a)
{
    return ARM_KEY[a];
}

int report_pool_arms(const struct report *r, struct study_arm_diff pooled[STUDY_ARMS])
{
    const struct study **s = malloc((r->n + 1) * sizeof *s);
    if (s == NULL)
        return -1;
    for (size_t k = 0; k < r->n; k++)
        s[k] = &r->f[k].s;
    int rc = 0;
    for (int a = 0; a < STUDY_ARMS && rc == 0; a++)
        rc = study_pool_arm(s, r->n, (enum study_arm)a, STUDY_DRAWS, STUDY_SEED, &pooled[a]);
    free(s);
    return rc;
}

static void cell(FILE *f, const struct study_arm_diff *d)
{
    if (d->n == 0)
        fprintf(f, " – |");
    else
        fprintf(f, " %+.3f [%+.3f, %+.3f] |", d->diff, d->lo, d->hi);
}

void report_write_exits(FILE *f, const struct report *r,
                        const struct study_arm_diff pooled[STUDY_ARMS])
{
    fprintf(f, "## Where the zone exits' cost comes from (judged halves)\n\n"
               "Each arm minus the 1.5-ATR / 1.5-R baseline on the same entries (the entries the "
               "zone exits took), R per trade with its day-block interval. The first three arms "
               "are brackets (one stop, one target, the stop first when a bar reaches both): "
               "they split the zone exit into its stop and its target. The fourth column is the "
               "zone setup as the service trails it (TP1/TP2/runner legs, stops moved zone to "
               "zone); the last is the service with the default settings (`exit_method` auto) on "
               "the entries it accepted.\n\n| file | zone entries |");
    for (int a = 0; a < STUDY_ARMS; a++)
        if (a != STUDY_ARM_ATR_R)
            fprintf(f, " %s |", ARM_NAME[a]);
    fprintf(f, "\n|---|---:|---:|---:|---:|---:|---:|\n");
    for (size_t k = 0; k <= r->n; k++) {
        const struct study_arm_diff *d = k < r->n ? r->f[k].s.arm : pooled;
        fprintf(f, "| %s | %zu |", k < r->n ? r->f[k].name : "**pooled**",
                d[STUDY_ARM_ZONE_ZONE].n);
        for (int a = 0; a < STUDY_ARMS; a++)
            if (a != STUDY_ARM_ATR_R)
                cell(f, &d[a]);
        fprintf(f, "\n");
    }
    const struct study_arm_diff *p = pooled;
    fprintf(f, "\nPooled mean R on those entries: baseline %+.3f; zone stop + zone TP1 %+.3f; "
               "zone stop + 1.5 R %+.3f; 1.5-ATR stop + zone TP1 %+.3f. The stop's share is "
               "the second arm (the zone stop with the baseline's target), the target's the "
               "third (the zone target with the baseline's stop).\n\n",
            p[STUDY_ARM_ATR_R].mean, p[STUDY_ARM_ZONE_ZONE].mean, p[STUDY_ARM_ZONE_R].mean,
            p[STUDY_ARM_ATR_ZONE].mean);
}

/* expected_r bins: edges in R. */
#define ER_BINS 7
static const double ER_EDGE[ER_BINS + 1] = {-INFINITY, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0,
                                            INFINITY};

struct er_bin {
    size_t n;
    double pred, real, lo, hi;
};

static double mean_of(const double *sums, const void *ctx)
{
    (void)ctx;
    return sums[0] > 0.0 ? sums[1] / sums[0] : 0.0;
}

/* Realized mean R of the service trades whose predicted expected_r lies in [lo, hi), over
 * the studies s[0 .. n); day blocks per file. */
static int er_bin(const struct study *const *s, size_t n, double lo, double hi,
                  struct er_bin *out)
{
    memset(out, 0, sizeof *out);
    size_t total = 1, nb = 0;
    for (size_t f = 0; f < n; f++)
        total += s[f]->n_entries;
    double *b = calloc(total * 2, sizeof *b);
    if (b == NULL)
        return -1;
    for (size_t f = 0; f < n; f++) {
        const double *er = s[f]->entry_er, *r = s[f]->arm_r[STUDY_ARM_SERVICE];
        int any = 0;
        int32_t last = 0;
        for (size_t i = 0; i < s[f]->n_entries; i++) {
            if (isnan(er[i]) || isnan(r[i]) || !(er[i] >= lo && er[i] < hi))
                continue;
            if (!any || s[f]->entry_day[i] != last)
                nb++;
            any = 1;
            last = s[f]->entry_day[i];
            b[(nb - 1) * 2] += 1.0;
            b[(nb - 1) * 2 + 1] += r[i];
            out->n++;
            out->pred += er[i];
            out->real += r[i];
        }
    }
    int rc = 0;
    if (out->n) {
        out->pred /= (double)out->n;
        out->real /= (double)out->n;
        rc = cal_boot_ci(b, nb, 2, mean_of, NULL, STUDY_DRAWS, STUDY_SEED, &out->lo, &out->hi);
    }
    free(b);
    return rc;
}

/* ECE in R over the bins: sum of n_b / N x |predicted - realized|. */
static double er_ece(const struct er_bin *b)
{
    size_t n = 0;
    double e = 0.0;
    for (int k = 0; k < ER_BINS; k++) {
        n += b[k].n;
        e += (double)b[k].n * fabs(b[k].pred - b[k].real);
    }
    return n ? e / (double)n : 0.0;
}

static int er_table(const struct study *const *s, size_t n, struct er_bin *b)
{
    for (int k = 0; k < ER_BINS; k++)
        if (er_bin(s, n, ER_EDGE[k], ER_EDGE[k + 1], &b[k]) != 0)
            return -1;
    return 0;
}

int report_write_er(FILE *f, const struct report *r, double min_er)
{
    const struct study **s = malloc((r->n + 1) * sizeof *s);
    struct er_bin b[ER_BINS], kept;
    if (s == NULL)
        return -1;
    for (size_t k = 0; k < r->n; k++)
        s[k] = &r->f[k].s;
    int rc = er_table(s, r->n, b);
    if (rc == 0)
        rc = er_bin(s, r->n, min_er, INFINITY, &kept);
    if (rc != 0) {
        free(s);
        return rc;
    }
    fprintf(f, "## What expected_r is worth (judged halves, service default trades)\n\n"
               "Every trade the service opened with the default settings, binned by the "
               "`expected_r` its setup answer carried, against the R it realized (trailed to "
               "its close), pooled over the files with day blocks per file.\n\n"
               "| predicted expected_r | trades | mean predicted | realized mean R | "
               "interval | gap |\n|---|---:|---:|---:|---|---:|\n");
    for (int k = 0; k < ER_BINS; k++) {
        if (b[k].n == 0)
            continue;
        char lo[16], hi[16];
        snprintf(lo, sizeof lo, isinf(ER_EDGE[k]) ? "−∞" : "%+.2f", ER_EDGE[k]);
        snprintf(hi, sizeof hi, isinf(ER_EDGE[k + 1]) ? "+∞" : "%+.2f", ER_EDGE[k + 1]);
        fprintf(f, "| %s … %s | %zu | %+.3f | %+.3f | [%+.3f, %+.3f] | %+.3f |\n", lo, hi,
                b[k].n, b[k].pred, b[k].real, b[k].lo, b[k].hi, b[k].real - b[k].pred);
    }
    fprintf(f, "\nECE in R (Σ n_bin / n × |mean predicted − realized|): pooled %.3f", er_ece(b));
    for (size_t k = 0; k < r->n && rc == 0; k++) {
        struct er_bin fb[ER_BINS];
        rc = er_table(&s[k], 1, fb);
        fprintf(f, "; %s %.3f", r->f[k].name, er_ece(fb));
    }
    fprintf(f, ".\n\nThe trades `min_expected_r` %.2f keeps (expected_r ≥ %.2f): %zu, "
               "predicted mean %+.3f, realized mean %+.3f [%+.3f, %+.3f] — %s.\n\n",
            min_er, min_er, kept.n, kept.pred, kept.real, kept.lo, kept.hi,
            kept.real >= kept.pred ? "realized at or above the prediction"
                                   : "**realized below the prediction**");
    free(s);
    return rc;
}

size_t report_er_kept(const struct report *r, double min_er, double *pred, double *real)
{
    *pred = *real = 0.0;
    size_t n = 0;
    for (size_t k = 0; k < r->n; k++) {
        const struct study *s = &r->f[k].s;
        for (size_t i = 0; i < s->n_entries; i++) {
            double er = s->entry_er[i], x = s->arm_r[STUDY_ARM_SERVICE][i];
            if (isnan(er) || isnan(x) || !(er >= min_er))
                continue;
            *pred += er;
            *real += x;
            n++;
        }
    }
    if (n) {
        *pred /= (double)n;
        *real /= (double)n;
    }
    return n;
}

static void record_cells(FILE *f, const struct exit_record *x)
{
    char why[LIQ_REASON_LEN];
    enum exit_method m = exit_choose(EXIT_AUTO, x, why, sizeof why);
    fprintf(f, " %zu / %zu | %+.3f | %+.3f |", x->trades, x->days, x->zone_r, x->geo_r);
    if (isfinite(x->lo))
        fprintf(f, " %+.3f [%+.3f, %+.3f] |", x->diff, x->lo, x->hi);
    else
        fprintf(f, " %+.3f |", x->diff);
    fprintf(f, " %s |", exit_method_name(m));
}

void report_write_record(FILE *f, const struct report *r)
{
    fprintf(f, "## The engine's record of exits (what `exit_method` auto decides on)\n\n"
               "At the first geometry probe (the close of a 16th bar of the ATR's timeframe) "
               "four days or more after the last trial the engine asks what one side there "
               "(BUY, SELL alternating) would have been given by the zone exit (zone stop + "
               "zone TP1) and by the geometry exit, and resolves both brackets from the later "
               "bars (domain/exit_record.h). GET "
               "/symbols/{symbol}/evidence serves the whole file's record as `exits`; auto "
               "gives zone exits only with %d days and the interval above 0. Trades / days, "
               "mean R each way, zones minus geometry with its day-block interval (cluster "
               "variance), and the exit auto gives then.\n\n"
               "| file | fit half: trades / days | zones R | geometry R | zones − geometry "
               "| auto | whole file: trades / days | zones R | geometry R | zones − geometry "
               "| auto |\n|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---|\n",
            EXIT_MIN_DAYS);
    for (size_t k = 0; k < r->n; k++) {
        fprintf(f, "| %s |", r->f[k].name);
        record_cells(f, &r->f[k].s.exits_fit);
        record_cells(f, &r->f[k].s.exits);
        fprintf(f, "\n");
    }
    fprintf(f, "\n");
}
