/*
 * evidence.c - the zone / control tally and lift with its interval (see evidence.h).
 */
#include "evidence.h"

#include <math.h>

void tally_init(struct zone_tally *t, double half_life)
{
    *t = (struct zone_tally){.w = 1.0, .decay = half_life > 0 ? pow(0.5, 1.0 / half_life) : 1.0};
    for (int s = 0; s < SRC_COUNT; s++)
        t->sig_budget[s] = -1.0;
}

/* The weight of a zone's resolution in the pool: weights grow instead of old ones shrinking
 * (one multiply per resolution), rescaled before they overflow. */
static double pool_weight(struct zone_tally *t)
{
    if (t->decay < 1.0) {
        t->w /= t->decay;
        if (t->w > 1e150) {
            for (int r = 0; r < EVR_ROWS; r++)
                for (int j = 0; j < OUTCOME_COUNT; j++)
                    t->pool[r][j] *= 1e-150;
            t->w *= 1e-150;
        }
    }
    return t->w;
}

static uint32_t sum(const uint32_t *v)
{
    uint32_t s = 0;
    for (int o = OUTCOME_HOLD; o < OUTCOME_COUNT; o++)
        s += v[o];
    return s;
}

/* Lift of k1 bounces in n1 tests over k0 in n0 (both > 0) and its 95 % interval. */
static void lift_interval(double k1, double n1, double k0, double n0, double *lift,
                          double *lo, double *hi)
{
    *lift = k1 / n1 - k0 / n0;
    double q1 = (k1 + 1.0) / (n1 + 2.0), q0 = (k0 + 1.0) / (n0 + 2.0);
    double half = 1.96 * sqrt(q1 * (1.0 - q1) / n1 + q0 * (1.0 - q0) / n0);
    *lo = *lift - half;
    *hi = *lift + half;
}

/* The side of 0 the lift interval of zone row z against control row c lies on (+1 above,
 * -1 below, 0 when it contains 0 or a side has no test: evidence_row's interval). Also sets
 * how far its margin m = |lift| - half may move before the answer could differ, and what
 * one more test on either side may move it, so that tally_add can tell when the cached
 * answer must be recomputed (exactly the same answer as recomputing after every test):
 * with n tests on the side that gets the test, k/n moves by <= 1/(n + 1); the variance term
 * q (1 - q) / n, q = (k + 1) / (n + 2), by <= 1/((n + 1)(n + 3)) + 0.25/(n (n + 1)) < 1.25/n^2
 * (|dq| <= 1/(n + 3), |d q(1 - q)/dq| <= 1), so half = 1.96 sqrt(V) by <= 1.96^2 1.25 / (n^2
 * sqrt-bound) while half stays above 0.55 of its value h now (the budget is capped at 0.45 h):
 * <= 8.74 / (n^2 h). Counts only grow, so the costs taken now bound every later test. 1e-9
 * of the margin is kept for rounding, far above the doubles' error on these sums. The sign
 * of a lift whose interval excludes 0 cannot change before its margin is spent. */
static int lift_side(const uint32_t *z, const uint32_t *c, double *budget, double cost[2])
{
    uint32_t n1 = sum(z), n0 = sum(c);
    *budget = -1.0; /* recompute at the next test */
    if (n1 == 0 || n0 == 0)
        return 0;
    double lift, lo, hi;
    lift_interval(z[OUTCOME_HOLD] + z[OUTCOME_SWEEP], n1, c[OUTCOME_HOLD] + c[OUTCOME_SWEEP], n0,
                  &lift, &lo, &hi);
    double h = (hi - lo) / 2.0, margin = fabs(fabs(lift) - h) - 1e-9;
    if (margin > 0.0 && h > 0.0) {
        *budget = margin < 0.45 * h ? margin : 0.45 * h;
        double a = n1, b = n0;
        cost[0] = 1.01 * (1.0 / (a + 1.0) + 9.0 / (a * a * h));
        cost[1] = 1.01 * (1.0 / (b + 1.0) + 9.0 / (b * b * h));
    }
    return lo > 0.0 ? 1 : hi < 0.0 ? -1 : 0;
}

/* Does source s's lift survive both placements (both intervals off 0, the same way)? The
 * budget and the costs (cost[c]: a test of a zone, c = 0, or of a control of placement c) are
 * those of the placements whose answers keep the combined one: when it is yes, both (the
 * smaller budget, the larger cost of a zone test); when it is no, the one placement that
 * says no (or, when both are significant the opposite ways, either) with the larger budget,
 * whose answer holds while its budget lasts. */
static int source_significant(const struct zone_tally *t, int s, double *budget, double cost[3])
{
    double b[2], c[2][2] = {{0, 0}, {0, 0}};
    int side[2];
    side[0] = lift_side(t->zone[s], t->ctl[s], &b[0], c[0]);
    side[1] = lift_side(t->zone[s], t->side[s], &b[1], c[1]);
    int yes = side[0] != 0 && side[0] == side[1];
    if (yes) {
        *budget = fmin(b[0], b[1]);
        cost[0] = fmax(c[0][0], c[1][0]);
        cost[1] = c[0][1];
        cost[2] = c[1][1];
        return 1;
    }
    int k = side[0] != 0 && side[1] == 0   ? 1
            : side[1] != 0 && side[0] == 0 ? 0
                                           : b[1] > b[0];
    *budget = b[k];
    cost[0] = c[k][0];
    cost[1 + k] = c[k][1];
    cost[2 - k] = 0.0; /* the other placement's tests cannot change this answer */
    return 0;
}

/* The row of k sources (k > 0). */
static int nsrc_row(int k)
{
    return EVR_NSRC_FIRST + (k > 4 ? 3 : k - 1);
}

/* A zone's resolution: its rows and, with its weight, the pool's (one pass over the
 * sources). */
static void add_zone(struct zone_tally *t, uint32_t sources, enum zone_outcome o)
{
    double w = pool_weight(t);
    int k = 0;
    for (uint32_t left = sources & SRC_ALL; left != 0; left &= left - 1, k++) {
        int s = __builtin_ctz(left);
        t->zone[s][o]++;
        t->pool[s][o] += w;
        if ((t->sig_budget[s] -= t->sig_cost[s][0]) < 0.0)
            t->sig_dirty |= 1u << s;
    }
    if (k > 0) {
        t->zone[nsrc_row(k)][o]++;
        t->pool[nsrc_row(k)][o] += w;
    }
    t->zone[EVR_ALL][o]++;
    t->pool[EVR_ALL][o] += w;
}

void tally_add(struct zone_tally *t, uint32_t sources, enum zone_outcome o, int control)
{
    if (control == 0) {
        add_zone(t, sources, o);
        return;
    }
    uint32_t(*rows)[OUTCOME_COUNT] = control == 1 ? t->ctl : t->side;
    int k = 0;
    for (uint32_t left = sources & SRC_ALL; left != 0; left &= left - 1, k++) {
        int s = __builtin_ctz(left);
        rows[s][o]++;
        if ((t->sig_budget[s] -= t->sig_cost[s][control]) < 0.0)
            t->sig_dirty |= 1u << s;
    }
    if (k > 0)
        rows[nsrc_row(k)][o]++;
    rows[EVR_ALL][o]++;
}

uint32_t tally_significant_update(struct zone_tally *t, uint32_t sources)
{
    for (uint32_t left = t->sig_dirty & sources; left != 0; left &= left - 1) {
        int s = __builtin_ctz(left);
        int sig = source_significant(t, s, &t->sig_budget[s], t->sig_cost[s]);
        t->sig = (t->sig & ~(1u << s)) | (sig ? 1u << s : 0u);
    }
    t->sig_dirty &= ~sources;
    return t->sig & sources;
}

void tally_calibration(struct zone_tally *t, double half_life)
{
    t->cal_decay = half_life > 0 ? pow(0.5, 1.0 / half_life) : 0.0;
    t->cal_num = t->cal_den = 0.0;
}

double tally_bias(const struct zone_tally *t)
{
    return t->cal_decay > 0.0 && t->cal_den > 0.0 ? t->cal_num / t->cal_den : 0.0;
}

/* Lift of k1 in n1 over k0 in n0 and its interval; 0 and [-1, 1] when a side has no test. */
static void row_lift(double k1, double n1, double k0, double n0, double *lift, double *lo,
                     double *hi)
{
    if (n1 == 0 || n0 == 0) {
        *lift = 0.0;
        *lo = -1.0;
        *hi = 1.0;
        return;
    }
    lift_interval(k1, n1, k0, n0, lift, lo, hi);
}

void evidence_row(const struct zone_tally *t, int row, struct evidence_row *out)
{
    *out = (struct evidence_row){.row = row};
    for (int o = 0; o < OUTCOME_COUNT; o++) {
        out->outcomes[o] = t->zone[row][o];
        out->ctl_outcomes[o] = t->ctl[row][o];
        out->side_outcomes[o] = t->side[row][o];
    }
    out->tests = sum(t->zone[row]);
    out->ctl_tests = sum(t->ctl[row]);
    out->side_tests = sum(t->side[row]);
    out->bounces = t->zone[row][OUTCOME_HOLD] + t->zone[row][OUTCOME_SWEEP];
    out->ctl_bounces = t->ctl[row][OUTCOME_HOLD] + t->ctl[row][OUTCOME_SWEEP];
    out->side_bounces = t->side[row][OUTCOME_HOLD] + t->side[row][OUTCOME_SWEEP];
    double n1 = out->tests, n0 = out->ctl_tests, ns = out->side_tests;
    out->rate = n1 > 0 ? out->bounces / n1 : 0.0;
    out->ctl_rate = n0 > 0 ? out->ctl_bounces / n0 : 0.0;
    out->side_rate = ns > 0 ? out->side_bounces / ns : 0.0;
    row_lift(out->bounces, n1, out->ctl_bounces, n0, &out->mirror_lift, &out->mirror_lo,
             &out->mirror_hi);
    row_lift(out->bounces, n1, out->side_bounces, ns, &out->side_lift, &out->side_lo,
             &out->side_hi);
    int side = fabs(out->side_lift) < fabs(out->mirror_lift);
    out->placement = side ? EV_SIDE : EV_MIRROR;
    out->lift = side ? out->side_lift : out->mirror_lift;
    out->lift_lo = side ? out->side_lo : out->mirror_lo;
    out->lift_hi = side ? out->side_hi : out->mirror_hi;
    int m = out->mirror_lo > 0.0 ? 1 : out->mirror_hi < 0.0 ? -1 : 0;
    int s = out->side_lo > 0.0 ? 1 : out->side_hi < 0.0 ? -1 : 0;
    out->significant = m != 0 && m == s;
}

const char *evidence_row_name(int row)
{
    static const char *const NSRC[] = {"1_source", "2_sources", "3_sources", "4+_sources"};
    if (row >= 0 && row < SRC_COUNT)
        return source_name((enum liq_source)row);
    if (row >= EVR_NSRC_FIRST && row < EVR_ALL)
        return NSRC[row - EVR_NSRC_FIRST];
    return row == EVR_ALL ? "all" : "unknown";
}

uint32_t evidence_significant_sources(const struct zone_tally *t)
{
    uint32_t mask = 0;
    double budget, cost[3];
    for (int s = 0; s < SRC_COUNT; s++)
        if (source_significant(t, s, &budget, cost))
            mask |= 1u << s;
    return mask;
}
