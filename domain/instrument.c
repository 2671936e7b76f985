/*
 * instrument.c - pip size inference and symbol names (with brokers' suffixes).
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

double instrument_tick(double pip)
{
    return pip / 10.0;
}

/* tick as m / 10^d with m an integer: d, or -1 when no d <= 15 fits. */
static int tick_decimals(double tick, double *m)
{
    double scale = 1.0;
    for (int d = 0; d <= 15; d++, scale *= 10.0) {
        double x = tick * scale;
        if (fabs(x - round(x)) <= 1e-9 * x) {
            *m = round(x);
            return d;
        }
    }
    return -1;
}

double instrument_round_to_tick(double price, double tick, int dir)
{
    if (!isfinite(price) || !isfinite(tick) || !(tick > 0.0))
        return price;
    double m = 0.0;
    int d = tick_decimals(tick, &m);
    double scale = d >= 0 ? pow(10.0, d) : 1.0;
    double step = d >= 0 ? m : tick;
    double k = price * scale / step;
    double kr = round(k);
    if (dir != 0 && fabs(k - kr) > 1e-6)
        kr = dir > 0 ? ceil(k) : floor(k);
    return kr * step / scale;
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
    if (!((s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= '0' && s[0] <= '9')))
        return 0;
    for (size_t i = 1; i < n; i++) {
        char ch = s[i];
        int ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                 (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
        if (!ok)
            return 0;
    }
    return 1;
}

int instrument_broker_variant(const char *base, const char *symbol)
{
    size_t n = strlen(base);
    if (n == 0 || strncmp(base, symbol, n) != 0)
        return 0;
    char first = symbol[n];
    return (first >= 'a' && first <= 'z') || first == '.' || first == '_' || first == '-';
}
