/*
 * by_hand.h - hand-made M15 bars pushed into one engine, for the unit tests of zone
 * statistics (test_controls.c, test_sweep.c): a bar at *ts, then *ts moves one M15 on.
 * Header-only.
 */
#ifndef LIQ_TESTS_BY_HAND_H
#define LIQ_TESTS_BY_HAND_H

#include <criterion/criterion.h>

#include "domain/engine.h"

#define BY_HAND_M15 900

static inline void by_hand_bar(struct engine *e, int64_t *ts, double o, double h, double l,
                               double c)
{
    struct bar b = {*ts, o, h, l, c, 100};
    *ts += BY_HAND_M15;
    cr_assert_eq(engine_push(e, &b, NULL), PUSH_OK);
}

/* n bars of range 0.0010 around mid (ATR14 0.0010 once 14 of them are in) */
static inline void by_hand_warm(struct engine *e, int64_t *ts, int n, double mid)
{
    for (int k = 0; k < n; k++)
        by_hand_bar(e, ts, mid, mid + 0.0005, mid - 0.0005, mid);
}

/* The one nonzero bin of bin[0 .. n): its index, -1 when none, -2 when more than one. */
static inline int by_hand_only_bin(const uint32_t *bin, int n)
{
    int k = -1;
    for (int i = 0; i < n; i++) {
        if (bin[i] == 0)
            continue;
        if (k >= 0)
            return -2;
        k = i;
    }
    return k;
}

#endif
