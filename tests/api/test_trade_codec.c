/*
 * test_trade_codec.c - liquidity_trades.state, the stored form of a trade
 * (storage/trade_codec.c): the text of a known trade is exactly what the service has
 * always written (rows already stored must keep decoding), and encode/decode give back the
 * very struct for many random trades. No server.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/stores.h"

/* A SELL with TP1 hit and two zones seen; the text the encoder wrote before it became
 * table-driven. */
static const char GOLDEN[] =
    "{\"v\":1,\"id\":42,\"side\":-1,\"status\":1,\"pip\":0.0001,\"entry\":1.1000000000000001,\"i"
    "nitial_stop\":1.107,\"stop\":1.1000000000000001,\"stop_zone_id\":7,\"buffer_pips\":2,"
    "\"tp1\":1.0882000000000001,\"tp2\":0,\"tp1_zone_id\":9,\"tp2_zone_id\":0,\"tp1_zone_lo\""
    ":1.0874999999999999,\"tp1_zone_hi\":1.0885,\"leg\":[0.5,0.29999999999999999,0.2000"
    "0000000000001],\"leg_closed\":[1,0,0],\"leg_exit\":[1.0882000000000001,0,0],\"leg_r"
    "\":[0.84285714285714286,0,0],\"remaining\":0.5,\"tp1_hit\":1,\"tp2_hit\":0,\"runner_ac"
    "tive\":0,\"opened_ts\":1665360000,\"last_update_ts\":1665360900,\"closed_ts\":-922337"
    "2036854775808,\"updates\":3,\"last_price\":1.0900000000000001,\"close_price\":0,\"rea"
    "lised_r\":0.84285714285714286,\"close_reason\":\"manual\",\"zones_dropped\":0,\"zones\""
    ":[{\"zone_id\":7,\"roles\":1,\"approach\":-1,\"touched\":1,\"pierced\":0,\"closed_beyond\""
    ":0,\"closed_back\":0,\"lo\":1.1065,\"hi\":1.1074999999999999},{\"zone_id\":9,\"roles\":2"
    ",\"approach\":1,\"touched\":0,\"pierced\":0,\"closed_beyond\":1,\"closed_back\":0,\"lo\":1"
    ".0874999999999999,\"hi\":1.0885}]}";

static struct trade known_trade(void)
{
    struct trade t;
    memset(&t, 0, sizeof t);
    t.id = 42;
    t.side = -1;
    t.status = 1;
    t.pip = 0.0001;
    t.entry = 1.1;
    t.initial_stop = 1.107;
    t.stop = 1.1;
    t.stop_zone_id = 7;
    t.buffer_pips = 2;
    t.tp1 = 1.0882;
    t.tp1_zone_id = 9;
    t.tp1_zone_lo = 1.0875;
    t.tp1_zone_hi = 1.0885;
    t.leg[0] = 0.5;
    t.leg[1] = 0.3;
    t.leg[2] = 0.2;
    t.leg_closed[0] = 1;
    t.leg_exit[0] = 1.0882;
    t.leg_r[0] = 0.5 * 118 / 70.0;
    t.remaining = 0.5;
    t.tp1_hit = 1;
    t.opened_ts = 1665360000;
    t.last_update_ts = 1665360900;
    t.closed_ts = TRADE_TS_NONE;
    t.updates = 3;
    t.last_price = 1.09;
    t.realised_r = 0.5 * 118 / 70.0;
    snprintf(t.close_reason, sizeof t.close_reason, "manual");
    t.n_zones = 2;
    t.zones[0] = (struct trade_zone){.zone_id = 7, .roles = 1, .approach = -1, .touched = 1,
                                     .lo = 1.1065, .hi = 1.1075};
    t.zones[1] = (struct trade_zone){.zone_id = 9, .roles = 2, .approach = 1,
                                     .closed_beyond = 1, .lo = 1.0875, .hi = 1.0885};
    return t;
}

Test(trade_codec, a_known_trade_is_written_as_it_always_was)
{
    struct trade t = known_trade();
    char *text = trade_state_encode(&t);
    cr_assert_not_null(text);
    cr_assert_str_eq(text, GOLDEN);
    struct trade back;
    cr_assert_eq(trade_state_decode(GOLDEN, &back), 0);
    cr_assert_eq(memcmp(&back, &t, sizeof t), 0);
    free(text);
}

static double some_double(void)
{
    return (rand() % 2000000 - 1000000) / 7.0 * (rand() % 3 ? 1e-5 : 1e3);
}

Test(trade_codec, random_trades_come_back_bit_for_bit)
{
    srand(12);
    for (int k = 0; k < 2000; k++) {
        struct trade t = known_trade();
        t.id = (uint64_t)rand() * (uint64_t)rand();
        t.entry = some_double();
        t.stop = some_double();
        t.remaining = some_double();
        t.leg_exit[k % 3] = some_double();
        t.leg_closed[k % 3] = (uint8_t)(k & 1);
        t.opened_ts = (int64_t)rand() * 1000;
        t.n_zones = (uint8_t)(rand() % (TRADE_MAX_ZONES + 1));
        memset(t.zones, 0, sizeof t.zones); /* only the first n_zones are stored */
        for (int i = 0; i < t.n_zones; i++)
            t.zones[i] = (struct trade_zone){.zone_id = (uint32_t)rand(), .approach = -1,
                                             .pierced = 1, .lo = some_double(),
                                             .hi = some_double()};
        char *text = trade_state_encode(&t);
        cr_assert_not_null(text);
        struct trade back;
        cr_assert_eq(trade_state_decode(text, &back), 0, "%s", text);
        cr_assert_eq(memcmp(&back, &t, sizeof t), 0, "trade %d: %s", k, text);
        free(text);
    }
}

Test(trade_codec, text_that_is_not_a_stored_trade_is_refused)
{
    const char *bad[] = {"", "nope", "[]", "{}", "{\"v\":2}",
                         /* a member of the wrong type */
                         "{\"v\":1,\"id\":\"42\"}"};
    struct trade t;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(trade_state_decode(bad[i], &t), -1, "%s", bad[i]);
    /* the golden text with one member removed */
    char *cut = strdup(GOLDEN);
    char *at = strstr(cut, ",\"updates\":3");
    memmove(at, at + 12, strlen(at + 12) + 1);
    cr_assert_eq(trade_state_decode(cut, &t), -1);
    free(cut);
}
