/* Pip size inference and symbol names (DESIGN.md "Instruments and units"). */
#include <criterion/criterion.h>

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
