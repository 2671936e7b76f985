/*
 * http_bare.c - the ceiling of our HTTP stack: libmicrohttpd answering a constant.
 *
 *   http_bare PORT THREADS BODY_FILE
 *
 * Same daemon flags, thread pool and memory limit as api/http.c, one handler that answers
 * every request with BODY_FILE's bytes as application/json (bench/run passes a real
 * GET /zones answer, so both servers send the same size). It still copies the body into a
 * fresh response per request, as the service does, so the comparison is of the work
 * around the bytes, not of MHD's persistent-response shortcut. Runs until SIGTERM/SIGINT.
 */
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench_util.h"

static char *g_body;
static size_t g_len;
static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **ctx)
{
    (void)cls, (void)url, (void)method, (void)version, (void)upload;
    if (*ctx == NULL) { /* first call: headers only, as the service sees it */
        *ctx = conn;
        return MHD_YES;
    }
    if (*upload_size != 0) {
        *upload_size = 0;
        return MHD_YES;
    }
    struct MHD_Response *r =
        MHD_create_response_from_buffer(g_len, g_body, MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: http_bare PORT THREADS BODY_FILE\n");
        return 2;
    }
    g_body = bench_read_file(argv[3], &g_len);
    if (g_body == NULL) {
        perror(argv[3]);
        return 1;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, (uint16_t)atoi(argv[1]), NULL, NULL, on_request, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)atoi(argv[2]), MHD_OPTION_CONNECTION_LIMIT,
        1000u, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(256 * 1024), MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "cannot listen on port %s\n", argv[1]);
        return 1;
    }
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    printf("bare server on port %s, %s threads, %zu-byte body\n", argv[1], argv[2], g_len);
    fflush(stdout);
    while (!g_stop)
        pause();
    MHD_stop_daemon(d);
    free(g_body);
    return 0;
}
