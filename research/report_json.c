/*
 * report_json.c - the report's figures as one JSON object (report.h), the same numbers as
 * the markdown: per file the calibration, the evidence and the setups; the pooled skill; the
 * targets. A number that is not finite is written as null.
 */
#include <math.h>

#include "research/report.h"

/* "key":"text" with text escaped for JSON, then a comma unless last. */
static void str(FILE *f, const char *key, const char *text, int last)
{
    fprintf(f, "\"%s\":\"", key);
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(f, "\\%c", *c);
        else if (*c < 0x20)
            fprintf(f, "\\u%04x", *c);
        else
            fputc(*c, f);
    }
    fprintf(f, "\"%s", last ? "" : ",");
}

static void num(FILE *f, const char *key, double v, int last)
{
    if (isfinite(v))
        fprintf(f, "\"%s\":%.6g%s", key, v, last ? "" : ",");
    else
        fprintf(f, "\"%s\":null%s", key, last ? "" : ",");
}

static void count(FILE *f, const char *key, size_t v, int last)
{
    fprintf(f, "\"%s\":%zu%s", key, v, last ? "" : ",");
}

static void calib(FILE *f, const char *key, const struct study_calib *c)
{
    fprintf(f, "\"%s\":{", key);
    count(f, "n_fit", c->n_fit, 0);
    count(f, "n_judged", c->n, 0);
    num(f, "base_rate", c->base_rate, 0);
    num(f, "judged_rate", c->judged_rate, 0);
    num(f, "mean_prediction", c->mean_p, 0);
    num(f, "brier", c->brier, 0);
    num(f, "brier_base", c->brier_base, 0);
    num(f, "skill", c->skill, 0);
    num(f, "skill_lo", c->skill_lo, 0);
    num(f, "skill_hi", c->skill_hi, 0);
    num(f, "ece", c->ece, 0);
    fprintf(f, "\"reliability\":[");
    for (int k = 0; k < STUDY_BINS; k++) {
        const struct cal_bin *b = &c->rel[k];
        fprintf(f, "%s{", k ? "," : "");
        num(f, "lo", b->lo, 0);
        num(f, "hi", b->hi, 0);
        count(f, "n", b->n, 0);
        num(f, "mean_prediction", b->mean_pred, 0);
        num(f, "observed", b->obs_rate, 1);
        fprintf(f, "}");
    }
    fprintf(f, "]},");
}

static void ev_rate(FILE *f, const char *key, const struct study_ev_rate *e)
{
    fprintf(f, "\"%s\":{", key);
    count(f, "tests", e->tests, 0);
    count(f, "bounces", e->bounces, 0);
    count(f, "control_tests", e->ctl_tests, 0);
    count(f, "control_bounces", e->ctl_bounces, 0);
    count(f, "side_control_tests", e->side_tests, 0);
    count(f, "side_control_bounces", e->side_bounces, 0);
    num(f, "rate", e->rate, 0);
    num(f, "control_rate", e->ctl_rate, 0);
    num(f, "side_control_rate", e->side_rate, 0);
    num(f, "lift_mirrored", e->mirror_lift, 0);
    num(f, "lift_mirrored_lo", e->mirror_lo, 0);
    num(f, "lift_mirrored_hi", e->mirror_hi, 0);
    num(f, "lift_same_side", e->side_lift, 0);
    num(f, "lift_same_side_lo", e->side_lo, 0);
    num(f, "lift_same_side_hi", e->side_hi, 0);
    str(f, "lift_placement", e->placement == EV_SIDE ? "same_side" : "mirrored", 0);
    num(f, "lift", e->lift, 0);
    num(f, "lift_lo", e->lift_lo, 0);
    num(f, "lift_hi", e->lift_hi, 1);
    fprintf(f, "},");
}

static void evidence(FILE *f, const struct study *s)
{
    fprintf(f, "\"evidence\":[");
    for (size_t k = 0; k < s->n_ev; k++) {
        const struct study_ev *e = &s->ev[k];
        fprintf(f, "%s{", k ? "," : "");
        str(f, "row", e->name, 0);
        ev_rate(f, "whole_file", &e->whole);
        ev_rate(f, "judged", &e->judged);
        num(f, "judged_lift_boot_lo", e->lo, 0);
        num(f, "judged_lift_boot_hi", e->hi, 0);
        num(f, "judged_lift_mirrored_boot_lo", e->m_lo, 0);
        num(f, "judged_lift_mirrored_boot_hi", e->m_hi, 0);
        num(f, "judged_lift_same_side_boot_lo", e->s_lo, 0);
        num(f, "judged_lift_same_side_boot_hi", e->s_hi, 1);
        fprintf(f, "}");
    }
    fprintf(f, "],");
}

static void sim(FILE *f, const char *key, const struct study_sim *m)
{
    fprintf(f, "\"%s\":{", key);
    count(f, "entries", m->entries, 0);
    count(f, "accepted", m->accepted, 0);
    count(f, "refused", m->refused, 0);
    count(f, "invalid", m->invalid, 0);
    num(f, "refusal_rate", m->refusal, 0);
    num(f, "refusal_lo", m->refusal_lo, 0);
    num(f, "refusal_hi", m->refusal_hi, 0);
    count(f, "trades", m->m.trades, 0);
    num(f, "win_rate", m->m.win_rate, 0);
    num(f, "win_rate_lo", m->win_lo, 0);
    num(f, "win_rate_hi", m->win_hi, 0);
    num(f, "expectancy_r", m->m.expectancy, 0);
    num(f, "expectancy_lo", m->exp_lo, 0);
    num(f, "expectancy_hi", m->exp_hi, 0);
    num(f, "total_r", m->m.total_r, 0);
    num(f, "max_drawdown_r", m->m.max_drawdown, 1);
    fprintf(f, "},");
}

/* "exits":{arm:{n, mean, baseline, diff, lo, hi}, ...}, */
static void arms(FILE *f, const struct study_arm_diff *d)
{
    fprintf(f, "\"exits\":{");
    for (int a = 0; a < STUDY_ARMS; a++) {
        fprintf(f, "%s\"%s\":{", a ? "," : "", report_arm_key(a));
        count(f, "n", d[a].n, 0);
        num(f, "mean_r", d[a].mean, 0);
        num(f, "baseline_r", d[a].base, 0);
        num(f, "minus_baseline_r", d[a].diff, 0);
        num(f, "lo", d[a].lo, 0);
        num(f, "hi", d[a].hi, 1);
        fprintf(f, "}");
    }
    fprintf(f, "},");
}

static void file(FILE *f, const struct report_file *rf)
{
    const struct study *s = &rf->s;
    fprintf(f, "{");
    str(f, "file", rf->name, 0);
    str(f, "symbol", s->symbol, 0);
    str(f, "timeframe", tf_name(s->tf), 0);
    count(f, "bars", s->n_bars, 0);
    count(f, "split_bar", s->split, 0);
    fprintf(f, "\"first_ts\":%lld,\"split_ts\":%lld,\"last_ts\":%lld,", (long long)s->first_ts,
            (long long)s->split_ts, (long long)s->last_ts);
    count(f, "repaired_bars", rf->repaired, 0);
    count(f, "skipped_lines", rf->skipped, 0);
    num(f, "pip", s->pip, 0);
    calib(f, "prob_hold", &s->hold);
    calib(f, "p_tp1_first", &s->tp1);
    evidence(f, s);
    arms(f, s->arm);
    fprintf(f, "\"setups\":{");
    count(f, "every_bars", s->every, 0);
    sim(f, "zone", &s->zone);
    sim(f, "baseline", &s->fixed);
    sim(f, "baseline_same_entries", &s->fixed_same);
    num(f, "zone_minus_baseline_r", s->diff, 0);
    num(f, "zone_minus_baseline_lo", s->diff_lo, 0);
    num(f, "zone_minus_baseline_hi", s->diff_hi, 0);
    count(f, "fallback_stops", s->fallback_stops, 0);
    str(f, "first_refusal", s->zone.refused ? s->refusal_example : "", 0);
    count(f, "tp1_hits", s->tp1_hits, 0);
    count(f, "tp2_hits", s->tp2_hits, 0);
    count(f, "runner_activations", s->runner_activations, 0);
    count(f, "runner_zone_moves", s->runner_zone_moves, 1);
    fprintf(f, "}}");
}

void report_write_json(FILE *f, const struct report *r, const char *cmd)
{
    fprintf(f, "{");
    str(f, "generated_by", cmd, 0);
    fprintf(f, "\"bootstrap\":{\"draws\":%d,\"seed\":%u},\"files\":[", STUDY_DRAWS,
            STUDY_SEED);
    for (size_t k = 0; k < r->n; k++) {
        fprintf(f, "%s", k ? ",\n" : "\n");
        file(f, &r->f[k]);
    }
    fprintf(f, "],\n\"pooled\":{");
    arms(f, r->arms);
    count(f, "n_judged", r->pool.n, 0);
    num(f, "brier", r->pool.brier, 0);
    num(f, "brier_base", r->pool.brier_base, 0);
    num(f, "skill", r->pool.skill, 0);
    num(f, "skill_lo", r->pool.skill_lo, 0);
    num(f, "skill_hi", r->pool.skill_hi, 1);
    const struct study_lift_pool *lp = &r->lift_pool;
    fprintf(f, "},\n\"pooled_lift\":{");
    count(f, "zone_tests", (size_t)lp->sums[0], 0);
    count(f, "control_tests", (size_t)lp->sums[2], 0);
    count(f, "side_control_tests", (size_t)lp->sums[4], 0);
    num(f, "lift_mirrored", lp->mirror, 0);
    num(f, "lift_mirrored_lo", lp->m_lo, 0);
    num(f, "lift_mirrored_hi", lp->m_hi, 0);
    num(f, "lift_same_side", lp->side, 0);
    num(f, "lift_same_side_lo", lp->s_lo, 0);
    num(f, "lift_same_side_hi", lp->s_hi, 0);
    num(f, "lift", lp->lift, 0);
    num(f, "lift_lo", lp->lo, 0);
    num(f, "lift_hi", lp->hi, 1);
    fprintf(f, "},\n\"targets\":[");
    struct report_target t[REPORT_MAX_TARGETS];
    size_t n = report_targets(r, t, REPORT_MAX_TARGETS);
    for (size_t k = 0; k < n; k++) {
        fprintf(f, "%s{", k ? ",\n" : "\n");
        str(f, "what", t[k].what, 0);
        str(f, "where", t[k].where, 0);
        num(f, "value", t[k].value, 0);
        num(f, "goal", t[k].goal, 0);
        fprintf(f, "\"at_most\":%s,\"has_data\":%s,\"met\":%s}",
                t[k].at_most ? "true" : "false", t[k].has_data ? "true" : "false",
                t[k].met ? "true" : "false");
    }
    fprintf(f, "]}\n");
}
