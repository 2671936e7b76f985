/*
 * tzdb.c - see tzdb.h. The one idea: the file is read once per name under a mutex and the
 * parsed zone kept; a name must look like an IANA name (letters, digits, '/', '_', '-',
 * '+', no "..") before any path is built from it.
 */
#include "service/tzdb.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/tz.h"
#include "base/utf8.h"

/* every zone file of tzdata (~600) and every fixed offset to the minute (±14 h: 1,681, kept
 * under one normalised key each, so spellings do not add up): the cache cannot fill */
#define TZDB_MAX 2400
#define TZIF_MAX_BYTES (1 << 17)

struct tzdb_entry {
    char name[64];
    struct tz *zone;
};

static pthread_mutex_t tzdb_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tzdb_entry tzdb[TZDB_MAX];
static size_t tzdb_n;

static int name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= sizeof tzdb[0].name || name[0] == '/' || strstr(name, "..") != NULL)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '/' || c == '_' || c == '-' || c == '+';
        if (!ok)
            return 0;
    }
    return 1;
}

/* Reads and parses TZDB_DIR/name: 0, -1 not a zone, -2 no memory. */
static int read_zone(const char *name, struct tz **out)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", TZDB_DIR, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    unsigned char *buf = malloc(TZIF_MAX_BYTES);
    if (buf == NULL) {
        fclose(f);
        return -2;
    }
    size_t len = fread(buf, 1, TZIF_MAX_BYTES, f);
    fclose(f);
    int rc = tz_parse(buf, len, out);
    free(buf);
    return rc;
}

static int lookup(const char *name, const struct tz **out, char *why, size_t whylen)
{
    for (size_t i = 0; i < tzdb_n; i++) {
        if (strcmp(tzdb[i].name, name) == 0) {
            *out = tzdb[i].zone;
            return 0;
        }
    }
    if (tzdb_n == TZDB_MAX) {
        snprintf(why, whylen, "too many different time zones in use (%d)", TZDB_MAX);
        return -1;
    }
    struct tz *z = NULL;
    int32_t off = 0;
    if (tz_parse_offset(name, &off) == 0) {
        z = tz_fixed(off);
        if (z == NULL)
            return -2;
    } else {
        int rc = name_ok(name) ? read_zone(name, &z) : -1;
        if (rc == -2)
            return -2;
        if (rc != 0) {
            char shown[41]; /* a client's text: cut on a character (base/utf8.h) */
            utf8_clip(shown, sizeof shown, name, sizeof shown - 1);
            snprintf(why, whylen,
                     "tz '%s' is neither an IANA time zone (Europe/Athens) nor an offset "
                     "(+02:00, UTC+3)", shown);
            return -1;
        }
    }
    snprintf(tzdb[tzdb_n].name, sizeof tzdb[tzdb_n].name, "%s", name);
    tzdb[tzdb_n++].zone = z;
    *out = z;
    return 0;
}

int tzdb_get(const char *name, const struct tz **out, char *why, size_t whylen)
{
    *out = NULL;
    if (strlen(name) >= sizeof tzdb[0].name) {
        snprintf(why, whylen, "tz is too long");
        return -1;
    }
    /* "+3", "UTC+03:00" and "GMT+0300" are one zone: one entry */
    char key[sizeof tzdb[0].name];
    int32_t off = 0;
    if (tz_parse_offset(name, &off) == 0) {
        int a = off < 0 ? -off : off;
        snprintf(key, sizeof key, "%c%02d:%02d", off < 0 ? '-' : '+', a / 3600, a / 60 % 60);
        name = key;
    }
    pthread_mutex_lock(&tzdb_lock);
    int rc = lookup(name, out, why, whylen);
    pthread_mutex_unlock(&tzdb_lock);
    return rc;
}

void tzdb_clear(void)
{
    pthread_mutex_lock(&tzdb_lock);
    for (size_t i = 0; i < tzdb_n; i++)
        tz_free(tzdb[i].zone);
    tzdb_n = 0;
    pthread_mutex_unlock(&tzdb_lock);
}
