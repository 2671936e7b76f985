/*
 * harness.h - API tests: a private database per test, the service in-process on port 0,
 * and HTTP through libcurl.
 *
 * Needs LIQ_DATABASE_URL pointing at the private PostgreSQL that `scripts/dev test`
 * starts; each harness_db() call makes a fresh database on that server.
 */
#ifndef LIQ_HARNESS_H
#define LIQ_HARNESS_H

#include <jansson.h>
#include <stddef.h>

#include "api/app.h"
#include "domain/bar.h"

struct http_reply {
    long status;
    char *body;
    size_t len;
    char retry_after[16];
    char request_id[64];
    char etag[48];
    char cache_control[64];
    char www_authenticate[32];
};

/* Creates (dropping first) database `name` on the test server and returns its URL in url. */
void harness_db(const char *name, char *url, size_t urllen);
/* Config for a test: defaults, port 0, 2 threads, the given database (NULL: persistence
 * off), quiet logs. */
void harness_config(struct app_config *cfg, const char *db_url);
struct app *harness_start(const struct app_config *cfg);

/* method path [content_type body] -> reply (body NUL-terminated; free with http_free). */
struct http_reply http_do(const struct app *a, const char *method, const char *path,
                          const char *content_type, const char *body, size_t len);
struct http_reply http_get(const struct app *a, const char *path);
/* GET with one extra header line ("If-None-Match: \"12\""). */
struct http_reply http_get_with(const struct app *a, const char *path, const char *header_line);
/* http_do with one extra header line ("Authorization: Bearer k"). */
struct http_reply http_do_with(const struct app *a, const char *method, const char *path,
                               const char *content_type, const char *body, size_t len,
                               const char *header_line);
struct http_reply http_post_json(const struct app *a, const char *path, const char *json);
void http_free(struct http_reply *r);
/* Parses the reply body as JSON (fails the test if it is not). */
json_t *http_json(const struct http_reply *r);

/* The EURUSD M15 year from ../shared/data as bars (malloc'd). */
struct bar *harness_eurusd(size_t *n);
/* Reads a whole file (malloc'd, NUL-terminated). */
char *harness_read_file(const char *path, size_t *len);
/* bars[from..to) as a JSON array of wire-format bars. */
char *harness_bars_json(const char *symbol, const char *tf, const struct bar *bars, size_t from,
                        size_t to);
/* Runs SQL on url and returns the first column of the first row as a long (-1 if none). */
long harness_sql_long(const char *url, const char *sql);
/* Runs one statement (or several, ';'-separated) on url; a failure fails the test. */
void harness_sql_exec(const char *url, const char *sql);
/* Runs the liquidityd beside this test binary until it exits, with the environment variables
 * env ("LIQ_X=v", NULL-terminated; may be NULL) added and args (shell words, quoted by the
 * caller): its exit code, its stderr (and stdout when stdout_too) in out. */
int harness_run_binary(const char *const *env, const char *args, int stdout_too, char *out,
                       size_t outlen);
/* harness_run_binary with --check-config and one more variable var, stdout and stderr. */
int harness_check_config(const char *var, char *out, size_t outlen);

#endif
