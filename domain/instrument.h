/*
 * instrument.h - pip size of a symbol when the configuration does not name it.
 */
#ifndef LIQ_INSTRUMENT_H
#define LIQ_INSTRUMENT_H

/* A pip four decimal orders below the price's order of magnitude, rounded so that a
 * price hovering around a power of ten (EURUSD at parity) keeps one pip size:
 * 0.97 and 1.05 -> 0.0001, 150.2 -> 0.01, 1905.3 -> 0.1, 9735 and 22500 -> 1. */
double instrument_infer_pip(double price);

/* 1 if s matches [A-Z0-9._-]{1,32}. */
int instrument_valid_symbol(const char *s);

#endif
