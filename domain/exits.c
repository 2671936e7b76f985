/*
 * exits.c - which exit a setup gets (exits.h).
 */
#include "exits.h"

#include <stdio.h>
#include <string.h>

#include "stop.h"
#include "target.h"

const double EXIT_GEO_STOP_ATR[EXIT_GEO_N] = {1.0, 1.5, 2.0, 3.0};

static const char *const NAMES[] = {"auto", "zones", "geometry"};

const char *exit_method_name(enum exit_method m)
{
    return (unsigned)m < 3 ? NAMES[m] : "auto";
}

int exit_method_parse(const char *name, enum exit_method *out)
{
    for (int i = 0; i < 3; i++) {
        if (name != NULL && strcmp(name, NAMES[i]) == 0) {
            *out = (enum exit_method)i;
            return 0;
        }
    }
    return -1;
}

enum exit_method exit_choose(enum exit_method m, const struct exit_record *rec, char *why,
                             size_t len)
{
    if (m == EXIT_ZONES || m == EXIT_GEOMETRY) {
        snprintf(why, len, "exit_method %s: set by exit_method", exit_method_name(m));
        return m;
    }
    if (rec == NULL || rec->trades == 0) {
        snprintf(why, len, "exit_method geometry (auto): no record of zone exits against "
                 "geometry exits for this symbol; zone exits are given only when they lead");
        return EXIT_GEOMETRY;
    }
    if (rec->days < EXIT_MIN_DAYS) {
        snprintf(why, len, "exit_method geometry (auto): zone minus geometry exits %+.3f R "
                 "per trade over %zu trades in %zu days (zones %+.3f R, geometry %+.3f R); "
                 "zones need %d days and the interval above 0", rec->diff, rec->trades,
                 rec->days, rec->zone_r, rec->geo_r, EXIT_MIN_DAYS);
        return EXIT_GEOMETRY;
    }
    enum exit_method got = rec->lo > 0.0 ? EXIT_ZONES : EXIT_GEOMETRY;
    snprintf(why, len, "exit_method %s (auto): zone minus geometry exits %+.3f R per trade "
             "[%+.3f, %+.3f] over %zu trades in %zu days (zones %+.3f R, geometry %+.3f R); "
             "zones need the interval above 0", exit_method_name(got), rec->diff, rec->lo,
             rec->hi, rec->trades, rec->days, rec->zone_r, rec->geo_r);
    return got;
}

double exit_geometry(const struct geo_book *geo, int side, double rr, double *p, double *er)
{
    double ps[EXIT_GEO_N], es[EXIT_GEO_N];
    int best = EXIT_GEO_REF;
    for (int i = 0; i < EXIT_GEO_N; i++) {
        double s = EXIT_GEO_STOP_ATR[i];
        ps[i] = geo != NULL ? geo_p_first(geo, side, rr * s, s) : 1.0 / (1.0 + rr);
        es[i] = ps[i] * rr - (1.0 - ps[i]) * (geo != NULL ? geo_stop_loss(geo, s) : 1.0);
    }
    for (int i = 0; i < EXIT_GEO_N; i++)
        if (es[i] > es[best] && es[i] - es[EXIT_GEO_REF] > EXIT_GEO_MARGIN)
            best = i;
    *p = ps[best];
    *er = es[best];
    return EXIT_GEO_STOP_ATR[best];
}

double exit_geometry_prices(const struct geo_book *geo, int side, double rr, double entry,
                            double unit, double pip, double *stop, double *target, double *p,
                            double *er)
{
    double s = exit_geometry(geo, side, rr, p, er);
    /* the stop on the tick away from entry, the target rr x that rounded distance beyond
     * entry, on the tick away from entry: rr is met on the prices published */
    *stop = side_round_to_tick((enum trade_side)side, entry - side * s * unit, pip);
    *target = target_at_rr((enum trade_side)side, entry, *stop, rr, pip);
    return s;
}
