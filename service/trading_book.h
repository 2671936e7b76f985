/*
 * trading_book.h - the book of service/trading.c, private to it and trading_book.c: the open
 * trades (found by id in constant time), each symbol's learner table, and the lock stripes
 * that serialise the updates of one trade.
 *
 * tr->lock guards the arrays and is held for copies only; every book_* function but
 * book_stripe expects it held.
 */
#ifndef LIQ_TRADING_BOOK_H
#define LIQ_TRADING_BOOK_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/learner.h"
#include "domain/trade.h"
#include "service/trading.h"

struct open_trade {
    char symbol[33];
    struct trade t;
};

struct symbol_learning {
    char symbol[33];
    struct learner_table tab;
};

#define TRADE_LOCK_STRIPES 64

struct trading {
    pthread_mutex_t lock;          /* guards the two arrays below; held for copies only */
    struct open_trade *open;
    size_t nopen, capopen;
    /* id -> 1 + position in open[] (0: empty slot): linear probing over 2 * capopen
     * slots, so finding a trade costs the same with 10 or 100,000 open ones */
    uint64_t *slot_id;
    size_t *slot_pos;
    size_t pending;                /* slots of open[] promised to setups being committed */
    pthread_mutex_t stripes[TRADE_LOCK_STRIPES]; /* updates of trade id: stripes[id % N] */
    struct symbol_learning *learn;
    size_t nlearn, caplearn;
    uint64_t next_id;              /* ids when persistence is off */
};

/* Room for one more open trade beyond those promised to setups in flight: 0, or -1 out of
 * memory. */
int book_reserve(struct trading *tr);
/* The position of open trade id in tr->open, or -1. */
long book_find(const struct trading *tr, uint64_t id);
/* Appends an open trade (room reserved by book_reserve). */
void book_add(struct trading *tr, const char *symbol, const struct trade *t);
/* Removes open[i]; the last entry takes its place. */
void book_remove(struct trading *tr, size_t i);
/* The learner table of symbol, created empty when absent; NULL when out of memory. */
struct symbol_learning *book_learning(struct trading *tr, const char *symbol);
/* The lock stripe of trade id (updates of one trade are serialised by it). */
pthread_mutex_t *book_stripe(struct trading *tr, uint64_t id);

#endif
