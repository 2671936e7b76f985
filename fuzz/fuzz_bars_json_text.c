/*
 * libFuzzer harness, differential: POST /bars decodes JSON with a fast path straight from
 * the text (decode_bars_json_text) and falls back to jansson + decode_bars_json for
 * anything outside its shape. Invariant: whenever the fast path answers, it answers
 * exactly what the jansson path answers - same return, same bars bit for bit, same errors
 * and words.
 */
#include <assert.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "api/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct bar_batch fast = {.symbol = ""};
    int rf = decode_bars_json_text((const char *)data, size, 1700000000, &fast);
    if (rf != DECODE_USE_JANSSON && rf != -2) {
        json_error_t e;
        json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &e);
        assert(j != NULL); /* the fast path only answers for valid JSON */
        struct bar_batch slow = {.symbol = ""};
        int rs = decode_bars_json(j, 1700000000, &slow);
        assert(rs == rf);
        assert(fast.n == slow.n && fast.nerrors == slow.nerrors);
        assert(fast.n == 0 || memcmp(fast.bars, slow.bars, fast.n * sizeof *fast.bars) == 0);
        size_t shown = fast.nerrors < DECODE_MAX_ERRORS ? fast.nerrors : DECODE_MAX_ERRORS;
        for (size_t i = 0; i < shown; i++) {
            assert(fast.errors[i].where == slow.errors[i].where);
            assert(strcmp(fast.errors[i].reason, slow.errors[i].reason) == 0);
        }
        assert(strcmp(fast.message, slow.message) == 0);
        assert(rf != 0 || (strcmp(fast.symbol, slow.symbol) == 0 && fast.tf == slow.tf));
        bar_batch_free(&slow);
        json_decref(j);
    }
    bar_batch_free(&fast);
    return 0;
}
