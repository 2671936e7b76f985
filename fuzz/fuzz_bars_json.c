/*
 * libFuzzer harness: POST /bars' JSON path - jansson parses the bytes exactly as rq_json
 * does (JSON_REJECT_DUPLICATES), then decode_bars_json checks every bar. Invariants: no
 * crash, no leak, no UB; a 0 return means every bar is valid (bar_validate agrees) and
 * the batch is not empty.
 */
#include <assert.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "api/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t e;
    json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &e);
    if (j == NULL)
        return 0;
    struct bar_batch b = {.symbol = ""};
    int rc = decode_bars_json(j, 1700000000, &b);
    if (rc == 0) {
        assert(b.n > 0);
        for (size_t i = 0; i < b.n; i++)
            assert(bar_validate(&b.bars[i], b.tf) == NULL);
    }
    bar_batch_free(&b);
    json_decref(j);
    return 0;
}
