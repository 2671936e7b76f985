/*
 * domain/tz.c against every zone of Debian's tzdata (issue 16, item 8: branch coverage where
 * it was low, with checks that can fail): for each TZif file under /usr/share/zoneinfo the
 * offset at instants every 13 days 7 hours from 1971 to 2100 (past 2037 the POSIX footer
 * rule decides: "J" days, "M" rules, negative DST, <+03>-style names) equals the C library's
 * localtime_r, and wall-clock -> UTC gives back the instant it came from. Every prefix of a real file is
 * refused (-1) or parsed, never read past; the fixed-offset parser takes and refuses what
 * tz.h says.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "domain/bar.h"
#include "domain/tz.h"

#define ZONEINFO "/usr/share/zoneinfo"
#define MAX_BYTES (1 << 17)

static size_t read_all(const char *path, unsigned char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

struct walk {
    char names[2000][80];
    size_t n;
};

/* Region/City names (and a few bare ones), skipping the posix/ and right/ copies. */
static void collect(struct walk *w, const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && w->n < 2000) {
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "posix") || !strcmp(e->d_name, "right") ||
            !strcmp(e->d_name, "Etc") || strchr(e->d_name, '.') != NULL)
            continue;
        char path[512], name[160];
        int lp = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        int ln = snprintf(name, sizeof name, "%s%s", prefix, e->d_name);
        if (lp < 0 || (size_t)lp >= sizeof path || ln < 0 || (size_t)ln >= sizeof w->names[0])
            continue;
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            char sub[170];
            if (snprintf(sub, sizeof sub, "%s/", name) < (int)sizeof sub)
                collect(w, path, sub);
        } else if (S_ISREG(st.st_mode)) {
            memcpy(w->names[w->n++], name, (size_t)ln + 1);
        }
    }
    closedir(d);
}

static int64_t utc(int y, int mo, int d)
{
    return days_from_civil(y, mo, d) * 86400;
}

Test(tz_all, every_tzdata_zone_agrees_with_the_c_library, .timeout = 300)
{
    static struct walk w;
    collect(&w, ZONEINFO, "");
    cr_assert_gt(w.n, 300, "tzdata is installed by scripts/dev (%zu zones)", w.n);
    static unsigned char bytes[MAX_BYTES];
    size_t zones = 0, samples = 0, gaps = 0, repeats = 0;
    for (size_t k = 0; k < w.n; k++) {
        char path[512];
        snprintf(path, sizeof path, ZONEINFO "/%s", w.names[k]);
        size_t len = read_all(path, bytes, sizeof bytes);
        if (len < 4 || memcmp(bytes, "TZif", 4) != 0)
            continue; /* zone.tab, leap-seconds.list, ... */
        struct tz *z = NULL;
        cr_assert_eq(tz_parse(bytes, len, &z), 0, "%s", w.names[k]);
        setenv("TZ", w.names[k], 1); /* the test process only; the service never does */
        tzset();
        /* every 13 days + 7 h (so the day and hour wander), 1971 to 2100 */
        for (int64_t t = utc(1971, 1, 1); t < utc(2100, 1, 1); t += 13 * 86400 + 7 * 3600) {
            time_t tt = (time_t)t;
            struct tm tm;
            localtime_r(&tt, &tm);
            int32_t off = tz_offset_at(z, t);
            cr_assert_eq(off, (int32_t)tm.tm_gmtoff, "%s at %lld: %d, libc %ld", w.names[k],
                         (long long)t, off, (long)tm.tm_gmtoff);
            int64_t early, late;
            enum tz_local how = tz_local_to_utc(z, t + off, &early, &late);
            cr_assert(early == t || late == t, "%s: local %lld does not give %lld back",
                      w.names[k], (long long)(t + off), (long long)t);
            if (how == TZ_UNIQUE)
                cr_assert_eq(early, late);
            repeats += how == TZ_AMBIGUOUS;
            samples++;
        }
        /* an hour into every spring gap of 2021-2023 (none in zones without DST) */
        for (int64_t t = utc(2021, 1, 1); t < utc(2024, 1, 1); t += 1800) {
            int32_t a = tz_offset_at(z, t), b = tz_offset_at(z, t + 1800);
            if (b <= a)
                continue;
            int64_t early, late;
            int64_t inside = t + 1800 + a + (b - a) / 2; /* a wall time the jump skipped */
            if (tz_local_to_utc(z, inside, &early, &late) == TZ_GAP) {
                cr_assert_eq(early, late);
                cr_assert_eq(early, inside - a, "%s: a gap reads in the old offset",
                             w.names[k]);
                gaps++;
            }
        }
        tz_free(z);
        zones++;
    }
    unsetenv("TZ");
    tzset();
    cr_log_info("tz: %zu zones, %zu instants, %zu spring gaps, %zu repeated wall times",
                zones, samples, gaps, repeats);
    cr_assert_gt(zones, 300);
    cr_assert_gt(gaps, 100);
    cr_assert_gt(repeats, 0);
}

Test(tz_all, every_prefix_of_a_real_file_is_refused_or_parsed_never_overread)
{
    static unsigned char bytes[MAX_BYTES];
    const char *names[] = {"Europe/Athens", "America/Sao_Paulo", "Asia/Kolkata", "UTC"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char path[256];
        snprintf(path, sizeof path, ZONEINFO "/%s", names[k]);
        size_t len = read_all(path, bytes, sizeof bytes);
        cr_assert_gt(len, 44, "%s", path);
        size_t refused = 0;
        for (size_t cut = 0; cut < len; cut++) {
            /* a heap copy of exactly cut bytes: ASan sees any read past it */
            unsigned char *copy = malloc(cut ? cut : 1);
            cr_assert_not_null(copy);
            memcpy(copy, bytes, cut);
            struct tz *z = NULL;
            int rc = tz_parse(copy, cut, &z);
            cr_assert(rc == 0 || rc == -1, "%s cut at %zu: %d", names[k], cut, rc);
            refused += rc == -1;
            if (rc == 0)
                tz_free(z);
            free(copy);
        }
        cr_assert_gt(refused, len / 2, "%s: most prefixes are not a whole file", names[k]);
        /* a header claiming more than the bytes hold */
        unsigned char *bad = malloc(len);
        cr_assert_not_null(bad);
        memcpy(bad, bytes, len);
        bad[20 + 4 * 3] = 0x7f; /* timecnt of the v1 header: huge */
        struct tz *z = NULL;
        cr_assert_eq(tz_parse(bad, len, &z), -1, "%s with a huge count", names[k]);
        free(bad);
    }
    struct tz *z = NULL;
    cr_assert_eq(tz_parse((const unsigned char *)"TZif", 4, &z), -1);
    cr_assert_eq(tz_parse((const unsigned char *)"not a zone file at all, really not", 34, &z),
                 -1);
}

Test(tz_all, fixed_offsets_are_parsed_as_documented)
{
    static const struct {
        const char *text;
        int ok;
        int32_t seconds;
    } cases[] = {
        {"+02:00", 1, 7200},   {"-0530", 1, -19800},  {"+3", 1, 10800},
        {"UTC+2", 1, 7200},    {"GMT-03:30", 1, -12600}, {"Z", 1, 0},
        {"UTC", 1, 0},         {"GMT", 1, 0},         {"+14:00", 1, 50400},
        {"-14", 1, -50400},    {"+14:01", 0, 0},      {"+15", 0, 0},
        {"+", 0, 0},           {"02:00", 0, 0},
        {"+02:60", 0, 0},      {"+02:00x", 0, 0},     {"UTC+", 0, 0},
        {"Europe/Athens", 0, 0}, {"+2:3", 0, 0},      {"--1", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int32_t off = 12345;
        int rc = tz_parse_offset(cases[i].text, &off);
        if (cases[i].ok) {
            cr_assert_eq(rc, 0, "'%s' is an offset", cases[i].text);
            cr_assert_eq(off, cases[i].seconds, "'%s': %d", cases[i].text, off);
            struct tz *z = tz_fixed(off);
            cr_assert_not_null(z);
            int64_t e, l;
            cr_assert_eq(tz_offset_at(z, 1665360000), off);
            cr_assert_eq(tz_local_to_utc(z, 1665360000, &e, &l), TZ_UNIQUE);
            cr_assert_eq(e, 1665360000 - off);
            tz_free(z);
        } else {
            cr_assert_eq(rc, -1, "'%s' is not an offset (got %d)", cases[i].text, off);
        }
    }
}

/* A TZif v2 file with no transitions, one local time type (offset first_off) and `rule` as
 * its POSIX footer; the length in *len. */
static unsigned char *tzif_with_footer(const char *rule, int32_t first_off, size_t *len)
{
    static unsigned char buf[512];
    size_t n = 0;
    for (int part = 0; part < 2; part++) {
        memset(buf + n, 0, 44);
        memcpy(buf + n, "TZif2", 5);
        buf[n + 20 + 4 * 4 + 3] = 1; /* typecnt */
        buf[n + 20 + 4 * 5 + 3] = 4; /* charcnt */
        n += 44;
        uint32_t u = (uint32_t)first_off;
        unsigned char tt[6] = {(unsigned char)(u >> 24), (unsigned char)(u >> 16),
                               (unsigned char)(u >> 8), (unsigned char)u, 0, 0};
        memcpy(buf + n, tt, 6);
        memcpy(buf + n + 6, "LMT", 4);
        n += 10;
    }
    int m = snprintf((char *)buf + n, sizeof buf - n, "\n%s\n", rule);
    cr_assert(m > 0 && (size_t)m < sizeof buf - n);
    *len = n + (size_t)m;
    return buf;
}

/* POSIX footers, valid ones checked against the C library reading the same TZ string,
 * malformed ones ignored (the offset stays that of the last type). */
Test(tz_all, posix_footer_rules_as_the_c_library_reads_them, .timeout = 120)
{
    static const char *const valid[] = {
        "EST5EDT,M3.2.0,M11.1.0",        "<+03>-3",
        "AEST-10AEDT,M10.1.0,M4.1.0/3",  "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1",
        "XXX3YYY,J60/25,J300",           "AAA-1BBB,0/0,364/25",
        "IST-1GMT0,M10.5.0,M3.5.0/1",    "CET-1CEST,M3.5.0,M10.5.0/3",
        "NZST-12NZDT,M9.5.0,M4.1.0/3",   "ABC+4:30DEF+3:30:15,M4.1.6/12:30,M9.5.6",
        "<+0330>-3:30",                  "WET0WEST,M3.5.0/1,M10.5.0",
    };
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        size_t len;
        unsigned char *b = tzif_with_footer(valid[i], 1234, &len);
        struct tz *z = NULL;
        cr_assert_eq(tz_parse(b, len, &z), 0, "%s", valid[i]);
        setenv("TZ", valid[i], 1);
        tzset();
        for (int64_t t = utc(2030, 1, 1); t < utc(2034, 1, 1); t += 5 * 3600 + 1234) {
            time_t tt = (time_t)t;
            struct tm tm;
            localtime_r(&tt, &tm);
            cr_assert_eq(tz_offset_at(z, t), (int32_t)tm.tm_gmtoff, "%s at %lld: %d vs %ld",
                         valid[i], (long long)t, tz_offset_at(z, t), (long)tm.tm_gmtoff);
        }
        tz_free(z);
    }
    unsetenv("TZ");
    tzset();
    static const char *const malformed[] = {
        "",          "E5",          "<>5",           "<ABC5",       "EST",
        "EST5E",     "EST5EDT,",    "EST5EDT,M3",    "EST5EDT,M3.2", "EST5EDT,M3.2.0",
        "EST5EDT,M13.1.0,M1.1.0",   "EST5EDT,M3.6.0,M11.1.0",       "EST5EDT,M3.2.7,M11.1.0",
        "EST5EDT,J400,J10",         "EST5EDT,M3.2.0,M11.1.0x",      "EST5EDT,M3.2.0;M11.1.0",
        "EST5ED,M3.2.0,M11.1.0",    "EST:5",        "EST5EDT,Mx.2.0,M11.1.0",
        "EST5EDT,M3.x.0,M11.1.0",   "EST5EDT,M3.2.x,M11.1.0",      "EST5EDT,M3.2.0/x,M11.1.0",
    };
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        size_t len;
        unsigned char *b = tzif_with_footer(malformed[i], 1234, &len);
        struct tz *z = NULL;
        cr_assert_eq(tz_parse(b, len, &z), 0, "'%s': the file itself is fine", malformed[i]);
        for (int64_t t = utc(2030, 1, 1); t < utc(2031, 1, 1); t += 86400 * 7)
            cr_assert_eq(tz_offset_at(z, t), 1234, "'%s' is not a rule: type 0 stays",
                         malformed[i]);
        tz_free(z);
    }
}
