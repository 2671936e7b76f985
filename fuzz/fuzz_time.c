/*
 * libFuzzer harness: decode_time, the parser behind every bar ts (RFC 3339 with offsets,
 * "YYYY.MM.DD HH:MM:SS", epoch seconds). A NUL-terminated copy of the input is parsed; an
 * accepted time must round-trip through the RFC 3339 UTC form.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64)
        return 0;
    char s[65];
    memcpy(s, data, size);
    s[size] = '\0';
    int64_t ts = 0;
    if (decode_time(s, &ts) != 0)
        return 0;
    if (ts < 0 || ts > 253402300799LL) /* outside years 1970..9999: no canonical form */
        return 0;
    time_t t = (time_t)ts;
    struct tm tm;
    gmtime_r(&t, &tm);
    char back[32];
    strftime(back, sizeof back, "%Y-%m-%dT%H:%M:%SZ", &tm);
    int64_t again = 0;
    assert(decode_time(back, &again) == 0 && again == ts);
    return 0;
}
