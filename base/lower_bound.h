/*
 * lower_bound.h - the one binary search: the first element of a sorted array whose key is
 * >= a value. The key is a double (zone prices) or an int64 (bar times) at `first` and
 * every `stride` bytes after it, so one function serves an array of keys and an array of
 * structs alike:
 *     lower_bound_f64(&snap->zones[0].price, snap->n, sizeof snap->zones[0], price)
 *     lower_bound_f64(m->sprice, m->nsorted, sizeof *m->sprice, price)
 *     lower_bound_i64(&log[0].ts, n, sizeof log[0], ts)
 * n may be 0 (then first is not read). Inline: the engine calls it per bar.
 */
#ifndef LIQ_LOWER_BOUND_H
#define LIQ_LOWER_BOUND_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* lower_bound_f64 and lower_bound_i64: the same search on a key of type T. */
#define LIQ_LOWER_BOUND(name, T)                                                         \
    static inline size_t name(const void *first, size_t n, size_t stride, T x)           \
    {                                                                                    \
        const char *base = first;                                                        \
        size_t lo = 0, hi = n;                                                           \
        while (lo < hi) {                                                                \
            size_t mid = lo + (hi - lo) / 2;                                             \
            T v;                                                                         \
            memcpy(&v, base + mid * stride, sizeof v);                                   \
            if (v < x)                                                                   \
                lo = mid + 1;                                                            \
            else                                                                         \
                hi = mid;                                                                \
        }                                                                                \
        return lo;                                                                       \
    }

LIQ_LOWER_BOUND(lower_bound_f64, double)
LIQ_LOWER_BOUND(lower_bound_i64, int64_t)

#endif
