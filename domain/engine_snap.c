/*
 * engine_snap.c - an engine's state as bytes and back (engine_snap.h).
 *
 * The structures are carried as their bytes (a double keeps every bit), then each array a
 * pointer of theirs holds, with the counts the structure already carries. On load every
 * pointer of the copied bytes is cleared before anything is allocated, so a failure part
 * way frees only what was made. Scratch memory (the refresh's sort buffer, the cluster's
 * bins, the deadline wheel's batch) is not carried: it is rebuilt on use.
 */
#include "engine_snap.h"

#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "base/hash.h"

/*
 * Tripwires: these structures hold pointers (or hold structures that do). A field added to
 * one of them changes its size and stops the build here: carry the field below (an array:
 * write it in save_map / load_map ...), bump ENGINE_SNAP_VERSION if the payload changed, then
 * the sizes here. The layout code already makes older checkpoints be ignored.
 */
_Static_assert(sizeof(struct zone_map) == 4216, "zone_map changed: update engine_snap.c");
_Static_assert(sizeof(struct ctl_set) == 168, "ctl_set changed: update engine_snap.c");
_Static_assert(sizeof(struct cluster) == 64, "cluster changed: update engine_snap.c");
_Static_assert(sizeof(struct engine) == 41032, "engine changed: update engine_snap.c");
_Static_assert(sizeof(struct smc_state) == 34888, "smc_state changed: update engine_snap.c");
_Static_assert(sizeof(struct box_book) == 32, "box_book changed: update engine_snap.c");
_Static_assert(sizeof(struct liq_params) == 344, "liq_params changed: update PARAMS below");

#define MAGIC "LIQSNAP1"
#define HEADER 32

/* Every parameter, by value: padding never decides whether two engines agree. */
#define PARAMS(I, D)                                                                         \
    I(liquidity_enabled) I(liquidity_sources) D(min_liquidity_strength) I(max_level_touches) \
    D(round_level_step) I(round_levels_each_side) I(runner_enabled) D(runner_min_confidence) \
    D(min_rr_ratio) D(weak_liquidity_factor) D(transition_buffer_factor)                     \
    D(zone_history_hours) I(liquidity_learning_enabled) D(default_buffer_pips)               \
    D(fallback_stop_pips) I(swing_length) D(merge_distance_pips) D(zone_min_width_pips)      \
    D(equal_level_tolerance_pips) I(wyckoff_min_bars) D(wyckoff_atr_multiple)                \
    D(cluster_bin_pips) I(gann_levels) I(equal_level_lookback) D(cluster_interval_hours)     \
    D(cluster_value_area) D(fvg_mitigation) I(fvg_join_consecutive)                         \
    I(smc_timeframe_minutes) I(order_block_candle) I(session_asia_start)                     \
    I(session_asia_end) I(session_london_start) I(session_london_end)                        \
    I(session_new_york_start) I(session_new_york_end) D(test_hold_atr) D(test_break_atr)     \
    I(test_horizon_bars) D(test_rearm_atr) D(zone_prior_tests) D(zone_pool_half_life)        \
    D(zone_calib_half_life) D(buffer_atr) D(fallback_stop_atr) I(exit_method)                \
    D(min_expected_r) D(max_entry_atr) D(stop_sweep_quantile) D(target_stall_quantile)
/* liquidity_db_persist is the service's, not the engine's: it is left out. */

const char *engine_snap_result_name(enum snap_result r)
{
    switch (r) {
    case SNAP_OK: return "ok";
    case SNAP_NOMEM: return "out of memory";
    case SNAP_CORRUPT: return "corrupt";
    case SNAP_VERSION: return "other format version";
    case SNAP_MISMATCH: return "other parameters";
    }
    return "unknown";
}

/* The sizes of what travels as bytes: another build's structures read another code. */
static uint32_t layout_code(void)
{
    const uint64_t sizes[] = {
        sizeof(struct engine), sizeof(struct zone), sizeof(struct control),
        sizeof(struct cluster_pt), sizeof(struct smc_state), sizeof(struct box),
        sizeof(struct bar), sizeof(struct liq_params), sizeof(size_t), sizeof(double),
    };
    uint64_t h = hash_bytes(sizes, sizeof sizes);
    return (uint32_t)(h ^ (h >> 32));
}

/* ---- a growing buffer out, a bounded cursor in ---- */

struct wbuf {
    uint8_t *p;
    size_t n, cap;
    int oom;
};

static void put(struct wbuf *w, const void *v, size_t n)
{
    if (w->oom || n == 0)
        return;
    if (w->n + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->n + n)
            cap *= 2;
        uint8_t *p = realloc(w->p, cap);
        if (p == NULL) {
            w->oom = 1;
            return;
        }
        w->p = p;
        w->cap = cap;
    }
    memcpy(w->p + w->n, v, n);
    w->n += n;
}

static void put_u64(struct wbuf *w, uint64_t v) { put(w, &v, sizeof v); }

struct rbuf {
    const uint8_t *p;
    size_t n, at;
    int bad;
};

static int get(struct rbuf *r, void *v, size_t n)
{
    if (r->bad || n > r->n - r->at) {
        r->bad = 1;
        return -1;
    }
    if (n > 0)
        memcpy(v, r->p + r->at, n);
    r->at += n;
    return 0;
}

/* count elements of size elem into a new array of cap >= count elements (NULL when cap is
 * 0); -1 on ENOMEM (*nomem) or a bad count. */
static void *get_array(struct rbuf *r, size_t count, size_t cap, size_t elem, int *nomem)
{
    if (r->bad || count > cap || (cap > 0 && elem > SIZE_MAX / cap) ||
        count * elem > r->n - r->at) {
        r->bad = 1;
        return NULL;
    }
    if (cap == 0)
        return NULL;
    void *v = malloc(cap * elem);
    if (v == NULL) {
        *nomem = 1;
        r->bad = 1;
        return NULL;
    }
    (void)get(r, v, count * elem);
    return v;
}

static void put_params(struct wbuf *w, const struct liq_params *p, double pip,
                       enum timeframe tf)
{
#define PI(f) put_u64(w, (uint64_t)(int64_t)p->f);
#define PD(f) put(w, &p->f, sizeof p->f);
    PARAMS(PI, PD)
#undef PI
#undef PD
    put(w, &pip, sizeof pip);
    put_u64(w, (uint64_t)tf);
}

/* ---- save ---- */

/* Pointers and scratch cleared: in a checkpoint (no address is written, so the same state
 * gives the same bytes) and in a loaded engine before anything is allocated. */
static void clear_pointers(struct engine *e)
{
    struct zone_map *m = &e->map;
    m->pool = NULL;
    m->sorted = m->dnext = m->dslot = m->due = m->watch = NULL;
    m->sprice = NULL;
    m->sorted_mem = m->dsorted = NULL;
    m->sprice_mem = m->dsprice = NULL;
    m->listing = NULL;
    m->due_cap = 0;
    for (int k = 0; k < CTL_KINDS; k++) {
        m->cs[k].v = NULL;
        m->cs[k].sorted = m->cs[k].watch = m->cs[k].sorted_mem = m->cs[k].dsorted = NULL;
        m->cs[k].price = m->cs[k].price_mem = m->cs[k].dprice = NULL;
    }
    e->cluster.ring = NULL;
    e->cluster.bins = NULL;
    e->cluster.nbins_cap = 0;
    e->scratch = NULL;
    e->scratch_cap = 0;
    e->xz = NULL; /* the record of exits' trial scratch (its book travels as bytes) */
    e->xids = e->xcand = NULL;
    e->xkeys = NULL;
    e->xz_cap = e->xids_cap = 0;
}


static void save_map(struct wbuf *w, const struct zone_map *m)
{
    put(w, m->pool, (size_t)m->n * sizeof *m->pool);
    put(w, m->sorted, (size_t)m->nsorted * sizeof *m->sorted);
    put(w, m->sprice, (size_t)m->nsorted * sizeof *m->sprice);
    put(w, m->dslot, (size_t)m->nslot * sizeof *m->dslot);
    put(w, m->dnext, (size_t)m->n * sizeof *m->dnext);
    put(w, m->watch, m->n_watch * sizeof *m->watch);
    for (int k = 0; k < CTL_KINDS; k++) {
        const struct ctl_set *cs = &m->cs[k];
        put(w, cs->v, (size_t)m->n * sizeof *cs->v);
        put(w, cs->sorted, (size_t)cs->n * sizeof *cs->sorted);
        put(w, cs->price, (size_t)cs->n * sizeof *cs->price);
        put(w, cs->watch, cs->n_watch * sizeof *cs->watch);
        put(w, cs->dsorted, (size_t)cs->dn * sizeof *cs->dsorted);
        put(w, cs->dprice, (size_t)cs->dn * sizeof *cs->dprice);
    }
    put(w, m->dsorted, m->ndsorted * sizeof *m->dsorted);
    put(w, m->dsprice, m->ndsorted * sizeof *m->dsprice);
    const struct zone_listing *l = m->listing; /* its ids are rebuilt on use */
    put_u64(w, l != NULL);
    if (l != NULL) {
        put_u64(w, l->nended);
        put_u64(w, l->nended_sorted);
        put_u64(w, l->ended_cap);
        put_u64(w, l->ids_cap);
        put(w, l->ended, l->nended * sizeof *l->ended);
    }
}

static void save_cluster(struct wbuf *w, const struct cluster *c)
{
    for (size_t i = 0; i < c->n; i++) /* the ring's points in place, only the live ones */
        put(w, &c->ring[(c->head + i) % c->cap], sizeof *c->ring);
}

static void smc_clear_pointers(struct smc_state *s)
{
    s->fvg_up.v = s->fvg_dn.v = s->ob_up.v = s->ob_dn.v = NULL;
    s->pending = NULL;
}

static void save_smc(struct wbuf *w, const struct smc_state *s)
{
    struct smc_state copy = *s;
    smc_clear_pointers(&copy);
    put(w, &copy, sizeof copy);
    const struct box_book *bk[] = {&s->fvg_up, &s->fvg_dn, &s->ob_up, &s->ob_dn};
    for (size_t i = 0; i < sizeof bk / sizeof bk[0]; i++)
        put(w, bk[i]->v, bk[i]->n * sizeof *bk[i]->v);
    put(w, s->pending, s->npending * sizeof *s->pending);
}

int engine_snap_save(const struct engine *e, uint8_t **buf, size_t *len)
{
    struct wbuf w = {0};
    *buf = NULL;
    *len = 0;
    uint8_t header[HEADER] = {0};
    put(&w, header, sizeof header);
    put_params(&w, &e->p, e->pip, e->base_tf);
    struct engine *copy = malloc(sizeof *copy);
    if (copy == NULL) {
        free(w.p);
        return -1;
    }
    *copy = *e;
    clear_pointers(copy);
    copy->smc = NULL;
    put_u64(&w, e->smc != NULL);
    put(&w, copy, sizeof *copy);
    free(copy);
    save_map(&w, &e->map);
    save_cluster(&w, &e->cluster);
    if (e->smc != NULL)
        save_smc(&w, e->smc);
    if (w.oom) {
        free(w.p);
        return -1;
    }
    uint32_t version = ENGINE_SNAP_VERSION, layout = layout_code();
    uint64_t plen = w.n - HEADER, sum = hash_bytes(w.p + HEADER, plen);
    memcpy(w.p, MAGIC, 8);
    memcpy(w.p + 8, &version, 4);
    memcpy(w.p + 12, &layout, 4);
    memcpy(w.p + 16, &plen, 8);
    memcpy(w.p + 24, &sum, 8);
    *buf = w.p;
    *len = w.n;
    return 0;
}

/* ---- load ---- */

/* A sorted index (zone_map.h): blocks of cap entries, n of them at offset off. */
static void load_index(struct rbuf *r, size_t cap, size_t off, size_t n, uint32_t **imem,
                       uint32_t **ids, double **pmem, double **prices, int *nomem)
{
    *imem = get_array(r, 0, cap, sizeof **imem, nomem);
    if (*imem != NULL)
        (void)get(r, *imem + off, n * sizeof **imem);
    *pmem = get_array(r, 0, cap, sizeof **pmem, nomem);
    if (*pmem != NULL)
        (void)get(r, *pmem + off, n * sizeof **pmem);
    *ids = *imem != NULL ? *imem + off : NULL;
    *prices = *pmem != NULL ? *pmem + off : NULL;
}

static void load_map(struct rbuf *r, struct zone_map *m, int *nomem)
{
    if (m->n > m->cap || m->nsorted > m->n || m->n_watch > m->watch_cap) {
        r->bad = 1;
        return;
    }
    if (m->soff > m->cap - m->nsorted) {
        r->bad = 1;
        return;
    }
    m->pool = get_array(r, m->n, m->cap, sizeof *m->pool, nomem);
    load_index(r, m->cap, m->soff, m->nsorted, &m->sorted_mem, &m->sorted, &m->sprice_mem,
               &m->sprice, nomem);
    m->dslot = get_array(r, m->nslot, m->nslot, sizeof *m->dslot, nomem);
    m->dnext = get_array(r, m->n, m->cap, sizeof *m->dnext, nomem);
    m->watch = get_array(r, m->n_watch, m->watch_cap, sizeof *m->watch, nomem);
    for (int k = 0; k < CTL_KINDS; k++) {
        struct ctl_set *cs = &m->cs[k];
        if (cs->n > m->n || cs->n_watch > cs->watch_cap) {
            r->bad = 1;
            return;
        }
        if (cs->off > m->cap - cs->n || cs->dn > cs->dcap) {
            r->bad = 1;
            return;
        }
        cs->v = get_array(r, m->n, m->cap, sizeof *cs->v, nomem);
        load_index(r, m->cap, cs->off, cs->n, &cs->sorted_mem, &cs->sorted, &cs->price_mem,
                   &cs->price, nomem);
        cs->watch = get_array(r, cs->n_watch, cs->watch_cap, sizeof *cs->watch, nomem);
        cs->dsorted = get_array(r, cs->dn, cs->dcap, sizeof *cs->dsorted, nomem);
        cs->dprice = get_array(r, cs->dn, cs->dcap, sizeof *cs->dprice, nomem);
    }
    if (m->ndsorted > m->dcap) {
        r->bad = 1;
        return;
    }
    m->dsorted = get_array(r, m->ndsorted, m->dcap, sizeof *m->dsorted, nomem);
    m->dsprice = get_array(r, m->ndsorted, m->dcap, sizeof *m->dsprice, nomem);
    uint64_t have = 0, v[4];
    if (get(r, &have, sizeof have) != 0 || !have)
        return;
    if (get(r, v, sizeof v) != 0 || v[1] > v[0] || v[0] > v[2] || v[3] < m->n) {
        r->bad = 1;
        return;
    }
    struct zone_listing *l = calloc(1, sizeof *l);
    if (l == NULL) {
        *nomem = 1;
        r->bad = 1;
        return;
    }
    m->listing = l; /* version 0: built again on first use */
    l->nended = v[0];
    l->nended_sorted = v[1];
    l->ended_cap = v[2];
    l->ids_cap = v[3];
    l->ended = get_array(r, l->nended, l->ended_cap, sizeof *l->ended, nomem);
    l->ids = get_array(r, 0, l->ids_cap, sizeof *l->ids, nomem);
    l->tmp = get_array(r, 0, l->ids_cap, sizeof *l->tmp, nomem);
}

static void load_cluster(struct rbuf *r, struct cluster *c, int *nomem)
{
    if (c->cap == 0 || c->n > c->cap || c->head >= c->cap) {
        r->bad = 1;
        return;
    }
    c->ring = get_array(r, 0, c->cap, sizeof *c->ring, nomem);
    for (size_t i = 0; c->ring != NULL && i < c->n; i++)
        (void)get(r, &c->ring[(c->head + i) % c->cap], sizeof *c->ring);
}

static struct smc_state *load_smc(struct rbuf *r, int *nomem)
{
    struct smc_state *s = calloc(1, sizeof *s);
    if (s == NULL) {
        *nomem = 1;
        r->bad = 1;
        return NULL;
    }
    if (get(r, s, sizeof *s) != 0) {
        free(s);
        return NULL;
    }
    smc_clear_pointers(s);
    struct box_book *bk[] = {&s->fvg_up, &s->fvg_dn, &s->ob_up, &s->ob_dn};
    for (size_t i = 0; i < sizeof bk / sizeof bk[0]; i++) {
        if (bk[i]->n > bk[i]->cap)
            r->bad = 1;
        else
            bk[i]->v = get_array(r, bk[i]->n, bk[i]->cap, sizeof *bk[i]->v, nomem);
    }
    if (s->npending > s->pending_cap)
        r->bad = 1;
    else
        s->pending = get_array(r, s->npending, s->pending_cap, sizeof *s->pending, nomem);
    return s;
}

/* The header checked: SNAP_OK with the payload in *r. */
static enum snap_result open_payload(const uint8_t *buf, size_t len, struct rbuf *r)
{
    uint32_t version, layout;
    uint64_t plen, sum;
    if (buf == NULL || len < HEADER || memcmp(buf, MAGIC, 8) != 0)
        return SNAP_CORRUPT;
    memcpy(&version, buf + 8, 4);
    memcpy(&layout, buf + 12, 4);
    memcpy(&plen, buf + 16, 8);
    memcpy(&sum, buf + 24, 8);
    if (version != ENGINE_SNAP_VERSION || layout != layout_code())
        return SNAP_VERSION;
    if (plen != len - HEADER || hash_bytes(buf + HEADER, plen) != sum)
        return SNAP_CORRUPT;
    *r = (struct rbuf){.p = buf + HEADER, .n = plen};
    return SNAP_OK;
}

struct engine *engine_snap_load(const struct liq_params *params, double pip,
                                enum timeframe base_tf, const uint8_t *buf, size_t len,
                                enum snap_result *why)
{
    struct rbuf r;
    *why = open_payload(buf, len, &r);
    if (*why != SNAP_OK)
        return NULL;
    /* the parameters first: compared as written, not as structure bytes */
    struct wbuf want = {0};
    put_params(&want, params, pip, base_tf);
    if (want.oom) {
        *why = SNAP_NOMEM;
        return NULL;
    }
    int same = want.n <= r.n && memcmp(want.p, r.p, want.n) == 0;
    r.at = want.n;
    free(want.p);
    if (!same) {
        *why = SNAP_MISMATCH;
        return NULL;
    }
    struct engine *e = calloc(1, sizeof *e);
    if (e == NULL) {
        *why = SNAP_NOMEM;
        return NULL;
    }
    uint64_t had_smc = 0;
    if (get(&r, &had_smc, sizeof had_smc) != 0 || get(&r, e, sizeof *e) != 0) {
        free(e);
        *why = SNAP_CORRUPT;
        return NULL;
    }
    int nomem = 0;
    e->smc = NULL;
    clear_pointers(e);
    e->p = *params;
    load_map(&r, &e->map, &nomem);
    load_cluster(&r, &e->cluster, &nomem);
    if (had_smc && !r.bad)
        e->smc = load_smc(&r, &nomem);
    if (r.bad || r.at != r.n) {
        engine_free(e);
        *why = nomem ? SNAP_NOMEM : SNAP_CORRUPT;
        return NULL;
    }
    return e;
}
