/*
 * service/tzdb.c, the ?tz= names of uploads (issue 16, item 8: branches no test ran): IANA
 * names are read from tzdata and cached (the same zone object every time), offsets in any
 * spelling are one entry, and every name that is not a zone - empty, absolute, climbing
 * out with "..", a directory, a non-TZif file, unknown, too long, not ASCII - is refused
 * with a message that quotes it (cut, valid UTF-8), never read.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "domain/tz.h"
#include "base/utf8.h"
#include "service/tzdb.h"

static int valid_utf8(const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t k = utf8_seq_len(s + i, n - i);
        if (k == 0)
            return 0;
        i += k;
    }
    return 1;
}

Test(tzdb, names_offsets_cache_and_refusals)
{
    const struct tz *a = NULL, *b = NULL;
    char why[256] = "";
    cr_assert_eq(tzdb_get("Europe/Athens", &a, why, sizeof why), 0, "%s", why);
    cr_assert_eq(tzdb_get("Europe/Athens", &b, why, sizeof why), 0);
    cr_assert_eq(a, b, "the cache gives the same zone");
    cr_assert_eq(tz_offset_at(a, 1665360000), 3 * 3600, "EEST in October 2022");
    cr_assert_eq(tzdb_get("America/Argentina/Buenos_Aires", &a, why, sizeof why), 0, "%s",
                 why);
    cr_assert_eq(tz_offset_at(a, 1665360000), -3 * 3600);
    cr_assert_eq(tzdb_get("Etc/GMT+5", &a, why, sizeof why), 0, "%s", why);
    cr_assert_eq(tz_offset_at(a, 1665360000), -5 * 3600, "POSIX sign: GMT+5 is UTC-5");

    static const char *const same[] = {"+3", "UTC+03:00", "GMT+0300", "+03:00"};
    const struct tz *first = NULL;
    for (size_t i = 0; i < 4; i++) {
        const struct tz *z = NULL;
        cr_assert_eq(tzdb_get(same[i], &z, why, sizeof why), 0, "%s: %s", same[i], why);
        cr_assert_eq(tz_offset_at(z, 0), 3 * 3600);
        if (i == 0)
            first = z;
        cr_assert_eq(z, first, "'%s' is the same entry as '+3'", same[i]);
    }

    static const char *const bad[] = {
        "/etc/passwd", "../../etc/passwd", "Europe/../../etc/passwd", "Europe",
        "zone.tab", "tzdata.zi", "Europe/Nowhere", "Europe/Athens;rm", "Europe/Athens ",
        "Europe/Ath\xc3\xa9nes", "Europe/Athens\xff", "+25:00", "UTC+", "America/Argentina",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const struct tz *z = (const struct tz *)1;
        why[0] = '\0';
        cr_assert_eq(tzdb_get(bad[i], &z, why, sizeof why), -1, "'%s' taken", bad[i]);
        cr_assert_null(z);
        cr_assert_neq(why[0], '\0', "'%s': no reason", bad[i]);
        cr_assert(valid_utf8(why), "'%s': reason not UTF-8: %s", bad[i], why);
    }
    char longname[200];
    memset(longname, 'A', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    const struct tz *z = NULL;
    cr_assert_eq(tzdb_get(longname, &z, why, sizeof why), -1);
    cr_assert(strstr(why, "too long"), "%s", why);
    tzdb_clear();
    cr_assert_eq(tzdb_get("Europe/Athens", &a, why, sizeof why), 0, "usable after a clear");
    tzdb_clear();
}
