/*
 * textbuf.h - a growable text buffer for building JSON, COPY rows and metrics.
 *
 * Allocation failure is sticky: after it, appends do nothing and oom stays 1, so a
 * writer checks once at the end. Reusing one buffer (len = 0) keeps its memory.
 */
#ifndef LIQ_TEXTBUF_H
#define LIQ_TEXTBUF_H

#include <stddef.h>

struct textbuf {
    char *s;
    size_t len, cap;
    int oom;
};

/* textbuf_printf(&tb, "%d", 42) appends "42". */
void textbuf_printf(struct textbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void textbuf_append(struct textbuf *b, const char *s, size_t n);
/* Appends s as a JSON string literal, quotes included. */
void textbuf_json_string(struct textbuf *b, const char *s);
/* Hands the text to the caller (malloc'd, NUL-terminated) and empties b. */
char *textbuf_take(struct textbuf *b, size_t *len);
void textbuf_free(struct textbuf *b);

#endif
