/*
 * study_internal.h - what the files of the study (study_replay.c, study.c) share and
 * nothing else needs.
 */
#ifndef LIQ_RESEARCH_STUDY_INTERNAL_H
#define LIQ_RESEARCH_STUDY_INTERNAL_H

#include "domain/setup.h"
#include "domain/zone_stats.h"
#include "research/study.h"

/* Grows *v (elements of elem bytes, *cap of them) to hold need, zeroing the new part. */
int study_grow(void **v, size_t *cap, size_t need, size_t elem);

/* The replay (study_replay.c): fills the observations, trades and counters of s, whose
 * symbol, tf, n_bars, split, pip, every and opts are set. 0 / -1 on ENOMEM. */
int study_replay(struct study *s, const struct bar *bars);

/* 1 when a zone event of this kind ends a test. */
static inline int study_resolves(uint8_t kind)
{
    return kind == ZEV_HOLD || kind == ZEV_SWEEP || kind == ZEV_BREAK || kind == ZEV_TIMEOUT;
}

/* The setup's calibrated probability that TP1 comes before the stop; < 0 when it has none. */
static inline double study_p_tp1(const struct setup_result *r)
{
    return r->p_tp1_first;
}

#endif
