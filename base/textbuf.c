/*
 * textbuf.c - growable text buffer with sticky allocation failure.
 */
#include "base/textbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/grow.h"

static int reserve(struct textbuf *b, size_t extra)
{
    if (b->oom)
        return -1;
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap;
    char *s = grow_array(b->s, &cap, b->len + extra + 1, 1, 4096);
    if (s == NULL) {
        b->oom = 1;
        return -1;
    }
    b->s = s;
    b->cap = cap;
    return 0;
}

void textbuf_printf(struct textbuf *b, const char *fmt, ...)
{
    if (reserve(b, 64) != 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if ((size_t)n >= b->cap - b->len) {
        if (reserve(b, (size_t)n) != 0)
            return;
        va_start(ap, fmt);
        vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

void textbuf_append(struct textbuf *b, const char *s, size_t n)
{
    if (reserve(b, n) != 0)
        return;
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void textbuf_json_string(struct textbuf *b, const char *s)
{
    textbuf_append(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            char esc[2] = {'\\', (char)*p};
            textbuf_append(b, esc, 2);
        } else if (*p < 0x20) {
            textbuf_printf(b, "\\u%04x", *p);
        } else {
            textbuf_append(b, (const char *)p, 1);
        }
    }
    textbuf_append(b, "\"", 1);
}

char *textbuf_take(struct textbuf *b, size_t *len)
{
    if (b->oom || reserve(b, 0) != 0) {
        textbuf_free(b);
        return NULL;
    }
    b->s[b->len] = '\0'; /* an empty buffer's first allocation holds no text yet */
    char *s = b->s;
    *len = b->len;
    *b = (struct textbuf){0};
    return s;
}

void textbuf_free(struct textbuf *b)
{
    free(b->s);
    *b = (struct textbuf){0};
}
