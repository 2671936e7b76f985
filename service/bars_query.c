/*
 * bars_query.c - see bars_query.h. The one idea: copy under the writer's lock, format
 * outside it, so JSON rendering never delays an ingest. A symbol whose bars are stored
 * (persistence on) keeps only its latest in memory: an answer reaching further back is
 * read from PostgreSQL, which holds only committed ones.
 */
#include "service/bars_query.h"
#include "base/lower_bound.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"
#include "storage/stores.h"

struct collect {
    struct bar *v;
    size_t n, cap;
};

static int collect_bar(void *ctx, const struct bar *b)
{
    struct collect *k = ctx;
    struct bar *v = grow_array(k->v, &k->cap, k->n + 1, sizeof *v, 256);
    if (v == NULL)
        return 2; /* out of memory: told apart from a database error */
    k->v = v;
    k->v[k->n++] = *b;
    return 0;
}

/* Up to limit stored bars of s in [from, to), oldest first (newest_first: the newest
 * limit, returned oldest first). 0, -1 out of memory, -2 the database cannot answer. */
static int stored(struct symbol_state *s, int64_t from, int64_t to, size_t limit,
                  int newest_first, struct collect *k)
{
    pthread_mutex_lock(&s->write_lock);
    /* the log answers when it holds every bar or the whole answer (its latest ones) */
    int memory = !s->persisted || symbol_log_whole(s) ||
                 (newest_first ? limit <= s->nlog : s->nlog > 0 && from >= s->log[0].ts);
    char name[sizeof s->name];
    memcpy(name, s->name, sizeof name);
    enum timeframe tf = s->tf;
    pthread_mutex_unlock(&s->write_lock);
    if (memory)
        return 1;
    PGconn *c = pg_conn();
    if (c == NULL)
        return -2;
    int rc = bars_store_range(c, name, tf, from, to, limit, newest_first, collect_bar, k);
    if (rc != 0) {
        free(k->v);
        *k = (struct collect){0};
        return rc == 2 ? -1 : -2;
    }
    for (size_t i = 0; newest_first && i < k->n / 2; i++) {
        struct bar t = k->v[i];
        k->v[i] = k->v[k->n - 1 - i];
        k->v[k->n - 1 - i] = t;
    }
    return 0;
}

int state_recent_bars(struct symbol_state *s, size_t limit, struct bar **out, size_t *n,
                      enum timeframe *tf)
{
    *out = NULL;
    *n = 0;
    struct collect k = {0};
    int rc = stored(s, INT64_MIN, INT64_MAX, limit, 1, &k);
    if (rc <= 0) {
        if (tf != NULL)
            *tf = s->tf;
        *out = k.v;
        *n = k.n;
        return rc;
    }
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
    struct collect k = {0};
    int rc = limit < SIZE_MAX ? stored(s, from, to > from ? to : from, limit + 1, 0, &k) : 1;
    if (rc <= 0) {
        if (tf != NULL)
            *tf = s->tf;
        if (k.n > limit) {
            *next_ts = k.v[limit].ts;
            k.n = limit;
        }
        *out = k.n ? k.v : NULL;
        if (k.n == 0)
            free(k.v);
        *n = k.n;
        return rc;
    }
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
