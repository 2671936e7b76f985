/*
 * trading_book.c - the book of open trades and learner tables (see trading_book.h), and the
 * trading.h functions that only read or reload it: trading_new/free, trading_get_open,
 * trading_open_count, and a symbol's trades loaded, dropped or forgotten.
 */
#include "service/trading_book.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/stores.h"
#include "base/grow.h"

struct trading *trading_new(void)
{
    struct trading *tr = calloc(1, sizeof *tr);
    if (tr == NULL)
        return NULL;
    pthread_mutex_init(&tr->lock, NULL);
    for (int i = 0; i < TRADE_LOCK_STRIPES; i++)
        pthread_mutex_init(&tr->stripes[i], NULL);
    tr->next_id = 1;
    return tr;
}

void trading_free(struct trading *tr)
{
    if (tr == NULL)
        return;
    for (size_t i = 0; i < tr->nlearn; i++)
        free(tr->learn[i].tab.rows);
    free(tr->learn);
    free(tr->open);
    free(tr->slot_id);
    free(tr->slot_pos);
    for (int i = 0; i < TRADE_LOCK_STRIPES; i++)
        pthread_mutex_destroy(&tr->stripes[i]);
    pthread_mutex_destroy(&tr->lock);
    free(tr);
}

/* --- open trades by id (callers hold tr->lock) --------------------------------------- */

static size_t slot_home(uint64_t id, size_t nslots)
{
    uint64_t h = id * 0x9E3779B97F4A7C15u;
    return (size_t)(h ^ (h >> 29)) & (nslots - 1);
}

/* The slot holding id, or the empty slot where it would go. */
static size_t slot_find(const struct trading *tr, uint64_t id)
{
    size_t mask = 2 * tr->capopen - 1;
    size_t i = slot_home(id, 2 * tr->capopen);
    while (tr->slot_pos[i] != 0 && tr->slot_id[i] != id)
        i = (i + 1) & mask;
    return i;
}

static void slot_put(struct trading *tr, uint64_t id, size_t pos)
{
    size_t i = slot_find(tr, id);
    tr->slot_id[i] = id;
    tr->slot_pos[i] = pos + 1;
}

/* Removes id (present) by backward shift: later entries of its probe run move up, so no
 * tombstones accumulate. */
static void slot_del(struct trading *tr, uint64_t id)
{
    size_t mask = 2 * tr->capopen - 1;
    size_t i = slot_find(tr, id);
    assert(tr->slot_pos[i] != 0);
    tr->slot_pos[i] = 0;
    for (size_t j = (i + 1) & mask; tr->slot_pos[j] != 0; j = (j + 1) & mask) {
        size_t k = slot_home(tr->slot_id[j], mask + 1);
        int stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays)
            continue;
        tr->slot_id[i] = tr->slot_id[j];
        tr->slot_pos[i] = tr->slot_pos[j];
        tr->slot_pos[j] = 0;
        i = j;
    }
}

int book_reserve(struct trading *tr)
{
    if (tr->nopen + tr->pending < tr->capopen)
        return 0;
    size_t cap = tr->capopen ? tr->capopen * 2 : 16;
    struct open_trade *o = realloc(tr->open, cap * sizeof *o);
    if (o == NULL)
        return -1;
    tr->open = o;
    uint64_t *ids = calloc(2 * cap, sizeof *ids);
    size_t *pos = calloc(2 * cap, sizeof *pos);
    if (ids == NULL || pos == NULL) {
        free(ids);
        free(pos);
        return -1;
    }
    free(tr->slot_id);
    free(tr->slot_pos);
    tr->slot_id = ids;
    tr->slot_pos = pos;
    tr->capopen = cap;
    for (size_t i = 0; i < tr->nopen; i++)
        slot_put(tr, tr->open[i].t.id, i);
    return 0;
}

long book_find(const struct trading *tr, uint64_t id)
{
    if (tr->capopen == 0)
        return -1;
    size_t i = slot_find(tr, id);
    if (tr->slot_pos[i] == 0)
        return -1;
    assert(tr->open[tr->slot_pos[i] - 1].t.id == id);
    return (long)(tr->slot_pos[i] - 1);
}

/* Appends an open trade (room reserved by book_reserve). */
void book_add(struct trading *tr, const char *symbol, const struct trade *t)
{
    struct open_trade *ot = &tr->open[tr->nopen];
    snprintf(ot->symbol, sizeof ot->symbol, "%s", symbol);
    ot->t = *t;
    slot_put(tr, t->id, tr->nopen);
    tr->nopen++;
}

/* Removes open[i]; the last entry takes its place. */
void book_remove(struct trading *tr, size_t i)
{
    slot_del(tr, tr->open[i].t.id);
    tr->nopen--;
    if (i != tr->nopen) {
        tr->open[i] = tr->open[tr->nopen];
        slot_put(tr, tr->open[i].t.id, i); /* overwrites its old position */
    }
}

/* The learner table of symbol, created empty when absent; NULL when out of memory. */
struct symbol_learning *book_learning(struct trading *tr, const char *symbol)
{
    for (size_t i = 0; i < tr->nlearn; i++)
        if (strcmp(tr->learn[i].symbol, symbol) == 0)
            return &tr->learn[i];
    struct symbol_learning *l = grow_array(tr->learn, &tr->caplearn, tr->nlearn + 1,
                                           sizeof *l, 8);
    if (l == NULL)
        return NULL;
    tr->learn = l;
    struct symbol_learning *sl = &tr->learn[tr->nlearn++];
    memset(sl, 0, sizeof *sl);
    snprintf(sl->symbol, sizeof sl->symbol, "%s", symbol);
    return sl;
}

pthread_mutex_t *book_stripe(struct trading *tr, uint64_t id)
{
    return &tr->stripes[id % TRADE_LOCK_STRIPES];
}


int trading_get_open(struct trading *tr, uint64_t id, char *symbol, size_t symlen,
                     struct trade *out)
{
    pthread_mutex_lock(&tr->lock);
    long i = book_find(tr, id);
    if (i >= 0) {
        snprintf(symbol, symlen, "%s", tr->open[i].symbol);
        *out = tr->open[i].t;
    }
    pthread_mutex_unlock(&tr->lock);
    return i >= 0 ? 0 : -1;
}

size_t trading_open_count(struct trading *tr)
{
    pthread_mutex_lock(&tr->lock);
    size_t n = tr->nopen;
    pthread_mutex_unlock(&tr->lock);
    return n;
}

/* --- a symbol taken over or given up (service/ownership.c) -------------------------- */

static int load_trade(void *ctx, const char *symbol, const struct trade *t)
{
    struct trading *tr = ctx;
    if (book_reserve(tr) != 0)
        return -1;
    book_add(tr, symbol, t);
    return 0;
}

static int load_stat(void *ctx, const char *symbol, const struct level_stat *row)
{
    struct trading *tr = ctx;
    struct symbol_learning *sl = book_learning(tr, symbol);
    if (sl == NULL)
        return -1;
    return learner_append(&sl->tab, row);
}

/* Removes every open trade and the learner table of symbol; under tr->lock. */
static void drop_locked(struct trading *tr, const char *symbol)
{
    for (size_t i = tr->nopen; i-- > 0;)
        if (strcmp(tr->open[i].symbol, symbol) == 0)
            book_remove(tr, i);
    for (size_t i = 0; i < tr->nlearn; i++) {
        if (strcmp(tr->learn[i].symbol, symbol) == 0) {
            free(tr->learn[i].tab.rows);
            memset(&tr->learn[i].tab, 0, sizeof tr->learn[i].tab);
        }
    }
}

void trading_drop_symbol(struct trading *tr, const char *symbol)
{
    pthread_mutex_lock(&tr->lock);
    drop_locked(tr, symbol);
    pthread_mutex_unlock(&tr->lock);
}

int trading_load_symbol(struct trading *tr, PGconn *c, const char *symbol)
{
    pthread_mutex_lock(&tr->lock);
    drop_locked(tr, symbol); /* nothing, unless a failed load left a part behind */
    int rc = trades_store_each_open(c, symbol, load_trade, tr) == 0 &&
                     level_stats_store_each(c, symbol, load_stat, tr) == 0
                 ? 0
                 : -1;
    pthread_mutex_unlock(&tr->lock);
    return rc;
}

long trading_open_of(void *ctx, const char *symbol)
{
    struct trading *tr = ctx;
    long n = 0;
    pthread_mutex_lock(&tr->lock);
    for (size_t i = 0; i < tr->nopen; i++)
        n += strcmp(tr->open[i].symbol, symbol) == 0;
    pthread_mutex_unlock(&tr->lock);
    return n;
}

void trading_forget_symbol(void *ctx, const char *symbol)
{
    /* the learner entry stays where it is (others hold pointers to theirs); only emptied */
    trading_drop_symbol(ctx, symbol);
}
