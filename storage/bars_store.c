/*
 * bars_store.c - symbols and their bars: the source of truth the zone state is rebuilt
 * from after a restart. Bars go in with one binary COPY per request (storage/copy_binary.h:
 * no printf here, no float or timestamp parsing in PostgreSQL).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "storage/copy_binary.h"
#include "storage/pg.h"
#include "storage/pg_wait.h"
#include "storage/stores.h"

int symbols_store_insert(PGconn *c, const struct symbol_row *s)
{
    char pip[32];
    snprintf(pip, sizeof pip, "%.17g", s->pip_size);
    const char *v[4] = {s->symbol, pip, s->pip_inferred ? "true" : "false", tf_name(s->tf)};
    PGresult *r = pg_exec(c, "symbol_insert", 4, v);
    PQclear(r);
    return r ? 0 : -1;
}

static int symbol_row_read(const PGresult *r, int i, struct symbol_row *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->symbol, sizeof s->symbol, "%s", PQgetvalue(r, i, 0));
    s->pip_size = pg_get_double(r, i, 1);
    s->pip_inferred = PQgetvalue(r, i, 2)[0] == 't';
    return tf_parse(PQgetvalue(r, i, 3), &s->tf);
}

int symbols_store_get(PGconn *c, const char *symbol, struct symbol_row *out)
{
    const char *v[1] = {symbol};
    PGresult *r = pg_exec(c, "symbol_get", 1, v);
    if (r == NULL)
        return -1;
    int rc = PQntuples(r) == 1 ? (symbol_row_read(r, 0, out) == 0 ? 1 : -1) : 0;
    PQclear(r);
    return rc;
}

static void ts_param(int64_t ts, char buf[40]);

int bars_store_delete_from(PGconn *c, const char *symbol, int64_t ts, int64_t events_after,
                           long *bars)
{
    char from[40], after[40];
    pg_format_ts(ts, from);
    ts_param(events_after, after);
    const char *v[3] = {symbol, from, after};
    PGresult *r = pg_exec(c, "bars_replace_from", 3, v);
    if (r == NULL)
        return -1;
    *bars = (long)pg_get_int64(r, 0, 0);
    PQclear(r);
    return 0;
}

int symbols_store_delete(PGconn *c, const char *symbol, long counts[4])
{
    const char *v[1] = {symbol};
    PGresult *r = pg_exec(c, "symbol_delete", 1, v);
    if (r == NULL)
        return -1;
    for (int i = 0; i < 4; i++)
        counts[i] = (long)pg_get_int64(r, 0, i);
    PQclear(r);
    return 0;
}

int symbols_store_each(PGconn *c, int (*fn)(void *ctx, const struct symbol_row *s), void *ctx)
{
    PGresult *r = pg_exec(c, "symbols_all", 0, NULL);
    if (r == NULL)
        return -1;
    int rc = 0;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        struct symbol_row s;
        if (symbol_row_read(r, i, &s) != 0) {
            rc = -1;
            break;
        }
        rc = fn(ctx, &s);
    }
    PQclear(r);
    return rc;
}

/* From this many rows on, a COPY's transaction gets its statement_timeout grown by the bulk
 * allowance too (one more round trip, worth it only for a large body). */
#define BULK_LOCAL_ROWS 5000

/* Opens the COPY (and the transaction when begin): the thread's calls get the bulk
 * allowance for n rows until bars_store_finish (a year of bars or a 64 MiB body takes
 * longer than one statement's deadline on a busy server); so does the server's
 * statement_timeout when n is large. 0 when the COPY is open. */
static int copy_open(PGconn *c, size_t n, int begin)
{
    pgw_bulk_rows(n);
    int st = pg_limits_get()->statement_timeout_ms;
    if ((n < BULK_LOCAL_ROWS || st <= 0) && begin)
        return pg_copy_begin(c, BEGIN_COPY_BARS);
    if (n < BULK_LOCAL_ROWS || st <= 0)
        return pg_copy_begin(c, COPY_BARS);
    if (begin && pg_begin(c) != 0)
        return -1;
    char ms[24];
    snprintf(ms, sizeof ms, "%lld", (long long)(st + pgw_bulk_ms(n)));
    const char *v[1] = {ms};
    PGresult *r = pg_exec(c, "statement_timeout_local", 1, v);
    if (r == NULL)
        return -1;
    PQclear(r);
    return pg_copy_begin(c, COPY_BARS);
}

int bars_store_send(PGconn *c, const char *symbol, enum timeframe tf, const struct bar *bars,
                    size_t n, int begin)
{
    if (n == 0)
        return 0;
    struct textbuf tb = {0};
    copybin_begin(&tb);
    for (size_t i = 0; i < n; i++) {
        copybin_row(&tb, 8);
        copybin_text(&tb, symbol);
        copybin_text(&tb, tf_name(tf));
        copybin_ts(&tb, bars[i].ts);
        copybin_float8(&tb, bars[i].open);
        copybin_float8(&tb, bars[i].high);
        copybin_float8(&tb, bars[i].low);
        copybin_float8(&tb, bars[i].close);
        copybin_float8(&tb, bars[i].volume);
    }
    copybin_end(&tb);
    int rc = -1;
    int opened = -1;
    if (!tb.oom)
        opened = copy_open(c, n, begin);
    if (opened == 0) {
        rc = pg_copy_put(c, tb.s, (int)tb.len);
        if (pg_copy_send_end(c) != 0) {
            /* nothing in flight: _finish finds no result and reports the error */
            rc = -1;
        }
    }
    textbuf_free(&tb);
    return rc;
}

int bars_store_finish(PGconn *c)
{
    int ok = 1, results = 0;
    PGresult *r;
    struct log_line l;
    while ((r = pg_get_result(c)) != NULL) {
        results++;
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            ok = 0;
            log_always(&l, LOG_ERROR, "database: COPY bars");
            log_str(&l, "pg", PQresultErrorMessage(r));
            log_end(&l);
        }
        PQclear(r);
    }
    if (PQstatus(c) != CONNECTION_OK)
        pg_mark_broken();
    pgw_bulk_rows(0);
    return ok && results > 0 ? 0 : -1;
}

int bars_store_insert(PGconn *c, const char *symbol, enum timeframe tf, const struct bar *bars,
                      size_t n)
{
    if (n == 0)
        return 0;
    int rc = bars_store_send(c, symbol, tf, bars, n, 0);
    int done = bars_store_finish(c);
    return rc == 0 && done == 0 ? 0 : -1;
}

/* A bound of a bars range as a timestamptz parameter: INT64_MIN / INT64_MAX open it. */
static void ts_param(int64_t ts, char buf[40])
{
    if (ts == INT64_MIN || ts == INT64_MAX)
        snprintf(buf, 40, "%s", ts == INT64_MIN ? "-infinity" : "infinity");
    else
        pg_format_ts(ts, buf);
}

int bars_store_range(PGconn *c, const char *symbol, enum timeframe tf, int64_t from, int64_t to,
                     size_t limit, int newest_first,
                     int (*fn)(void *ctx, const struct bar *b), void *ctx)
{
    char lo[40], hi[40], lim[24];
    ts_param(from, lo);
    ts_param(to, hi);
    snprintf(lim, sizeof lim, "%zu", limit);
    const char *v[5] = {symbol, tf_name(tf), lo, hi, limit > 0 ? lim : NULL};
    const char *stmt = newest_first ? "bars_of_symbol_desc" : "bars_of_symbol";
    if (PQsendQueryPrepared(c, stmt, 5, v, NULL, NULL, 0) != 1 || PQsetSingleRowMode(c) != 1) {
        pg_fail(c, stmt);
        return -1;
    }
    int rc = 0;
    PGresult *r;
    while ((r = pg_get_result(c)) != NULL) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_SINGLE_TUPLE && rc == 0) {
            struct bar b = {
                .ts = pg_get_int64(r, 0, 0), .open = pg_get_double(r, 0, 1), .high = pg_get_double(r, 0, 2),
                .low = pg_get_double(r, 0, 3), .close = pg_get_double(r, 0, 4),
                .volume = pg_get_double(r, 0, 5)};
            rc = fn(ctx, &b);
        } else if (st != PGRES_TUPLES_OK && st != PGRES_SINGLE_TUPLE) {
            if (rc == 0)
                pg_fail(c, stmt);
            rc = -1;
        }
        PQclear(r);
    }
    if (PQstatus(c) != CONNECTION_OK)
        rc = -1;
    return rc;
}

int bars_store_first_ts(PGconn *c, const char *symbol, enum timeframe tf, int64_t *ts)
{
    const char *v[2] = {symbol, tf_name(tf)};
    PGresult *r = pg_exec(c, "bars_first_ts", 2, v);
    if (r == NULL)
        return -1;
    *ts = PQgetisnull(r, 0, 0) ? INT64_MIN : pg_get_int64(r, 0, 0);
    PQclear(r);
    return 0;
}

int bars_store_existing(PGconn *c, const char *symbol, enum timeframe tf, const int64_t *ts,
                        size_t n, int64_t **found, size_t *nfound)
{
    *found = NULL;
    *nfound = 0;
    struct textbuf list = {0};
    textbuf_append(&list, "{", 1);
    for (size_t i = 0; i < n; i++)
        textbuf_printf(&list, "%s%lld", i ? "," : "", (long long)ts[i]);
    textbuf_append(&list, "}", 1);
    if (list.oom) {
        textbuf_free(&list);
        return -1;
    }
    const char *v[3] = {symbol, tf_name(tf), list.s};
    PGresult *r = pg_exec(c, "bars_ts_in", 3, v);
    textbuf_free(&list);
    if (r == NULL)
        return -1;
    int rows = PQntuples(r), rc = 0;
    if (rows > 0) {
        *found = malloc((size_t)rows * sizeof **found);
        if (*found == NULL)
            rc = -1;
        for (int i = 0; *found != NULL && i < rows; i++)
            (*found)[i] = pg_get_int64(r, i, 0);
        *nfound = *found != NULL ? (size_t)rows : 0;
    }
    PQclear(r);
    return rc;
}
