/*
 * zones.c - GET /zones, GET /zones/nearest, GET /zones/{id}.
 *
 * Reads take a reference to the symbol's published snapshot (zones sorted by price) and
 * never wait for a writer. The snapshot's version is the ETag of GET /zones and
 * /zones/nearest: If-None-Match with it answers 304 without rendering anything. Sorting
 * by distance is a walk outwards from the price's position in the sorted array, so a query
 * costs O(log n + what it returns) when no filter rejects many zones.
 */
#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/handlers.h"
#include "api/reply_status.h"
#include "api/render.h"
#include "domain/instrument.h"
#include "service/reads.h"
#include "base/lower_bound.h"

/* How long a poller may reuse a zones answer without asking (Cache-Control max-age);
 * after that it revalidates with If-None-Match and gets a 304 until the next bar. */
#define ZONES_MAX_AGE_S 1

struct zone_filter {
    int side;            /* 0 both, +1 above, -1 below */
    double price;
    double min_strength;
    int source;          /* -1 any */
    int active;          /* 1 active only, 0 inactive only, -1 all */
    long limit;
};

/* The symbol named by ?symbol= and a reference to its snapshot, or NULL with 422/404
 * written. */
static struct symbol_state *find_symbol(struct request *rq, struct reply *rp,
                                        struct zone_snapshot **snap)
{
    const char *sym = rq_param(rq, "symbol");
    *snap = NULL;
    if (reply_unless_readable(rq, rp, sym) != 0)
        return NULL;
    struct symbol_state *s = state_find(&rq->app->st, sym);
    *snap = s ? snapshot_acquire(s) : NULL;
    if (*snap == NULL || (*snap)->bar_count == 0) {
        snapshot_release(*snap);
        reply_status(rq, rp, LIQ_UNKNOWN_SYMBOL, &(struct status_reply){.symbol = sym});
        return NULL;
    }
    return s;
}

static int parse_filter(struct request *rq, struct reply *rp, const struct zone_snapshot *snap,
                        struct zone_filter *f)
{
    *f = (struct zone_filter){.price = snap->last_close, .source = -1, .active = 1, .limit = 100};
    f->side = rq_param_is(rq, "side", "above") ? 1 : rq_param_is(rq, "side", "below") ? -1 : 0;
    f->price = rq_param_number(rq, "price", f->price);
    f->min_strength = rq_param_number(rq, "min_strength", 0);
    f->limit = (long)rq_param_number(rq, "limit", (double)f->limit);
    const char *src = rq_param(rq, "source");
    if (src != NULL) {
        enum liq_source s;
        if (source_parse(src, &s) != 0)
            return reply_bad_query(rp, "source", "is not a liquidity source"), -1;
        f->source = (int)s;
    }
    if (rq_param_is(rq, "active", "false"))
        f->active = 0;
    else if (rq_param_is(rq, "active", "all"))
        f->active = -1;
    return 0;
}

static int keep(const struct zone *z, const struct zone_filter *f)
{
    if (f->active >= 0 && z->active != f->active)
        return 0;
    if (z->strength < f->min_strength)
        return 0;
    if (f->source >= 0 && !(z->sources & (1u << f->source)))
        return 0;
    return 1;
}

/* The first zone of snap (sorted by price) at or above price. */
static size_t lower_bound(const struct zone_snapshot *snap, double price)
{
    return lower_bound_f64(&snap->zones[0].price, snap->n, sizeof snap->zones[0], price);
}

/* A GET /zones answer rendered from one snapshot and the normalised query it answered. */
struct zone_answer {
    char key[160];
    size_t len;
    char body[];
};

/* What GET /zones keeps with one snapshot (its snapshot_extra): the zones rendered on first
 * use, and the first answer rendered from it (a poll repeating that query is a copy). */
struct zone_json_cache {
    struct snapshot_extra base;   /* first: the snapshot frees the cache through it */
    _Atomic(struct zone_answer *) answer; /* installed once, NULL until then */
    size_t n;
    _Atomic(char *) json[];       /* json[i]: zones[i] as "head\0tail", NULL until rendered */
};

static void zone_json_cache_free(struct snapshot_extra *x)
{
    struct zone_json_cache *c = (struct zone_json_cache *)(void *)x;
    for (size_t i = 0; i < c->n; i++)
        free(atomic_load_explicit(&c->json[i], memory_order_relaxed));
    free(atomic_load_explicit(&c->answer, memory_order_relaxed));
    free(c);
}

/* snap's cache, attached by the first reader that needs it; NULL when out of memory. */
static struct zone_json_cache *zone_json_cache_of(struct zone_snapshot *snap)
{
    struct snapshot_extra *x = atomic_load_explicit(&snap->extra, memory_order_acquire);
    if (x != NULL)
        return (struct zone_json_cache *)(void *)x;
    struct zone_json_cache *mine = malloc(sizeof *mine + snap->n * sizeof mine->json[0]);
    if (mine == NULL)
        return NULL;
    mine->base.free = zone_json_cache_free;
    atomic_init(&mine->answer, NULL);
    mine->n = snap->n;
    for (size_t i = 0; i < snap->n; i++)
        atomic_init(&mine->json[i], NULL);
    x = snapshot_attach(snap, &mine->base);
    if (x != &mine->base)
        free(mine); /* another reader attached first: all its slots were NULL too */
    return (struct zone_json_cache *)(void *)x;
}

/*
 * zones[i]'s JSON except its distance, rendered once per snapshot: "head\0tail" (head ends
 * with "distance":). A snapshot never changes, so whichever reader renders first installs
 * its copy and the others use it; the loser of a race frees its own. NULL when out of
 * memory (the caller renders directly).
 */
static const char *zone_json(struct zone_snapshot *snap, size_t i, const char *symbol)
{
    struct zone_json_cache *cache = zone_json_cache_of(snap);
    if (cache == NULL)
        return NULL;
    char *have = atomic_load_explicit(&cache->json[i], memory_order_acquire);
    if (have != NULL)
        return have;
    struct textbuf tb = {0};
    render_zone_head(&tb, symbol, &snap->zones[i], snap->tick);
    textbuf_append(&tb, "", 1); /* the NUL between the halves */
    render_zone_tail(&tb, &snap->zones[i]);
    size_t len = 0;
    char *mine = textbuf_take(&tb, &len);
    if (mine == NULL)
        return NULL;
    char *expected = NULL;
    if (atomic_compare_exchange_strong_explicit(&cache->json[i], &expected, mine,
                                                memory_order_acq_rel, memory_order_acquire))
        return mine;
    free(mine);
    return expected;
}

/* render_zone(tb, symbol, &snap->zones[i], ref) from the snapshot's cached halves. */
static void append_zone(struct textbuf *tb, struct zone_snapshot *snap, size_t i,
                        const char *symbol, double ref)
{
    const char *j = zone_json(snap, i, symbol);
    if (j == NULL) {
        render_zone(tb, symbol, &snap->zones[i], snap->tick, ref);
        return;
    }
    size_t head = strlen(j);
    textbuf_append(tb, j, head);
    textbuf_printf(tb, "%.15g",
                   render_distance(render_zone_price(&snap->zones[i], snap->tick), ref));
    const char *tail = j + head + 1;
    textbuf_append(tb, tail, strlen(tail));
}

/* The filter as a key: two requests with the same key get the same answer from one
 * snapshot. */
static void filter_key(const struct zone_filter *f, char *key, size_t len)
{
    snprintf(key, len, "%d|%.17g|%.17g|%d|%d|%ld", f->side, f->price, f->min_strength,
             f->source, f->active, f->limit);
}

/* 1 with the reply made when the snapshot's stored answer is for key. */
static int reply_stored(struct reply *rp, struct zone_snapshot *snap, const char *key)
{
    struct zone_json_cache *cache = zone_json_cache_of(snap);
    const struct zone_answer *a =
        cache ? atomic_load_explicit(&cache->answer, memory_order_acquire) : NULL;
    if (a == NULL || strcmp(a->key, key) != 0)
        return 0;
    char *body = malloc(a->len ? a->len : 1);
    if (body == NULL) {
        reply_oom(rp);
        return 1;
    }
    memcpy(body, a->body, a->len);
    reply_body(rp, 200, "application/json", body, a->len);
    return 1;
}

/* Keeps the answer for key with the snapshot unless one is there already (first wins). */
static void store_answer(struct zone_snapshot *snap, const char *key, const char *body,
                         size_t len)
{
    struct zone_json_cache *cache = zone_json_cache_of(snap);
    if (cache == NULL || atomic_load_explicit(&cache->answer, memory_order_relaxed) != NULL)
        return;
    struct zone_answer *a = malloc(sizeof *a + len);
    if (a == NULL)
        return; /* only a cache */
    snprintf(a->key, sizeof a->key, "%s", key);
    a->len = len;
    memcpy(a->body, body, len);
    struct zone_answer *expected = NULL;
    if (!atomic_compare_exchange_strong_explicit(&cache->answer, &expected, a,
                                                 memory_order_acq_rel, memory_order_acquire))
        free(a);
}

void zones_list(struct request *rq, struct reply *rp)
{
    struct zone_snapshot *snap = NULL;
    struct symbol_state *s = find_symbol(rq, rp, &snap);
    if (s == NULL)
        return;
    struct zone_filter f;
    if (parse_filter(rq, rp, snap, &f) != 0 ||
        reply_not_modified(rq, rp, snap->version, ZONES_MAX_AGE_S)) {
        snapshot_release(snap);
        return;
    }
    char key[160];
    filter_key(&f, key, sizeof key);
    if (reply_stored(rp, snap, key)) {
        reply_cache(rp, snap->version, ZONES_MAX_AGE_S);
        snapshot_release(snap);
        return;
    }
    struct textbuf tb = {0};
    textbuf_printf(&tb, "{\"symbol\":\"%s\",\"price\":%.15g,\"zones\":[", s->name, f.price);
    /* up: first zone at or above price; down: last zone below it */
    size_t up = lower_bound(snap, f.price);
    size_t down = up;
    long written = 0;
    while (written < f.limit) {
        const struct zone *a = (f.side >= 0 && up < snap->n) ? &snap->zones[up] : NULL;
        const struct zone *b = (f.side <= 0 && down > 0) ? &snap->zones[down - 1] : NULL;
        if (a == NULL && b == NULL)
            break;
        const struct zone *z;
        if (b == NULL || (a != NULL && a->price - f.price <= f.price - b->price)) {
            z = a;
            up++;
        } else {
            z = b;
            down--;
        }
        if (!keep(z, &f))
            continue;
        if (written++ > 0)
            textbuf_append(&tb, ",", 1);
        append_zone(&tb, snap, (size_t)(z - snap->zones), s->name, f.price);
    }
    textbuf_printf(&tb, "],\"count\":%ld,\"as_of\":", written);
    render_ts_or_null(&tb, snap->last_ts);
    textbuf_append(&tb, "}", 1);
    if (!tb.oom && tb.s != NULL)
        store_answer(snap, key, tb.s, tb.len);
    uint64_t version = snap->version;
    snapshot_release(snap);
    reply_textbuf(rp, 200, "application/json", &tb);
    reply_cache(rp, version, ZONES_MAX_AGE_S);
}

void zones_nearest(struct request *rq, struct reply *rp)
{
    struct zone_snapshot *snap = NULL;
    struct symbol_state *s = find_symbol(rq, rp, &snap);
    if (s == NULL)
        return;
    double price = rq_param_number(rq, "price", snap->last_close);
    if (reply_not_modified(rq, rp, snap->version, ZONES_MAX_AGE_S)) {
        snapshot_release(snap);
        return;
    }
    size_t at = lower_bound(snap, price);
    const struct zone *above = NULL, *below = NULL;
    for (size_t i = at; i < snap->n && above == NULL; i++)
        if (snap->zones[i].active)
            above = &snap->zones[i];
    for (size_t i = at; i > 0 && below == NULL; i--)
        if (snap->zones[i - 1].active)
            below = &snap->zones[i - 1];
    struct textbuf tb = {0};
    textbuf_printf(&tb, "{\"symbol\":\"%s\",\"price\":%.15g,\"above\":", s->name, price);
    if (above)
        render_zone(&tb, s->name, above, snap->tick, price);
    else
        textbuf_append(&tb, "null", 4);
    textbuf_append(&tb, ",\"below\":", 9);
    if (below)
        render_zone(&tb, s->name, below, snap->tick, price);
    else
        textbuf_append(&tb, "null", 4);
    textbuf_append(&tb, "}", 1);
    uint64_t version = snap->version;
    snapshot_release(snap);
    reply_textbuf(rp, 200, "application/json", &tb);
    reply_cache(rp, version, ZONES_MAX_AGE_S);
}

/* "EURUSD:42" -> symbol, 42. 0 ok. */
static int parse_zone_id(const char *text, char *symbol, size_t symlen, uint32_t *id)
{
    const char *colon = strrchr(text, ':');
    if (colon == NULL || (size_t)(colon - text) >= symlen || colon == text)
        return -1;
    memcpy(symbol, text, (size_t)(colon - text));
    symbol[colon - text] = '\0';
    char *end = NULL;
    unsigned long v = strtoul(colon + 1, &end, 10);
    if (end == colon + 1 || *end != '\0' || v == 0 || v > UINT32_MAX || colon[1] == '-' ||
        colon[1] == '+')
        return -1;
    *id = (uint32_t)v;
    return instrument_valid_symbol(symbol) ? 0 : -1;
}

static void render_history(struct textbuf *tb, const char *symbol, uint32_t id)
{
    struct zone_event_record *ev = NULL;
    size_t n = 0;
    if (reads_zone_history(symbol, id, 1000, &ev, &n) != LIQ_OK) {
        textbuf_append(tb, ",\"history\":null,\"history_available\":false", 41);
        return;
    }
    textbuf_append(tb, ",\"history\":[", 12);
    for (size_t i = 0; i < n; i++) {
        char ts[24];
        render_ts(ev[i].ts, ts);
        textbuf_printf(tb, "%s{\"ts\":\"%s\",\"event\":\"%s\",\"price\":%.15g", i ? "," : "",
                       ts, ev[i].kind, ev[i].price);
        if (ev[i].has_other)
            textbuf_printf(tb, ",\"other_zone_id\":%" PRId64, ev[i].other_zone_id);
        textbuf_append(tb, "}", 1);
    }
    textbuf_append(tb, "],\"history_available\":true", 26);
    free(ev);
}

void zones_get(struct request *rq, struct reply *rp)
{
    char symbol[33];
    uint32_t id = 0;
    if (parse_zone_id(rq->params[0], symbol, sizeof symbol, &id) != 0) {
        reply_error(rp, 404, "not_found", "zone ids look like EURUSD:42",
                    json_pack("{s:s}", "id", rq->params[0]));
        return;
    }
    if (reply_unless_readable(rq, rp, symbol) != 0)
        return;
    struct symbol_state *s = state_find(&rq->app->st, symbol);
    struct zone_snapshot *snap = s ? snapshot_acquire(s) : NULL;
    const struct zone *z = NULL;
    for (size_t i = 0; snap && i < snap->n && z == NULL; i++)
        if (snap->zones[i].id == id)
            z = &snap->zones[i];
    if (z == NULL) {
        snapshot_release(snap);
        reply_error(rp, 404, "not_found", "no such zone", json_pack("{s:s}", "id", rq->params[0]));
        return;
    }
    struct textbuf tb = {0};
    render_zone(&tb, symbol, z, snap->tick, snap->last_close);
    snapshot_release(snap);
    if (!tb.oom)
        tb.len--; /* reopen the object to add its history */
    if (rq->app->st.persist)
        render_history(&tb, symbol, id);
    else
        textbuf_append(&tb, ",\"history\":null,\"history_available\":false", 41);
    textbuf_append(&tb, "}", 1);
    reply_textbuf(rp, 200, "application/json", &tb);
}
