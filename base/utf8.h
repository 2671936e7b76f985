/*
 * utf8.h - shortening and cleaning text that came from outside, on character boundaries.
 *
 * The one idea: every place that shortens or echoes a client's text (an unknown field name
 * in a message, a CSV field in an item error, a request id in a log line) goes through
 * utf8_clip, so the result is always valid UTF-8 without control characters - jansson and
 * every JSON reader accept it - and a cut never splits a character. Pure, no allocation.
 */
#ifndef LIQ_UTF8_H
#define LIQ_UTF8_H

#include <stddef.h>

/*
 * Length of the valid UTF-8 sequence at s (at most avail bytes): 1..4, or 0 when the bytes
 * there are not valid UTF-8 (a stray continuation byte, an overlong form, a surrogate, a
 * code point above U+10FFFF, a sequence cut by avail).
 * utf8_seq_len("\xc3\xa9", 2) == 2; utf8_seq_len("\xc3", 1) == 0.
 */
size_t utf8_seq_len(const char *s, size_t avail);

/*
 * Copies at most max bytes of src (NUL-terminated) into dst (dstlen > 0 bytes, always
 * NUL-terminated), never splitting a character: a character that would not fit whole is
 * left out with everything after it. An invalid byte and a control character (below 0x20,
 * and 0x7f) are written as '?'. Returns the bytes written (without the NUL).
 * utf8_clip(d, 64, "ab\xc3\xa9z", 3) -> "ab" (2); utf8_clip(d, 64, "a\xff\nb", 9) -> "a??b".
 */
size_t utf8_clip(char *dst, size_t dstlen, const char *src, size_t max);

#endif
