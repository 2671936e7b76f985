/*
 * The service's layout, read from the sources (a scan, like the layer probes; issue 22):
 *
 * - no include loop among service/ files. A module is a file family named by its prefix
 *   (trading.c, trading.h, trading_book.c, trading_setup.c and trading_book.h are module
 *   "trading"; state_internal.h belongs to "state"); module A depends on B when a file of
 *   A includes "service/B....h". The graph must have no cycle: before issue 22, ownership.c
 *   included state.h and trading.h while state.c and trading_book.c included ownership.h.
 * - no file over 500 lines in api/, service/, storage/.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/support/harness.h"

#define MAXMOD 64

struct graph {
    char name[MAXMOD][48];
    int n;
    unsigned char edge[MAXMOD][MAXMOD];
};

/* The module of a file name: its stem up to the first '_' ("trading_book.h" -> "trading"). */
static void module_of(const char *file, char *out, size_t len)
{
    size_t k = strcspn(file, "_.");
    snprintf(out, len, "%.*s", (int)k, file);
}

static int module_id(struct graph *g, const char *name)
{
    for (int i = 0; i < g->n; i++)
        if (strcmp(g->name[i], name) == 0)
            return i;
    cr_assert_lt(g->n, MAXMOD, "more modules than the test holds");
    snprintf(g->name[g->n], sizeof g->name[0], "%s", name);
    return g->n++;
}

/* Every "service/X.h" include of every .c/.h file in dir, as edges between modules. */
static void read_graph(const char *dir, struct graph *g)
{
    memset(g, 0, sizeof *g);
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s", dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 3 || (strcmp(e->d_name + n - 2, ".c") != 0 && strcmp(e->d_name + n - 2, ".h") != 0))
            continue;
        char path[1400], mod[48];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        module_of(e->d_name, mod, sizeof mod);
        int from = module_id(g, mod);
        size_t len;
        char *text = harness_read_file(path, &len);
        static const char inc[] = "#include \"service/";
        for (const char *p = strstr(text, inc); p; p = strstr(p + 1, inc)) {
            char target[48];
            module_of(p + sizeof inc - 1, target, sizeof target);
            int to = module_id(g, target);
            if (to != from)
                g->edge[from][to] = 1;
        }
        free(text);
    }
    closedir(d);
}

/* A cycle through the graph as "a -> b -> a" in out (0), or -1 when there is none. */
static int dfs(const struct graph *g, int v, int *mark, int *stack, int depth, char *out,
               size_t len)
{
    mark[v] = 1; /* on the path */
    stack[depth] = v;
    for (int w = 0; w < g->n; w++) {
        if (!g->edge[v][w])
            continue;
        if (mark[w] == 1) {
            size_t used = 0;
            int from = depth;
            while (stack[from] != w)
                from--;
            for (int i = from; i <= depth; i++)
                used += (size_t)snprintf(out + used, len - used, "%s -> ", g->name[stack[i]]);
            snprintf(out + used, len - used, "%s", g->name[w]);
            return 0;
        }
        if (mark[w] == 0 && dfs(g, w, mark, stack, depth + 1, out, len) == 0)
            return 0;
    }
    mark[v] = 2; /* done */
    return -1;
}

static int find_cycle(const struct graph *g, char *out, size_t len)
{
    int mark[MAXMOD] = {0}, stack[MAXMOD];
    for (int v = 0; v < g->n; v++)
        if (mark[v] == 0 && dfs(g, v, mark, stack, 0, out, len) == 0)
            return 0;
    return -1;
}

Test(layout, no_include_loop_among_service_files)
{
    char dir[1024], loop[512] = "";
    snprintf(dir, sizeof dir, "%s/service", LIQ_SOURCE_DIR);
    struct graph g;
    read_graph(dir, &g);
    cr_assert_gt(g.n, 8, "the scan found the service's modules (%d)", g.n);
    cr_assert_eq(find_cycle(&g, loop, sizeof loop), -1, "include loop: %s", loop);
    int state = module_id(&g, "state"), own = module_id(&g, "ownership");
    int trading = module_id(&g, "trading"), write = module_id(&g, "write");
    cr_assert(g.edge[write][own], "the scan sees write.h include ownership.h");
    cr_assert(!g.edge[own][state] && !g.edge[own][trading],
              "ownership knows the state and the trades only through its hooks");
}

static void put(const char *dir, const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

Test(layout, the_scan_finds_a_planted_loop)
{
    char dir[] = "/tmp/liq-layout-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    put(dir, "alpha.c", "#include \"service/alpha.h\"\n#include \"service/beta.h\"\n");
    put(dir, "alpha.h", "int alpha(void);\n");
    put(dir, "beta_part.c", "#include \"service/gamma_internal.h\"\n");
    put(dir, "gamma.c", "#include \"service/alpha.h\"\n");
    struct graph g;
    read_graph(dir, &g);
    char loop[512] = "";
    cr_assert_eq(find_cycle(&g, loop, sizeof loop), 0, "alpha -> beta -> gamma -> alpha");
    cr_expect(strstr(loop, "alpha") && strstr(loop, "beta") && strstr(loop, "gamma"), "%s",
              loop);
    put(dir, "gamma.c", "#include \"service/gamma.h\"\n"); /* the loop untied */
    read_graph(dir, &g);
    cr_assert_eq(find_cycle(&g, loop, sizeof loop), -1, "no loop left: %s", loop);
    static const char *const files[] = {"alpha.c", "alpha.h", "beta_part.c", "gamma.c"};
    for (size_t i = 0; i < 4; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

Test(layout, no_file_over_500_lines_in_api_service_storage)
{
    static const char *const DIRS[] = {"api", "service", "storage"};
    int files = 0;
    for (size_t k = 0; k < 3; k++) {
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s", LIQ_SOURCE_DIR, DIRS[k]);
        DIR *d = opendir(dir);
        cr_assert_not_null(d, "cannot open %s", dir);
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            size_t n = strlen(e->d_name);
            if (n < 3 || (strcmp(e->d_name + n - 2, ".c") != 0 &&
                          strcmp(e->d_name + n - 2, ".h") != 0))
                continue;
            char path[1400];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            size_t len, lines = 0;
            char *text = harness_read_file(path, &len);
            for (size_t i = 0; i < len; i++)
                lines += text[i] == '\n';
            free(text);
            files++;
            cr_expect_leq(lines, 500, "%s/%s has %zu lines (at most 500)", DIRS[k], e->d_name,
                          lines);
        }
        closedir(d);
    }
    cr_assert_gt(files, 60, "the scan found the files (%d)", files);
}
