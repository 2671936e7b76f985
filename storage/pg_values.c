/*
 * pg_values.c - see pg.h: a timestamp formatted for PostgreSQL, and a result's numbers read
 * back.
 */
#include <stdlib.h>
#include <time.h>

#include "storage/pg.h"

void pg_format_ts(int64_t ts, char *buf)
{
    time_t t = (time_t)ts;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%d %H:%M:%S+00", &tm);
}

int64_t pg_get_int64(const PGresult *r, int row, int col)
{
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

double pg_get_double(const PGresult *r, int row, int col)
{
    return strtod(PQgetvalue(r, row, col), NULL);
}
