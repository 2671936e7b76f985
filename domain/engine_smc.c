/*
 * engine_smc.c - the drawn sources' state per symbol and how their reports become zones
 * (engine_smc.h). The generators themselves are in sources/smc.c.
 */
#include "engine_smc.h"

#include <assert.h>
#include <stdlib.h>

#include "engine.h"
#include "engine_internal.h"
#include "base/grow.h"
#include "sources/smc.h"

static int on(const struct smc_state *s, enum liq_source src)
{
    return (s->active >> src) & 1u;
}

enum timeframe smc_timeframe(const struct liq_params *p, enum timeframe base_tf)
{
    int min = p->smc_timeframe_minutes;
    enum timeframe tf = min < 60 ? TF_M15 : min < 240 ? TF_H1 : TF_H4;
    return tf < base_tf ? base_tf : tf;
}

struct smc_state *smc_new(const struct liq_params *p, enum timeframe base_tf, uint32_t active,
                          int *oom)
{
    *oom = 0;
    if ((active & SRC_DRAWN) == 0)
        return NULL;
    struct smc_state *s = calloc(1, sizeof *s);
    if (s == NULL) {
        *oom = 1;
        return NULL;
    }
    s->active = active;
    s->tf = smc_timeframe(p, base_tf);
    s->base_sec = tf_seconds(base_tf);
    s->m = p->fvg_mitigation;
    s->join = p->fvg_join_consecutive;
    box_book_init(&s->fvg_up, 1, 0);
    box_book_init(&s->fvg_dn, -1, 0);
    box_book_init(&s->ob_up, 1, 1);
    box_book_init(&s->ob_dn, -1, 1);
    int len = p->swing_length;
    structure_init(&s->st, len < 1 ? 1 : len > SWING_MAX_LENGTH ? SWING_MAX_LENGTH : len,
                   p->order_block_candle);
    const int start[SMC_SESSIONS] = {p->session_asia_start, p->session_london_start,
                                     p->session_new_york_start};
    const int end[SMC_SESSIONS] = {p->session_asia_end, p->session_london_end,
                                   p->session_new_york_end};
    sessions_init(&s->ses, start, end);
    return s;
}

void smc_free(struct smc_state *s)
{
    if (s == NULL)
        return;
    box_book_free(&s->fvg_up);
    box_book_free(&s->fvg_dn);
    box_book_free(&s->ob_up);
    box_book_free(&s->ob_dn);
    free(s->pending);
    free(s);
}

enum timeframe smc_tf(const struct smc_state *s)
{
    return s->tf;
}

/* Ends zone id (0: nothing); one in a test waits in pending. */
static int end_zone(struct smc_state *s, struct engine *e, uint32_t id, int64_t ts,
                    struct zone_events *ev)
{
    if (id == 0)
        return 0;
    int rc = engine_drawn_end(e, id, ts, ev);
    if (rc <= 0)
        return rc;
    uint32_t *v = grow_array(s->pending, &s->pending_cap, s->npending + 1, sizeof *v, 16);
    if (v == NULL)
        return -1;
    s->pending = v;
    v[s->npending++] = id;
    return 0;
}

/* Ends the zones of the boxes bar b mitigates in book k. */
static int mitigate_due(struct smc_state *s, struct engine *e, struct box_book *k,
                        const struct bar *b, struct zone_events *ev)
{
    struct box x;
    while (box_book_pop(k, b, &x))
        if (end_zone(s, e, x.zone, b->ts, ev) != 0)
            return -1;
    return 0;
}

/* The same, the common case (nothing mitigated) inline: one comparison per book, whose dir
 * and strict smc_new set (fvg_up 1 0, fvg_dn -1 0, ob_up 1 1, ob_dn -1 1). */
static inline int mitigate(struct smc_state *s, struct engine *e, struct box_book *k, int dir,
                           int strict, const struct bar *b, struct zone_events *ev)
{
    assert(k->dir == dir && k->strict == strict);
    return box_book_due_as(k, b, dir, strict) ? mitigate_due(s, e, k, b, ev) : 0;
}

static uint32_t add_point(struct engine *e, enum liq_source src, double price, int64_t origin,
                          enum drawn_kind kind, int64_t ts, struct zone_events *ev)
{
    return engine_drawn_add(e, src, price, price, price, origin, kind, 0.0f, ts, ev);
}

static int sessions_bar(struct smc_state *s, struct engine *e, const struct bar *b,
                        struct zone_events *ev)
{
    struct session_done done[SESSIONS_DONE_MAX];
    int n = sessions_push(&s->ses, b, s->base_sec, done);
    for (int i = 0; i < n; i++) {
        uint32_t *z = s->session_zone[done[i].session];
        enum drawn_kind kind = (enum drawn_kind)(DK_ASIA + done[i].session);
        if (on(s, SRC_SESSION_HIGH)) {
            if (end_zone(s, e, z[0], b->ts, ev) != 0 ||
                (z[0] = add_point(e, SRC_SESSION_HIGH, done[i].hi, done[i].start, kind, b->ts,
                                  ev)) == 0)
                return -1;
        }
        if (on(s, SRC_SESSION_LOW)) {
            if (end_zone(s, e, z[1], b->ts, ev) != 0 ||
                (z[1] = add_point(e, SRC_SESSION_LOW, done[i].lo, done[i].start, kind, b->ts,
                                  ev)) == 0)
                return -1;
        }
    }
    return 0;
}

/* Would engine_drawn_end(e, id, ...) return 1 and change nothing? An ended zone still in its
 * test: its mitigation bar is set, it is active and in a test. The pending list asks this of
 * every zone every bar, and the answer stays yes until the test resolves. */
static inline int still_in_test(const struct engine *e, uint32_t id)
{
    const struct zone *z = zone_map_get(&e->map, id);
    return z != NULL && z->mitigated_ts != TS_NONE && z->active && z->trk.state == TS_IN_TEST;
}

int smc_base_bar(struct smc_state *s, struct engine *e, const struct bar *b,
                 struct zone_events *ev)
{
    size_t keep = 0;
    for (size_t i = 0; i < s->npending; i++) {
        if (still_in_test(e, s->pending[i])) {
            s->pending[keep++] = s->pending[i];
            continue;
        }
        int rc = engine_drawn_end(e, s->pending[i], b->ts, ev);
        if (rc < 0)
            return -1;
        if (rc == 1)
            s->pending[keep++] = s->pending[i];
    }
    s->npending = keep;
    if (on(s, SRC_FVG) && (mitigate(s, e, &s->fvg_up, 1, 0, b, ev) != 0 ||
                           mitigate(s, e, &s->fvg_dn, -1, 0, b, ev) != 0))
        return -1;
    if (on(s, SRC_ORDER_BLOCK) && (mitigate(s, e, &s->ob_up, 1, 1, b, ev) != 0 ||
                                   mitigate(s, e, &s->ob_dn, -1, 1, b, ev) != 0))
        return -1;
    if ((on(s, SRC_SESSION_HIGH) || on(s, SRC_SESSION_LOW)) && s->base_sec <= 3600)
        return sessions_bar(s, e, b, ev);
    return 0;
}

/* A box becomes a zone and enters its book. */
static int add_box(struct engine *e, enum liq_source src, struct box_book *k, struct box *x,
                   int64_t ts, struct zone_events *ev)
{
    x->zone = engine_drawn_add(e, src, x->lo, x->hi, (x->lo + x->hi) / 2.0, x->origin_ts,
                               (enum drawn_kind)x->kind, x->vol_share, ts, ev);
    return x->zone == 0 || box_book_add(k, x) != 0 ? -1 : 0;
}

static int fvg_closed(struct smc_state *s, struct engine *e, const struct bar *c, int64_t ts,
                      struct zone_events *ev)
{
    struct box x, prev;
    if (!fvg_push(&s->fvg, c, s->m, &x))
        return 0;
    struct box_book *k = x.dir > 0 ? &s->fvg_up : &s->fvg_dn;
    if (s->join && s->last_fvg_zone != 0 && s->last_fvg_dir == x.dir &&
        x.idx == s->last_fvg_idx + 1 && box_book_take(k, s->last_fvg_zone, &prev)) {
        /* consecutive gaps of one side: one box from the first one's candle */
        fvg_join(&x, &prev, s->m);
        if (end_zone(s, e, prev.zone, ts, ev) != 0)
            return -1;
    }
    if (add_box(e, SRC_FVG, k, &x, ts, ev) != 0)
        return -1;
    s->last_fvg_idx = x.idx;
    s->last_fvg_zone = x.zone;
    s->last_fvg_dir = x.dir;
    return 0;
}

static int structure_closed(struct smc_state *s, struct engine *e, const struct bar *c,
                            int64_t ts, struct zone_events *ev)
{
    struct structure_event se;
    structure_push(&s->st, c, &se);
    if (se.broke != 0 && on(s, SRC_STRUCTURE)) {
        if (end_zone(s, e, s->structure_zone, ts, ev) != 0)
            return -1;
        s->structure_zone = add_point(e, SRC_STRUCTURE, se.swing.level, se.swing.ts,
                                      (enum drawn_kind)se.kind, ts, ev);
        if (s->structure_zone == 0)
            return -1;
    }
    if (se.broke != 0 && se.have_ob && on(s, SRC_ORDER_BLOCK) &&
        add_box(e, SRC_ORDER_BLOCK, se.broke > 0 ? &s->ob_up : &s->ob_dn, &se.ob, ts, ev) != 0)
        return -1;
    if (se.range_changed && on(s, SRC_PREMIUM_DISCOUNT)) {
        if (end_zone(s, e, s->pd_zone, ts, ev) != 0)
            return -1;
        s->pd_zone = add_point(e, SRC_PREMIUM_DISCOUNT, se.eq, se.eq_origin, DK_EQUILIBRIUM,
                               ts, ev);
        if (s->pd_zone == 0)
            return -1;
    }
    return 0;
}

int smc_closed(struct smc_state *s, struct engine *e, const struct bar *c, int64_t ts,
               struct zone_events *ev)
{
    if (on(s, SRC_FVG) && fvg_closed(s, e, c, ts, ev) != 0)
        return -1;
    if ((s->active & ((1u << SRC_ORDER_BLOCK) | (1u << SRC_STRUCTURE) |
                      (1u << SRC_PREMIUM_DISCOUNT))) != 0)
        return structure_closed(s, e, c, ts, ev);
    return 0;
}
