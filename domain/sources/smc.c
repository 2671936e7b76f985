/*
 * smc.c - FVG, order blocks, structure breaks, dealing range, sessions (smc.h).
 *
 * Everything here sees closed bars only: a gap is known when its third candle closes, a
 * break when the breaking bar closes, a swing L bars after its pivot (swing.c), a session
 * when its last bar closes. The books keep standing boxes ordered by the price whose reach
 * mitigates them, so a bar that mitigates nothing costs one comparison per book.
 */
#include "smc.h"

#include <stdlib.h>
#include <string.h>

#include "base/grow.h"

static double fvg_thr(const struct box *x, double m)
{
    return x->dir > 0 ? x->hi - m * (x->hi - x->lo) : x->lo + m * (x->hi - x->lo);
}

int fvg_push(struct fvg *f, const struct bar *c, double m, struct box *out)
{
    uint64_t n = f->n++;
    struct bar a = f->a, b = f->b;
    f->a = f->b;
    f->b = *c;
    if (n < 2)
        return 0;
    if (a.high < c->low && b.close > b.open) {
        *out = (struct box){.lo = a.high, .hi = c->low, .dir = 1, .kind = DK_BULLISH};
    } else if (a.low > c->high && b.close < b.open) {
        *out = (struct box){.lo = c->high, .hi = a.low, .dir = -1, .kind = DK_BEARISH};
    } else {
        return 0;
    }
    out->origin_ts = b.ts;
    out->idx = n - 1;
    out->thr = fvg_thr(out, m);
    return 1;
}

void fvg_join(struct box *x, const struct box *prev, double m)
{
    x->lo = prev->lo < x->lo ? prev->lo : x->lo;
    x->hi = prev->hi > x->hi ? prev->hi : x->hi;
    x->origin_ts = prev->origin_ts;
    x->thr = fvg_thr(x, m);
}

void box_book_init(struct box_book *k, int dir, int strict)
{
    *k = (struct box_book){.dir = dir, .strict = strict};
}

void box_book_free(struct box_book *k)
{
    free(k->v);
    k->v = NULL;
    k->n = k->cap = 0;
}

/* b is mitigated before a (later in the book) when its thr is reached first as price
 * travels towards it: higher thr first for bullish boxes (price comes down), lower for
 * bearish. */
static int before(const struct box_book *k, const struct box *a, const struct box *b)
{
    return k->dir > 0 ? a->thr <= b->thr : a->thr >= b->thr;
}

int box_book_add(struct box_book *k, const struct box *b)
{
    struct box *v = grow_array(k->v, &k->cap, k->n + 1, sizeof *v, 64);
    if (v == NULL)
        return -1;
    k->v = v;
    size_t at = k->n;
    while (at > 0 && !before(k, &v[at - 1], b))
        at--;
    memmove(&v[at + 1], &v[at], (k->n - at) * sizeof *v);
    v[at] = *b;
    k->n++;
    return 0;
}

int box_book_pop(struct box_book *k, const struct bar *bar, struct box *out)
{
    if (!box_book_due(k, bar))
        return 0;
    *out = k->v[--k->n];
    return 1;
}

int box_book_take(struct box_book *k, uint32_t zone, struct box *out)
{
    for (size_t i = k->n; i-- > 0;) {
        if (k->v[i].zone == zone) {
            *out = k->v[i];
            memmove(&k->v[i], &k->v[i + 1], (k->n - i - 1) * sizeof *k->v);
            k->n--;
            return 1;
        }
    }
    return 0;
}

void structure_init(struct structure *s, int swing_length, int candle_rule)
{
    memset(s, 0, sizeof *s);
    swing_init(&s->sd, swing_length);
    s->candle_rule = candle_rule;
}

static const struct bar *ring_at(const struct structure *s, uint64_t idx)
{
    return &s->ring[idx % SMC_RING];
}

/* The order block of a break of swing sw by bar k (dir +1 up, -1 down); 0 when none. */
static int order_block(const struct structure *s, const struct smc_swing *sw, uint64_t k,
                       int dir, struct box *ob)
{
    uint64_t oldest = k >= SMC_RING - 1 ? k - (SMC_RING - 1) : 0;
    uint64_t from = sw->idx > oldest ? sw->idx : oldest;
    uint64_t at = UINT64_MAX;
    if (s->candle_rule == 0) {
        for (uint64_t j = k; j-- > from;) {
            const struct bar *c = ring_at(s, j);
            if (dir > 0 ? c->close < c->open : c->close > c->open) {
                at = j;
                break;
            }
        }
    } else if (k >= 1) {
        at = k - 1;
        uint64_t first = sw->idx + 1 > oldest ? sw->idx + 1 : oldest;
        if (k > first) {
            double best = dir > 0 ? ring_at(s, first)->low : ring_at(s, first)->high;
            at = first;
            for (uint64_t j = first + 1; j < k; j++) {
                const struct bar *c = ring_at(s, j);
                double x = dir > 0 ? c->low : c->high;
                if (dir > 0 ? x <= best : x >= best) {
                    best = x;
                    at = j;
                }
            }
        }
    }
    if (at == UINT64_MAX)
        return 0;
    const struct bar *c = ring_at(s, at);
    double total = 0;
    for (uint64_t j = at; j <= k; j++)
        total += ring_at(s, j)->volume;
    *ob = (struct box){
        .lo = c->low, .hi = c->high, .thr = dir > 0 ? c->low : c->high, .origin_ts = c->ts,
        .idx = at, .dir = (int8_t)dir, .kind = dir > 0 ? DK_BULLISH : DK_BEARISH,
        .vol_share = total > 0 ? (float)(c->volume / total) : 0.0f,
    };
    return 1;
}

void structure_push(struct structure *s, const struct bar *c, struct structure_event *ev)
{
    uint64_t k = s->n++;
    s->ring[k % SMC_RING] = *c;
    memset(ev, 0, sizeof *ev);
    struct smc_swing *up = &s->high, *dn = &s->low;
    if (up->have && !up->broken && c->close > up->level) {
        up->broken = 1;
        ev->broke = 1;
        ev->kind = s->trend < 0 ? DK_CHOCH_UP : DK_BOS_UP;
        ev->swing = *up;
        s->trend = 1;
        ev->have_ob = order_block(s, up, k, 1, &ev->ob);
    } else if (dn->have && !dn->broken && c->close < dn->level) {
        dn->broken = 1;
        ev->broke = -1;
        ev->kind = s->trend > 0 ? DK_CHOCH_DOWN : DK_BOS_DOWN;
        ev->swing = *dn;
        s->trend = -1;
        ev->have_ob = order_block(s, dn, k, -1, &ev->ob);
    }
    struct swing_event se;
    if (!swing_push(&s->sd, c->ts, c->high, c->low, &se) || se.dropped)
        return;
    struct smc_swing *sw = se.kind > 0 ? up : dn;
    *sw = (struct smc_swing){.level = se.level, .idx = se.idx, .ts = se.ts, .have = 1};
    if (up->have && dn->have) {
        ev->range_changed = 1;
        ev->eq = (up->level + dn->level) / 2.0;
        ev->eq_origin = up->ts > dn->ts ? up->ts : dn->ts;
    }
}

void sessions_init(struct sessions *ss, const int start_h[SMC_SESSIONS],
                   const int end_h[SMC_SESSIONS])
{
    for (int i = 0; i < SMC_SESSIONS; i++)
        ss->s[i] = (struct session_track){.start_h = start_h[i], .end_h = end_h[i],
                                          .cur = INT64_MIN};
}

/* The start of the session instance containing ts (of the UTC day starting at day),
 * INT64_MIN when ts lies outside. */
static int64_t session_of(const struct session_track *t, int64_t ts, int64_t day)
{
    int64_t sec = ts - day;
    int64_t a = (int64_t)t->start_h * 3600, z = (int64_t)t->end_h * 3600;
    if (a < z)
        return sec >= a && sec < z ? day + a : INT64_MIN;
    if (a == z)
        return INT64_MIN;
    if (sec >= a)
        return day + a;
    return sec < z ? day - 86400 + a : INT64_MIN;
}

static int64_t session_len(const struct session_track *t)
{
    int h = t->end_h - t->start_h;
    return (int64_t)(h > 0 ? h : h + 24) * 3600;
}

static void session_close(struct session_track *t, int i, struct session_done *done, int *n)
{
    done[(*n)++] = (struct session_done){.session = i, .start = t->cur, .hi = t->hi,
                                         .lo = t->lo};
    t->cur = INT64_MIN;
}

/* day_start(ts) (bar.h) without the call, every base bar: the same floor to the UTC day. */
static inline int64_t utc_day(int64_t ts)
{
    int64_t r = ts % 86400;
    if (r < 0)
        r += 86400;
    return ts < INT64_MIN + r ? INT64_MIN : ts - r;
}

int sessions_push(struct sessions *ss, const struct bar *b, int64_t base_sec,
                  struct session_done done[SESSIONS_DONE_MAX])
{
    int n = 0;
    int64_t day = utc_day(b->ts); /* once for the three sessions */
    for (int i = 0; i < SMC_SESSIONS; i++) {
        struct session_track *t = &ss->s[i];
        int64_t at = session_of(t, b->ts, day);
        if (t->cur != INT64_MIN && at != t->cur)
            session_close(t, i, done, &n); /* bars were missing: finished by a later bar */
        if (at == INT64_MIN)
            continue;
        if (t->cur == INT64_MIN) {
            t->cur = at;
            t->hi = b->high;
            t->lo = b->low;
        } else {
            t->hi = b->high > t->hi ? b->high : t->hi;
            t->lo = b->low < t->lo ? b->low : t->lo;
        }
        if (b->ts + base_sec >= t->cur + session_len(t))
            session_close(t, i, done, &n);
    }
    return n;
}
