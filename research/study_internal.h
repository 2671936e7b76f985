/*
 * study_internal.h - what the files of the study (study_replay.c, study.c) share and
 * nothing else needs.
 */
#ifndef LIQ_RESEARCH_STUDY_INTERNAL_H
#define LIQ_RESEARCH_STUDY_INTERNAL_H

#include "domain/setup.h"
#include "domain/evidence.h"
#include "domain/zone_stats.h"
#include "research/study.h"

/* Grows *v (elements of elem bytes, *cap of them) to hold need, zeroing the new part. */
int study_grow(void **v, size_t *cap, size_t need, size_t elem);

/* The replay (study_replay.c): fills the observations, trades and counters of s, whose
 * symbol, tf, n_bars, split, pip, every and opts are set. 0 / -1 on ENOMEM. */
int study_replay(struct study *s, const struct bar *bars);

/*
 * The evidence rows (study_evidence.c): whole = the engine's tally after the last bar (what
 * GET /symbols/{symbol}/evidence serves), judged = days[n_days - 1] - days[0], each day's
 * difference a bootstrap block. days: the tally before each judged day's first bar, then
 * after the last bar. 0 / -1 on ENOMEM.
 */
int study_evidence(struct study *s, const struct zone_tally *whole,
                   const struct zone_tally *days, size_t n_days);

/* The drawn sources' rows into s->drawn: the file replayed with the default sources plus
 * SRC_DRAWN, rows as study_evidence makes them. 0 / -1 on ENOMEM. */
int study_drawn(struct study *s, const struct bar *bars);

/* 1 when a zone event of this kind ends a test. */
static inline int study_resolves(uint8_t kind)
{
    return kind == ZEV_HOLD || kind == ZEV_SWEEP || kind == ZEV_BREAK || kind == ZEV_TIMEOUT;
}

#endif
