/*
 * test_log.c - the one logger (base/log.h): every line is one JSON object whatever the
 * strings in it, the threshold filters, log_always does not, the request id of the thread
 * is in every line, numbers that are not finite are null; through the writer thread, each
 * thread's lines stay in order and a full queue drops (counted) instead of blocking.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"

/* The lines fn writes through log_end_to, parsed; the caller json_decref's the array. */
static json_t *lines_of(void (*fn)(FILE *out))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    cr_assert_not_null(out);
    fn(out);
    fclose(out);
    json_t *all = json_array();
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_error_t e;
        json_t *j = json_loads(line, 0, &e);
        cr_assert_not_null(j, "not JSON (%s): %s", e.text, line);
        json_array_append_new(all, j);
    }
    free(buf);
    return all;
}

static void hostile(FILE *out)
{
    log_set_level(LOG_INFO);
    struct log_line l;
    log_begin(&l, LOG_WARN, "m\"sg\n\\");
    log_str(&l, "text", "x\",\"lvl\":\"FORGED");
    log_str(&l, "ctl", "a\rb\x01" "c\x7f");
    log_str(&l, "bytes", "\xff\xfe\xc3");
    log_str(&l, "utf8", "caf\xc3\xa9");
    log_str(&l, "none", NULL);
    log_num(&l, "nan", NAN);
    log_num(&l, "half", 0.5);
    log_int(&l, "n", -42);
    log_bool(&l, "yes", 1);
    const char *names[] = {"a\"b", "c"};
    log_strs(&l, "names", names, 2);
    log_end_to(&l, out);
}

Test(log, a_line_is_one_json_object_whatever_its_strings)
{
    json_t *all = lines_of(hostile);
    cr_assert_eq(json_array_size(all), 1);
    json_t *j = json_array_get(all, 0);
    cr_assert_str_eq(json_string_value(json_object_get(j, "level")), "warn");
    cr_assert_str_eq(json_string_value(json_object_get(j, "msg")), "m\"sg?\\");
    cr_assert_str_eq(json_string_value(json_object_get(j, "text")), "x\",\"lvl\":\"FORGED");
    cr_assert_null(json_object_get(j, "lvl"));
    cr_assert_str_eq(json_string_value(json_object_get(j, "ctl")), "a?b?c?");
    cr_assert_str_eq(json_string_value(json_object_get(j, "bytes")), "???");
    cr_assert_str_eq(json_string_value(json_object_get(j, "utf8")), "caf\xc3\xa9");
    cr_assert(json_is_null(json_object_get(j, "none")));
    cr_assert(json_is_null(json_object_get(j, "nan")));
    cr_assert_float_eq(json_real_value(json_object_get(j, "half")), 0.5, 1e-12);
    cr_assert_eq(json_integer_value(json_object_get(j, "n")), -42);
    cr_assert(json_is_true(json_object_get(j, "yes")));
    cr_assert_str_eq(json_string_value(json_array_get(json_object_get(j, "names"), 0)), "a\"b");
    json_decref(all);
}

static void filtered(FILE *out)
{
    log_set_level(LOG_WARN);
    struct log_line l;
    log_begin(&l, LOG_INFO, "hidden");
    log_str(&l, "k", "v");
    log_end_to(&l, out);
    log_begin(&l, LOG_ERROR, "shown");
    log_end_to(&l, out);
    log_always(&l, LOG_INFO, "always");
    log_end_to(&l, out);
    log_set_level(LOG_INFO);
}

Test(log, the_threshold_filters_and_log_always_does_not)
{
    cr_assert_eq(log_level_of("warn"), LOG_WARN);
    cr_assert_eq(log_level_of("debug"), LOG_DEBUG);
    cr_assert_eq(log_level_of("loud"), -1);
    json_t *all = lines_of(filtered);
    cr_assert_eq(json_array_size(all), 2);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(all, 0), "msg")), "shown");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(all, 1), "msg")), "always");
    json_decref(all);
}

static void with_request(FILE *out)
{
    log_set_level(LOG_INFO);
    struct log_line l;
    log_set_request("r1-7");
    log_begin(&l, LOG_INFO, "inside");
    log_end_to(&l, out);
    log_set_request(NULL);
    log_begin(&l, LOG_INFO, "outside");
    log_end_to(&l, out);
}

Test(log, the_thread_request_id_follows_the_message)
{
    json_t *all = lines_of(with_request);
    cr_assert_eq(json_array_size(all), 2);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(all, 0), "request_id")),
                     "r1-7");
    cr_assert_null(json_object_get(json_array_get(all, 1), "request_id"));
    json_decref(all);
}

/* --- the writer thread (log_async_start) -------------------------------------------------- */

enum { THREADS = 8, PER_THREAD = 3000 };

static void *burst(void *arg)
{
    long t = (long)(intptr_t)arg;
    for (long k = 0; k < PER_THREAD; k++) {
        struct log_line l;
        log_begin(&l, LOG_INFO, "request");
        log_int(&l, "t", t);
        log_int(&l, "k", k);
        log_end(&l);
    }
    return NULL;
}

/* Runs THREADS x PER_THREAD lines through a queue of `capacity` with fd 2 on a file; checks
 * every line written is one JSON object, each thread's lines in order, none lost but the
 * counted drops. Returns the number dropped. */
static unsigned long long through_the_writer(size_t capacity)
{
    log_set_level(LOG_INFO);
    char path[] = "/tmp/liq_log_async_XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    cr_assert_geq(dup2(fd, STDERR_FILENO), 0);
    unsigned long long before = log_dropped();
    cr_assert_eq(log_async_start(capacity), 0);
    cr_assert_eq(log_async_start(capacity), -1, "one writer");
    pthread_t th[THREADS];
    for (long t = 0; t < THREADS; t++)
        cr_assert_eq(pthread_create(&th[t], NULL, burst, (void *)(intptr_t)t), 0);
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    log_async_stop();
    log_msg(LOG_INFO, "after"); /* direct again */
    unsigned long long dropped = log_dropped() - before;
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    FILE *f = fdopen(fd, "r");
    cr_assert_not_null(f);
    rewind(f);
    long next[THREADS] = {0};
    size_t lines = 0, after = 0;
    char buf[512];
    while (fgets(buf, sizeof buf, f) != NULL) {
        json_error_t e;
        json_t *j = json_loads(buf, 0, &e);
        cr_assert_not_null(j, "not one JSON object per line (%s): %s", e.text, buf);
        if (strcmp(json_string_value(json_object_get(j, "msg")), "after") == 0) {
            after++;
        } else {
            long t = (long)json_integer_value(json_object_get(j, "t"));
            long k = (long)json_integer_value(json_object_get(j, "k"));
            cr_assert(t >= 0 && t < THREADS);
            cr_assert_geq(k, next[t], "thread %ld: line %ld after %ld", t, k, next[t] - 1);
            next[t] = k + 1;
            lines++;
        }
        json_decref(j);
    }
    fclose(f);
    unlink(path);
    cr_assert_eq(after, 1);
    cr_assert_eq(lines + dropped, (size_t)THREADS * PER_THREAD, "%zu written, %llu dropped",
                 lines, dropped);
    return dropped;
}

Test(log, the_writer_thread_keeps_each_thread_in_order_and_loses_nothing_uncounted)
{
    cr_assert_eq(through_the_writer(1u << 16), 0, "a queue larger than the burst drops none");
}

Test(log, a_full_queue_drops_and_counts_instead_of_blocking)
{
    /* 24,000 lines from 8 threads into 4 slots: the writer cannot keep up */
    cr_assert_gt(through_the_writer(4), 0);
}
