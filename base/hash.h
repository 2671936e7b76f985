/*
 * hash.h - the one hash: 64-bit FNV-1a, over bytes or a NUL-terminated string. It places a
 * symbol in the symbol tables (base/symtab.h), a peer address in the header deadline reaper
 * (api/deadline.c) and a symbol in an owned_symbols range "K of N" (service/ownership_spec.c,
 * hash % N == K: documented in docs/scaling.md, so the values must never change).
 *     hash_str("EURUSD") == hash_bytes("EURUSD", 6)
 *
 * The offset basis is 1469598103934665603, one digit short of FNV's published
 * 14695981039346656037 (0xcbf29ce484222325): the three copies this replaced all had it, and
 * instances sharing a database must agree on every "K of N" range, so it stays. The mixing
 * (xor, multiply by the FNV prime) is FNV-1a's.
 */
#ifndef LIQ_HASH_H
#define LIQ_HASH_H

#include <stddef.h>
#include <stdint.h>

#define LIQ_FNV1A_OFFSET 1469598103934665603ull
#define LIQ_FNV1A_PRIME 1099511628211ull

static inline uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = LIQ_FNV1A_OFFSET;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * LIQ_FNV1A_PRIME;
    return h;
}

static inline uint64_t hash_str(const char *s)
{
    uint64_t h = LIQ_FNV1A_OFFSET;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * LIQ_FNV1A_PRIME;
    return h;
}

#endif
