/*
 * symtab.h - the one symbol table: a name (NUL-terminated, inside the entry at key_off) to
 * the caller's entry. An append-only open-addressing array of pointers, probed linearly
 * from the name's hash (base/hash.h). Lookups are lock-free (acquire loads); inserts are
 * serialised by the caller's own lock and publish the entry with a release store, so a
 * reader sees a whole entry or none. Entries are never removed while the table lives and
 * the table takes at most cap / 2 of them (probes stay short); the caller owns (and frees)
 * the entries. The symbol registry (service/state.c) and the lease cache
 * (service/ownership.c) are two of these.
 *
 *     struct symtab t;
 *     if (symtab_init(&t, 4096, offsetof(struct symbol_state, name)) != 0) ...
 *     (under the caller's lock) if (symtab_find(&t, "EURUSD") == NULL) symtab_add(&t, s);
 *     for (size_t i = 0; i < t.cap; i++) if ((e = symtab_slot(&t, i)) != NULL) ...
 */
#ifndef LIQ_SYMTAB_H
#define LIQ_SYMTAB_H

#include <stdatomic.h>
#include <stddef.h>

struct symtab {
    _Atomic(void *) *slots;
    size_t cap;          /* a power of two */
    size_t key_off;      /* where the entry's name is */
    atomic_size_t count;
};

/* An empty table of cap slots (a power of two). 0, or -1 out of memory or cap not a power
 * of two (t then holds no array; symtab_free is still safe). */
int symtab_init(struct symtab *t, size_t cap, size_t key_off);
/* Frees the array (not the entries). */
void symtab_free(struct symtab *t);
/* The entry named name, or NULL. Lock-free. */
void *symtab_find(const struct symtab *t, const char *name);
/* 1 when the table takes no more entries (cap / 2 of them). */
int symtab_full(const struct symtab *t);
/* Adds entry (its name not in the table yet) under the caller's lock: 0, or -1 when full. */
int symtab_add(struct symtab *t, void *entry);
/* How many entries the table holds. */
size_t symtab_count(const struct symtab *t);
/* The entry in slot i (0 <= i < cap) or NULL: walking every entry. Lock-free. */
void *symtab_slot(const struct symtab *t, size_t i);

#endif
