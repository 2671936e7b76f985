/*
 * report.h - docs/report.md and its JSON twin from the studies of several bar files
 * (study.h): per file the calibration, the evidence and the setups; over all files the
 * pooled skill and the targets, each checked and stated plainly.
 *
 * research/report_main.c (the `report` program, run by scripts/report) reads the files,
 * runs the studies and calls the writers; tests/unit/test_report.c runs the same code on
 * slices of the real files.
 */
#ifndef LIQ_RESEARCH_REPORT_H
#define LIQ_RESEARCH_REPORT_H

#include <stdio.h>

#include "research/study.h"

struct report_file {
    char name[64];         /* the file's base name, e.g. "EURUSD_15M.csv" */
    size_t repaired, skipped; /* from the reader (barfile.h) */
    struct study s;
};

struct report {
    struct report_file *f;
    size_t n;
    struct study_pool pool;
    struct study_arm_diff arms[STUDY_ARMS]; /* each arm pooled over the files */
    struct study_lift_pool lift_pool;
};

/* The exits' decomposition and expected_r's worth (report_exits.c). */
int report_pool_arms(const struct report *r, struct study_arm_diff pooled[STUDY_ARMS]);
void report_write_exits(FILE *f, const struct report *r,
                        const struct study_arm_diff pooled[STUDY_ARMS]);
int report_write_er(FILE *f, const struct report *r, double min_er);
/* The engine's record of zone exits against geometry exits per file (exit_record.h): after
 * the fit half and after the whole file, with the exit exit_method auto gives then. */
void report_write_record(FILE *f, const struct report *r);
const char *report_arm_key(int a);
/* The default trades whose expected_r >= min_er, over all files: how many, their mean
 * predicted expected_r and realized R. */
size_t report_er_kept(const struct report *r, double min_er, double *pred, double *real);

/* One target of the "Done when", checked on the judged halves. */
struct report_target {
    char what[64];         /* "ECE of prob_hold", ... */
    char where[64];        /* a file name, or "all files" */
    double value, goal;
    int at_most;           /* 1: value <= goal is met; 0: value >= goal */
    int has_data;          /* 0: nothing to measure (no observation): not met */
    int met;
};

#define REPORT_MAX_TARGETS 64

/* The targets of r in a fixed order (per file: ECE hold, ECE p_tp1_first, skill, refusal;
 * then the three event counts over all files). Returns how many were written (<= max). */
size_t report_targets(const struct report *r, struct report_target *t, size_t max);

/* The markdown. cmd: the command that regenerates it, printed verbatim. */
void report_write_md(FILE *f, const struct report *r, const char *cmd);

/* The same figures as one JSON object (jansson). 0, or -1 out of memory or on I/O error. */
int report_write_json(FILE *f, const struct report *r, const char *cmd);

/*
 * Plot data for gnuplot in dir, per file k (0, 1, ... in r's order): rel_hold_<k>.dat and
 * rel_tp1_<k>.dat (bin, mean predicted, observed, n; non-empty bins only) and
 * equity_<k>.dat (close ts, cumulative R of the zone method; two blank lines; the same for
 * the baseline). 0, or -1 on I/O error.
 */
int report_write_data(const struct report *r, const char *dir);

/* "2023-04-06 13:45" for epoch seconds ts (UTC). */
void report_fmt_ts(int64_t ts, char *buf, size_t len);

#endif
