/*
 * exits.h - which exit a setup gets: the zones' (stop behind a zone, targets in front of
 * zones) or the geometry's (a stop some ATR away and one target at min_rr_ratio R, the
 * distance that maximises the calibrated expected_r), and the refusals of setups the
 * service expects to lose or knows nothing about (docs/trading.md "Which exit").
 *
 * The one idea: an exit earns its place against the plainest alternative. Zone exits are
 * given only where the symbol's own record shows them ahead of the geometry exits with an
 * interval above 0 (exit_method auto); otherwise the geometry exit, whose probability of
 * reaching its target is the engine's calibrated p_tp1_first on exactly those distances.
 *
 * Pure computation: no I/O, no clock, no globals.
 */
#ifndef LIQ_EXITS_H
#define LIQ_EXITS_H

#include <stddef.h>

#include "geometry.h"
#include "params.h"

enum exit_method { EXIT_AUTO = 0, EXIT_ZONES = 1, EXIT_GEOMETRY = 2 };

/* "auto" / "zones" / "geometry"; the parser returns 0, or -1 if unknown. */
const char *exit_method_name(enum exit_method m);
int exit_method_parse(const char *name, enum exit_method *out);

/* The stop distances the geometry exit chooses from, in ATR: one bar's noise (1) up to the
 * farthest stop the zones may give (STOP_MAX_FALLBACK_MULTIPLE x fallback_stop_atr, 3). */
#define EXIT_GEO_N 4
extern const double EXIT_GEO_STOP_ATR[EXIT_GEO_N];
#define EXIT_GEO_REF 1        /* 1.5 ATR: the reference distance */
#ifndef EXIT_GEO_MARGIN
#define EXIT_GEO_MARGIN 0.10  /* R of expected_r a distance must gain over the reference */
#endif

/* What a symbol's record says of zone exits against geometry exits (NULL: no record). */
struct exit_record {
    size_t trades;          /* probes resolved both ways */
    double zone_r, geo_r;   /* mean R of each */
    double diff, lo, hi;    /* mean(zone - geometry) and its 95 % interval */
    size_t days;            /* day blocks behind the interval (< 2: lo -inf, hi +inf) */
};

/* The exit a setup gets with method m and the record (NULL: none): zones for EXIT_ZONES,
 * geometry for EXIT_GEOMETRY; for EXIT_AUTO zones only when rec spans at least
 * EXIT_MIN_DAYS day blocks and its interval lies above 0 (lo > 0), else geometry: the rule
 * chosen on first halves (docs/trading.md "Which exit"). why (len bytes) says which and the
 * figures that decided it. */
#define EXIT_MIN_DAYS 20
enum exit_method exit_choose(enum exit_method m, const struct exit_record *rec, char *why,
                             size_t len);

/*
 * The geometry exit: the stop distance s (ATR) of EXIT_GEO_STOP_ATR and target rr x s that
 * maximise expected_r = p rr - (1 - p) L, p = geo_p_first(geo, side, rr s, s) (the random
 * walk's 1 / (1 + rr) without a book), L = geo_stop_loss(geo, s) (1 without a book); ties go to the smaller distance. Returns s, *p and
 * *er. Example: an empty book, rr 1.5 -> s 1 (every s gives p 0.4, er 0).
 */
double exit_geometry(const struct geo_book *geo, int side, double rr, double *p, double *er);

/* The geometry exit's prices for a trade at entry: exit_geometry's s, the stop s x unit
 * behind entry on the tick away from entry (stop.h side_round_to_tick), and TP1 rr x the
 * distance to that rounded stop ahead of entry, on the tick away from entry
 * (target.h target_at_rr): |target - entry| / |entry - stop| >= rr on these prices.
 * unit: the ATR14 (or the fallback stop distance without one). Returns s.
 * Example: BUY 1.05697, unit 0.000533, s 1, rr 1.5 -> stop 1.05643, target 1.05778
 * (rr 1.5; rounding the target toward entry gave 1.05777, rr 1.4815). */
double exit_geometry_prices(const struct geo_book *geo, int side, double rr, double entry,
                            double unit, double pip, double *stop, double *target, double *p,
                            double *er);

#endif
