/*
 * bars_query.c - see bars_query.h. The one idea: copy under the writer's lock, format
 * outside it, so JSON rendering never delays an ingest.
 */
#include "service/bars_query.h"

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
