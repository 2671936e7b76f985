/*
 * tzdb.h - time zones by name for uploads (?tz=): an IANA name read from Debian's tzdata
 * (/usr/share/zoneinfo/<name>) or a fixed offset ("+02:00", "UTC+3"), parsed by
 * domain/tz.c and cached for the life of the process (the few zones a service sees).
 */
#ifndef LIQ_TZDB_H
#define LIQ_TZDB_H

#include <stddef.h>

struct tz;

#define TZDB_DIR "/usr/share/zoneinfo"

/* The zone named name: 0 and *out (owned by the cache: never free it), -1 with why
 * filled when name is neither a valid IANA name found in TZDB_DIR nor a fixed offset,
 * -2 out of memory. Thread-safe. */
int tzdb_get(const char *name, const struct tz **out, char *why, size_t whylen);

/* Frees the cache (at exit, for leak checkers). */
void tzdb_clear(void);

#endif
