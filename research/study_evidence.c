/*
 * study_evidence.c - the evidence rows of a study (study_internal.h): the engine's own
 * evidence_row on its tally for the whole file (the numbers GET /symbols/{symbol}/evidence
 * serves after the same bars), on the judged half's part of the tally, and a day-block
 * bootstrap interval of the judged lift.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "research/study_internal.h"

static void to_rate(const struct evidence_row *e, struct study_ev_rate *out)
{
    *out = (struct study_ev_rate){
        .tests = e->tests, .bounces = e->bounces, .ctl_tests = e->ctl_tests,
        .ctl_bounces = e->ctl_bounces, .rate = e->rate, .ctl_rate = e->ctl_rate,
        .lift = e->lift, .lift_lo = e->lift_lo, .lift_hi = e->lift_hi};
}

/* b - a, cell by cell: the tests resolved between two tallies. */
static void tally_diff(const struct zone_tally *b, const struct zone_tally *a,
                       struct zone_tally *out)
{
    for (int r = 0; r < EVR_ROWS; r++)
        for (int o = 0; o < OUTCOME_COUNT; o++) {
            out->zone[r][o] = b->zone[r][o] - a->zone[r][o];
            out->ctl[r][o] = b->ctl[r][o] - a->ctl[r][o];
        }
}

/* sums: {tests, bounces, control tests, control bounces}: the lift. */
static double lift_stat(const double *sums, const void *ctx)
{
    (void)ctx;
    if (!(sums[0] > 0.0) || !(sums[2] > 0.0))
        return 0.0; /* as evidence_row: no lift without tests on both sides */
    return sums[1] / sums[0] - sums[3] / sums[2];
}

static int judged_interval(struct study_ev *ev, int row, const struct zone_tally *days,
                           size_t n_days, const struct study_opts *o)
{
    size_t nb = n_days - 1;
    double *b = malloc((nb + 1) * 4 * sizeof *b);
    if (b == NULL)
        return -1;
    for (size_t d = 0; d < nb; d++) {
        struct zone_tally t;
        struct evidence_row e;
        tally_diff(&days[d + 1], &days[d], &t);
        evidence_row(&t, row, &e);
        double *x = b + d * 4;
        x[0] = e.tests;
        x[1] = e.bounces;
        x[2] = e.ctl_tests;
        x[3] = e.ctl_bounces;
    }
    int rc = cal_boot_ci(b, nb, 4, lift_stat, NULL, o->draws, o->seed, &ev->lo, &ev->hi);
    free(b);
    return rc;
}

int study_evidence(struct study *s, const struct zone_tally *whole,
                   const struct zone_tally *days, size_t n_days)
{
    struct zone_tally judged;
    memset(&judged, 0, sizeof judged);
    if (n_days >= 2)
        tally_diff(&days[n_days - 1], &days[0], &judged);
    s->n_ev = 0;
    for (int row = 0; row < EVR_ROWS && s->n_ev < STUDY_EV_MAX; row++) {
        struct study_ev *ev = &s->ev[s->n_ev];
        struct evidence_row e;
        snprintf(ev->name, sizeof ev->name, "%s", evidence_row_name(row));
        evidence_row(whole, row, &e);
        to_rate(&e, &ev->whole);
        evidence_row(&judged, row, &e);
        to_rate(&e, &ev->judged);
        ev->lo = ev->judged.lift_lo; /* [-1, 1] when a side has no test */
        ev->hi = ev->judged.lift_hi;
        if (ev->judged.tests > 0 && ev->judged.ctl_tests > 0 &&
            judged_interval(ev, row, days, n_days, &s->opts) != 0)
            return -1;
        if (row == EVR_ALL)
            s->ev_all = s->n_ev;
        s->n_ev++;
    }
    return 0;
}
