/*
 * learner.c - per (zone, action) statistics from closed trades (docs/trading.md "Learner").
 */
#include "learner.h"

#include <stdlib.h>
#include <string.h>

#include "base/grow.h"

static const char *const ACTION_NAMES[ZA_COUNT] = {
    [ZA_HELD] = "held", [ZA_BROKEN] = "broken", [ZA_SWEPT] = "swept",
    [ZA_TOUCHED] = "touched",
};

const char *zone_action_name(enum zone_action a)
{
    return (a >= ZA_HELD && a < ZA_COUNT) ? ACTION_NAMES[a] : "unknown";
}

int zone_action_parse(const char *name, enum zone_action *out)
{
    for (int a = 0; a < ZA_COUNT; a++) {
        if (strcmp(name, ACTION_NAMES[a]) == 0) {
            *out = (enum zone_action)a;
            return 0;
        }
    }
    return -1;
}

int learner_classify_zone(const struct trade_zone *z, enum zone_action *out)
{
    if (z->closed_beyond)
        *out = ZA_BROKEN;
    else if (z->pierced)
        *out = ZA_SWEPT;
    else if (z->touched && z->closed_back)
        *out = ZA_HELD;
    else if (z->touched)
        *out = ZA_TOUCHED;
    else
        return -1;
    return 0;
}

size_t learner_classify(const struct trade *t, struct learner_outcome *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < t->n_zones && k < cap; i++) {
        enum zone_action a;
        if (learner_classify_zone(&t->zones[i], &a) != 0)
            continue;
        out[k++] = (struct learner_outcome){
            .zone_id = t->zones[i].zone_id, .action = (uint8_t)a, .pnl_r = t->realised_r};
    }
    return k;
}

void level_stat_add(struct level_stat *s, double pnl_r)
{
    s->count++;
    s->pnl_sum += pnl_r;
    s->expected_pnl = s->pnl_sum / s->count;
    s->confidence = s->count / (s->count + LEARNER_CONFIDENCE_K);
}

static struct level_stat *find_row(const struct learner_table *tab, uint32_t zone_id,
                                   unsigned action)
{
    for (size_t i = 0; i < tab->n; i++)
        if (tab->rows[i].zone_id == zone_id && tab->rows[i].action == action)
            return &tab->rows[i];
    return NULL;
}

const struct level_stat *learner_find(const struct learner_table *tab, uint32_t zone_id,
                                      enum zone_action action)
{
    return find_row(tab, zone_id, (unsigned)action);
}

enum learn_status learner_learn(struct learner_table *tab, const struct trade *t,
                                struct learner_outcome *out, size_t cap, size_t *n_out)
{
    if (n_out != NULL)
        *n_out = 0;
    if (t->status != TRADE_CLOSED)
        return LEARN_NOT_CLOSED;
    struct learner_outcome local[TRADE_MAX_ZONES];
    size_t k = learner_classify(t, local, TRADE_MAX_ZONES);
    enum learn_status st = LEARN_OK;
    for (size_t i = 0; i < k; i++) {
        struct level_stat *row = find_row(tab, local[i].zone_id, local[i].action);
        if (row == NULL) {
            if (tab->n >= tab->cap) {
                st = LEARN_FULL;
                continue;
            }
            row = &tab->rows[tab->n++];
            *row = (struct level_stat){.zone_id = local[i].zone_id, .action = local[i].action};
        }
        level_stat_add(row, local[i].pnl_r);
        if (out != NULL && n_out != NULL && *n_out < cap)
            out[(*n_out)++] = local[i];
    }
    return st;
}

static double clamp(double x, double lo, double hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

double learner_strength(const struct learner_table *tab, uint32_t zone_id, double strength)
{
    double count = 0.0, pnl = 0.0;
    for (size_t i = 0; i < tab->n; i++) {
        if (tab->rows[i].zone_id != zone_id)
            continue;
        count += tab->rows[i].count;
        pnl += tab->rows[i].pnl_sum;
    }
    if (count <= 0.0)
        return strength;
    double expected = pnl / count;
    double confidence = count / (count + LEARNER_CONFIDENCE_K);
    double adj = strength * (1.0 + confidence * clamp(expected, -LEARNER_PNL_CLAMP,
                                                      LEARNER_PNL_CLAMP));
    return clamp(adj, 0.0, 1.0);
}

void learner_apply(const struct learner_table *tab, const struct liq_params *p,
                   struct zone *zones, size_t n)
{
    if (!p->liquidity_learning_enabled)
        return;
    for (size_t i = 0; i < n; i++)
        zones[i].strength = (float)learner_strength(tab, zones[i].id, zones[i].strength);
}

int learner_copy_for_trade(const struct learner_table *tab, struct learner_table *out)
{
    size_t cap = tab->n + TRADE_MAX_ZONES;
    struct level_stat *rows = malloc(cap * sizeof *rows);
    if (rows == NULL)
        return -1;
    if (tab->n > 0)
        memcpy(rows, tab->rows, tab->n * sizeof *rows);
    *out = (struct learner_table){.rows = rows, .n = tab->n, .cap = cap};
    return 0;
}

int learner_append(struct learner_table *tab, const struct level_stat *row)
{
    struct level_stat *rows = grow_array(tab->rows, &tab->cap, tab->n + 1, sizeof *rows, 64);
    if (rows == NULL)
        return -1;
    tab->rows = rows;
    tab->rows[tab->n++] = *row;
    return 0;
}
