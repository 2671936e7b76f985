/*
 * log.c - see log.h.
 */
#include "base/log.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "base/utf8.h"

static const char *const NAMES[] = {"debug", "info", "warn", "error"};

static atomic_int g_level = LOG_INFO;
static _Thread_local char t_request[80];

int log_level_of(const char *name)
{
    for (int i = LOG_DEBUG; i <= LOG_ERROR; i++)
        if (name != NULL && strcmp(name, NAMES[i]) == 0)
            return i;
    return -1;
}

void log_set_level(enum log_level lv)
{
    atomic_store(&g_level, (int)lv);
}

int log_enabled(enum log_level lv)
{
    return (int)lv >= atomic_load(&g_level);
}

void log_set_request(const char *id)
{
    t_request[0] = '\0';
    if (id != NULL)
        utf8_clip(t_request, sizeof t_request, id, sizeof t_request - 1);
}

/* The one escaper: a cut on a character, '?' for invalid bytes and controls, then quoted. */
static void put_string(struct textbuf *b, const char *s)
{
    char clean[1025];
    utf8_clip(clean, sizeof clean, s, sizeof clean - 1);
    textbuf_json_string(b, clean);
}

static void put_key(struct log_line *l, const char *key)
{
    textbuf_append(&l->b, ",", 1);
    put_string(&l->b, key);
    textbuf_append(&l->b, ":", 1);
}

void log_always(struct log_line *l, enum log_level lv, const char *msg)
{
    l->b = (struct textbuf){0};
    l->on = 1;
    textbuf_append(&l->b, "{\"level\":", 9);
    put_string(&l->b, NAMES[lv]);
    put_key(l, "msg");
    put_string(&l->b, msg);
    if (t_request[0] != '\0')
        log_str(l, "request_id", t_request);
}

void log_begin(struct log_line *l, enum log_level lv, const char *msg)
{
    if (!log_enabled(lv)) {
        *l = (struct log_line){0};
        return;
    }
    log_always(l, lv, msg);
}

void log_str(struct log_line *l, const char *key, const char *value)
{
    if (!l->on)
        return;
    put_key(l, key);
    if (value == NULL)
        textbuf_append(&l->b, "null", 4);
    else
        put_string(&l->b, value);
}

void log_int(struct log_line *l, const char *key, long long value)
{
    if (!l->on)
        return;
    put_key(l, key);
    textbuf_printf(&l->b, "%lld", value);
}

void log_num(struct log_line *l, const char *key, double value)
{
    if (!l->on)
        return;
    put_key(l, key);
    if (isfinite(value))
        textbuf_printf(&l->b, "%.6g", value);
    else
        textbuf_append(&l->b, "null", 4);
}

void log_bool(struct log_line *l, const char *key, int value)
{
    if (!l->on)
        return;
    put_key(l, key);
    textbuf_append(&l->b, value ? "true" : "false", value ? 4 : 5);
}

void log_strs(struct log_line *l, const char *key, const char *const *values, size_t n)
{
    if (!l->on)
        return;
    put_key(l, key);
    textbuf_append(&l->b, "[", 1);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            textbuf_append(&l->b, ",", 1);
        put_string(&l->b, values[i]);
    }
    textbuf_append(&l->b, "]", 1);
}

void log_end_to(struct log_line *l, FILE *out)
{
    if (!l->on)
        return;
    textbuf_append(&l->b, "}\n", 2);
    static const char LOST[] = "{\"level\":\"error\",\"msg\":\"a log line was lost: out of "
                               "memory\"}\n";
    const char *s = l->b.oom ? LOST : l->b.s;
    size_t n = l->b.oom ? sizeof LOST - 1 : l->b.len;
    flockfile(out);
    fwrite(s, 1, n, out);
    fflush(out);
    funlockfile(out);
    textbuf_free(&l->b);
    l->on = 0;
}

void log_end(struct log_line *l)
{
    log_end_to(l, stderr);
}

void log_msg(enum log_level lv, const char *msg)
{
    struct log_line l;
    log_begin(&l, lv, msg);
    log_end(&l);
}
