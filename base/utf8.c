/*
 * utf8.c - UTF-8 validation and clipping on character boundaries (RFC 3629 well-formed
 * sequences: no overlong forms, no surrogates, nothing above U+10FFFF).
 */
#include "base/utf8.h"

size_t utf8_seq_len(const char *s, size_t avail)
{
    const unsigned char *p = (const unsigned char *)s;
    if (avail == 0)
        return 0;
    unsigned c = p[0];
    size_t n;
    unsigned lo = 0x80, hi = 0xbf; /* the range of the second byte */
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        lo = c == 0xe0 ? 0xa0 : 0x80; /* overlong */
        hi = c == 0xed ? 0x9f : 0xbf; /* surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        lo = c == 0xf0 ? 0x90 : 0x80; /* overlong */
        hi = c == 0xf4 ? 0x8f : 0xbf; /* above U+10FFFF */
    } else {
        return 0;
    }
    if (avail < n || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return n;
}

size_t utf8_clip(char *dst, size_t dstlen, const char *src, size_t max)
{
    size_t room = dstlen - 1 < max ? dstlen - 1 : max;
    size_t in = 0, out = 0;
    while (src[in] != '\0') {
        size_t avail = 0;
        while (avail < 4 && src[in + avail] != '\0')
            avail++;
        size_t n = utf8_seq_len(src + in, avail);
        unsigned char c = (unsigned char)src[in];
        int replace = n == 0 || c < 0x20 || c == 0x7f;
        size_t w = replace ? 1 : n;
        if (out + w > room)
            break;
        if (replace)
            dst[out] = '?';
        else
            for (size_t i = 0; i < n; i++)
                dst[out + i] = src[in + i];
        out += w;
        in += replace ? 1 : n;
    }
    dst[out] = '\0';
    return out;
}
