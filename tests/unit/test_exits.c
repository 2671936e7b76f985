/* Which exit a setup gets, and the setups refused for their expected_r or their entry
 * (domain/exits.h, docs/trading.md "Which exit"). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "domain/exits.h"
#include "domain/params.h"
#include "domain/setup.h"

#define PIP 0.0001

static const struct zone MAP[] = {
    {.id = 1, .price = 1.0955, .lo = 1.0950, .hi = 1.0960, .active = 1, .strength = 0.8f},
    {.id = 2, .price = 1.1125, .lo = 1.1120, .hi = 1.1130, .active = 1, .strength = 0.8f},
};

static struct setup_request buy(double entry)
{
    return (struct setup_request){.side = SIDE_BUY, .entry = entry, .trend_score = 0.5,
                                  .regime = REGIME_NORMAL};
}

Test(exits, default_is_auto_and_geometry_without_a_record)
{
    struct liq_params p;
    params_defaults(&p);
    cr_assert_eq(p.exit_method, EXIT_AUTO);
    struct setup_market mkt = {.atr = 0.0010, .last_close = 1.1000};
    struct setup_result r;
    cr_assert_eq(setup_build(&(struct setup_request){.side = SIDE_BUY, .entry = 1.1000,
                                                     .trend_score = 0.5},
                             MAP, 2, &p, PIP, &mkt, &r), SETUP_OK);
    cr_assert_eq(r.exit_method, EXIT_GEOMETRY);
    /* an empty book: every distance has expected_r 0, so the reference 1.5 ATR stays */
    cr_assert_float_eq(r.stop.price, 1.0985, 1e-9);
    cr_assert_float_eq(r.targets.tp1.price, 1.10225, 1e-9);
    cr_assert_float_eq(r.targets.tp1.rr, 1.5, 1e-6);
    cr_assert_eq(r.targets.tp2.present, 0);
    cr_assert_eq(r.targets.runner, 0);
    cr_assert_float_eq(r.expected_r, 0.0, 1e-9);
    cr_assert_not_null(strstr(r.reasons[r.n_reasons - 1], "exit: exit_method geometry (auto)"));
}

Test(exits, zones_on_request_and_when_the_record_shows_them_ahead)
{
    struct liq_params p;
    params_defaults(&p);
    p.min_expected_r = -1e9;
    struct exit_record ahead = {.trades = 300, .zone_r = 0.1, .geo_r = 0.0, .diff = 0.1,
                                .lo = 0.02, .hi = 0.18};
    struct exit_record level = ahead;
    level.lo = -0.01;
    struct setup_market mkt = {.atr = 0.0030, .exits = &ahead}; /* zone 1 within 3 ATR */
    struct setup_result r;
    cr_assert_eq(setup_build(&(struct setup_request){.side = SIDE_BUY, .entry = 1.1000,
                                                     .trend_score = 0.5},
                             MAP, 2, &p, PIP, &mkt, &r), SETUP_OK);
    cr_assert_eq(r.exit_method, EXIT_ZONES);
    cr_assert_eq(r.stop.zone_id, 1);
    cr_assert_not_null(strstr(r.reasons[r.n_reasons - 1], "[+0.020, +0.180] over 300"));
    mkt.exits = &level;
    setup_build(&(struct setup_request){.side = SIDE_BUY, .entry = 1.1000, .trend_score = 0.5},
                MAP, 2, &p, PIP, &mkt, &r);
    cr_assert_eq(r.exit_method, EXIT_GEOMETRY);
    p.exit_method = EXIT_ZONES;
    setup_build(&(struct setup_request){.side = SIDE_BUY, .entry = 1.1000, .trend_score = 0.5},
                MAP, 2, &p, PIP, &mkt, &r);
    cr_assert_eq(r.exit_method, EXIT_ZONES);
    enum exit_method m;
    cr_assert_eq(exit_method_parse("geometry", &m), 0);
    cr_assert_eq(m, EXIT_GEOMETRY);
    cr_assert_eq(exit_method_parse("zone", &m), -1);
    cr_assert_str_eq(exit_method_name(EXIT_AUTO), "auto");
}

Test(exits, refuses_what_it_expects_to_lose_naming_the_figure)
{
    struct liq_params p;
    params_defaults(&p);
    p.min_expected_r = 0.05;
    struct setup_market mkt = {.atr = 0.0010, .last_close = 1.1000};
    struct setup_request rq = buy(1.1000);
    struct setup_result r;
    cr_assert_eq(setup_build(&rq, MAP, 2, &p, PIP, &mkt, &r), SETUP_REFUSED);
    cr_assert_not_null(strstr(r.reasons[0],
                              "0.000 is below min_expected_r +0.05: the service expects"),
                       "%s", r.reasons[0]);
}

Test(exits, refuses_an_entry_far_from_the_last_close)
{
    struct liq_params p;
    params_defaults(&p);
    /* the case: BUY at 1.0000 with the last close 1.057 (57 ATR away) */
    struct setup_market mkt = {.atr = 0.0010, .last_close = 1.057};
    struct setup_request rq = buy(1.0000);
    struct setup_result r;
    cr_assert_eq(setup_build(&rq, MAP, 2, &p, PIP, &mkt, &r), SETUP_REFUSED);
    cr_assert_not_null(strstr(r.reasons[0], "57.0 ATR14 from the last close 1.057, beyond "
                                            "max_entry_atr 3.0"), "%s", r.reasons[0]);
    mkt.last_close = 1.0025; /* 2.5 ATR: known ground */
    cr_assert_eq(setup_build(&rq, MAP, 2, &p, PIP, &mkt, &r), SETUP_OK);
}

Test(exits, geometry_moves_off_the_reference_only_for_a_clear_gain)
{
    double q, er;
    cr_assert_float_eq(exit_geometry(NULL, 1, 1.5, &q, &er), 1.5, 1e-12);
    cr_assert_float_eq(q, 0.4, 1e-12);
    cr_assert_float_eq(er, 0.0, 1e-12);
}

Test(exits, a_stop_hit_costs_the_measured_loss_in_expected_r)
{
    /* a book in which every probe's next bar lies wholly 3.5 ATR below and closes 3.6 below:
     * a stop 1.5 ATR away fills 2.1 ATR beyond it, and expected_r counts that */
    struct geo_book g;
    geo_init(&g, 2, 4);
    double c = 10000.0;
    for (int64_t k = 1; k < 400; k += 2) {
        struct bar a = {.ts = k, .open = c, .high = c, .low = c, .close = c, .volume = 1};
        geo_bar(&g, &a, 1.0);
        struct bar b = {.ts = k + 1, .open = c - 3.5, .high = c - 3.5, .low = c - 3.7,
                        .close = c - 3.6, .volume = 1};
        geo_bar(&g, &b, 1.0);
        c -= 3.6;
    }
    double loss = geo_stop_loss(&g, 1.5);
    cr_assert_gt(loss, 1.5, "loss %f", loss);
    struct liq_params p;
    params_defaults(&p);
    p.min_expected_r = -1e9;
    struct setup_market mkt = {.atr = 0.0010, .last_close = 1.1000, .geo = &g};
    struct setup_result r;
    struct setup_request rq = buy(1.1000);
    cr_assert_eq(setup_build(&rq, MAP, 2, &p, PIP, &mkt, &r), SETUP_OK);
    cr_assert_eq(r.exit_method, EXIT_GEOMETRY);
    double risk = fabs(1.1000 - r.stop.price) / 0.0010, pr = r.p_tp1_first;
    double want = pr * r.targets.tp1.rr - (1.0 - pr) * geo_stop_loss(&g, risk);
    cr_assert_float_eq(r.expected_r, want, 1e-9);
    cr_assert_lt(r.expected_r, pr * r.targets.tp1.rr - (1.0 - pr) - 0.05);
}
