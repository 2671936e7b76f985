/*
 * instrument.c - pip size inference and symbol names.
 */
#include "instrument.h"

#include <math.h>
#include <string.h>

double instrument_infer_pip(double price)
{
    if (!(price > 0) || !isfinite(price))
        return 0.0001;
    double digits = round(log10(price));
    return pow(10.0, digits - 4.0);
}

int instrument_price_in_scale(double price, double pip)
{
    if (!isfinite(price) || !(pip > 0) || !isfinite(pip))
        return 0;
    double pips = price / pip;
    return pips >= INSTRUMENT_MIN_PIPS && pips <= INSTRUMENT_MAX_PIPS;
}

int instrument_valid_symbol(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 32)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        int ok = (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                 ch == '_' || ch == '-';
        if (!ok)
            return 0;
    }
    return 1;
}
