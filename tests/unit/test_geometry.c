/*
 * test_geometry.c - the target-before-stop book behind p_tp1_first (geometry.h): a probe's
 * outcome on hand-made bars for both sides, ties go to the stop, the empty book is the
 * random walk, and on the real EURUSD year the book is causal and near the random walk.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "domain/geometry.h"
#include "tests/support/eurusd.h"

/* Pushes one bar (open = close = c). */
static void push(struct geo_book *g, int64_t ts, double h, double l, double c, double atr)
{
    struct bar b = {.ts = ts, .open = c, .high = h, .low = l, .close = c, .volume = 1};
    geo_bar(g, &b, atr);
}

Test(geometry, empty_book_is_the_random_walk)
{
    struct geo_book g;
    geo_init(&g, 8, 64);
    cr_assert_float_eq(geo_p_first(&g, 1, 3.0, 1.5), 1.0 / 3, 1e-12);
    cr_assert_float_eq(geo_p_first(&g, -1, 1.0, 1.0), 0.5, 1e-12);
    cr_assert_float_eq(geo_p_first(&g, 1, 20.0, 0.1), 0.1 / 20.1, 1e-12, "off the grid");
}

Test(geometry, one_probe_counts_target_first_for_buy_and_stop_first_for_sell)
{
    struct geo_book g;
    geo_init(&g, 1, 4); /* a probe at every bar's close, resolved after 4 bars */
    /* bar 1 starts a probe at 100 with ATR 1; then price rises 1.2 (grid 0.5, 0.75, 1),
     * then falls to 99.4 (grid 0.5 down) */
    push(&g, 1, 100, 100, 100, 1.0);
    push(&g, 2, 101.2, 100.0, 101.0, 0.0);
    push(&g, 3, 101.0, 99.4, 99.5, 0.0);
    push(&g, 4, 99.6, 99.5, 99.5, 0.0);
    push(&g, 5, 99.6, 99.5, 99.5, 0.0); /* horizon: resolved */
    cr_assert_eq(g.probes, 1);
    /* BUY, target 1 ATR (grid 2), stop 0.5 ATR (grid 0): target on bar 2, stop on bar 3 */
    cr_assert_eq(g.n[0][2][0], 1);
    cr_assert_eq(g.hits[0][2][0], 1);
    /* BUY target 1.5 ATR never reached, stop 0.5 reached: a miss */
    cr_assert_eq(g.n[0][3][0], 1);
    cr_assert_eq(g.hits[0][3][0], 0);
    /* SELL, target 0.5 down (bar 3), stop 0.5 up (bar 2): stop first */
    cr_assert_eq(g.n[1][0][0], 1);
    cr_assert_eq(g.hits[1][0][0], 0);
    /* neither 6 ATR up nor 6 down: not counted */
    cr_assert_eq(g.n[0][7][7], 0);
}

Test(geometry, a_bar_reaching_target_and_stop_counts_as_the_stop)
{
    struct geo_book g;
    geo_init(&g, 1, 4);
    push(&g, 1, 100, 100, 100, 1.0);
    push(&g, 2, 101.0, 99.0, 100.0, 0.0);
    for (int k = 3; k < 7; k++)
        push(&g, k, 100.1, 99.9, 100.0, 0.0);
    cr_assert_eq(g.n[0][2][2], 1);
    cr_assert_eq(g.hits[0][2][2], 0);
    cr_assert_eq(g.hits[1][2][2], 0);
}

Test(geometry, a_drift_in_the_book_does_not_set_one_side_against_the_other)
{
    /* every probe rises 1 ATR without falling: the BUY cells all hit, the SELL cells all
     * miss. Both sides are pooled (the drift of the bars seen did not persist on first
     * halves), so a BUY and a SELL on the same distances get one probability. */
    struct geo_book g;
    geo_init(&g, 1, 2);
    double c = 100.0;
    push(&g, 1, c, c, c, 1.0);
    for (int64_t k = 2; k < 400; k++) {
        c += 1.0;
        push(&g, k, c, c - 0.2, c, 1.0);
    }
    cr_assert_gt(g.probes, 300);
    cr_assert_eq(g.hits[1][2][2], 0);
    cr_assert_eq(g.hits[0][2][2], g.n[0][2][2]);
    double buy = geo_p_first(&g, 1, 1.0, 1.0), sell = geo_p_first(&g, -1, 1.0, 1.0);
    cr_assert_float_eq(buy, sell, 1e-12, "BUY %f, SELL %f", buy, sell);
}

Test(geometry, a_gap_through_a_stop_costs_more_than_one_r)
{
    struct geo_book g;
    geo_init(&g, 1, 4);
    cr_assert_float_eq(geo_stop_loss(&g, 1.5), 1.0, 1e-12, "nothing seen: 1 R");
    cr_assert_float_eq(geo_stop_loss(NULL, 1.5), 1.0, 1e-12);
    /* a probe at 100 (ATR 1); the next bar opens wholly below 99.5 .. 98.5 and closes at
     * 97.8: a stop there fills at that close (trade_trail); 98 is inside the bar (fill at
     * 98, no overshoot) */
    push(&g, 1, 100, 100, 100, 1.0);
    push(&g, 2, 98.0, 97.5, 97.8, 1.0); /* and a probe starts at 97.8 */
    for (int k = 0; k <= 4; k++)
        cr_assert_eq(g.reach[k], 1, "grid %d", k);
    cr_assert_eq(g.reach[5], 0);
    cr_assert_float_eq(g.over[3], 98.5 - 97.8, 1e-9);
    cr_assert_float_eq(g.over[4], 0.0, 1e-12);
    /* 1.5 ATR: 1 + 0.7 / (1 + GEO_PRIOR) / 1.5; 2 ATR: no overshoot, 1 R */
    cr_assert_float_eq(geo_stop_loss(&g, 1.5), 1.0 + 0.7 / (1.0 + GEO_PRIOR) / 1.5, 1e-9);
    cr_assert_float_eq(geo_stop_loss(&g, 2.0), 1.0, 1e-12);
    /* the other direction (a SELL's stop): the next bar lies wholly above the probe at
     * 97.8's levels 98.3, 98.55 and 98.8 and closes at 99.3; its 99.3 is inside the bar */
    push(&g, 3, 99.4, 99.0, 99.3, 0.0);
    cr_assert_eq(g.reach[2], 2);
    cr_assert_eq(g.reach[3], 2);
    cr_assert_float_eq(g.over[2], (99.0 - 97.8) + (99.3 - 98.8), 1e-9);
    cr_assert_float_eq(g.over[3], 98.5 - 97.8, 1e-9);
}

Test(geometry, eurusd_year_is_near_the_random_walk_and_probabilities_stay_in_range)
{
    size_t n;
    struct bar *bars = eurusd_load(&n);
    cr_assert_not_null(bars);
    struct geo_book g;
    geo_init(&g, 8, 64);
    /* a rough ATR: the mean range of the last 14 bars */
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += bars[i].high - bars[i].low;
        if (i >= 14)
            sum -= bars[i - 14].high - bars[i - 14].low;
        geo_bar(&g, &bars[i], i >= 14 ? sum / 14 : 0.0);
    }
    cr_assert_gt(g.probes, 2500);
    double p = geo_p_first(&g, 1, 1.0, 1.0);
    cr_assert(p > 0.4 && p < 0.6, "symmetric geometry: %f", p);
    cr_assert_lt(geo_p_first(&g, 1, 3.0, 1.0), geo_p_first(&g, 1, 1.0, 1.0));
    cr_assert_gt(geo_p_first(&g, -1, 1.0, 3.0), geo_p_first(&g, -1, 1.0, 1.0));
    free(bars);
}
