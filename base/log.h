/*
 * log.h - the one logger: every line the process writes to its log (stderr) is one JSON
 * object, {"level":...,"msg":...,["request_id":...,] fields...}, written whole by one call,
 * so lines of concurrent threads never interleave. Every string value goes through the one
 * escaper (log_str: cut on a character, invalid bytes and control characters as '?', then
 * JSON-quoted), so a client's text can neither break a line nor forge a key.
 *
 *     struct log_line l;
 *     log_begin(&l, LOG_INFO, "lease taken");    // nothing below runs its cost if filtered
 *     log_str(&l, "symbol", "EURUSD");
 *     log_int(&l, "token", 42);
 *     log_end(&l);        // {"level":"info","msg":"lease taken","symbol":"EURUSD","token":42}
 *
 * Lines are filtered by the threshold (the log_level setting: log_set_level at start and on
 * SIGHUP); log_always writes a line whatever the threshold (start, stop, configuration). The
 * request a thread is serving (log_set_request) adds its request_id to every line that
 * thread writes meanwhile, so a database error logged in storage/ names its request.
 * (domain/ stays pure and does not log.) The service writes through a queue and one writer
 * thread (log_async_start below).
 */
#ifndef LIQ_LOG_H
#define LIQ_LOG_H

#include <stddef.h>
#include <stdio.h>

#include "base/textbuf.h"

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* "warn" -> LOG_WARN; -1 for a name that is not debug, info, warn or error. */
int log_level_of(const char *name);
/* Lines below lv are not written from now on (default LOG_INFO). Thread-safe. */
void log_set_level(enum log_level lv);
/* 1 when a line at lv would be written. */
int log_enabled(enum log_level lv);
/* The calling thread serves request id (NULL: none) until it sets another. id is copied. */
void log_set_request(const char *id);

struct log_line {
    struct textbuf b;
    int on; /* 0: filtered out, every call below does nothing */
};

/* Starts a line at lv with its message, if lv passes the threshold. */
void log_begin(struct log_line *l, enum log_level lv, const char *msg);
/* Starts a line at lv whatever the threshold. */
void log_always(struct log_line *l, enum log_level lv, const char *msg);
/* "key":"value", value escaped (NULL: null). At most 1,024 bytes of it are kept. */
void log_str(struct log_line *l, const char *key, const char *value);
void log_int(struct log_line *l, const char *key, long long value);
/* A number (%.6g; null when not finite). */
void log_num(struct log_line *l, const char *key, double value);
void log_bool(struct log_line *l, const char *key, int value);
/* "key":["a","b"] of n strings, each escaped. */
void log_strs(struct log_line *l, const char *key, const char *const *values, size_t n);
/* Closes the line and writes it to stderr in one write (log_end_to: to out). */
void log_end(struct log_line *l);
void log_end_to(struct log_line *l, FILE *out);
/* A line of a message alone: log_begin + log_end. */
void log_msg(enum log_level lv, const char *msg);

/*
 * Lines to stderr written by one writer thread in batches (one writev per batch) instead of
 * one locked write each: from log_async_start until log_async_stop, log_end hands the built
 * line to a bounded lock-free queue of `capacity` lines (a power of two >= 2) and returns;
 * when the queue is full the line is dropped and counted (log_dropped, in /metrics) rather
 * than blocking the request. One queue, first in first out: the lines of one thread (one
 * request) keep their order. log_async_stop (also run at exit) writes what is queued and
 * joins the writer; lines after it are written directly again. 0, or -1 (stays direct).
 */
int log_async_start(size_t capacity);
void log_async_stop(void);
/* Lines dropped because the queue was full, since the process started. */
unsigned long long log_dropped(void);

#endif
