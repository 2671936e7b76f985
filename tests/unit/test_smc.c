/*
 * test_smc.c - the drawn sources on hand-made bars (docs/sources.md "Drawn sources"): FVG
 * with each mitigation level on both sides, consecutive gaps joined, order blocks by both
 * candle rules, BOS / CHoCH, the dealing range's equilibrium, sessions, the higher
 * timeframe; every zone dated when it became known (created_ts) and from the bar it is drawn
 * from (origin_ts), and ended at the bar that mitigated it (mitigated_ts).
 */
#include <criterion/criterion.h>
#include <math.h>

#include "domain/engine.h"
#include "domain/sources/smc.h"

#define T0 1704067200 /* 2024-01-01 00:00 UTC, a Monday */
#define PIP 0.0001
#define M15 900

static struct engine *make(uint32_t sources, double mitigation, int join, int rule,
                           int tf_minutes)
{
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = sources;
    p.swing_length = 2;
    p.fvg_mitigation = mitigation;
    p.fvg_join_consecutive = join;
    p.order_block_candle = rule;
    p.smc_timeframe_minutes = tf_minutes;
    struct engine *e = engine_new(&p, PIP, TF_M15);
    cr_assert_not_null(e);
    return e;
}

static void push(struct engine *e, int i, double o, double h, double l, double c, double v)
{
    struct bar b = {T0 + (int64_t)i * M15, o, h, l, c, v};
    cr_assert_eq(engine_push(e, &b, NULL), PUSH_OK);
}

/* The only zone of source src, or the one made at bar ts when several; NULL if none. */
static const struct zone *drawn(const struct engine *e, enum liq_source src, int64_t ts)
{
    const struct zone *found = NULL;
    for (uint32_t id = 1; id <= engine_zone_max_id(e); id++) {
        const struct zone *z = engine_zone_get(e, id);
        if ((z->sources >> src & 1u) && (ts == 0 || z->created_ts == ts))
            found = z;
    }
    return found;
}

static int count(const struct engine *e, enum liq_source src)
{
    int n = 0;
    for (uint32_t id = 1; id <= engine_zone_max_id(e); id++)
        n += (engine_zone_get(e, id)->sources >> src & 1u) != 0;
    return n;
}

/* A bullish gap [1.1000, 1.1004] drawn from bar 1 and known at bar 2 (whose low touches
 * the top: bar 2 itself never mitigates it), then lows 1.1003, 1.1001, 1.0999: touch, half
 * fill, full fill. */
static void bullish_gap(struct engine *e)
{
    push(e, 0, 1.0995, 1.1000, 1.0990, 1.0998, 10);
    push(e, 1, 1.0998, 1.1010, 1.0997, 1.1008, 10);
    push(e, 2, 1.1008, 1.1015, 1.1004, 1.1012, 10);
    push(e, 3, 1.1012, 1.1014, 1.1003, 1.1010, 10);
    push(e, 4, 1.1010, 1.1012, 1.1001, 1.1006, 10);
    push(e, 5, 1.1006, 1.1008, 1.0999, 1.1002, 10);
}

/* The mirror: a bearish gap [1.0996, 1.1000], highs 1.0997, 1.0999, 1.1001 after it. */
static void bearish_gap(struct engine *e)
{
    push(e, 0, 1.1005, 1.1010, 1.1000, 1.1002, 10);
    push(e, 1, 1.1002, 1.1003, 1.0990, 1.0992, 10);
    push(e, 2, 1.0992, 1.0996, 1.0985, 1.0988, 10);
    push(e, 3, 1.0988, 1.0997, 1.0986, 1.0990, 10);
    push(e, 4, 1.0990, 1.0999, 1.0988, 1.0994, 10);
    push(e, 5, 1.0994, 1.1001, 1.0990, 1.0998, 10);
}

/* Both sides, each mitigation level: the box, its dates, the bar that mitigates it. */
Test(smc, fvg_boxes_dates_and_each_mitigation_level_both_sides)
{
    const double m[3] = {0.0, 0.5, 1.0};
    const struct {
        void (*bars)(struct engine *);
        double lo, hi;
        enum drawn_kind kind;
    } side[2] = {{bullish_gap, 1.1000, 1.1004, DK_BULLISH},
                 {bearish_gap, 1.0996, 1.1000, DK_BEARISH}};
    for (int s = 0; s < 2; s++) {
        for (int k = 0; k < 3; k++) {
            struct engine *e = make(1u << SRC_FVG, m[k], 0, 0, 15);
            side[s].bars(e);
            const struct zone *z = drawn(e, SRC_FVG, 0);
            cr_assert_not_null(z);
            cr_assert_eq(count(e, SRC_FVG), 1);
            cr_assert_float_eq(z->lo, side[s].lo, 1e-12);
            cr_assert_float_eq(z->hi, side[s].hi, 1e-12);
            cr_assert_float_eq(z->price, (side[s].lo + side[s].hi) / 2, 1e-12);
            cr_assert_eq(z->kind, side[s].kind);
            cr_assert(z->flags & ZONE_F_DRAWN);
            cr_assert_eq(z->origin_ts, T0 + 1 * M15, "drawn from the middle candle");
            cr_assert_eq(z->created_ts, T0 + 2 * M15, "known when the third candle closed");
            /* touch at bar 3, half fill at bar 4, full fill at bar 5 */
            cr_assert_eq(z->mitigated_ts, T0 + (int64_t)(3 + k) * M15, "side %d m=%g", s, m[k]);
            engine_free(e);
        }
    }
}

Test(smc, fvg_needs_the_middle_candle_in_its_direction)
{
    struct fvg f = {0};
    struct box x;
    struct bar a = {T0, 1.0995, 1.1000, 1.0990, 1.0998, 1};
    struct bar b = {T0 + M15, 1.1008, 1.1010, 1.0997, 1.1001, 1}; /* closed down */
    struct bar c = {T0 + 2 * M15, 1.1008, 1.1015, 1.1004, 1.1012, 1};
    cr_assert_eq(fvg_push(&f, &a, 0, &x), 0);
    cr_assert_eq(fvg_push(&f, &b, 0, &x), 0);
    cr_assert_eq(fvg_push(&f, &c, 0, &x), 0, "a gap up over a down candle is no FVG");
}

Test(smc, consecutive_gaps_join_into_one_box_when_asked)
{
    for (int join = 0; join <= 1; join++) {
        struct engine *e = make(1u << SRC_FVG, 0.0, join, 0, 15);
        push(e, 0, 1.0995, 1.1000, 1.0990, 1.0998, 10);
        push(e, 1, 1.0998, 1.1010, 1.0997, 1.1008, 10);
        push(e, 2, 1.1008, 1.1020, 1.1004, 1.1018, 10); /* up: gap [1.1000, 1.1004] */
        push(e, 3, 1.1018, 1.1030, 1.1012, 1.1028, 10); /* gap [1.1010, 1.1012] */
        int active = 0;
        for (uint32_t id = 1; id <= engine_zone_max_id(e); id++)
            active += engine_zone_get(e, id)->active;
        cr_assert_eq(count(e, SRC_FVG), 2);
        cr_assert_eq(active, join ? 1 : 2);
        const struct zone *z = drawn(e, SRC_FVG, T0 + 3 * M15);
        cr_assert_float_eq(z->lo, join ? 1.1000 : 1.1010, 1e-12);
        cr_assert_float_eq(z->hi, 1.1012, 1e-12);
        cr_assert_eq(z->origin_ts, T0 + (join ? 1 : 2) * M15);
        const struct zone *first = drawn(e, SRC_FVG, T0 + 2 * M15);
        cr_assert_eq(first->mitigated_ts, join ? T0 + 3 * M15 : TS_NONE,
                     "replaced by the joined box");
        engine_free(e);
    }
}

/*
 * Swings of length 2: a swing high 1.1015 at bar 3 (known at bar 5), a down candle at bar
 * 6, bar 7 closes above 1.1015: the first break, BOS_UP; the swing low 1.0985 of bar 5 is
 * known at bar 7 (dealing range 1.0985-1.1015, equilibrium 1.1000); a swing high 1.1030 at
 * bar 7 (known at bar 9), an up candle at bar 9, bar 10 closes below 1.0985: CHOCH_DOWN and
 * its low trades through the bullish block; bar 11 trades through the bearish one.
 */
static void structure_bars(struct engine *e)
{
    push(e, 0, 1.1000, 1.1005, 1.0995, 1.1002, 10);
    push(e, 1, 1.1002, 1.1008, 1.0998, 1.1006, 10);
    push(e, 2, 1.1006, 1.1012, 1.1001, 1.1010, 10);
    push(e, 3, 1.1010, 1.1015, 1.1005, 1.1007, 10);
    push(e, 4, 1.1007, 1.1009, 1.0990, 1.0992, 10);
    push(e, 5, 1.0992, 1.0996, 1.0985, 1.0994, 10);
    push(e, 6, 1.0994, 1.0998, 1.0986, 1.0988, 30);
    push(e, 7, 1.0988, 1.1030, 1.0987, 1.1025, 90);
    push(e, 8, 1.1025, 1.1028, 1.1018, 1.1020, 10);
    push(e, 9, 1.1020, 1.1024, 1.1015, 1.1022, 20);
    push(e, 10, 1.1022, 1.1023, 1.0975, 1.0978, 60);
    push(e, 11, 1.0978, 1.1026, 1.0970, 1.1000, 10);
}

Test(smc, order_blocks_last_opposite_candle_both_sides)
{
    struct engine *e = make(1u << SRC_ORDER_BLOCK, 0, 0, 0, 15);
    structure_bars(e);
    cr_assert_eq(count(e, SRC_ORDER_BLOCK), 2);
    const struct zone *up = drawn(e, SRC_ORDER_BLOCK, T0 + 7 * M15);
    cr_assert_not_null(up);
    cr_assert_eq(up->kind, DK_BULLISH);
    cr_assert_eq(up->origin_ts, T0 + 6 * M15, "the down candle before the displacement");
    cr_assert_float_eq(up->lo, 1.0986, 1e-12);
    cr_assert_float_eq(up->hi, 1.0998, 1e-12);
    cr_assert_float_eq(up->vol_share, 30.0 / 120.0, 1e-6);
    cr_assert_eq(up->mitigated_ts, T0 + 10 * M15, "low 1.0975 < 1.0986");
    const struct zone *dn = drawn(e, SRC_ORDER_BLOCK, T0 + 10 * M15);
    cr_assert_not_null(dn);
    cr_assert_eq(dn->kind, DK_BEARISH);
    cr_assert_eq(dn->origin_ts, T0 + 9 * M15, "the up candle before the drop");
    cr_assert_float_eq(dn->lo, 1.1015, 1e-12);
    cr_assert_float_eq(dn->hi, 1.1024, 1e-12);
    cr_assert_float_eq(dn->vol_share, 20.0 / 80.0, 1e-6);
    cr_assert_eq(dn->mitigated_ts, T0 + 11 * M15, "high 1.1026 > 1.1024");
    engine_free(e);
}

Test(smc, order_blocks_extreme_candle_rule)
{
    struct engine *e = make(1u << SRC_ORDER_BLOCK, 0, 0, 1, 15);
    structure_bars(e);
    const struct zone *up = drawn(e, SRC_ORDER_BLOCK, T0 + 7 * M15);
    cr_assert_eq(up->origin_ts, T0 + 5 * M15, "lowest low after the swing bar");
    cr_assert_float_eq(up->lo, 1.0985, 1e-12);
    cr_assert_float_eq(up->hi, 1.0996, 1e-12);
    const struct zone *dn = drawn(e, SRC_ORDER_BLOCK, T0 + 10 * M15);
    cr_assert_eq(dn->origin_ts, T0 + 7 * M15, "highest high after the swing bar");
    cr_assert_float_eq(dn->hi, 1.1030, 1e-12);
    engine_free(e);
}

Test(smc, structure_levels_are_the_broken_swings_with_their_kind)
{
    struct engine *e = make(1u << SRC_STRUCTURE, 0, 0, 0, 15);
    structure_bars(e);
    cr_assert_eq(count(e, SRC_STRUCTURE), 2);
    const struct zone *up = drawn(e, SRC_STRUCTURE, T0 + 7 * M15);
    cr_assert_float_eq(up->price, 1.1015, 1e-12);
    cr_assert_eq(up->kind, DK_BOS_UP);
    cr_assert_eq(up->origin_ts, T0 + 3 * M15);
    cr_assert_eq(up->mitigated_ts, T0 + 10 * M15, "replaced by the next break");
    const struct zone *dn = drawn(e, SRC_STRUCTURE, T0 + 10 * M15);
    cr_assert_float_eq(dn->price, 1.0985, 1e-12);
    cr_assert_eq(dn->kind, DK_CHOCH_DOWN);
    cr_assert_eq(dn->origin_ts, T0 + 5 * M15);
    cr_assert_eq(dn->mitigated_ts, TS_NONE);
    engine_free(e);
}

Test(smc, premium_discount_is_the_middle_of_the_last_swings)
{
    struct engine *e = make(1u << SRC_PREMIUM_DISCOUNT, 0, 0, 0, 15);
    structure_bars(e);
    const struct zone *a = drawn(e, SRC_PREMIUM_DISCOUNT, T0 + 7 * M15);
    cr_assert_not_null(a);
    cr_assert_float_eq(a->price, 1.1000, 1e-12);
    cr_assert_eq(a->origin_ts, T0 + 5 * M15);
    cr_assert_eq(a->kind, DK_EQUILIBRIUM);
    cr_assert_eq(a->mitigated_ts, T0 + 9 * M15);
    const struct zone *b = drawn(e, SRC_PREMIUM_DISCOUNT, T0 + 9 * M15);
    cr_assert_float_eq(b->price, (1.1030 + 1.0985) / 2, 1e-12);
    cr_assert_eq(b->origin_ts, T0 + 7 * M15);
    engine_free(e);
}

Test(smc, sessions_finish_at_their_last_bar_or_the_first_bar_after)
{
    struct engine *e = make((1u << SRC_SESSION_HIGH) | (1u << SRC_SESSION_LOW), 0, 0, 0, 15);
    for (int i = 0; i < 40; i++) { /* 00:00 .. 09:45, high 1.1050 at 03:00, low 1.0950 at 05:00 */
        double h = i == 12 ? 1.1050 : 1.1010, l = i == 20 ? 1.0950 : 1.0990;
        push(e, i, 1.1000, h, l, 1.1000, 10);
    }
    const struct zone *hi = drawn(e, SRC_SESSION_HIGH, T0 + 35 * M15);
    const struct zone *lo = drawn(e, SRC_SESSION_LOW, T0 + 35 * M15);
    cr_assert_not_null(hi, "Asia 00-09 finishes at the 08:45 bar");
    cr_assert_not_null(lo);
    cr_assert_float_eq(hi->price, 1.1050, 1e-12);
    cr_assert_float_eq(lo->price, 1.0950, 1e-12);
    cr_assert_eq(hi->origin_ts, T0);
    cr_assert_eq(hi->kind, DK_ASIA);
    cr_assert_eq(count(e, SRC_SESSION_HIGH), 1, "London and New York still open");
    /* bars missing from 10:00 to 17:00: London (07-16) finishes at the 17:00 bar */
    push(e, 68, 1.1000, 1.1010, 1.0990, 1.1000, 10);
    const struct zone *ldn = drawn(e, SRC_SESSION_HIGH, T0 + 68 * M15);
    cr_assert_not_null(ldn);
    cr_assert_eq(ldn->kind, DK_LONDON);
    cr_assert_eq(ldn->origin_ts, T0 + 7 * 3600);
    cr_assert_float_eq(ldn->price, 1.1010, 1e-12);
    engine_free(e);
}

Test(smc, a_session_across_midnight)
{
    struct sessions ss;
    const int start[SMC_SESSIONS] = {22, 7, 13}, end[SMC_SESSIONS] = {2, 16, 22};
    sessions_init(&ss, start, end);
    struct session_done d[SESSIONS_DONE_MAX];
    int got = 0;
    for (int i = 22 * 4; i < 27 * 4; i++) { /* 22:00 day 0 .. 02:45 day 1 */
        struct bar b = {T0 + (int64_t)i * M15, 1.1, 1.1 + i * 1e-5, 1.09, 1.1, 1};
        int n = sessions_push(&ss, &b, M15, d);
        for (int k = 0; k < n; k++) {
            if (d[k].session != 0)
                continue;
            got++;
            cr_assert_eq(b.ts, T0 + 86400 + 3600 + 45 * 60, "finished by the 01:45 bar");
            cr_assert_eq(d[k].start, T0 + 22 * 3600);
            cr_assert_float_eq(d[k].hi, 1.1 + (26 * 4 - 1) * 1e-5, 1e-12);
        }
    }
    cr_assert_eq(got, 1);
}

/* H1 gaps from the M15 feed: known at the M15 bar that closes the third hour. */
Test(smc, fvg_on_the_hour_from_m15_bars)
{
    struct engine *e = make(1u << SRC_FVG, 0.0, 0, 0, 60);
    const double o[3] = {1.0995, 1.0998, 1.1008}, h[3] = {1.1000, 1.1010, 1.1015},
                 l[3] = {1.0990, 1.0997, 1.1004}, c[3] = {1.0998, 1.1008, 1.1012};
    for (int hour = 0; hour < 3; hour++)
        for (int q = 0; q < 4; q++)
            push(e, hour * 4 + q, q == 0 ? o[hour] : c[hour], h[hour], l[hour], c[hour], 10);
    const struct zone *z = drawn(e, SRC_FVG, 0);
    cr_assert_not_null(z);
    cr_assert_eq(z->origin_ts, T0 + 3600, "the middle hour");
    cr_assert_eq(z->created_ts, T0 + 11 * M15, "the 02:45 bar closes the third hour");
    cr_assert_float_eq(z->lo, 1.1000, 1e-12);
    cr_assert_float_eq(z->hi, 1.1004, 1e-12);
    engine_free(e);
}

Test(smc, books_pop_in_mitigation_order_both_sides)
{
    struct box_book up, dn;
    box_book_init(&up, 1, 0);
    box_book_init(&dn, -1, 1);
    const double thr[3] = {1.10, 1.12, 1.11};
    for (uint32_t i = 0; i < 3; i++) {
        cr_assert_eq(box_book_add(&up, &(struct box){.thr = thr[i], .zone = i + 1}), 0);
        cr_assert_eq(box_book_add(&dn, &(struct box){.thr = thr[i], .zone = i + 1}), 0);
    }
    struct box x;
    struct bar b = {T0, 1.115, 1.115, 1.11, 1.115, 1};
    cr_assert_eq(box_book_pop(&up, &b, &x), 1);
    cr_assert_eq(x.zone, 2u);
    cr_assert_eq(box_book_pop(&up, &b, &x), 1, "low 1.11 reaches 1.11");
    cr_assert_eq(x.zone, 3u);
    cr_assert_eq(box_book_pop(&up, &b, &x), 0);
    b.high = 1.11;
    cr_assert_eq(box_book_pop(&dn, &b, &x), 1);
    cr_assert_eq(x.zone, 1u);
    cr_assert_eq(box_book_pop(&dn, &b, &x), 0, "strict: 1.11 does not trade beyond 1.11");
    box_book_free(&up);
    box_book_free(&dn);
}
