/*
 * study_evidence.c - the evidence rows of a study (study_internal.h): the engine's own
 * evidence_row on its tally for the whole file (the numbers GET /symbols/{symbol}/evidence
 * serves after the same bars), on the judged half's part of the tally, and a day-block
 * bootstrap interval of the judged lift.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "research/study_internal.h"

static void to_rate(const struct evidence_row *e, struct study_ev_rate *out)
{
    *out = (struct study_ev_rate){
        .tests = e->tests, .bounces = e->bounces, .ctl_tests = e->ctl_tests,
        .ctl_bounces = e->ctl_bounces, .side_tests = e->side_tests,
        .side_bounces = e->side_bounces, .rate = e->rate, .ctl_rate = e->ctl_rate,
        .side_rate = e->side_rate, .mirror_lift = e->mirror_lift, .mirror_lo = e->mirror_lo,
        .mirror_hi = e->mirror_hi, .side_lift = e->side_lift, .side_lo = e->side_lo,
        .side_hi = e->side_hi, .placement = e->placement, .lift = e->lift,
        .lift_lo = e->lift_lo, .lift_hi = e->lift_hi};
}

/* b - a, cell by cell: the tests resolved between two tallies. */
static void tally_diff(const struct zone_tally *b, const struct zone_tally *a,
                       struct zone_tally *out)
{
    for (int r = 0; r < EVR_ROWS; r++)
        for (int o = 0; o < OUTCOME_COUNT; o++) {
            out->zone[r][o] = b->zone[r][o] - a->zone[r][o];
            out->ctl[r][o] = b->ctl[r][o] - a->ctl[r][o];
            out->side[r][o] = b->side[r][o] - a->side[r][o];
        }
}

/* The lift of one side's sums: zone tests and bounces, control tests and bounces. */
static double one_lift(double n1, double k1, double n0, double k0)
{
    if (!(n1 > 0.0) || !(n0 > 0.0))
        return 0.0; /* as evidence_row: no lift without tests on both sides */
    return k1 / n1 - k0 / n0;
}

double study_lift_stat(const double *sums, const void *ctx)
{
    int which = *(const int *)ctx;
    double m = one_lift(sums[0], sums[1], sums[2], sums[3]);
    double s = one_lift(sums[0], sums[1], sums[4], sums[5]);
    if (which == EV_MIRROR)
        return m;
    if (which == EV_SIDE)
        return s;
    return fabs(s) < fabs(m) ? s : m;
}

/* The day-block intervals of row's judged lifts; the "all" row keeps its day sums. */
static int judged_interval(struct study *s, struct study_ev *ev, int row,
                           const struct zone_tally *days, size_t n_days)
{
    size_t nb = n_days - 1;
    double *b = malloc((nb + 1) * STUDY_EV_SUMS * sizeof *b);
    if (b == NULL)
        return -1;
    for (size_t d = 0; d < nb; d++) {
        struct zone_tally t;
        struct evidence_row e;
        tally_diff(&days[d + 1], &days[d], &t);
        evidence_row(&t, row, &e);
        double *x = b + d * STUDY_EV_SUMS;
        x[0] = e.tests;
        x[1] = e.bounces;
        x[2] = e.ctl_tests;
        x[3] = e.ctl_bounces;
        x[4] = e.side_tests;
        x[5] = e.side_bounces;
    }
    static const int WHICH[3] = {-1, EV_MIRROR, EV_SIDE};
    double *lo[3] = {&ev->lo, &ev->m_lo, &ev->s_lo}, *hi[3] = {&ev->hi, &ev->m_hi, &ev->s_hi};
    const struct study_opts *o = &s->opts;
    int rc = 0;
    for (int k = 0; k < 3 && rc == 0; k++)
        rc = cal_boot_ci(b, nb, STUDY_EV_SUMS, study_lift_stat, &WHICH[k], o->draws, o->seed,
                         lo[k], hi[k]);
    if (rc == 0 && row == EVR_ALL) {
        s->ev_days = b;
        s->n_ev_days = nb;
        return 0;
    }
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
        ev->m_lo = ev->judged.mirror_lo;
        ev->m_hi = ev->judged.mirror_hi;
        ev->s_lo = ev->judged.side_lo;
        ev->s_hi = ev->judged.side_hi;
        if (ev->judged.tests > 0 && (ev->judged.ctl_tests > 0 || ev->judged.side_tests > 0) &&
            n_days >= 2 && judged_interval(s, ev, row, days, n_days) != 0)
            return -1;
        if (row == EVR_ALL)
            s->ev_all = s->n_ev;
        s->n_ev++;
    }
    return 0;
}

int study_pool_lift(const struct study *const *s, size_t n, size_t draws, uint64_t seed,
                    struct study_lift_pool *out)
{
    memset(out, 0, sizeof *out);
    size_t nb = 0;
    for (size_t f = 0; f < n; f++)
        nb += s[f]->n_ev_days;
    double *b = malloc((nb + 1) * STUDY_EV_SUMS * sizeof *b);
    if (b == NULL)
        return -1;
    size_t at = 0;
    for (size_t f = 0; f < n; f++)
        for (size_t d = 0; d < s[f]->n_ev_days; d++, at++)
            for (int k = 0; k < STUDY_EV_SUMS; k++) {
                b[at * STUDY_EV_SUMS + k] = s[f]->ev_days[d * STUDY_EV_SUMS + k];
                out->sums[k] += s[f]->ev_days[d * STUDY_EV_SUMS + k];
            }
    static const int WHICH[3] = {-1, EV_MIRROR, EV_SIDE};
    double *v[3] = {&out->lift, &out->mirror, &out->side};
    double *lo[3] = {&out->lo, &out->m_lo, &out->s_lo}, *hi[3] = {&out->hi, &out->m_hi, &out->s_hi};
    int rc = 0;
    for (int k = 0; k < 3 && rc == 0; k++) {
        *v[k] = study_lift_stat(out->sums, &WHICH[k]);
        *lo[k] = *hi[k] = *v[k];
        if (nb > 0)
            rc = cal_boot_ci(b, nb, STUDY_EV_SUMS, study_lift_stat, &WHICH[k], draws, seed,
                             lo[k], hi[k]);
    }
    free(b);
    return rc;
}
