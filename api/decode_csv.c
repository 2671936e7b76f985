/*
 * decode_csv.c - bars from CSV text: the MT5 and MT4 exports as they come (tab, ';' or ','
 * between fields, split or joined date and time, headers with or without <>, CRLF, a BOM,
 * decimal commas) and any header naming the columns (see decode_bars_csv in api/decode.h).
 * Wall-clock times are placed in the batch's tz. Lines of plain decimals are read without
 * strtod; every bar then goes through decode_accept_bar.
 */
#include "api/decode_bar.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domain/instrument.h"
#include "domain/tz.h"
#include "base/utf8.h"

enum col {
    C_DATE,    /* a date, or a date and time in one field */
    C_TIME,    /* a time of day (with C_DATE) or a whole timestamp (alone) */
    C_OPEN,
    C_HIGH,
    C_LOW,
    C_CLOSE,
    C_VOLUME,
    C_TICKVOL,
    C_NCOLS
};

#define CSV_MAX_FIELDS 16

/* What every refusal of a layout says: the layouts this reader understands. */
#define CSV_LAYOUTS                                                                           \
    "understood layouts: the MT5 export (<DATE> <TIME> <OPEN> <HIGH> <LOW> <CLOSE> <TICKVOL> "  \
    "<VOL> <SPREAD>), the MT4 export without header (date,time,open,high,low,close,volume), "  \
    "or a header naming date[+time] or time, open, high, low, close[, volume|tickvol] in any "  \
    "case or order, with or without <>; separated by tab, ';' or ','"

/* The file's separator: tab if its first line has one, else ';' if it has one, else ','. */
static char detect_separator(const char *line)
{
    size_t n = strcspn(line, "\n");
    if (memchr(line, '\t', n) != NULL)
        return '\t';
    if (memchr(line, ';', n) != NULL)
        return ';';
    return ',';
}

/* Splits one line in place at sep; trims spaces and a CR. Returns the field count, -1 if
 * more than CSV_MAX_FIELDS. */
static int split(char *line, char sep, char **f)
{
    int n = 0;
    char *p = line;
    for (;;) {
        if (n == CSV_MAX_FIELDS)
            return -1;
        while (*p == ' ')
            p++;
        f[n++] = p;
        char *e = strchr(p, sep);
        if (e == NULL)
            e = p + strlen(p);
        char *t = e;
        int last = *e == '\0';
        while (t > p && (t[-1] == ' ' || t[-1] == '\r'))
            t--;
        *t = '\0';
        if (last)
            return n;
        p = e + 1;
    }
}

/* A header name without its <> and letter case: "<TICKVOL>" -> C_TICKVOL. -1 if unknown. */
static int header_column(const char *name)
{
    static const struct {
        const char *name;
        enum col col;
    } names[] = {
        {"date", C_DATE},        {"dtyyyymmdd", C_DATE},   {"datetime", C_DATE},
        {"timestamp", C_DATE},   {"ts", C_DATE},           {"time", C_TIME},
        {"open", C_OPEN},        {"high", C_HIGH},         {"low", C_LOW},
        {"close", C_CLOSE},      {"volume", C_VOLUME},     {"vol", C_VOLUME},
        {"real_volume", C_VOLUME}, {"tickvol", C_TICKVOL}, {"tick_volume", C_TICKVOL},
    };
    char buf[32];
    size_t n = strlen(name);
    if (n >= 2 && name[0] == '<' && name[n - 1] == '>') {
        name++;
        n -= 2;
    }
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, name, n);
    buf[n] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcasecmp(buf, names[i].name) == 0)
            return (int)names[i].col;
    return -1;
}

struct csv_layout {
    int idx[C_NCOLS];
    char sep;
    int decimal_comma; /* prices written 1,05432 (with ';' or tab as separator) */
    int header_fields; /* fields of the header line, 0 without one */
};

static int parse_double(const struct csv_layout *l, char *s, double *out)
{
    if (*s == '\0')
        return -1;
    if (l->decimal_comma) {
        char *c = strchr(s, ',');
        if (c != NULL && strchr(c + 1, ',') == NULL && strchr(s, '.') == NULL)
            *c = '.';
    }
    if (decode_fast_decimal(s, s + strlen(s), out) == 0)
        return 0;
    if (!decode_decimal_text(s))
        return -1;
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0' || errno == ERANGE || end == s)
        return -1;
    *out = v;
    return 0;
}

static int layout_from_header(char **f, int n, struct csv_layout *l)
{
    for (int c = 0; c < C_NCOLS; c++)
        l->idx[c] = -1;
    for (int i = 0; i < n; i++) {
        int c = header_column(f[i]);
        if (c >= 0 && l->idx[c] < 0)
            l->idx[c] = i;
    }
    l->header_fields = n;
    if (l->idx[C_DATE] < 0 && l->idx[C_TIME] >= 0) { /* "time" alone is a whole timestamp */
        l->idx[C_DATE] = l->idx[C_TIME];
        l->idx[C_TIME] = -1;
    }
    return l->idx[C_DATE] >= 0 && l->idx[C_OPEN] >= 0 && l->idx[C_HIGH] >= 0 &&
                   l->idx[C_LOW] >= 0 && l->idx[C_CLOSE] >= 0
               ? 0
               : -1;
}

static int line_is_header(char **f, int n)
{
    for (int i = 0; i < n; i++)
        for (const char *p = f[i]; *p; p++)
            if (isalpha((unsigned char)*p) && *p != 'e' && *p != 'E' && *p != 'T' && *p != 'Z')
                return 1;
    return 0;
}

/* 1 if s is a time of day: "00:15", "00:15:00", or the compact "0015" / "001500". */
static int looks_like_clock(const char *s)
{
    size_t n = strlen(s);
    if (strchr(s, ':') != NULL)
        return n >= 4 && n <= 8;
    return (n == 4 || n == 6) && strspn(s, "0123456789") == n;
}

/* The layout of a file without header, from its first row: the MT4 export
 * date,time,open,high,low,close,volume or time,open,high,low,close[,volume]. */
static int layout_from_row(char **f, int n, struct csv_layout *l)
{
    static const int mt4[C_NCOLS] = {0, 1, 2, 3, 4, 5, 6, -1};
    static const int joined[C_NCOLS] = {0, -1, 1, 2, 3, 4, 5, -1};
    if (n >= 6 && looks_like_clock(f[1]))
        memcpy(l->idx, mt4, sizeof mt4);
    else if (n >= 5)
        memcpy(l->idx, joined, sizeof joined);
    else
        return -1;
    if (l->idx[C_VOLUME] >= n)
        l->idx[C_VOLUME] = -1;
    return 0;
}

/* With ';' or tab between fields, "1,05432" is a decimal comma: the first row decides. */
static void detect_decimal_comma(struct csv_layout *l, char **f, int n)
{
    if (l->sep == ',' || l->idx[C_OPEN] >= n)
        return;
    const char *o = f[l->idx[C_OPEN]];
    l->decimal_comma = strchr(o, ',') != NULL && strchr(o, '.') == NULL;
}

/* "20221010" + "001500" (compact MetaStock-style fields of some MT4 exports) ->
 * "2022.10.10 00:15:00"; other forms are joined with a space. */
/* 0, or -1 when the joined text does not fit out: a time cut to fit could read as another
 * time (an offset cut off), so it is refused, never cut. */
static int join_when(const char *date, const char *clock, char *out, size_t outlen)
{
    size_t dn = strlen(date), cn = clock ? strlen(clock) : 0;
    int compact_date = dn == 8 && strspn(date, "0123456789") == 8;
    int compact_clock = (cn == 4 || cn == 6) && strspn(clock, "0123456789") == cn;
    char d[16], c[16];
    if (compact_date)
        snprintf(d, sizeof d, "%.4s.%.2s.%.2s", date, date + 4, date + 6);
    else
        snprintf(d, sizeof d, "%.15s", date);
    if (compact_clock)
        snprintf(c, sizeof c, "%.2s:%.2s:%.2s", clock, clock + 2, cn == 6 ? clock + 4 : "00");
    else if (clock != NULL)
        snprintf(c, sizeof c, "%.15s", clock);
    int n;
    if (clock == NULL)
        n = snprintf(out, outlen, "%s", compact_date ? d : date);
    else
        n = snprintf(out, outlen, "%s %s", d, c);
    int whole = clock == NULL || (dn < sizeof d && cn < sizeof c);
    return n >= 0 && (size_t)n < outlen && whole ? 0 : -1;
}

/* The bar's UTC instant: a wall-clock time is read in b->tz. 0, or -1 with the error
 * recorded. last_ts: the previous bar's, to place a repeated autumn hour after it. */
static int row_time(struct bar_batch *b, const char *when, int fits, long line,
                    int64_t last_ts, int64_t *ts)
{
    int absolute = 0;
    char shown[41]; /* what a message quotes: 40 bytes at most, cut on a character */
    utf8_clip(shown, sizeof shown, when, sizeof shown - 1);
    if (!fits || decode_time_zoned(when, ts, &absolute) != 0) {
        decode_add_error(b, line,
                         "cannot read the time '%s' (2022.10.10 00:15[:00], "
                         "2022-10-10T00:15:00Z, epoch seconds)", shown);
        return -1;
    }
    if (b->tz == NULL || absolute)
        return 0;
    int64_t earlier, later;
    enum tz_local k = tz_local_to_utc(b->tz, *ts, &earlier, &later);
    if (k == TZ_GAP) {
        decode_add_error(b, line, "the time '%s' does not exist in tz (clocks went forward)",
                         shown);
        return -1;
    }
    *ts = k == TZ_AMBIGUOUS && earlier <= last_ts ? later : earlier;
    return 0;
}

static int decode_csv_row(struct bar_batch *b, const struct csv_layout *l, char **f, int n,
                          long line, int64_t now)
{
    for (int c = 0; c < C_NCOLS; c++) {
        if (l->idx[c] >= n) {
            decode_add_error(b, line, "expected at least %d fields, found %d", l->idx[c] + 1, n);
            return 0;
        }
    }
    if (l->header_fields > 0 && n > l->header_fields) {
        decode_add_error(b, line, "%d fields but the header has %d%s", n, l->header_fields,
                         l->sep == ',' ? " (decimal commas need ';' or tab between fields)"
                                       : "");
        return 0;
    }
    struct bar bar = {0};
    char when[64];
    int fits = join_when(f[l->idx[C_DATE]], l->idx[C_TIME] >= 0 ? f[l->idx[C_TIME]] : NULL,
                         when, sizeof when) == 0;
    if (row_time(b, when, fits, line, b->n ? b->bars[b->n - 1].ts : INT64_MIN, &bar.ts) != 0)
        return 0;
    static const char *const names[4] = {"open", "high", "low", "close"};
    double *fields[4] = {&bar.open, &bar.high, &bar.low, &bar.close};
    for (int k = 0; k < 4; k++) {
        if (parse_double(l, f[l->idx[C_OPEN + k]], fields[k]) != 0) {
            char shown[25];
            utf8_clip(shown, sizeof shown, f[l->idx[C_OPEN + k]], sizeof shown - 1);
            decode_add_error(b, line, "%s '%s' is not a number", names[k], shown);
            return 0;
        }
    }
    int vcol = l->idx[C_TICKVOL] >= 0 ? l->idx[C_TICKVOL] : l->idx[C_VOLUME];
    if (vcol >= 0 && parse_double(l, f[vcol], &bar.volume) != 0) {
        char shown[25];
        utf8_clip(shown, sizeof shown, f[vcol], sizeof shown - 1);
        decode_add_error(b, line, "volume '%s' is not a number", shown);
        return 0;
    }
    return decode_accept_bar(b, line, &bar, now);
}

static int check_params(const char *symbol, const char *timeframe, struct bar_batch *out)
{
    if (symbol == NULL || !instrument_valid_symbol(symbol)) {
        snprintf(out->message, sizeof out->message,
                 "query parameter symbol must match " INSTRUMENT_SYMBOL_RULE);
        out->param = "symbol";
        return -1;
    }
    if (timeframe == NULL || tf_parse(timeframe, &out->tf) != 0) {
        snprintf(out->message, sizeof out->message,
                 "query parameter timeframe must be one of M1, M5, M15, M30, H1, H4, D1");
        out->param = "timeframe";
        return -1;
    }
    if (out->tz != NULL && (out->tf == TF_D1 || out->tf == TF_W1)) {
        snprintf(out->message, sizeof out->message,
                 "tz applies to intraday bars; D1 and W1 bars are dated by their UTC day");
        out->param = "tz";
        return -1;
    }
    snprintf(out->symbol, sizeof out->symbol, "%s", symbol);
    return 0;
}

/* The layout from the first line (a header, or the first row of a header-less export);
 * 1 when that line was a header, 0 when it is a row, -1 with out->message set. */
static int first_line(char **f, int n, struct csv_layout *l, struct bar_batch *out)
{
    int rc = line_is_header(f, n) ? layout_from_header(f, n, l) : layout_from_row(f, n, l);
    if (rc != 0) {
        snprintf(out->message, sizeof out->message, "%s", CSV_LAYOUTS);
        return -1;
    }
    return line_is_header(f, n);
}

int decode_bars_csv(const char *text, size_t len, const char *symbol, const char *timeframe,
                    int64_t now, struct bar_batch *out)
{
    if (check_params(symbol, timeframe, out) != 0)
        return -1;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) { /* a UTF-8 byte order mark */
        text += 3;
        len -= 3;
    }
    char *buf = malloc(len + 1);
    if (buf == NULL)
        return -2;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (memchr(buf, '\0', len) != NULL) {
        free(buf);
        snprintf(out->message, sizeof out->message, "the CSV holds a NUL byte");
        return -1;
    }
    struct csv_layout l = {.sep = detect_separator(buf)};
    int rc = 0, have_layout = 0;
    long line = 0;
    for (char *ln = buf, *next = NULL; ln != NULL && rc == 0; ln = next) {
        char *nl = strchr(ln, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl != NULL)
            *nl = '\0';
        if (next != NULL && *next == '\0')
            next = NULL;
        line++;
        char *f[CSV_MAX_FIELDS];
        if (ln[0] == '\r' || ln[0] == '\0')
            continue;
        int n = split(ln, l.sep, f);
        if (n < 0) {
            decode_add_error(out, line, "more than %d fields", CSV_MAX_FIELDS);
            continue;
        }
        if (!have_layout) {
            int header = first_line(f, n, &l, out);
            if (header < 0)
                break;
            have_layout = 1;
            if (header)
                continue;
        }
        if (out->n == 0 && out->nerrors == 0)
            detect_decimal_comma(&l, f, n);
        if (decode_csv_row(out, &l, f, n, line, now) != 0)
            rc = -2;
    }
    free(buf);
    if (rc == 0 && out->message[0] == '\0' && out->n == 0 && out->nerrors == 0 &&
        out->fixed == 0)
        snprintf(out->message, sizeof out->message, "the CSV holds no bars");
    if (rc != 0)
        return rc;
    return out->nerrors || out->message[0] ? -1 : 0;
}
