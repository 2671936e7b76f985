/*
 * smc.h - the drawn sources traders of "smart money concepts" already draw: fair value
 * gaps (FVG), order blocks (ORDER_BLOCK), the level of the last break of structure
 * (STRUCTURE), the previous session's high and low (SESSION_HIGH / SESSION_LOW) and the
 * equilibrium of the dealing range (PREMIUM_DISCOUNT). Pure, causal level generators like
 * sources.h: each call sees closed bars only and says what became known at that bar.
 * Definitions and worked examples: docs/sources.md "Drawn sources". The engine turns each
 * drawn level into a zone of its own (domain/engine_smc.c).
 */
#ifndef LIQ_SOURCES_SMC_H
#define LIQ_SOURCES_SMC_H

#include <stddef.h>
#include <stdint.h>

#include "sources.h"

/* A box something drew: its band, the bar it is drawn from, what it is. */
struct box {
    double lo, hi;
    double thr;             /* books: the price whose reach mitigates it (box_book) */
    int64_t origin_ts;      /* the bar it is drawn from (FVG: the middle candle) */
    uint64_t idx;           /* index of that bar in its timeframe's series */
    uint32_t zone;          /* the engine's zone id, 0 none */
    int8_t dir;             /* +1 bullish (below price, mitigated from above), -1 bearish */
    uint8_t kind;           /* enum drawn_kind */
    float vol_share;
};

/* ---- FVG: the three-candle gap ---- */
struct fvg {
    struct bar a, b;        /* the two closed bars before the next one */
    uint64_t n;             /* bars pushed */
};
/*
 * Bar c (closed) after a and b: a bullish gap when high(a) < low(c) and b closed up
 * (close > open): box [high(a), low(c)]; a bearish gap when low(a) > high(c) and b closed
 * down: box [high(c), low(a)]. Drawn from b, known at c's close. Returns 1 and fills *out
 * (thr per mitigation m: bullish hi - m (hi - lo), bearish lo + m (hi - lo)), else 0.
 * Bars a {H 1.1000 L 1.0990}, b up, c {L 1.1004}: bullish box [1.1000, 1.1004], m 0.5 ->
 * thr 1.1002.
 */
int fvg_push(struct fvg *f, const struct bar *c, double m, struct box *out);

/* Gap x follows gap prev of the same side directly (fvg_join_consecutive): x becomes one box
 * over both (lowest bottom, highest top) drawn from prev's candle, its thr for m again. */
void fvg_join(struct box *x, const struct box *prev, double m);

/* ---- books of standing boxes, ordered so that the next to be mitigated is last ---- */
struct box_book {
    struct box *v;
    size_t n, cap;
    int dir;                /* +1: mitigated when low reaches thr; -1: high reaches thr */
    int strict;             /* 1: must trade beyond thr (low < thr); 0: reaching it counts */
};
void box_book_init(struct box_book *k, int dir, int strict);
void box_book_free(struct box_book *k);
/* 0, or -1 on ENOMEM. */
int box_book_add(struct box_book *k, const struct box *b);
/* Pops one box this bar mitigates into *out: 1, or 0 when none. O(1) when none. */
int box_book_pop(struct box_book *k, const struct bar *bar, struct box *out);
/* box_book_due for a book known to be of this dir and strict (constants at the call: the
 * comparison without reading or branching on them). */
static inline int box_book_due_as(const struct box_book *k, const struct bar *bar, int dir,
                                  int strict)
{
    if (k->n == 0)
        return 0;
    double thr = k->v[k->n - 1].thr;
    return dir > 0 ? (strict ? bar->low < thr : bar->low <= thr)
                   : (strict ? bar->high > thr : bar->high >= thr);
}
/* Does this bar mitigate the next box (box_book_pop would pop one)? Inline, no copy: the
 * per-bar question of every book, nearly always no. */
static inline int box_book_due(const struct box_book *k, const struct bar *bar)
{
    return box_book_due_as(k, bar, k->dir, k->strict);
}
/* Removes the box with this zone id (join): 1 found (copied to *out), 0 not. */
int box_book_take(struct box_book *k, uint32_t zone, struct box *out);

/* ---- market structure: breaks, order blocks, dealing range ---- */
#define SMC_RING 512        /* bars kept for the order-block search */
struct smc_swing {
    double level;
    uint64_t idx;
    int64_t ts;
    int have, broken;
};
struct structure {
    struct swing_detector sd;
    struct smc_swing high, low;   /* the last surviving confirmed swing high / low */
    int trend;                    /* +1 after an up break, -1 after a down break, 0 none */
    int candle_rule;              /* order_block_candle */
    struct bar ring[SMC_RING];
    uint64_t n;                   /* bars pushed */
};
/* What one closed bar told. */
struct structure_event {
    int broke;                    /* +1 closed above the swing high, -1 below the swing low */
    uint8_t kind;                 /* DK_BOS_* / DK_CHOCH_* */
    struct smc_swing swing;       /* the broken swing */
    int have_ob;                  /* an order block came with the break */
    struct box ob;                /* its candle's range, dir = broke */
    int range_changed;            /* a new surviving swing: the dealing range moved */
    double eq;                    /* equilibrium (high + low) / 2 when both are known */
    int64_t eq_origin;            /* the later of the two swings' bars */
};
void structure_init(struct structure *s, int swing_length, int candle_rule);
/*
 * One closed bar: first the break, against the swings confirmed before this bar (close
 * above the unbroken swing high: CHOCH_UP when the last break was down, else BOS_UP (the
 * first break included); the mirror below the swing low), each swing broken once; with the
 * break the order block:
 * candle_rule 0, scanning back from the bar before the break to the swing's bar, the
 * first candle that closed against the break (close < open for an up break); rule 1, the
 * candle with the lowest low (highest high) after the swing's bar, the last on a tie, or
 * the bar before the break when none lies between. Band = the candle's whole range;
 * vol_share = its volume / the volume from it through the breaking bar. Then the bar goes
 * into the swing detector (sources.h): a new surviving swing becomes the one to break and
 * moves the dealing range.
 */
void structure_push(struct structure *s, const struct bar *c, struct structure_event *ev);

/* ---- sessions: high and low of each finished Asia / London / New York session ---- */
#define SMC_SESSIONS 3
struct session_track {
    int start_h, end_h;           /* UTC hours [start, end); start > end wraps midnight */
    int64_t cur;                  /* start of the open session, INT64_MIN none */
    double hi, lo;
};
struct sessions {
    struct session_track s[SMC_SESSIONS];   /* DK_ASIA, DK_LONDON, DK_NEW_YORK order */
};
struct session_done {
    int session;                  /* 0 Asia, 1 London, 2 New York */
    int64_t start;                /* the session's first instant */
    double hi, lo;
};
void sessions_init(struct sessions *ss, const int start_h[SMC_SESSIONS],
                   const int end_h[SMC_SESSIONS]);
/*
 * A base bar of base_sec seconds. A session finishes at the bar that ends it (ts + base_sec
 * reaches its end) or, when bars are missing, at the first bar outside it (or in a later
 * instance of it); the finished sessions go to done[]. Returns how many (at most
 * SESSIONS_DONE_MAX: each session can finish its old instance and a new one-bar instance).
 * Asia 0-9 on M15 bars: the 08:45 bar finishes the day's Asia session.
 */
#define SESSIONS_DONE_MAX (2 * SMC_SESSIONS)
int sessions_push(struct sessions *ss, const struct bar *b, int64_t base_sec,
                  struct session_done done[SESSIONS_DONE_MAX]);

#endif
