/* The learner (DESIGN.md section 2 "Learner", docs/trading.md "Learner"). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "domain/learner.h"
#include "domain/params.h"
#include "domain/setup.h"

#define PIP 0.0001
#define EPS 1e-9

/* BUY 1.1000: stop zone 1 below (stop 1.0930), TP1 zone 2, TP2 zone 3 above. */
static struct zone MAP[] = {
    {.id = 1, .price = 1.0955, .lo = 1.0950, .hi = 1.0960, .active = 1, .strength = 0.8f},
    {.id = 2, .price = 1.1125, .lo = 1.1120, .hi = 1.1130, .active = 1, .strength = 0.8f},
    {.id = 3, .price = 1.1205, .lo = 1.1200, .hi = 1.1210, .active = 1, .strength = 0.8f},
};

static struct liq_params P(void)
{
    struct liq_params p;
    params_defaults(&p);
    p.exit_method = EXIT_ZONES; /* the zone exits these tests are about */
    p.min_expected_r = -1e9;
    return p;
}

static struct trade open_buy(void)
{
    struct liq_params p = P();
    struct setup_request rq = {.side = SIDE_BUY, .entry = 1.1000, .trend_score = 0.6,
                               .regime = REGIME_NORMAL};
    struct setup_result s;
    cr_assert_eq(setup_build(&rq, MAP, 3, &p, PIP, NULL, &s), SETUP_OK);
    struct trade t;
    cr_assert_eq(trade_open(&t, 1, &s, 100), 0);
    return t;
}

static void trail(struct trade *t, double price, double high, double low, int64_t ts)
{
    struct liq_params p = P();
    struct trail_events ev;
    cr_assert_eq(trade_trail(t, MAP, 3, &p, PIP, price, high, low, ts, ts, &ev), TRAIL_OK);
}

/* the action the closed trade t teaches about zone id; -1 when none */
static int action_of(const struct trade *t, uint32_t id)
{
    struct learner_outcome out[TRADE_MAX_ZONES];
    size_t n = learner_classify(t, out, TRADE_MAX_ZONES);
    for (size_t i = 0; i < n; i++)
        if (out[i].zone_id == id)
            return out[i].action;
    return -1;
}

Test(learner, stop_zone_wicked_through_and_closed_back_is_swept)
{
    struct trade t = open_buy();
    trail(&t, 1.0970, 1.0990, 1.0945, 101); /* below lo 1.0950, stop 1.0930 untouched */
    trade_close(&t, 1.1000, 102, 102);
    cr_assert_eq(action_of(&t, 1), ZA_SWEPT);
}

Test(learner, stop_zone_closed_through_is_broken)
{
    struct trade t = open_buy();
    trail(&t, 1.0940, 1.0990, 1.0925, 101); /* stop hit, price closed below the zone */
    cr_assert_eq(t.status, TRADE_CLOSED);
    cr_assert_eq(action_of(&t, 1), ZA_BROKEN);
}

Test(learner, stop_zone_entered_and_left_on_the_approach_side_held)
{
    struct trade t = open_buy();
    trail(&t, 1.0980, 1.0990, 1.0955, 101);
    trade_close(&t, 1.0990, 102, 102);
    cr_assert_eq(action_of(&t, 1), ZA_HELD);
}

Test(learner, zone_entered_without_resolution_is_touched)
{
    struct trade t = open_buy();
    trail(&t, 1.0957, 1.0990, 1.0955, 101);
    trade_close(&t, 1.0957, 102, 102);
    cr_assert_eq(action_of(&t, 1), ZA_TOUCHED);
}

Test(learner, unreached_zones_teach_nothing)
{
    struct trade t = open_buy();
    trade_close(&t, 1.1010, 101, 101);
    cr_assert_eq(action_of(&t, 1), -1);
    cr_assert_eq(action_of(&t, 2), -1);
    cr_assert_eq(action_of(&t, 3), -1);
}

Test(learner, tp1_zone_broken_by_the_trade_is_broken)
{
    struct trade t = open_buy();
    trail(&t, 1.1140, 1.1145, 1.1100, 101);
    trade_close(&t, 1.1140, 102, 102);
    cr_assert_eq(action_of(&t, 2), ZA_BROKEN);
}

Test(learner, row_keeps_count_pnl_sum_expected_and_confidence)
{
    struct level_stat s = {.zone_id = 1, .action = ZA_HELD};
    level_stat_add(&s, 1.5);
    level_stat_add(&s, -1.0);
    level_stat_add(&s, 2.5);
    cr_assert_eq(s.count, 3);
    cr_assert_float_eq(s.pnl_sum, 3.0, EPS);
    cr_assert_float_eq(s.expected_pnl, 1.0, EPS);
    cr_assert_float_eq(s.confidence, 3.0 / 13.0, EPS);
}

Test(learner, confidence_grows_with_sample_size)
{
    struct level_stat s = {0};
    double prev = 0;
    for (int i = 0; i < 50; i++) {
        level_stat_add(&s, 0.1);
        cr_assert_gt(s.confidence, prev);
        cr_assert_lt(s.confidence, 1.0);
        prev = s.confidence;
    }
}

Test(learner, learns_a_closed_trade_into_the_table)
{
    struct level_stat rows[8];
    struct learner_table tab = {.rows = rows, .cap = 8};
    for (int k = 0; k < 2; k++) {
        struct trade t = open_buy();
        trail(&t, 1.0980, 1.0990, 1.0955, 101); /* stop zone held */
        trade_close(&t, 1.1035, 102, 102);           /* +35 / 70 = +0.5 R */
        struct learner_outcome out[4];
        size_t n;
        cr_assert_eq(learner_learn(&tab, &t, out, 4, &n), LEARN_OK);
        cr_assert_eq(n, 1);
        cr_assert_float_eq(out[0].pnl_r, 0.5, 1e-9);
    }
    const struct level_stat *row = learner_find(&tab, 1, ZA_HELD);
    cr_assert_not_null(row);
    cr_assert_eq(row->count, 2);
    cr_assert_float_eq(row->pnl_sum, 1.0, 1e-9);
    cr_assert_float_eq(row->expected_pnl, 0.5, 1e-9);
    cr_assert_eq(tab.n, 1);
}

Test(learner, refuses_an_open_trade)
{
    struct level_stat rows[2];
    struct learner_table tab = {.rows = rows, .cap = 2};
    struct trade t = open_buy();
    cr_assert_eq(learner_learn(&tab, &t, NULL, 0, NULL), LEARN_NOT_CLOSED);
    cr_assert_eq(tab.n, 0);
}

Test(learner, reports_a_full_table)
{
    struct learner_table tab = {.rows = NULL, .cap = 0};
    struct trade t = open_buy();
    trail(&t, 1.0980, 1.0990, 1.0955, 101);
    trade_close(&t, 1.1000, 102, 102);
    cr_assert_eq(learner_learn(&tab, &t, NULL, 0, NULL), LEARN_FULL);
}

Test(learner, profitable_history_raises_strength)
{
    struct level_stat rows[] = {{.zone_id = 7, .action = ZA_HELD, .count = 10, .pnl_sum = 10}};
    struct learner_table tab = {.rows = rows, .n = 1, .cap = 1};
    /* 0.6 x (1 + 10/20 x clamp(1.0, -0.5, 0.5)) */
    cr_assert_float_eq(learner_strength(&tab, 7, 0.6), 0.75, EPS);
    cr_assert_float_eq(learner_strength(&tab, 8, 0.6), 0.6, EPS); /* no history */
}

Test(learner, losing_history_lowers_strength)
{
    struct level_stat rows[] = {{.zone_id = 7, .action = ZA_BROKEN, .count = 10,
                                 .pnl_sum = -20}};
    struct learner_table tab = {.rows = rows, .n = 1, .cap = 1};
    cr_assert_float_eq(learner_strength(&tab, 7, 0.6), 0.45, EPS);
}

Test(learner, learned_strength_stays_within_0_and_1)
{
    struct level_stat rows[] = {{.zone_id = 7, .action = ZA_HELD, .count = 90, .pnl_sum = 90}};
    struct learner_table tab = {.rows = rows, .n = 1, .cap = 1};
    cr_assert_float_eq(learner_strength(&tab, 7, 0.95), 1.0, EPS);
}

Test(learner, pools_every_action_of_a_zone)
{
    struct level_stat rows[] = {
        {.zone_id = 7, .action = ZA_HELD, .count = 5, .pnl_sum = 5},
        {.zone_id = 7, .action = ZA_SWEPT, .count = 5, .pnl_sum = -5},
    };
    struct learner_table tab = {.rows = rows, .n = 2, .cap = 2};
    cr_assert_float_eq(learner_strength(&tab, 7, 0.6), 0.6, EPS); /* E = 0 */
}

Test(learner, feeds_strength_only_when_learning_is_enabled)
{
    struct level_stat rows[] = {{.zone_id = 1, .action = ZA_HELD, .count = 10, .pnl_sum = 10}};
    struct learner_table tab = {.rows = rows, .n = 1, .cap = 1};
    struct liq_params p = P();
    struct zone zs[] = {MAP[0]};
    zs[0].strength = 0.6f;
    p.liquidity_learning_enabled = 0;
    learner_apply(&tab, &p, zs, 1);
    cr_assert_float_eq(zs[0].strength, 0.6f, 1e-6);
    p.liquidity_learning_enabled = 1;
    learner_apply(&tab, &p, zs, 1);
    cr_assert_float_eq(zs[0].strength, 0.75f, 1e-6);
}

Test(learner, action_names_round_trip)
{
    for (int a = 0; a < ZA_COUNT; a++) {
        enum zone_action back;
        cr_assert_eq(zone_action_parse(zone_action_name(a), &back), 0);
        cr_assert_eq(back, a);
    }
    enum zone_action x;
    cr_assert_eq(zone_action_parse("bounced", &x), -1);
}

Test(learner, append_grows_and_a_copy_for_a_trade_has_room_for_its_zones)
{
    struct learner_table tab = {0};
    for (uint32_t i = 1; i <= 100; i++) /* past the first capacity (64) */
        cr_assert_eq(learner_append(&tab, &(struct level_stat){.zone_id = i}), 0);
    cr_assert_eq(tab.n, 100);
    cr_assert_geq(tab.cap, 100);
    cr_assert_eq(tab.rows[99].zone_id, 100);
    struct learner_table copy = {0};
    cr_assert_eq(learner_copy_for_trade(&tab, &copy), 0);
    cr_assert_eq(copy.n, 100);
    cr_assert_eq(copy.cap, 100 + TRADE_MAX_ZONES);
    cr_assert_eq(memcmp(copy.rows, tab.rows, 100 * sizeof *tab.rows), 0);
    cr_assert_neq(copy.rows, tab.rows);
    free(copy.rows);
    free(tab.rows);
}
