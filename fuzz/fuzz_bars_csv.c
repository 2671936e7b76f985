/*
 * libFuzzer harness: POST /bars' text/csv path (decode_bars_csv) with every layout it
 * accepts. The first input byte picks the timeframe (and sometimes an invalid one or a
 * bad symbol), the rest is the CSV text, deliberately not NUL-terminated: the decoder
 * must respect len.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const TF[] = {"M1", "M5", "M15", "M30", "H1", "H4", "D1", "M7", NULL};
    if (size < 1)
        return 0;
    const char *tf = TF[data[0] % 9];
    const char *symbol = (data[0] & 0x80) ? "EUR USD" : "EURUSD";
    char *text = malloc(size - 1 ? size - 1 : 1);
    if (text == NULL)
        return 0;
    memcpy(text, data + 1, size - 1);
    struct bar_batch b = {.symbol = ""};
    int rc = decode_bars_csv(text, size - 1, symbol, tf, 1700000000, &b);
    if (rc == 0)
        for (size_t i = 0; i < b.n; i++)
            assert(bar_validate(&b.bars[i], b.tf) == NULL);
    bar_batch_free(&b);
    free(text);
    return 0;
}
