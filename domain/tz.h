/*
 * tz.h - time zones from TZif bytes (RFC 8536, the files of Debian's tzdata under
 * /usr/share/zoneinfo) or a fixed offset, and wall-clock time -> UTC.
 *
 * Pure: the caller reads the file (service/tzdb.c); this module only parses bytes, so a
 * threaded server never touches setenv("TZ")/localtime. Example: the TZif of Europe/Athens,
 * local 2022-10-10 03:00 (EEST, UTC+3) -> 2022-10-10T00:00:00Z.
 */
#ifndef LIQ_TZ_H
#define LIQ_TZ_H

#include <stddef.h>
#include <stdint.h>

struct tz;

/* Parses a TZif file (versions 1 to 4; the 64-bit block and the POSIX footer rule of
 * version 2+ are used). 0 and *out (free with tz_free), -1 if the bytes are not TZif,
 * -2 out of memory. */
int tz_parse(const unsigned char *data, size_t len, struct tz **out);

/* A zone with a fixed offset east of UTC in seconds (+7200 for UTC+2). NULL: no memory. */
struct tz *tz_fixed(int32_t offset_s);

/* Parses a fixed offset "+02:00", "-0530", "+3", "UTC+2", "GMT-03:30", "Z", "UTC":
 * 0 and *offset_s, or -1 if text is not one (|offset| <= 14 h). */
int tz_parse_offset(const char *text, int32_t *offset_s);

void tz_free(struct tz *z);

/* The offset east of UTC in effect at the UTC instant t. */
int32_t tz_offset_at(const struct tz *z, int64_t t);

enum tz_local {
    TZ_UNIQUE,    /* one instant has this wall-clock time */
    TZ_AMBIGUOUS, /* two (clocks went back): *earlier and *later differ */
    TZ_GAP,       /* none (clocks jumped forward): both are the instant with the offset
                   * before the jump, i.e. the wall time read in the old offset */
};

/* The UTC instants whose wall-clock time in z is `local` (local seconds since 1970-01-01,
 * i.e. the wall time read as if it were UTC). Assumes at most one offset change within
 * 14 hours of it (true of every zone in tzdata). */
enum tz_local tz_local_to_utc(const struct tz *z, int64_t local, int64_t *earlier,
                              int64_t *later);

#endif
