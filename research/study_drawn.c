/*
 * study_drawn.c - the drawn sources' evidence rows (docs/sources.md "Drawn sources").
 *
 * They are off by default, so the study's own replay (study_replay.c, the defaults) has no
 * test of them. This replays the file once more with the default sources plus the six drawn
 * ones — drawn zones never merge, so the other zones are the same zones — and keeps the
 * drawn sources' rows exactly as study_evidence computes every row: the whole file's tally
 * (what GET /symbols/{symbol}/evidence serves with them on) and the judged half's, with its
 * day-block bootstrap interval.
 */
#include <stdlib.h>
#include <string.h>

#include "domain/engine.h"
#include "research/study_internal.h"

static int32_t day_of(int64_t ts)
{
    return (int32_t)(ts >= 0 ? ts / 86400 : -((-ts + 86399) / 86400));
}

int study_drawn(struct study *s, const struct bar *bars)
{
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources |= SRC_DRAWN;
    struct engine *e = engine_new(&p, s->pip, s->tf);
    struct zone_tally *days = NULL;
    size_t n_days = 0, cap = 0;
    int32_t last_day = INT32_MIN;
    int rc = e == NULL ? -1 : 0;
    for (size_t j = 0; rc == 0 && j <= s->n_bars; j++) {
        int32_t d = j < s->n_bars ? day_of(bars[j].ts) : INT32_MAX;
        if (j >= s->split && d != last_day) {
            rc = study_grow((void **)&days, &cap, n_days + 1, sizeof *days);
            if (rc != 0)
                break;
            days[n_days++] = *engine_tally(e);
            last_day = d;
        }
        if (j < s->n_bars && engine_push(e, &bars[j], NULL) == PUSH_NOMEM)
            rc = -1;
    }
    struct study *tmp = rc == 0 ? malloc(sizeof *tmp) : NULL;
    if (rc == 0 && tmp == NULL)
        rc = -1;
    if (rc == 0) {
        *tmp = *s;
        tmp->ev_days = NULL;
        rc = study_evidence(tmp, engine_tally(e), days, n_days);
        s->n_drawn = 0;
        for (size_t k = 0; rc == 0 && k < tmp->n_ev; k++) {
            enum liq_source src;
            if (source_parse(tmp->ev[k].name, &src) == 0 && ((SRC_DRAWN >> src) & 1u) &&
                s->n_drawn < STUDY_DRAWN_MAX)
                s->drawn[s->n_drawn++] = tmp->ev[k];
        }
        free(tmp->ev_days);
    }
    free(tmp);
    free(days);
    engine_free(e);
    return rc;
}
