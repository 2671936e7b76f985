/* Pip size inference and symbol names (DESIGN.md "Instruments and units"). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>

#include "domain/instrument.h"

Test(instrument, infers_the_usual_pip_sizes)
{
    cr_assert_float_eq(instrument_infer_pip(1.05), 0.0001, 1e-15);
    cr_assert_float_eq(instrument_infer_pip(0.97), 0.0001, 1e-15);
    cr_assert_float_eq(instrument_infer_pip(150.2), 0.01, 1e-15);
    cr_assert_float_eq(instrument_infer_pip(1905.3), 0.1, 1e-14);
    cr_assert_float_eq(instrument_infer_pip(22500), 1.0, 1e-12);
    cr_assert_float_eq(instrument_infer_pip(9735.7), 1.0, 1e-12);
}

Test(instrument, symbols_are_upper_case_digits_and_dot_dash_underscore)
{
    cr_assert(instrument_valid_symbol("EURUSD"));
    cr_assert(instrument_valid_symbol("BRK.B"));
    cr_assert(instrument_valid_symbol("ES_2023-12"));
    cr_assert_not(instrument_valid_symbol(""));
    cr_assert_not(instrument_valid_symbol("eurusd"));
    cr_assert_not(instrument_valid_symbol(".r"));
    cr_assert_not(instrument_valid_symbol("EUR USD"));
    cr_assert_not(instrument_valid_symbol("EURUSD#"));
    cr_assert_not(instrument_valid_symbol("EURUSD+"));
    cr_assert_not(instrument_valid_symbol("X'; DROP TABLE bars;--"));
    cr_assert_not(instrument_valid_symbol("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"));
}

Test(instrument, brokers_suffixes_are_valid_with_their_case)
{
    cr_assert(instrument_valid_symbol("XAUUSDm"));
    cr_assert(instrument_valid_symbol("USDJPY.r"));
    cr_assert(instrument_valid_symbol("EURUSD.pro"));
    cr_assert(instrument_valid_symbol("US30-ECN"));
    cr_assert(instrument_valid_symbol("EURUSD_i"));
    cr_assert(instrument_broker_variant("XAUUSD", "XAUUSDm"));
    cr_assert(instrument_broker_variant("USDJPY", "USDJPY.r"));
    cr_assert(instrument_broker_variant("EURUSD", "EURUSD.pro"));
    cr_assert_not(instrument_broker_variant("EURUSD", "EURUSD"));
    cr_assert_not(instrument_broker_variant("EURUSD", "EURUSDX"));
    cr_assert_not(instrument_broker_variant("EURUSD", "GBPUSD.r"));
}

Test(instrument, prices_round_to_the_tick_in_the_asked_direction)
{
    cr_assert_float_eq(instrument_tick(0.0001), 0.00001, 1e-18);
    cr_assert_float_eq(instrument_tick(0.05), 0.005, 1e-15);
    struct {
        double price, tick;
        int dir;
        double want;
        const char *text; /* %.15g: what the JSON shows */
    } cases[] = {
        {0.998646072038823, 0.00001, -1, 0.99864, "0.99864"},
        {0.998646072038823, 0.00001, +1, 0.99865, "0.99865"},
        {1.0930 - 1e-16, 0.00001, -1, 1.0930, "1.093"},   /* on the grid: stays */
        {1.0930 + 1e-16, 0.00001, +1, 1.0930, "1.093"},
        {150.12345, 0.001, +1, 150.124, "150.124"},       /* USDJPY */
        {22512.3456, 0.005, -1, 22512.345, "22512.345"},  /* NIFTY pip 0.05 */
        {22512.3456, 0.005, +1, 22512.35, "22512.35"},
        {1905.333333, 0.01, -1, 1905.33, "1905.33"},      /* XAUUSD */
        {1.02572861119275, 0.00001, 0, 1.02573, "1.02573"}, /* dir 0: the nearest */
        {1.02572161119275, 0.00001, 0, 1.02572, "1.02572"},
        {22512.3476, 0.005, 0, 22512.35, "22512.35"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double got = instrument_round_to_tick(cases[i].price, cases[i].tick, cases[i].dir);
        cr_assert_float_eq(got, cases[i].want, 1e-9 * cases[i].want, "case %zu: %.17g", i, got);
        double k = got / cases[i].tick;
        cr_assert(fabs(k - round(k)) <= 1e-9 * k, "case %zu: not a multiple", i);
        char text[32];
        snprintf(text, sizeof(text), "%.15g", got);
        cr_assert_str_eq(text, cases[i].text, "case %zu", i);
    }
    cr_assert(isnan(instrument_round_to_tick(NAN, 0.00001, 1)));
    cr_assert_float_eq(instrument_round_to_tick(1.5, 0.0, 1), 1.5, 0);
}
