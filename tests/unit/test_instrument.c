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
    cr_assert_not(instrument_valid_symbol("EUR USD"));
    cr_assert_not(instrument_valid_symbol("X'; DROP TABLE bars;--"));
    cr_assert_not(instrument_valid_symbol("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"));
}
