/*
 * Time zones from Debian's tzdata (domain/tz.c): offsets agree with the C library's
 * localtime_r for every hour of several years (including past 2037, where the TZif footer
 * rule applies), and wall-clock -> UTC handles the spring gap and the autumn repeat.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/tz.h"
#include "domain/bar.h"

static struct tz *load(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s: tzdata is installed by scripts/dev", path);
    static unsigned char bytes[1 << 17];
    size_t len = fread(bytes, 1, sizeof bytes, f);
    fclose(f);
    struct tz *z = NULL;
    cr_assert_eq(tz_parse(bytes, len, &z), 0, "%s", name);
    return z;
}

static int64_t utc(int y, int mo, int d, int h, int mi)
{
    return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

Test(tz, offsets_agree_with_the_c_library_every_hour)
{
    const char *zones[] = {"Europe/Athens", "America/New_York", "Australia/Sydney",
                           "Asia/Kolkata", "Europe/London", "Asia/Tokyo"};
    for (size_t k = 0; k < sizeof zones / sizeof zones[0]; k++) {
        struct tz *z = load(zones[k]);
        setenv("TZ", zones[k], 1); /* the test process only; the service never does this */
        tzset();
        const int64_t spans[][2] = {{utc(2021, 1, 1, 0, 0), utc(2027, 1, 1, 0, 0)},
                                    {utc(2044, 1, 1, 0, 0), utc(2046, 1, 1, 0, 0)}};
        for (size_t s = 0; s < 2; s++) {
            for (int64_t t = spans[s][0]; t < spans[s][1]; t += 3600) {
                time_t tt = (time_t)t;
                struct tm tm;
                localtime_r(&tt, &tm);
                cr_assert_eq(tz_offset_at(z, t), (int32_t)tm.tm_gmtoff, "%s at %lld", zones[k],
                             (long long)t);
            }
        }
        tz_free(z);
    }
    unsetenv("TZ");
    tzset();
}

Test(tz, athens_wall_clock_to_utc_with_gap_and_repeat)
{
    struct tz *z = load("Europe/Athens");
    int64_t a, b;
    /* summer EEST = UTC+3, winter EET = UTC+2 */
    cr_assert_eq(tz_local_to_utc(z, utc(2022, 10, 10, 3, 0), &a, &b), TZ_UNIQUE);
    cr_assert_eq(a, utc(2022, 10, 10, 0, 0));
    cr_assert_eq(tz_local_to_utc(z, utc(2022, 12, 1, 2, 0), &a, &b), TZ_UNIQUE);
    cr_assert_eq(a, utc(2022, 12, 1, 0, 0));
    /* 2023-03-26 03:00 local jumps to 04:00: 03:30 never happened */
    cr_assert_eq(tz_local_to_utc(z, utc(2023, 3, 26, 3, 30), &a, &b), TZ_GAP);
    /* 2023-10-29 04:00 local goes back to 03:00: 03:30 happened twice */
    cr_assert_eq(tz_local_to_utc(z, utc(2023, 10, 29, 3, 30), &a, &b), TZ_AMBIGUOUS);
    cr_assert_eq(a, utc(2023, 10, 29, 0, 30));
    cr_assert_eq(b, utc(2023, 10, 29, 1, 30));
    tz_free(z);
}

Test(tz, fixed_offsets_and_bad_bytes)
{
    int32_t off = 0;
    cr_assert_eq(tz_parse_offset("+02:00", &off), 0);
    cr_assert_eq(off, 7200);
    cr_assert_eq(tz_parse_offset("-0530", &off), 0);
    cr_assert_eq(off, -19800);
    cr_assert_eq(tz_parse_offset("UTC+3", &off), 0);
    cr_assert_eq(off, 10800);
    cr_assert_eq(tz_parse_offset("GMT", &off), 0);
    cr_assert_eq(off, 0);
    cr_assert_eq(tz_parse_offset("+15:00", &off), -1);
    cr_assert_eq(tz_parse_offset("Europe/Athens", &off), -1);
    cr_assert_eq(tz_parse_offset("+2:7", &off), -1);
    struct tz *z = tz_fixed(7200);
    int64_t a, b;
    cr_assert_eq(tz_local_to_utc(z, utc(2022, 6, 1, 2, 0), &a, &b), TZ_UNIQUE);
    cr_assert_eq(a, utc(2022, 6, 1, 0, 0));
    tz_free(z);
    struct tz *bad = NULL;
    cr_assert_eq(tz_parse((const unsigned char *)"TZif2 not really", 16, &bad), -1);
    cr_assert_null(bad);
}
