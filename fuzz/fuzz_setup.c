/*
 * libFuzzer harness: the bodies of POST /setups, PATCH /trades/{id}/trail and
 * POST /trades/{id}/close (api/request_decode.c), parsed as rq_json does. The first byte
 * picks the decoder. Invariants: no crash, leak or UB; an accepted body yields finite
 * numbers, a valid symbol, side and regime; a refused one names a message.
 */
#include <assert.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "api/request_decode.h"
#include "domain/instrument.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    json_error_t e;
    json_t *j = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, &e);
    if (j == NULL)
        return 0;
    struct decode_problem p = {{0}, {0}};
    int rc;
    switch (data[0] % 3) {
    case 0: {
        char symbol[33];
        struct setup_request req;
        rc = decode_setup(j, symbol, &req, &p);
        if (rc == 0) {
            assert(instrument_valid_symbol(symbol));
            assert(req.side == SIDE_BUY || req.side == SIDE_SELL);
            assert(isfinite(req.entry) && isfinite(req.trend_score));
            assert(!req.has_qty || isfinite(req.qty));
        }
        break;
    }
    case 1: {
        double price, high, low;
        int64_t ts;
        rc = decode_trail(j, &price, &high, &low, &ts, &p);
        if (rc == 0)
            assert(isfinite(price) && isfinite(high) && isfinite(low));
        break;
    }
    default: {
        double price;
        int64_t ts;
        rc = decode_close(j, &price, &ts, &p);
        if (rc == 0)
            assert(isfinite(price));
        break;
    }
    }
    assert(rc == 0 || p.message[0] != '\0');
    json_decref(j);
    return 0;
}
