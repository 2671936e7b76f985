/*
 * embedded.h - the dashboard's static files, compiled into the binary by web/embed.cmake
 * (the same idea as the embedded migrations): a running liquidityd needs no web root.
 */
#ifndef LIQ_WEB_EMBEDDED_H
#define LIQ_WEB_EMBEDDED_H

#include <stddef.h>

struct web_file {
    const char *path;          /* relative to web/: "index.html", "vendor/lightweight-charts..." */
    const char *content_type;
    const unsigned char *data; /* NUL-terminated for convenience; len excludes the NUL */
    size_t len;
};

extern const struct web_file WEB_FILES[];
extern const int WEB_FILE_COUNT;

#endif
