/*
 * symtab.c - see symtab.h.
 */
#include "base/symtab.h"

#include <stdlib.h>
#include <string.h>

#include "base/hash.h"

int symtab_init(struct symtab *t, size_t cap, size_t key_off)
{
    t->slots = NULL;
    t->cap = 0;
    t->key_off = key_off;
    atomic_init(&t->count, 0);
    if (cap < 2 || (cap & (cap - 1)) != 0)
        return -1;
    t->slots = calloc(cap, sizeof *t->slots);
    if (t->slots == NULL)
        return -1;
    for (size_t i = 0; i < cap; i++)
        atomic_init(&t->slots[i], NULL);
    t->cap = cap;
    return 0;
}

void symtab_free(struct symtab *t)
{
    free(t->slots);
    t->slots = NULL;
    t->cap = 0;
}

static const char *key_of(const struct symtab *t, const void *entry)
{
    return (const char *)entry + t->key_off;
}

void *symtab_find(const struct symtab *t, const char *name)
{
    if (t->cap == 0)
        return NULL;
    size_t mask = t->cap - 1;
    for (size_t i = hash_str(name) & mask, probes = 0; probes < t->cap;
         i = (i + 1) & mask, probes++) {
        void *e = atomic_load_explicit(&t->slots[i], memory_order_acquire);
        if (e == NULL)
            return NULL;
        if (strcmp(key_of(t, e), name) == 0)
            return e;
    }
    return NULL;
}

int symtab_full(const struct symtab *t)
{
    return atomic_load(&t->count) >= t->cap / 2;
}

int symtab_add(struct symtab *t, void *entry)
{
    if (symtab_full(t))
        return -1;
    size_t mask = t->cap - 1;
    size_t i = hash_str(key_of(t, entry)) & mask;
    while (atomic_load_explicit(&t->slots[i], memory_order_relaxed) != NULL)
        i = (i + 1) & mask;
    atomic_store_explicit(&t->slots[i], entry, memory_order_release);
    atomic_fetch_add(&t->count, 1);
    return 0;
}

size_t symtab_count(const struct symtab *t)
{
    return atomic_load(&t->count);
}

void *symtab_slot(const struct symtab *t, size_t i)
{
    return atomic_load_explicit(&t->slots[i], memory_order_acquire);
}
