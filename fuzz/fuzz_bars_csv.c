/*
 * libFuzzer harness: POST /bars' text/csv path (decode_bars_csv) with every layout it
 * accepts. The first input byte picks the timeframe (and sometimes an invalid one or a
 * bad symbol; bit 0x40 repairs inconsistent bars, 0x20 sets a tz), the rest is the CSV
 * text, deliberately not NUL-terminated: the decoder must respect len.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/decode.h"
#include "domain/tz.h"

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
    /* 0x40: ?inconsistent=repair, 0x20: a tz (fixed +03:00, so no file is read) */
    struct tz *zone = (data[0] & 0x20) ? tz_fixed(10800) : NULL;
    struct bar_batch b = {.symbol = "", .tz = zone,
                          .inconsistent = (data[0] & 0x40) ? DECODE_REPAIR : DECODE_REJECT};
    int rc = decode_bars_csv(text, size - 1, symbol, tf, 1700000000, &b);
    if (rc == 0)
        for (size_t i = 0; i < b.n; i++)
            assert(bar_validate(&b.bars[i], b.tf) == NULL);
    bar_batch_free(&b);
    tz_free(zone);
    free(text);
    return 0;
}
