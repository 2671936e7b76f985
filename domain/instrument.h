/*
 * instrument.h - pip size of a symbol when the configuration does not name it.
 */
#ifndef LIQ_INSTRUMENT_H
#define LIQ_INSTRUMENT_H

/* A pip four decimal orders below the price's order of magnitude, rounded so that a
 * price hovering around a power of ten (EURUSD at parity) keeps one pip size:
 * 0.97 and 1.05 -> 0.0001, 150.2 -> 0.01, 1905.3 -> 0.1, 9735 and 22500 -> 1. */
double instrument_infer_pip(double price);

/*
 * The range a price of a symbol may take, in its pips: [INSTRUMENT_MIN_PIPS,
 * INSTRUMENT_MAX_PIPS]. A pip is inferred four decimal orders below the first price, so a
 * price 10,000 times below or above that first price is still taken; beyond it the number is
 * not a price of this symbol (a 1e300 high would put round-number zones at +-1e299).
 * instrument_price_in_scale(1.05, 0.0001) == 1; (1e300, 0.0001) == 0; (NAN, 0.0001) == 0.
 */
#define INSTRUMENT_MIN_PIPS 1.0
#define INSTRUMENT_MAX_PIPS 1e8
int instrument_price_in_scale(double price, double pip);

/*
 * The tick: the smallest price step a stop or target is placed on, a tenth of the pip
 * (EURUSD pip 0.0001 -> tick 0.00001, USDJPY 0.01 -> 0.001, NIFTY 0.05 -> 0.005), the
 * fifth decimal an FX broker quotes. docs/trading.md "Prices on the tick".
 */
double instrument_tick(double pip);

/*
 * price on a multiple of tick: dir > 0 rounds up, dir < 0 down, dir 0 to the nearest. A
 * price already within
 * 1e-6 tick of a multiple is that multiple (1.0930 computed as 1.09299999999999997 stays
 * 1.0930, not 1.09299). When tick is a decimal (m x 10^-d, d <= 15, as every pip / 10 is)
 * the result is the double nearest that decimal (k m / 10^d), so %.15g prints it short:
 * instrument_round_to_tick(0.998646072038823, 0.00001, -1) == 0.99864. A non-finite price or
 * tick is returned unchanged.
 */
double instrument_round_to_tick(double price, double tick, int dir);

/* The symbol rule, for error messages. */
#define INSTRUMENT_SYMBOL_RULE "[A-Z0-9][A-Za-z0-9._-]{0,31}"

/* 1 if s matches INSTRUMENT_SYMBOL_RULE: an upper-case letter or digit, then up to 31
 * letters of either case, digits, '.', '_' or '-'. Brokers' suffixes keep their case:
 * "XAUUSDm", "USDJPY.r", "EURUSD.pro" are valid and distinct from "XAUUSD". */
int instrument_valid_symbol(const char *s);

/* 1 if symbol is base with a broker's suffix: a lower-case letter, '.', '_' or '-' right
 * after base ("XAUUSDm", "USDJPY.r", "EURUSD.pro", "US30-ECN" of "XAUUSD", "USDJPY", ...);
 * 0 for base itself or another instrument ("EURUSDX"). Used to give a suffixed symbol the
 * configured pip size of its instrument. */
int instrument_broker_variant(const char *base, const char *symbol);

#endif
