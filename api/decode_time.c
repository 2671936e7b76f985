/*
 * decode_time.c - bar times from text: RFC 3339 with or without an offset, the MT4/MT5
 * "2022.10.10 00:00:00" form, and epoch seconds (see decode_time in api/decode.h).
 */
#include "api/decode.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Reads exactly n digits. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int decode_time(const char *s, int64_t *out)
{
    int absolute = 0;
    return decode_time_zoned(s, out, &absolute);
}

int decode_time_zoned(const char *s, int64_t *out, int *absolute)
{
    const char *p = s;
    *absolute = 1;
    if (*p == '\0')
        return -1;
    int all_digits = 1;
    for (const char *q = p; *q; q++)
        all_digits &= isdigit((unsigned char)*q) != 0;
    if (all_digits) {
        if (strlen(p) > 12)
            return -1;
        *out = strtoll(p, NULL, 10);
        return 0;
    }
    int Y, M, D, h, m, sec = 0;
    if (digits(&p, 4, &Y) || (*p != '-' && *p != '.'))
        return -1;
    char sep = *p++;
    if (digits(&p, 2, &M) || *p++ != sep || digits(&p, 2, &D))
        return -1;
    if (*p != 'T' && *p != ' ' && *p != 't')
        return -1;
    p++;
    if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &m))
        return -1;
    if (*p == ':') {
        p++;
        if (digits(&p, 2, &sec))
            return -1;
        if (*p == '.') { /* fractional seconds: must be zero, bars open on whole seconds */
            p++;
            if (!isdigit((unsigned char)*p))
                return -1;
            while (isdigit((unsigned char)*p))
                if (*p++ != '0')
                    return -1;
        }
    }
    long offset = 0;
    *absolute = *p != '\0';
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om;
        if (digits(&p, 2, &oh) || *p++ != ':' || digits(&p, 2, &om) || oh > 23 || om > 59)
            return -1;
        offset = sign * (oh * 3600L + om * 60L);
    }
    if (*p != '\0' || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 59)
        return -1;
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
    if (D > mdays[M - 1] || (M == 2 && D == 29 && !leap))
        return -1;
    *out = days_from_civil(Y, M, D) * 86400 + h * 3600L + m * 60L + sec - offset;
    return 0;
}
