/*
 * bars_query.c - see bars_query.h. The one idea: copy under the writer's lock, format
 * outside it, so JSON rendering never delays an ingest.
 */
#include "service/bars_query.h"
#include "base/lower_bound.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

int state_recent_bars(struct symbol_state *s, size_t limit, struct bar **out, size_t *n,
                      enum timeframe *tf)
{
    *out = NULL;
    *n = 0;
    pthread_mutex_lock(&s->write_lock);
    size_t take = s->nlog < limit ? s->nlog : limit;
    struct bar *copy = NULL;
    if (take > 0) {
        copy = malloc(take * sizeof *copy);
        if (copy != NULL)
            memcpy(copy, s->log + (s->nlog - take), take * sizeof *copy);
    }
    if (tf != NULL)
        *tf = s->tf;
    pthread_mutex_unlock(&s->write_lock);
    if (take > 0 && copy == NULL)
        return -1;
    *out = copy;
    *n = take;
    return 0;
}

/* The first index of log[0..n) whose ts is >= t (n if none); the log is in ts order. */
static size_t lower_bound(const struct bar *log, size_t n, int64_t t)
{
    return n ? lower_bound_i64(&log[0].ts, n, sizeof log[0], t) : 0;
}

int state_range_bars(struct symbol_state *s, int64_t from, int64_t to, size_t limit,
                     struct bar **out, size_t *n, enum timeframe *tf, int64_t *next_ts)
{
    *out = NULL;
    *n = 0;
    *next_ts = -1;
    pthread_mutex_lock(&s->write_lock);
    size_t a = lower_bound(s->log, s->nlog, from);
    size_t b = to > from ? lower_bound(s->log, s->nlog, to) : a;
    size_t take = b - a < limit ? b - a : limit;
    struct bar *copy = NULL;
    if (take > 0) {
        copy = malloc(take * sizeof *copy);
        if (copy != NULL)
            memcpy(copy, s->log + a, take * sizeof *copy);
    }
    if (a + take < b)
        *next_ts = s->log[a + take].ts;
    if (tf != NULL)
        *tf = s->tf;
    pthread_mutex_unlock(&s->write_lock);
    if (take > 0 && copy == NULL)
        return -1;
    *out = copy;
    *n = take;
    return 0;
}
