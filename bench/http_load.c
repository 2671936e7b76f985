/*
 * http_load.c - bounded load for the ingest figures, over loopback, one keep-alive
 * connection per client thread (the request bodies are built before the clock starts).
 *
 *   http_load csv  PORT REPS             POST /bars text/csv: the whole EURUSD file, REPS
 *                                        times, each into a fresh symbol (CSVn); prints the
 *                                        best and median ms per import
 *   http_load paced PORT RATE SECONDS CONNS PATH BODY
 *                                        POST PATH with the JSON BODY at RATE requests/s in
 *                                        all (open loop: request i is due at i / RATE,
 *                                        whatever the answers before it), over CONNS
 *                                        connections, for SECONDS; each latency counts from
 *                                        the request's due time, so a server that falls
 *                                        behind pays for the queue it built (no coordinated
 *                                        omission); prints p50 / p99 / max and the rate done
 *   http_load json PORT BATCH CLIENTS [REPS]
 *                                        POST /bars JSON arrays of BATCH bars: the year in
 *                                        batches, REPS times (default 1; best and median
 *                                        printed), one fresh symbol per client (JSONn), CLIENTS
 *                                        clients at once; prints bars/s over all of them
 *
 * Every answer must be 200 with the expected "accepted" count, or the run fails: a figure
 * is only printed for work the service acknowledged.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/socket.h>

#include "bench/bench_util.h"

static int g_port;

static int connect_local(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("connect");
        exit(1);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) {
            if (w < 0 && errno == EINTR)
                continue;
            perror("send");
            exit(1);
        }
        p += w;
        n -= (size_t)w;
    }
}

/* One request; returns the status and copies up to cap-1 bytes of the body into body. */
static int request(int fd, const char *method, const char *path, const char *ctype,
                   const char *payload, size_t len, char *body, size_t cap)
{
    char head[512];
    int hn = snprintf(head, sizeof head,
                      "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\n"
                      "Content-Length: %zu\r\n\r\n", method, path, ctype, len);
    send_all(fd, head, (size_t)hn);
    send_all(fd, payload, len);
    static __thread char buf[1 << 16];
    size_t got = 0;
    char *end = NULL;
    while (end == NULL) {
        ssize_t r = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        if (r <= 0) {
            fprintf(stderr, "connection closed before the answer\n");
            exit(1);
        }
        got += (size_t)r;
        buf[got] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    int status = atoi(buf + 9);
    const char *cl = strcasestr(buf, "Content-Length:");
    size_t blen = cl && cl < end ? strtoul(cl + 15, NULL, 10) : 0;
    size_t have = got - (size_t)(end + 4 - buf);
    while (have < blen) {
        if (got >= sizeof buf - 1) { /* large body: drain it */
            memmove(buf, end + 4, have);
            got = have;
            end = buf - 4;
        }
        ssize_t r = recv(fd, buf + got, sizeof buf - 1 - got, 0);
        if (r <= 0)
            exit(1);
        got += (size_t)r;
        have += (size_t)r;
    }
    size_t n = blen < cap - 1 ? blen : cap - 1;
    memcpy(body, end + 4, n);
    body[n] = '\0';
    return status;
}

static void expect_accepted(int status, const char *body, size_t n)
{
    char want[64];
    snprintf(want, sizeof want, "\"accepted\":%zu", n);
    if (status != 200 || strstr(body, want) == NULL) {
        fprintf(stderr, "unexpected answer %d: %.300s\n", status, body);
        exit(1);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int run_csv(int reps)
{
    size_t len, n;
    char *csv = bench_read_file(LIQ_DATA_DIR "/EURUSD_15M.csv", &len);
    struct bar *bars = bench_load_eurusd(&n);
    free(bars);
    if (csv == NULL)
        return 1;
    double *ms = calloc((size_t)reps, sizeof *ms);
    int fd = connect_local();
    char body[4096], path[128];
    for (int r = 0; r < reps; r++) {
        snprintf(path, sizeof path, "/bars?symbol=CSV%d&timeframe=M15", r);
        double t0 = bench_now_ns();
        int st = request(fd, "POST", path, "text/csv", csv, len, body, sizeof body);
        ms[r] = (bench_now_ns() - t0) / 1e6;
        expect_accepted(st, body, n);
    }
    qsort(ms, (size_t)reps, sizeof *ms, cmp_double);
    printf("csv import of %zu bars (%zu bytes): best %.2f ms, median %.2f ms over %d\n", n,
           len, ms[0], ms[reps / 2], reps);
    printf("RESULT csv_best_ms %.3f\nRESULT csv_median_ms %.3f\n", ms[0], ms[reps / 2]);
    close(fd);
    free(ms);
    free(csv);
    return 0;
}

struct json_client {
    int id, batch;
    const struct bar *bars;
    size_t n;
    double seconds;
    size_t sent;
};

static char *json_batch(const char *symbol, const struct bar *b, size_t n, size_t *len)
{
    size_t cap = n * 200 + 16, k = 0;
    char *s = malloc(cap);
    s[k++] = '[';
    for (size_t i = 0; i < n; i++) {
        time_t t = (time_t)b[i].ts;
        struct tm tm;
        gmtime_r(&t, &tm);
        char ts[32];
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
        k += (size_t)snprintf(s + k, cap - k,
                              "%s{\"symbol\":\"%s\",\"timeframe\":\"M15\",\"ts\":\"%s\","
                              "\"open\":%.10g,\"high\":%.10g,\"low\":%.10g,\"close\":%.10g,"
                              "\"volume\":%.10g}", i ? "," : "", symbol, ts, b[i].open,
                              b[i].high, b[i].low, b[i].close, b[i].volume);
    }
    s[k++] = ']';
    *len = k;
    return s;
}

static void *json_client_run(void *arg)
{
    struct json_client *c = arg;
    char symbol[32], body[4096];
    snprintf(symbol, sizeof symbol, "JSON%d", c->id);
    size_t nb = c->n / (size_t)c->batch;
    char **req = malloc(nb * sizeof *req);
    size_t *len = malloc(nb * sizeof *len);
    for (size_t k = 0; k < nb; k++)
        req[k] = json_batch(symbol, c->bars + k * (size_t)c->batch, (size_t)c->batch, &len[k]);
    int fd = connect_local();
    double t0 = bench_now_ns();
    for (size_t k = 0; k < nb; k++) {
        int st = request(fd, "POST", "/bars", "application/json", req[k], len[k], body,
                         sizeof body);
        expect_accepted(st, body, (size_t)c->batch);
    }
    c->seconds = (bench_now_ns() - t0) / 1e9;
    c->sent = nb * (size_t)c->batch;
    close(fd);
    for (size_t k = 0; k < nb; k++)
        free(req[k]);
    free(req);
    free(len);
    return NULL;
}

/* One pass of the year per client into fresh symbols JSON<first>..; bars/s over all. */
static double json_pass(const struct bar *bars, size_t n, int batch, int clients, int first)
{
    struct json_client *c = calloc((size_t)clients, sizeof *c);
    pthread_t *th = calloc((size_t)clients, sizeof *th);
    for (int i = 0; i < clients; i++) {
        c[i] = (struct json_client){.id = first + i, .batch = batch, .bars = bars, .n = n};
        pthread_create(&th[i], NULL, json_client_run, &c[i]);
    }
    double worst = 0;
    size_t total = 0;
    for (int i = 0; i < clients; i++) {
        pthread_join(th[i], NULL);
        worst = fmax(worst, c[i].seconds);
        total += c[i].sent;
    }
    printf("json ingest: %zu bars in batches of %d over %d client(s): %.1f ms, %.0f bars/s\n",
           total, batch, clients, worst * 1e3, (double)total / worst);
    free(th);
    free(c);
    return (double)total / worst;
}

static int run_json(int batch, int clients, int reps)
{
    size_t n;
    struct bar *bars = bench_load_eurusd(&n);
    double *rate = calloc((size_t)reps, sizeof *rate);
    for (int r = 0; r < reps; r++)
        rate[r] = json_pass(bars, n, batch, clients, r * clients);
    qsort(rate, (size_t)reps, sizeof *rate, cmp_double);
    printf("RESULT json_bars_per_s %.0f\n", rate[reps - 1]);
    printf("RESULT json_median_bars_per_s %.0f\n", rate[reps / 2]);
    free(rate);
    free(bars);
    return 0;
}

/* ---- paced (open-loop) POSTs ---------------------------------------------------------- */

struct paced {
    const char *path, *body;
    double rate, t0;          /* requests/s over all connections; the schedule's origin */
    int conns, id;
    size_t n;                 /* requests of this connection */
    double *lat;              /* ms from due time to answer */
    size_t bad;               /* answers other than 2xx */
};

static void *paced_run(void *arg)
{
    struct paced *p = arg;
    int fd = connect_local();
    char body[4096];
    size_t len = strlen(p->body);
    for (size_t i = 0; i < p->n; i++) {
        /* connection id sends requests id, id + conns, ...: together one every 1 / rate */
        double due = p->t0 + ((double)(i * (size_t)p->conns + (size_t)p->id)) / p->rate * 1e9;
        double now = bench_now_ns();
        if (now < due) {
            double wait = due - now;
            struct timespec ts = {.tv_sec = (time_t)(wait / 1e9),
                                  .tv_nsec = (long)fmod(wait, 1e9)};
            while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
            }
        }
        int st = request(fd, "POST", p->path, "application/json", p->body, len, body,
                         sizeof body);
        p->lat[i] = (bench_now_ns() - due) / 1e6;
        if (st < 200 || st > 299) {
            if (p->bad++ == 0)
                fprintf(stderr, "paced: answer %d: %.200s\n", st, body);
        }
    }
    close(fd);
    return NULL;
}

static int run_paced(double rate, double seconds, int conns, const char *path,
                     const char *body)
{
    if (!(rate > 0) || !(seconds > 0) || conns < 1)
        return 2;
    size_t total = (size_t)(rate * seconds), per = (total + (size_t)conns - 1) / (size_t)conns;
    struct paced *p = calloc((size_t)conns, sizeof *p);
    pthread_t *th = calloc((size_t)conns, sizeof *th);
    double *all = calloc(per * (size_t)conns, sizeof *all);
    if (p == NULL || th == NULL || all == NULL)
        return 1;
    double t0 = bench_now_ns() + 50e6; /* every connection set up before the first is due */
    for (int i = 0; i < conns; i++) {
        p[i] = (struct paced){.path = path, .body = body, .rate = rate, .t0 = t0,
                              .conns = conns, .id = i, .n = per, .lat = all + (size_t)i * per};
        pthread_create(&th[i], NULL, paced_run, &p[i]);
    }
    size_t bad = 0;
    for (int i = 0; i < conns; i++) {
        pthread_join(th[i], NULL);
        bad += p[i].bad;
    }
    double took = (bench_now_ns() - t0) / 1e9;
    size_t n = per * (size_t)conns;
    /* when the five slowest were due (s from the start): a tail at a steady rate says
     * whether it is periodic, a warm-up, or spread */
    printf("paced: the slowest, due at");
    double floor_ms = INFINITY;
    for (int k = 0; k < 5; k++) {
        size_t at = n;
        for (size_t j = 0; j < n; j++)
            if (all[j] < floor_ms && (at == n || all[j] > all[at]))
                at = j;
        if (at == n)
            break;
        floor_ms = all[at];
        size_t conn = at / per, i = at % per;
        printf(" %.2f s (%.1f ms)", (double)(i * (size_t)conns + conn) / rate, all[at]);
    }
    printf("\n");
    qsort(all, n, sizeof *all, cmp_double);
    double p50 = all[n / 2], p99 = all[(size_t)(0.99 * (double)(n - 1))], mx = all[n - 1];
    printf("paced %s at %.0f req/s over %d connections: %zu requests in %.2f s (%.0f req/s "
           "done), from due time p50 %.2f ms, p99 %.2f ms, max %.2f ms, %zu not 2xx\n", path,
           rate, conns, n, took, (double)n / took, p50, p99, mx, bad);
    printf("RESULT paced_p50_ms %.3f\nRESULT paced_p99_ms %.3f\nRESULT paced_max_ms %.3f\n"
           "RESULT paced_done_per_s %.1f\nRESULT paced_bad %zu\n", p50, p99, mx,
           (double)n / took, bad);
    free(all);
    free(th);
    free(p);
    return bad == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 8 && strcmp(argv[1], "paced") == 0) {
        g_port = atoi(argv[2]);
        return run_paced(atof(argv[3]), atof(argv[4]), atoi(argv[5]), argv[6], argv[7]);
    }
    if (argc == 4 && strcmp(argv[1], "csv") == 0) {
        g_port = atoi(argv[2]);
        return run_csv(atoi(argv[3]));
    }
    if ((argc == 5 || argc == 6) && strcmp(argv[1], "json") == 0) {
        g_port = atoi(argv[2]);
        int reps = argc == 6 ? atoi(argv[5]) : 1;
        return run_json(atoi(argv[3]), atoi(argv[4]), reps > 0 ? reps : 1);
    }
    fprintf(stderr, "usage: http_load csv PORT REPS | http_load json PORT BATCH CLIENTS [REPS] |"
                    " http_load paced PORT RATE SECONDS CONNS PATH BODY\n");
    return 2;
}
