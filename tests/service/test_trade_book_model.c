/*
 * The book of open trades against a plain model (service/trading_book.c; issue 16 item 8):
 * open trades are found by id through a linear-probing table whose removals shift later
 * entries back (no tombstones), which is easy to get subtly wrong: a bad shift loses a
 * trade that is still open, or finds one already closed. 40,000 random adds and removes
 * over 3,000 live ids at most (dense, sparse and colliding ids, the table growing from
 * empty several times) are checked after every step against an array of the ids that
 * should be open: every live id is found at a position holding that very trade and
 * symbol, every removed id is not found, the count matches. Learner tables: one per
 * symbol, found again, not duplicated. No server.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/trading.h"
#include "service/trading_book.h"

#define MAXLIVE 3000

static uint64_t g_rng = 88172645463325252ull;

static uint64_t next_rand(void)
{
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return g_rng;
}

/* Ids of three kinds: dense (1..), sparse (random 40 bits), colliding (multiples of 2^20,
 * which share their low bits). */
static uint64_t some_id(uint64_t step)
{
    switch (next_rand() % 3) {
    case 0: return step + 1;
    case 1: return (next_rand() & 0xFFFFFFFFFFull) | 1ull << 41;
    default: return ((next_rand() % 5000) + 1) << 20;
    }
}

static int is_live(const uint64_t *live, size_t n, uint64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (live[i] == id)
            return 1;
    return 0;
}

static void check_all(const struct trading *tr, const uint64_t *live, size_t n,
                      const uint64_t *gone, size_t ngone, size_t step)
{
    cr_assert_eq(tr->nopen, n, "step %zu: %zu open, model %zu", step, tr->nopen, n);
    for (size_t i = 0; i < n; i++) {
        long at = book_find(tr, live[i]);
        cr_assert_geq(at, 0, "step %zu: open trade %llu lost", step,
                      (unsigned long long)live[i]);
        cr_assert_eq(tr->open[at].t.id, live[i]);
        char sym[33];
        snprintf(sym, sizeof sym, "S%llu", (unsigned long long)(live[i] % 97));
        cr_assert_str_eq(tr->open[at].symbol, sym);
        cr_assert_float_eq(tr->open[at].t.entry, (double)(live[i] % 1000) / 7.0, 1e-12);
    }
    for (size_t i = 0; i < ngone; i++)
        cr_assert_eq(book_find(tr, gone[i]), -1, "step %zu: closed trade %llu found", step,
                     (unsigned long long)gone[i]);
}

Test(trade_book_model, adds_and_removes_agree_with_a_plain_list, .timeout = 120)
{
    struct trading *tr = trading_new();
    cr_assert_not_null(tr);
    cr_expect_eq(book_find(tr, 1), -1, "an empty book finds a trade");
    static uint64_t live[MAXLIVE], gone[64];
    size_t n = 0, ngone = 0, grows = 0, cap = 0;
    for (size_t step = 0; step < 40000; step++) {
        /* phases: grow to MAXLIVE, drain to 0, grow again, mixed */
        int phase = (int)(step / 5000) % 4;
        int add = phase == 0 ? next_rand() % 10 < 8 : phase == 1 ? next_rand() % 10 < 2
                                                                 : next_rand() % 2;
        if (n == 0)
            add = 1;
        if (n == MAXLIVE)
            add = 0;
        if (add) {
            uint64_t id = some_id(step);
            if (is_live(live, n, id))
                continue;
            struct trade t;
            memset(&t, 0, sizeof t);
            t.id = id;
            t.entry = (double)(id % 1000) / 7.0;
            char sym[33];
            snprintf(sym, sizeof sym, "S%llu", (unsigned long long)(id % 97));
            cr_assert_eq(book_reserve(tr), 0);
            book_add(tr, sym, &t);
            live[n++] = id;
            for (size_t g = 0; g < ngone; g++)
                if (gone[g] == id)
                    gone[g] = gone[--ngone];
        } else {
            size_t k = (size_t)(next_rand() % n);
            long at = book_find(tr, live[k]);
            cr_assert_geq(at, 0);
            book_remove(tr, (size_t)at);
            if (ngone < 64)
                gone[ngone++] = live[k];
            else
                gone[next_rand() % 64] = live[k];
            live[k] = live[--n];
        }
        if (tr->capopen != cap) {
            grows++;
            cap = tr->capopen;
        }
        if (step % 50 == 0 || n < 40)
            check_all(tr, live, n, gone, ngone, step);
    }
    check_all(tr, live, n, gone, ngone, 40000);
    cr_expect_geq(grows, 8, "the table grew only %zu times", grows);

    struct symbol_learning *a = book_learning(tr, "EURUSD");
    struct symbol_learning *b = book_learning(tr, "GBPUSD");
    cr_assert(a != NULL && b != NULL);
    for (int i = 0; i < 20; i++) {
        char sym[33];
        snprintf(sym, sizeof sym, "L%d", i);
        cr_assert_not_null(book_learning(tr, sym));
    }
    cr_expect_str_eq(book_learning(tr, "EURUSD")->symbol, "EURUSD");
    cr_expect_str_eq(book_learning(tr, "GBPUSD")->symbol, "GBPUSD");
    cr_expect_eq(tr->nlearn, 22, "a symbol's learner table was made twice");
    cr_expect_eq(book_stripe(tr, 5), book_stripe(tr, 5 + TRADE_LOCK_STRIPES));
    cr_expect_neq(book_stripe(tr, 5), book_stripe(tr, 6));
    trading_free(tr);
}
