/*
 * tz.c - TZif parsing and offset lookup (see tz.h).
 *
 * The one idea: a zone is a sorted list of UTC instants at which the offset changes, plus
 * (TZif v2+) a POSIX rule such as "EET-2EEST,M3.5.0/3,M10.5.0/4" for instants after the
 * last listed one. The offset at an instant is a binary search, or the rule evaluated for
 * that instant's year. Wall-clock -> UTC tries the offsets in effect 14 h either side.
 */
#include "tz.h"

#include <stdlib.h>
#include <string.h>

#include "bar.h"

/* One DST boundary of a POSIX rule: Mm.w.d, Jn (1..365, no Feb 29) or n (0..365). */
struct tz_date {
    char kind;      /* 'M', 'J' or 'n' */
    int m, w, d;    /* M: month, week 1..5 (5 = last), weekday 0 = Sunday; J/n: day in d */
    int32_t time;   /* seconds after local midnight (may be negative or > 24 h) */
};

struct tz_rule {
    int has_dst;
    int32_t std_off, dst_off; /* east of UTC */
    struct tz_date start, end;
};

struct tz {
    size_t n;
    int64_t *when;      /* transition instants, ascending */
    int32_t *off;       /* offset from when[i] on */
    int32_t first_off;  /* before when[0] (or always when n == 0 and no rule) */
    int has_rule;
    struct tz_rule rule;
};

void tz_free(struct tz *z)
{
    if (z == NULL)
        return;
    free(z->when);
    free(z->off);
    free(z);
}

struct tz *tz_fixed(int32_t offset_s)
{
    struct tz *z = calloc(1, sizeof *z);
    if (z != NULL)
        z->first_off = offset_s;
    return z;
}

static int64_t be(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = (v << 8) | p[i];
    if (bytes == 4)
        return (int64_t)(int32_t)(uint32_t)v;
    return (int64_t)v;
}

/* ----- POSIX TZ rule (the footer) ----- */

/* "<+03>" or "EET": skips a zone abbreviation; NULL if there is none. */
static const char *skip_name(const char *p)
{
    if (*p == '<') {
        const char *e = strchr(p, '>');
        return e != NULL && e > p + 1 ? e + 1 : NULL;
    }
    const char *s = p;
    while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
        p++;
    return p - s >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] -> seconds; NULL on a malformed time. */
static const char *read_hms(const char *p, int32_t *out)
{
    int sign = 1;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    int32_t v = 0, part = 0, parts = 0;
    for (;;) {
        if (*p < '0' || *p > '9')
            return NULL;
        part = 0;
        while (*p >= '0' && *p <= '9' && part < 1000)
            part = part * 10 + (*p++ - '0');
        v = v * 60 + part;
        parts++;
        if (*p != ':' || parts == 3)
            break;
        p++;
    }
    for (; parts < 3; parts++)
        v *= 60;
    *out = sign * v;
    return p;
}

static const char *read_int(const char *p, int *out)
{
    if (*p < '0' || *p > '9')
        return NULL;
    int v = 0;
    while (*p >= '0' && *p <= '9' && v < 1000)
        v = v * 10 + (*p++ - '0');
    *out = v;
    return p;
}

static const char *read_date(const char *p, struct tz_date *d)
{
    d->time = 7200; /* 02:00 unless told */
    if (*p == 'M') {
        d->kind = 'M';
        p = read_int(p + 1, &d->m);
        if (p == NULL || *p++ != '.' || (p = read_int(p, &d->w)) == NULL || *p++ != '.' ||
            (p = read_int(p, &d->d)) == NULL)
            return NULL;
        if (d->m < 1 || d->m > 12 || d->w < 1 || d->w > 5 || d->d > 6)
            return NULL;
    } else {
        d->kind = *p == 'J' ? 'J' : 'n';
        p = read_int(d->kind == 'J' ? p + 1 : p, &d->d);
        if (p == NULL || d->d > 365)
            return NULL;
    }
    if (*p == '/')
        p = read_hms(p + 1, &d->time);
    return p;
}

/* 0 and r filled, -1 for a rule this reader does not understand (the caller then keeps
 * the last transition's offset). */
static int parse_rule(const char *p, struct tz_rule *r)
{
    memset(r, 0, sizeof *r);
    int32_t posix = 0;
    p = skip_name(p);
    if (p == NULL || (p = read_hms(p, &posix)) == NULL)
        return -1;
    r->std_off = -posix; /* POSIX counts west of UTC */
    if (*p == '\0')
        return 0;
    p = skip_name(p);
    if (p == NULL)
        return -1;
    r->dst_off = r->std_off + 3600;
    if (*p != ',' && *p != '\0') {
        p = read_hms(p, &posix);
        if (p == NULL)
            return -1;
        r->dst_off = -posix;
    }
    if (*p++ != ',' || (p = read_date(p, &r->start)) == NULL || *p++ != ',' ||
        (p = read_date(p, &r->end)) == NULL || *p != '\0')
        return -1;
    r->has_dst = 1;
    return 0;
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Year of days since 1970-01-01 (H. Hinnant's civil_from_days, year only). */
static int64_t year_of_days(int64_t z)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    return yoe + era * 400 + (m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Local midnight (as days since 1970) of the rule's date in year y. */
static int64_t rule_day(const struct tz_date *d, int y)
{
    int64_t jan1 = days_from_civil(y, 1, 1);
    if (d->kind == 'J')
        return jan1 + d->d - 1 + (is_leap(y) && d->d >= 60);
    if (d->kind == 'n')
        return jan1 + d->d;
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t first = days_from_civil(y, d->m, 1);
    int64_t wd_first = ((first % 7) + 7 + 4) % 7; /* 1970-01-01 was a Thursday */
    int64_t day = first + (d->d - wd_first + 7) % 7 + 7 * (d->w - 1);
    int len = mdays[d->m - 1] + (d->m == 2 && is_leap(y));
    while (day >= first + len)
        day -= 7;
    return day;
}

static int32_t rule_offset(const struct tz_rule *r, int64_t t)
{
    if (!r->has_dst)
        return r->std_off;
    int y = (int)year_of_days(floor_div(t, 86400));
    /* DST starts at a standard-time wall clock and ends at a daylight-time one */
    int64_t start = rule_day(&r->start, y) * 86400 + r->start.time - r->std_off;
    int64_t end = rule_day(&r->end, y) * 86400 + r->end.time - r->dst_off;
    int dst = start < end ? (t >= start && t < end) : (t < end || t >= start);
    return dst ? r->dst_off : r->std_off;
}

/* ----- TZif ----- */

struct tzif_counts {
    int64_t isut, isstd, leap, time, type, chars;
};

static size_t block_len(const struct tzif_counts *c, int tbytes)
{
    return (size_t)(c->time * tbytes + c->time + c->type * 6 + c->chars +
                    c->leap * (tbytes + 4) + c->isstd + c->isut);
}

static void read_counts(const unsigned char *h, struct tzif_counts *c)
{
    c->isut = be(h + 20, 4);
    c->isstd = be(h + 24, 4);
    c->leap = be(h + 28, 4);
    c->time = be(h + 32, 4);
    c->type = be(h + 36, 4);
    c->chars = be(h + 40, 4);
}

static int counts_ok(const struct tzif_counts *c)
{
    return c->isut >= 0 && c->isstd >= 0 && c->leap >= 0 && c->time >= 0 && c->type >= 1 &&
           c->chars >= 0 && c->time < 100000 && c->type <= 256 && c->chars < 100000 &&
           c->leap < 100000 && c->isstd <= c->type && c->isut <= c->type;
}

static int read_block(const unsigned char *p, const struct tzif_counts *c, int tbytes,
                      struct tz *z)
{
    const unsigned char *idx = p + c->time * tbytes, *types = idx + c->time;
    z->n = (size_t)c->time;
    if (z->n > 0) {
        z->when = malloc(z->n * sizeof *z->when);
        z->off = malloc(z->n * sizeof *z->off);
        if (z->when == NULL || z->off == NULL)
            return -2;
    }
    for (size_t i = 0; i < z->n; i++) {
        if (idx[i] >= c->type)
            return -1;
        z->when[i] = be(p + i * (size_t)tbytes, tbytes);
        z->off[i] = (int32_t)be(types + 6 * idx[i], 4);
        if (i > 0 && z->when[i] <= z->when[i - 1])
            return -1;
    }
    z->first_off = (int32_t)be(types, 4); /* local time type 0 (RFC 8536 3.2) */
    return 0;
}

int tz_parse(const unsigned char *data, size_t len, struct tz **out)
{
    *out = NULL;
    if (len < 44 || memcmp(data, "TZif", 4) != 0)
        return -1;
    struct tzif_counts c;
    read_counts(data, &c);
    if (!counts_ok(&c) || 44 + block_len(&c, 4) > len)
        return -1;
    const unsigned char *p = data + 44;
    int tbytes = 4;
    size_t end = 44 + block_len(&c, 4);
    if (data[4] >= '2') { /* skip the 32-bit block: the 64-bit one follows its header */
        const unsigned char *h2 = data + end;
        if (end + 44 > len || memcmp(h2, "TZif", 4) != 0)
            return -1;
        read_counts(h2, &c);
        if (!counts_ok(&c) || end + 44 + block_len(&c, 8) > len)
            return -1;
        p = h2 + 44;
        tbytes = 8;
        end = end + 44 + block_len(&c, 8);
    }
    struct tz *z = calloc(1, sizeof *z);
    if (z == NULL)
        return -2;
    int rc = read_block(p, &c, tbytes, z);
    if (rc != 0) {
        tz_free(z);
        return rc;
    }
    /* footer: "\n<POSIX rule>\n" */
    if (tbytes == 8 && end + 2 <= len && data[end] == '\n') {
        const char *f = (const char *)data + end + 1;
        const char *nl = memchr(f, '\n', len - end - 1);
        char rule[128];
        if (nl != NULL && (size_t)(nl - f) < sizeof rule && nl > f) {
            memcpy(rule, f, (size_t)(nl - f));
            rule[nl - f] = '\0';
            z->has_rule = parse_rule(rule, &z->rule) == 0;
        }
    }
    *out = z;
    return 0;
}

int32_t tz_offset_at(const struct tz *z, int64_t t)
{
    if (z->n == 0 || t < z->when[0])
        return z->n == 0 && z->has_rule ? rule_offset(&z->rule, t) : z->first_off;
    if (t >= z->when[z->n - 1] && z->has_rule)
        return rule_offset(&z->rule, t);
    size_t lo = 0, hi = z->n; /* last i with when[i] <= t */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (z->when[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return z->off[lo];
}

enum tz_local tz_local_to_utc(const struct tz *z, int64_t local, int64_t *earlier,
                              int64_t *later)
{
    const int64_t reach = 14 * 3600;
    int32_t before = tz_offset_at(z, local - reach), after = tz_offset_at(z, local + reach);
    int ok_before = tz_offset_at(z, local - before) == before;
    int ok_after = tz_offset_at(z, local - after) == after;
    if (before == after || (ok_before && !ok_after)) {
        *earlier = *later = local - before;
        return TZ_UNIQUE;
    }
    if (ok_after && !ok_before) {
        *earlier = *later = local - after;
        return TZ_UNIQUE;
    }
    if (ok_before && ok_after) { /* both read it: the clocks went back over it */
        int64_t a = local - before, b = local - after;
        *earlier = a < b ? a : b;
        *later = a < b ? b : a;
        return TZ_AMBIGUOUS;
    }
    *earlier = *later = local - before;
    return TZ_GAP;
}

int tz_parse_offset(const char *text, int32_t *offset_s)
{
    const char *p = text;
    if (strncmp(p, "UTC", 3) == 0 || strncmp(p, "GMT", 3) == 0)
        p += 3;
    else if (*p == 'Z' && p[1] == '\0')
        p++;
    if (*p == '\0') {
        *offset_s = 0;
        return 0;
    }
    if (*p != '+' && *p != '-')
        return -1;
    int sign = *p++ == '-' ? -1 : 1;
    int h = 0, m = 0, nd = 0;
    while (*p >= '0' && *p <= '9' && nd < 2) {
        h = h * 10 + (*p++ - '0');
        nd++;
    }
    if (nd == 0)
        return -1;
    if (*p == ':')
        p++;
    if (*p != '\0') {
        if (p[0] < '0' || p[0] > '5' || p[1] < '0' || p[1] > '9' || p[2] != '\0')
            return -1;
        m = (p[0] - '0') * 10 + (p[1] - '0');
    }
    if (h > 14 || (h == 14 && m > 0))
        return -1;
    *offset_s = sign * (h * 3600 + m * 60);
    return 0;
}
