/*
 * barfile.h - the one reader of bar files for tests, benchmarks and the report.
 *
 * Layout (../shared/data/README.md): the MT5 export
 * `Date,Open,High,Low,Close,Tickvol,Volume,Spread`, dates `YYYY.MM.DD HH:MM:SS` in UTC (bar
 * open time), sorted. The symbol and the timeframe come from the file name: EURUSD_15M.csv is
 * EURUSD on M15, SPY_1H.csv SPY on H1 ("M15" and "H1" spellings work too). Volume is Tickvol,
 * or Volume when Tickvol is 0.
 *
 * Real vendor files have flaws; each kind is handled the same way every time and counted, so
 * the report can say what it did: a bar whose open or close lies outside its high-low range is
 * repaired (high and low widened to contain them); a line that does not parse, a bar with a
 * non-positive or non-finite price, a time not aligned to the timeframe, or a time not after
 * the previous bar's is skipped.
 */
#ifndef LIQ_RESEARCH_BARFILE_H
#define LIQ_RESEARCH_BARFILE_H

#include <stddef.h>

#include "domain/bar.h"

struct barfile {
    char symbol[32];       /* EURUSD_15M.csv -> "EURUSD" */
    enum timeframe tf;     /* EURUSD_15M.csv -> TF_M15 */
    struct bar *bars;      /* n bars in time order (malloc'd; barfile_free releases) */
    size_t n;
    size_t repaired;       /* bars whose high/low were widened to contain open/close */
    size_t skipped;        /* data lines dropped (see above); the header line not counted */
};

/*
 * The symbol and timeframe a file name stands for: "../data/USDJPY_15M.csv" -> "USDJPY",
 * TF_M15. 0, or -1 when the name has no `_<timeframe>` part this reader knows.
 */
int barfile_name(const char *path, char *symbol, size_t len, enum timeframe *tf);

/* Reads path into *out. 0, or -1 when the file cannot be opened, its name is not
 * understood, it holds no usable bar, or memory runs out (*out is then empty). */
int barfile_load(const char *path, struct barfile *out);
void barfile_free(struct barfile *bf);

/*
 * M15 bars as M5 bars for the sources that need M5 (PIVOT_M5): each bar becomes three,
 * open -> first extreme -> other extreme -> close (low first on an up bar), a third of the
 * volume each; aggregating them back gives the original bar exactly. 3n bars (caller
 * frees), NULL when out of memory.
 */
struct bar *barfile_split_m5(const struct bar *m15, size_t n);

#endif
