/*
 * report_json.c - the report's figures as one JSON object (report.h), the same numbers as
 * the markdown: per file the calibration, the evidence and the setups; the pooled skill; the
 * targets. Built with jansson like every other JSON of the house; a number that is not
 * finite is written as null, every real with 6 significant digits.
 */
#include <jansson.h>
#include <math.h>

#include "research/report.h"

/* The setters: each records a failed allocation in *bad (checked once, at the end). */
struct obj {
    json_t *o;
    int *bad;
};

static void put(struct obj o, const char *key, json_t *v)
{
    if (o.o == NULL || v == NULL) {
        json_decref(v);
        *o.bad = 1;
    } else if (json_object_set_new(o.o, key, v) != 0) {
        *o.bad = 1;
    }
}

static void str(struct obj o, const char *key, const char *text)
{
    put(o, key, json_string(text));
}

static void num(struct obj o, const char *key, double v)
{
    put(o, key, isfinite(v) ? json_real(v) : json_null());
}

static void count(struct obj o, const char *key, size_t v)
{
    put(o, key, json_integer((json_int_t)v));
}

/* A new object set as key of o, or appended to the array arr when key is NULL; its parent
 * owns it. {NULL} (and *bad) when out of memory. */
static struct obj child(struct obj o, const char *key, json_t *arr)
{
    json_t *c = json_object();
    int fail = c == NULL || o.o == NULL ||
               (key != NULL ? json_object_set(o.o, key, c)
                            : arr != NULL ? json_array_append(arr, c) : -1) != 0;
    json_decref(c);
    if (fail) {
        *o.bad = 1;
        return (struct obj){NULL, o.bad};
    }
    return (struct obj){c, o.bad};
}

/* A new array set as key of o (its owner), NULL (and *bad) when out of memory. */
static json_t *array_in(struct obj o, const char *key)
{
    json_t *a = json_array();
    int fail = a == NULL || o.o == NULL || json_object_set(o.o, key, a) != 0;
    json_decref(a);
    if (fail) {
        *o.bad = 1;
        return NULL;
    }
    return a;
}

static void calib(struct obj parent, const char *key, const struct study_calib *c)
{
    struct obj o = child(parent, key, NULL);
    count(o, "n_fit", c->n_fit);
    count(o, "n_judged", c->n);
    num(o, "base_rate", c->base_rate);
    num(o, "judged_rate", c->judged_rate);
    num(o, "mean_prediction", c->mean_p);
    num(o, "brier", c->brier);
    num(o, "brier_base", c->brier_base);
    num(o, "skill", c->skill);
    num(o, "skill_lo", c->skill_lo);
    num(o, "skill_hi", c->skill_hi);
    num(o, "ece", c->ece);
    json_t *rel = array_in(o, "reliability");
    for (int k = 0; k < STUDY_BINS; k++) {
        const struct cal_bin *b = &c->rel[k];
        struct obj e = child(o, NULL, rel);
        num(e, "lo", b->lo);
        num(e, "hi", b->hi);
        count(e, "n", b->n);
        num(e, "mean_prediction", b->mean_pred);
        num(e, "observed", b->obs_rate);
    }
}

static void ev_rate(struct obj parent, const char *key, const struct study_ev_rate *e)
{
    struct obj o = child(parent, key, NULL);
    count(o, "tests", e->tests);
    count(o, "bounces", e->bounces);
    count(o, "control_tests", e->ctl_tests);
    count(o, "control_bounces", e->ctl_bounces);
    count(o, "side_control_tests", e->side_tests);
    count(o, "side_control_bounces", e->side_bounces);
    num(o, "rate", e->rate);
    num(o, "control_rate", e->ctl_rate);
    num(o, "side_control_rate", e->side_rate);
    num(o, "lift_mirrored", e->mirror_lift);
    num(o, "lift_mirrored_lo", e->mirror_lo);
    num(o, "lift_mirrored_hi", e->mirror_hi);
    num(o, "lift_same_side", e->side_lift);
    num(o, "lift_same_side_lo", e->side_lo);
    num(o, "lift_same_side_hi", e->side_hi);
    str(o, "lift_placement", e->placement == EV_SIDE ? "same_side" : "mirrored");
    num(o, "lift", e->lift);
    num(o, "lift_lo", e->lift_lo);
    num(o, "lift_hi", e->lift_hi);
}

static void sim(struct obj parent, const char *key, const struct study_sim *m)
{
    struct obj o = child(parent, key, NULL);
    count(o, "entries", m->entries);
    count(o, "accepted", m->accepted);
    count(o, "refused", m->refused);
    count(o, "invalid", m->invalid);
    num(o, "refusal_rate", m->refusal);
    num(o, "refusal_lo", m->refusal_lo);
    num(o, "refusal_hi", m->refusal_hi);
    count(o, "trades", m->m.trades);
    num(o, "win_rate", m->m.win_rate);
    num(o, "win_rate_lo", m->win_lo);
    num(o, "win_rate_hi", m->win_hi);
    num(o, "expectancy_r", m->m.expectancy);
    num(o, "expectancy_lo", m->exp_lo);
    num(o, "expectancy_hi", m->exp_hi);
    num(o, "total_r", m->m.total_r);
    num(o, "max_drawdown_r", m->m.max_drawdown);
}

/* "exits":{arm:{n, mean_r, baseline_r, minus_baseline_r, lo, hi}, ...} */
static void arms(struct obj parent, const struct study_arm_diff *d)
{
    struct obj ex = child(parent, "exits", NULL);
    for (int a = 0; a < STUDY_ARMS; a++) {
        struct obj o = child(ex, report_arm_key(a), NULL);
        count(o, "n", d[a].n);
        num(o, "mean_r", d[a].mean);
        num(o, "baseline_r", d[a].base);
        num(o, "minus_baseline_r", d[a].diff);
        num(o, "lo", d[a].lo);
        num(o, "hi", d[a].hi);
    }
}

/* The engine's record of exits (exit_record.h); no interval (null) before two days. */
static void record(struct obj parent, const char *key, const struct exit_record *x)
{
    struct obj o = child(parent, key, NULL);
    count(o, "trades", x->trades);
    count(o, "days", x->days);
    num(o, "zones_r", x->zone_r);
    num(o, "geometry_r", x->geo_r);
    num(o, "zones_minus_geometry_r", x->diff);
    num(o, "lo", x->lo);
    num(o, "hi", x->hi);
}

static void file(struct obj o, const struct report_file *rf)
{
    const struct study *s = &rf->s;
    str(o, "file", rf->name);
    str(o, "symbol", s->symbol);
    str(o, "timeframe", tf_name(s->tf));
    count(o, "bars", s->n_bars);
    count(o, "split_bar", s->split);
    put(o, "first_ts", json_integer((json_int_t)s->first_ts));
    put(o, "split_ts", json_integer((json_int_t)s->split_ts));
    put(o, "last_ts", json_integer((json_int_t)s->last_ts));
    count(o, "repaired_bars", rf->repaired);
    count(o, "skipped_lines", rf->skipped);
    num(o, "pip", s->pip);
    calib(o, "prob_hold", &s->hold);
    calib(o, "p_tp1_first", &s->tp1);
    json_t *ev = array_in(o, "evidence");
    for (size_t k = 0; k < s->n_ev; k++) {
        const struct study_ev *e = &s->ev[k];
        struct obj row = child(o, NULL, ev);
        str(row, "row", e->name);
        ev_rate(row, "whole_file", &e->whole);
        ev_rate(row, "judged", &e->judged);
        num(row, "judged_lift_boot_lo", e->lo);
        num(row, "judged_lift_boot_hi", e->hi);
        num(row, "judged_lift_mirrored_boot_lo", e->m_lo);
        num(row, "judged_lift_mirrored_boot_hi", e->m_hi);
        num(row, "judged_lift_same_side_boot_lo", e->s_lo);
        num(row, "judged_lift_same_side_boot_hi", e->s_hi);
    }
    arms(o, s->arm);
    record(o, "exit_record_fit_half", &s->exits_fit);
    record(o, "exit_record", &s->exits);
    struct obj st = child(o, "setups", NULL);
    count(st, "every_bars", s->every);
    sim(st, "zone", &s->zone);
    sim(st, "baseline", &s->fixed);
    sim(st, "baseline_same_entries", &s->fixed_same);
    num(st, "zone_minus_baseline_r", s->diff);
    num(st, "zone_minus_baseline_lo", s->diff_lo);
    num(st, "zone_minus_baseline_hi", s->diff_hi);
    count(st, "fallback_stops", s->fallback_stops);
    str(st, "first_refusal", s->zone.refused ? s->refusal_example : "");
    count(st, "tp1_hits", s->tp1_hits);
    count(st, "tp2_hits", s->tp2_hits);
    count(st, "runner_activations", s->runner_activations);
    count(st, "runner_zone_moves", s->runner_zone_moves);
}

int report_write_json(FILE *f, const struct report *r, const char *cmd)
{
    int bad = 0;
    struct obj root = {json_object(), &bad};
    str(root, "generated_by", cmd);
    struct obj boot = child(root, "bootstrap", NULL);
    put(boot, "draws", json_integer(STUDY_DRAWS));
    put(boot, "seed", json_integer(STUDY_SEED));
    json_t *files = array_in(root, "files");
    for (size_t k = 0; k < r->n; k++)
        file(child(root, NULL, files), &r->f[k]);
    struct obj pool = child(root, "pooled", NULL);
    arms(pool, r->arms);
    count(pool, "n_judged", r->pool.n);
    num(pool, "brier", r->pool.brier);
    num(pool, "brier_base", r->pool.brier_base);
    num(pool, "skill", r->pool.skill);
    num(pool, "skill_lo", r->pool.skill_lo);
    num(pool, "skill_hi", r->pool.skill_hi);
    const struct study_lift_pool *lp = &r->lift_pool;
    struct obj lift = child(root, "pooled_lift", NULL);
    count(lift, "zone_tests", (size_t)lp->sums[0]);
    count(lift, "control_tests", (size_t)lp->sums[2]);
    count(lift, "side_control_tests", (size_t)lp->sums[4]);
    num(lift, "lift_mirrored", lp->mirror);
    num(lift, "lift_mirrored_lo", lp->m_lo);
    num(lift, "lift_mirrored_hi", lp->m_hi);
    num(lift, "lift_same_side", lp->side);
    num(lift, "lift_same_side_lo", lp->s_lo);
    num(lift, "lift_same_side_hi", lp->s_hi);
    num(lift, "lift", lp->lift);
    num(lift, "lift_lo", lp->lo);
    num(lift, "lift_hi", lp->hi);
    json_t *targets = array_in(root, "targets");
    struct report_target t[REPORT_MAX_TARGETS];
    size_t n = report_targets(r, t, REPORT_MAX_TARGETS);
    for (size_t k = 0; k < n; k++) {
        struct obj o = child(root, NULL, targets);
        str(o, "what", t[k].what);
        str(o, "where", t[k].where);
        num(o, "value", t[k].value);
        num(o, "goal", t[k].goal);
        put(o, "at_most", json_boolean(t[k].at_most));
        put(o, "has_data", json_boolean(t[k].has_data));
        put(o, "met", json_boolean(t[k].met));
    }
    int rc = bad || root.o == NULL ||
             json_dumpf(root.o, f, JSON_INDENT(1) | JSON_PRESERVE_ORDER |
                                        JSON_REAL_PRECISION(6)) != 0 ||
             fputc('\n', f) == EOF;
    json_decref(root.o);
    return rc ? -1 : 0;
}
