/*
 * barfile.c - reads MT5-layout bar files (see barfile.h): name -> symbol and timeframe,
 * line -> bar, with the repairs and skips counted.
 */
#include "barfile.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The timeframe part of a file name in either spelling: "15M" or "M15" -> TF_M15. */
static int name_tf(const char *s, size_t len, enum timeframe *tf)
{
    static const struct { const char *a, *b; enum timeframe tf; } NAMES[] = {
        {.a = "1M", .b = "M1", .tf = TF_M1},    {.a = "5M", .b = "M5", .tf = TF_M5},
        {.a = "15M", .b = "M15", .tf = TF_M15}, {.a = "30M", .b = "M30", .tf = TF_M30},
        {.a = "1H", .b = "H1", .tf = TF_H1},    {.a = "4H", .b = "H4", .tf = TF_H4},
        {.a = "1D", .b = "D1", .tf = TF_D1},
    };
    char up[8];
    if (len == 0 || len >= sizeof up)
        return -1;
    for (size_t i = 0; i < len; i++)
        up[i] = (char)toupper((unsigned char)s[i]);
    up[len] = '\0';
    for (size_t k = 0; k < sizeof NAMES / sizeof NAMES[0]; k++) {
        if (strcmp(up, NAMES[k].a) == 0 || strcmp(up, NAMES[k].b) == 0) {
            *tf = NAMES[k].tf;
            return 0;
        }
    }
    return -1;
}

int barfile_name(const char *path, char *symbol, size_t len, enum timeframe *tf)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    const char *dot = strrchr(base, '.');
    const char *end = dot ? dot : base + strlen(base);
    const char *us = NULL;
    for (const char *p = base; p < end; p++) {
        if (*p == '_')
            us = p;
    }
    if (us == NULL || us == base || (size_t)(us - base) >= len)
        return -1;
    if (name_tf(us + 1, (size_t)(end - us - 1), tf) != 0)
        return -1;
    memcpy(symbol, base, (size_t)(us - base));
    symbol[us - base] = '\0';
    return 0;
}

/* One data line -> *b (repaired, *fixed = 1 when it was). 0, or -1 when it does not parse. */
static int parse_line(const char *line, struct bar *b, int *fixed)
{
    int y, mo, d, h, mi, s;
    double o, hi, lo, c, tv, vol = 0.0;
    int got = sscanf(line, "%d.%d.%d %d:%d:%d,%lf,%lf,%lf,%lf,%lf,%lf", &y, &mo, &d, &h, &mi,
                     &s, &o, &hi, &lo, &c, &tv, &vol);
    if (got < 11)
        return -1;
    *b = (struct bar){.ts = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s,
                      .open = o, .high = hi, .low = lo, .close = c,
                      .volume = tv == 0.0 && got == 12 ? vol : tv};
    *fixed = 0;
    double top = fmax(o, c), bottom = fmin(o, c);
    if (hi < top) {
        b->high = top;
        *fixed = 1;
    }
    if (lo > bottom) {
        b->low = bottom;
        *fixed = 1;
    }
    return 0;
}

static int push(struct barfile *bf, size_t *cap, const struct bar *b)
{
    if (bf->n == *cap) {
        size_t c = *cap ? *cap * 2 : 32768;
        struct bar *w = realloc(bf->bars, c * sizeof *w);
        if (w == NULL)
            return -1;
        bf->bars = w;
        *cap = c;
    }
    bf->bars[bf->n++] = *b;
    return 0;
}

int barfile_load(const char *path, struct barfile *out)
{
    memset(out, 0, sizeof *out);
    if (barfile_name(path, out->symbol, sizeof out->symbol, &out->tf) != 0)
        return -1;
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char line[512];
    size_t cap = 0;
    int rc = 0, first = 1;
    while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
        struct bar b;
        int fixed;
        if (parse_line(line, &b, &fixed) != 0) {
            out->skipped += !first; /* the header is not a skipped bar */
            first = 0;
            continue;
        }
        first = 0;
        if (bar_validate(&b, out->tf) != NULL ||
            (out->n > 0 && b.ts <= out->bars[out->n - 1].ts)) {
            out->skipped++;
            continue;
        }
        out->repaired += (size_t)fixed;
        rc = push(out, &cap, &b);
    }
    fclose(f);
    if (rc != 0 || out->n == 0) {
        barfile_free(out);
        return -1;
    }
    return 0;
}

void barfile_free(struct barfile *bf)
{
    free(bf->bars);
    memset(bf, 0, sizeof *bf);
}

struct bar *barfile_split_m5(const struct bar *m15, size_t n)
{
    struct bar *v = malloc((3 * n + 1) * sizeof *v);
    if (v == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const struct bar *b = &m15[i];
        double x1 = b->close >= b->open ? b->low : b->high;
        double x2 = b->close >= b->open ? b->high : b->low;
        double p[4] = {b->open, x1, x2, b->close};
        for (int k = 0; k < 3; k++)
            v[3 * i + k] = (struct bar){b->ts + 300 * k, p[k], fmax(p[k], p[k + 1]),
                                        fmin(p[k], p[k + 1]), p[k + 1], b->volume / 3};
    }
    return v;
}
