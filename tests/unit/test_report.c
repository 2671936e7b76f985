/*
 * The report's rules on the real bar files (research/): the reader's repairs and names, and
 * a study of a slice of EURUSD M15 checked against independent simple loops — the ECE and
 * the Brier skill recomputed here, the halves never mixed, every entry of the rule
 * accounted for, intervals around their points, the same bytes twice.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/engine.h"
#include "domain/params.h"
#include "research/barfile.h"
#include "research/report.h"

#define SLICE 6000

static char *render(const struct report *r, int json)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert_not_null(f);
    if (json)
        cr_assert_eq(report_write_json(f, r, "scripts/report"), 0);
    else
        report_write_md(f, r, "scripts/report");
    cr_assert_eq(fclose(f), 0);
    return text;
}

static void study_slice(struct report_file *rf)
{
    struct barfile bf;
    cr_assert_eq(barfile_load(LIQ_DATA_DIR "/EURUSD_15M.csv", &bf), 0);
    snprintf(rf->name, sizeof rf->name, "EURUSD_15M.csv");
    struct study_opts o = STUDY_DEFAULTS;
    o.max_bars = SLICE;
    cr_assert_eq(study_run(bf.symbol, bf.tf, bf.bars, bf.n, &o, &rf->s), 0);
    barfile_free(&bf);
}

Test(report, reader_repairs_usdjpy_and_reads_names)
{
    struct barfile bf;
    cr_assert_eq(barfile_load(LIQ_DATA_DIR "/USDJPY_15M.csv", &bf), 0);
    cr_assert_str_eq(bf.symbol, "USDJPY");
    cr_assert_eq(bf.tf, TF_M15);
    cr_assert_eq(bf.n, 12465);
    cr_assert_eq(bf.repaired, 250, "the data README counts 250 such bars, got %zu",
                 bf.repaired);
    cr_assert_eq(bf.skipped, 0);
    for (size_t i = 0; i < bf.n; i++) {
        const struct bar *b = &bf.bars[i];
        cr_assert(b->low <= fmin(b->open, b->close) && b->high >= fmax(b->open, b->close));
        cr_assert(i == 0 || b->ts > bf.bars[i - 1].ts);
    }
    barfile_free(&bf);
    char sym[32];
    enum timeframe tf;
    cr_assert_eq(barfile_name("/x/SPY_1H.csv", sym, sizeof sym, &tf), 0);
    cr_assert(strcmp(sym, "SPY") == 0 && tf == TF_H1);
    cr_assert_eq(barfile_name("XAUUSD_M5.csv", sym, sizeof sym, &tf), 0);
    cr_assert(strcmp(sym, "XAUUSD") == 0 && tf == TF_M5);
    cr_assert_eq(barfile_name("EURUSD.csv", sym, sizeof sym, &tf), -1);
    cr_assert_eq(barfile_name("EURUSD_7X.csv", sym, sizeof sym, &tf), -1);
    /* a peer result file is named like a bar file but holds no bar */
    cr_assert_eq(barfile_load(LIQ_DATA_DIR "/previous_high_low_result_data_1D.csv", &bf), -1);
}

/* ECE and Brier skill of the judged half by the plainest loops, against the study's. */
static void check_calibration(const struct study_obs_set *set, const struct study_calib *c)
{
    size_t n[STUDY_BINS] = {0}, nj = set->n - set->n_fit, ones = 0;
    double sp[STUDY_BINS] = {0}, sy[STUDY_BINS] = {0}, bm = 0.0, bb = 0.0;
    for (size_t i = 0; i < set->n_fit; i++)
        ones += set->v[i].y;
    double base = (double)ones / (double)set->n_fit;
    cr_assert_float_eq(c->base_rate, base, 1e-12);
    for (size_t i = set->n_fit; i < set->n; i++) {
        double p = set->v[i].p;
        int k = (int)(p * STUDY_BINS);
        k = k < 0 ? 0 : k >= STUDY_BINS ? STUDY_BINS - 1 : k;
        n[k]++;
        sp[k] += p;
        sy[k] += set->v[i].y;
        bm += (p - set->v[i].y) * (p - set->v[i].y);
        bb += (base - set->v[i].y) * (base - set->v[i].y);
    }
    double ece = 0.0;
    for (int k = 0; k < STUDY_BINS; k++)
        if (n[k])
            ece += fabs(sp[k] / (double)n[k] - sy[k] / (double)n[k]) * (double)n[k] /
                   (double)nj;
    cr_assert_float_eq(c->ece, ece, 1e-9, "ECE %f, by hand %f", c->ece, ece);
    cr_assert_float_eq(c->skill, 1.0 - bm / bb, 1e-9);
    cr_assert(c->skill_lo <= c->skill && c->skill <= c->skill_hi, "%f [%f, %f]", c->skill,
              c->skill_lo, c->skill_hi);
}

Test(report, slice_follows_the_rules)
{
    struct report_file rf = {0};
    study_slice(&rf);
    const struct study *s = &rf.s;
    cr_assert_eq(s->n_bars, SLICE);
    cr_assert_eq(s->split, SLICE / 2);
    cr_assert_eq(s->every, 16); /* 4 hours of M15 bars */
    cr_assert_gt(s->hold.n_fit, 100);
    cr_assert_gt(s->hold.n, 100);
    check_calibration(&s->hold_obs, &s->hold);
    /* p_tp1_first: a setup every whole hour of the slice, most of them accepted and resolved */
    cr_assert_gt(s->tp1.n_fit, 100);
    cr_assert_gt(s->tp1.n, 100);
    check_calibration(&s->tp1_obs, &s->tp1);
    for (size_t i = 0; i < s->tp1_obs.n; i++) {
        const struct study_obs *v = &s->tp1_obs.v[i];
        cr_assert(v->y <= 1 && v->p > 0.0f && v->p < 1.0f && v->zone == 0);
        cr_assert(i == 0 || v->bar > s->tp1_obs.v[i - 1].bar);
    }
    /* fit observations come from the first half's days, judged ones from the second's */
    int32_t split_day = (int32_t)(day_start(s->split_ts) / 86400);
    for (size_t i = 0; i < s->hold_obs.n; i++) {
        const struct study_obs *v = &s->hold_obs.v[i];
        cr_assert(v->y <= 1 && v->p >= 0.0f && v->p <= 1.0f);
        cr_assert(i < s->hold_obs.n_fit ? v->day <= split_day : v->day >= split_day);
    }
    /* every entry of the rule is a trade, a refusal or invalid; the baseline takes them all */
    size_t entries = (SLICE - SLICE / 2 - 1) / 16 + 1;
    cr_assert_eq(s->zone.entries, entries);
    cr_assert_eq(s->zone.accepted + s->zone.refused + s->zone.invalid, entries);
    cr_assert_eq(s->zone_t.n, s->zone.accepted);
    cr_assert_eq(s->fixed_t.n + s->fixed.invalid, entries);
    /* the decomposition: the baseline arm is the baseline, each arm's difference is its mean
     * minus the baseline's on the entries both took, and one file pooled is that file */
    cr_assert_eq(s->n_entries, entries);
    for (size_t i = 0; i < s->fixed_t.n; i++)
        cr_assert_float_eq(s->arm_r[STUDY_ARM_ATR_R][s->fixed_t.v[i].entry], s->fixed_t.v[i].r,
                           1e-12);
    for (int a = 0; a < STUDY_ARMS; a++) {
        const struct study_arm_diff *d = &s->arm[a];
        double x = 0.0, y = 0.0;
        size_t n = 0;
        for (size_t i = 0; i < s->n_entries; i++) {
            if (isnan(s->arm_r[a][i]) || isnan(s->arm_r[STUDY_ARM_ATR_R][i]))
                continue;
            x += s->arm_r[a][i];
            y += s->arm_r[STUDY_ARM_ATR_R][i];
            n++;
        }
        cr_assert_eq(d->n, n);
        cr_assert(n > 0, "arm %d traded", a);
        cr_assert_float_eq(d->diff, (x - y) / (double)n, 1e-9);
        cr_assert(d->lo <= d->diff && d->diff <= d->hi);
        struct study_arm_diff pooled;
        cr_assert_eq(study_pool_arm(&s, 1, (enum study_arm)a, s->opts.draws, s->opts.seed,
                                    &pooled), 0);
        cr_assert(memcmp(&pooled, d, sizeof pooled) == 0);
    }
    cr_assert_float_eq(s->arm[STUDY_ARM_ATR_R].diff, 0.0, 1e-12);
    cr_assert(s->zone.refusal_lo <= s->zone.refusal && s->zone.refusal <= s->zone.refusal_hi);
    cr_assert(s->fixed.exp_lo <= s->fixed.m.expectancy &&
              s->fixed.m.expectancy <= s->fixed.exp_hi);
    /* the baseline never loses more than 1 R except through a gap beyond its stop (the bar
     * opens 15 pips or more from the last close: the fill is at price), and never wins more
     * than its target: 1.5 R of the rounded stop, rounded away from entry, so up to a tick
     * beyond 1.5 R (its 1.5 ATR14 stops are tens of ticks: under 0.05 R) */
    struct barfile bf;
    cr_assert_eq(barfile_load(LIQ_DATA_DIR "/EURUSD_15M.csv", &bf), 0);
    for (size_t i = 0; i < s->fixed_t.n; i++) {
        const struct study_trade *t = &s->fixed_t.v[i];
        const struct bar *cb = &bf.bars[t->close_bar], *pb = cb - 1;
        int gap = fabs(cb->open - pb->close) > 0.0015;
        cr_assert((t->r >= -1.0 - 1e-9 || gap) && t->r <= s->opts.fixed_rr + 0.05,
                  "R %f at bar %zu", t->r, t->close_bar);
    }
    barfile_free(&bf);
    for (size_t i = 1; i < s->fixed_t.n; i++)
        cr_assert_geq(s->fixed_t.v[i].close_bar, s->fixed_t.v[i - 1].close_bar);

    struct report r = {.f = &rf, .n = 1};
    const struct study *all[1] = {s};
    cr_assert_eq(study_pool(all, 1, STUDY_DRAWS, STUDY_SEED, &r.pool), 0);
    cr_assert_eq(report_pool_arms(&r, r.arms), 0);
    /* one file pooled is that file */
    cr_assert_float_eq(r.pool.skill, s->hold.skill, 1e-9);
    cr_assert(memcmp(&r.arms[STUDY_ARM_SERVICE], &s->arm[STUDY_ARM_SERVICE],
                     sizeof r.arms[0]) == 0);
    struct report_target t[REPORT_MAX_TARGETS];
    size_t nt = report_targets(&r, t, REPORT_MAX_TARGETS);
    cr_assert_eq(nt, 4 + 1 + 3 + 3);
    for (size_t k = 0; k < nt; k++)
        cr_assert_eq(t[k].met, t[k].has_data && (t[k].at_most ? t[k].value <= t[k].goal
                                                               : t[k].value >= t[k].goal));
    char *md = render(&r, 0), *js = render(&r, 1);
    char ece[64];
    snprintf(ece, sizeof ece, "**ECE %.4f**", s->hold.ece);
    cr_assert_not_null(strstr(md, ece), "the writer prints the study's ECE");
    cr_assert_not_null(strstr(md, "## Conclusion"));
    cr_assert_not_null(strstr(md, "## Where the zone exits' cost comes from"));
    cr_assert_not_null(strstr(md, "## What expected_r is worth"));
    json_error_t e;
    json_t *doc = json_loads(js, 0, &e);
    cr_assert_not_null(doc, "the JSON parses: %s", e.text);
    cr_assert_eq(json_array_size(json_object_get(doc, "targets")), nt);
    json_t *hold = json_object_get(json_array_get(json_object_get(doc, "files"), 0), "prob_hold");
    cr_assert_float_eq(json_number_value(json_object_get(hold, "ece")), s->hold.ece,
                       1e-5 * fabs(s->hold.ece) + 1e-12, "the JSON holds the ECE (6 digits)");
    cr_assert_eq(json_integer_value(json_object_get(hold, "n_judged")), (json_int_t)s->hold.n);
    json_t *svc = json_object_get(json_object_get(json_object_get(doc, "pooled"), "exits"),
                                  "service_default");
    double d = s->arm[STUDY_ARM_SERVICE].diff;
    cr_assert_float_eq(json_number_value(json_object_get(svc, "minus_baseline_r")), d,
                       1e-5 * fabs(d) + 1e-12, "the JSON holds the service's exits figure");
    json_decref(doc);

    /* the same bars give the same bytes */
    struct report_file rf2 = {0};
    study_slice(&rf2);
    struct report r2 = {.f = &rf2, .n = 1};
    const struct study *all2[1] = {&rf2.s};
    cr_assert_eq(study_pool(all2, 1, STUDY_DRAWS, STUDY_SEED, &r2.pool), 0);
    cr_assert_eq(report_pool_arms(&r2, r2.arms), 0);
    char *md2 = render(&r2, 0), *js2 = render(&r2, 1);
    cr_assert_str_eq(md, md2);
    cr_assert_str_eq(js, js2);
    free(md), free(js), free(md2), free(js2);
    study_free(&rf.s);
    study_free(&rf2.s);
}

/*
 * Every prob_hold the study scores is the number the service would have published: replay
 * the same bars with a fresh engine, refresh after the bar before each test (as the service
 * does after a batch) and read the zone's prob_hold.
 */
Test(report, prob_hold_is_what_a_refresh_before_the_test_publishes)
{
    struct report_file rf = {0};
    study_slice(&rf);
    const struct study *s = &rf.s;
    struct barfile bf;
    cr_assert_eq(barfile_load(LIQ_DATA_DIR "/EURUSD_15M.csv", &bf), 0);
    struct liq_params p;
    params_defaults(&p);
    struct engine *e = engine_new(&p, s->pip, s->tf);
    cr_assert_not_null(e);
    size_t pushed = 0, checked = 0;
    for (size_t i = 0; i < s->hold_obs.n; i++) {
        const struct study_obs *v = &s->hold_obs.v[i];
        cr_assert(i == 0 || v->bar >= s->hold_obs.v[i - 1].bar, "observations in bar order");
        while (pushed < v->bar)
            cr_assert_eq(engine_push(e, &bf.bars[pushed++], NULL), PUSH_OK);
        cr_assert_eq(engine_refresh(e), 0);
        const struct zone *z = engine_zone_get(e, v->zone);
        cr_assert_not_null(z);
        cr_assert_eq(z->prob_hold, v->p, "test %zu at bar %u zone %u: published %f, scored %f",
                     i, v->bar, v->zone, z->prob_hold, v->p);
        checked++;
    }
    cr_assert_gt(checked, 200);
    /* the evidence rows: the judged half's part of the whole file's tally */
    cr_assert_gt(s->n_ev, 0);
    for (size_t k = 0; k < s->n_ev; k++) {
        const struct study_ev *ev = &s->ev[k];
        cr_assert_leq(ev->judged.tests, ev->whole.tests);
        cr_assert_leq(ev->judged.ctl_tests, ev->whole.ctl_tests);
        cr_assert_leq(ev->whole.bounces, ev->whole.tests);
        cr_assert(ev->lo <= ev->judged.lift && ev->judged.lift <= ev->hi, "%s: %f [%f, %f]",
                  ev->name, ev->judged.lift, ev->lo, ev->hi);
    }
    engine_free(e);
    barfile_free(&bf);
    study_free(&rf.s);
}
