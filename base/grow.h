/*
 * grow.h - the one growable array: room for `need` elements of `elem` bytes in a malloc'd
 * array, doubling from `first` (so n appends cost O(n) copies in all).
 *
 *     struct bar *v = grow_array(b->bars, &b->cap, b->n + 1, sizeof *v, 256);
 *     if (v == NULL)
 *         return -1;          // out of memory: b->bars and b->cap are as they were
 *     b->bars = v;
 */
#ifndef LIQ_GROW_H
#define LIQ_GROW_H

#include <stddef.h>

/* grow_array when the array must grow (need > *cap): the realloc. */
void *grow_array_slow(void *v, size_t *cap, size_t need, size_t elem, size_t first);

/* v itself when *cap >= need; else v reallocated to the first capacity of first, 2 first,
 * 4 first... (or *cap doubled) that holds need, with *cap updated. NULL when out of memory
 * or the size overflows (v untouched and still owned by the caller, *cap unchanged).
 * Inline: nearly every call finds room (one comparison, no call). */
static inline void *grow_array(void *v, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap)
        return v;
    return grow_array_slow(v, cap, need, elem, first);
}

#endif
