/*
 * liquidity_trades.state member by member (storage/trade_codec.c; issue 16 item 8): a
 * stored trade is restored at start and read by GET /trades, so a row that lost or
 * mistyped ANY member must be refused (never restored as a trade with a zeroed field),
 * and the number forms PostgreSQL's jsonb may give back (1.0 for 1) must restore the very
 * same trade. Each member of the trade and of a zone is removed, given a string, and
 * given its value as a real; each array is cut short and given a string element; the
 * zone list is given the wrong type and one zone too many. No server.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storage/stores.h"

static struct trade a_trade(void)
{
    struct trade t;
    memset(&t, 0, sizeof t);
    t.id = 77;
    t.side = 1;
    t.pip = 0.0001;
    t.entry = 1.2;
    t.initial_stop = 1.195;
    t.stop = 1.197;
    t.stop_zone_id = 3;
    t.buffer_pips = 2;
    t.tp1 = 1.21;
    t.tp2 = 1.22;
    t.tp1_zone_id = 4;
    t.tp2_zone_id = 5;
    t.leg[0] = 0.5;
    t.leg[1] = 0.3;
    t.leg[2] = 0.2;
    t.leg_closed[0] = 1;
    t.leg_exit[0] = 1.21;
    t.remaining = 0.5;
    t.tp1_hit = 1;
    t.opened_ts = 1665360000;
    t.last_update_ts = 1665360900;
    t.closed_ts = TRADE_TS_NONE;
    t.updates = 2;
    t.last_price = 1.205;
    snprintf(t.close_reason, sizeof t.close_reason, "manual");
    t.n_zones = 2;
    t.zones[0] = (struct trade_zone){.zone_id = 3, .roles = 1, .approach = -1, .touched = 1,
                                     .lo = 1.196, .hi = 1.198};
    t.zones[1] = (struct trade_zone){.zone_id = 4, .roles = 2, .approach = 1,
                                     .closed_beyond = 1, .lo = 1.209, .hi = 1.211};
    return t;
}

/* Decodes the JSON of o: 0 with *t filled, or -1. */
static int decode_json(json_t *o, struct trade *t)
{
    char *text = json_dumps(o, JSON_COMPACT);
    cr_assert_not_null(text);
    int rc = trade_state_decode(text, t);
    free(text);
    return rc;
}

/* Each member of obj (a member of root, or root itself) mutated in turn: removed and
 * given a string must be refused; given as a real (numbers) must decode to want. */
static int mutate_members(json_t *root, json_t *obj, const struct trade *want, const char *where)
{
    int checked = 0;
    struct trade got;
    /* the keys first: the loop removes and re-adds members */
    json_t *keys = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
        json_array_append_new(keys, json_string(k));
    for (size_t i = 0; i < json_array_size(keys); i++) {
        const char *key = json_string_value(json_array_get(keys, i));
        if (obj == root && (strcmp(key, "zones") == 0 || strcmp(key, "v") == 0))
            continue;
        json_t *keep = json_incref(json_object_get(obj, key));
        json_object_del(obj, key);
        cr_expect_eq(decode_json(root, &got), -1, "%s.%s missing: restored", where, key);
        json_object_set_new(obj, key, json_is_string(keep) ? json_integer(7) : json_string("x"));
        cr_expect_eq(decode_json(root, &got), -1, "%s.%s of another type: restored", where,
                     key);
        if (json_is_integer(keep)) {
            json_object_set_new(obj, key, json_real((double)json_integer_value(keep)));
            cr_expect_eq(decode_json(root, &got), 0, "%s.%s as a real: refused", where, key);
            cr_expect_eq(memcmp(&got, want, sizeof got), 0, "%s.%s as a real: another trade",
                         where, key);
        }
        if (json_is_array(keep)) {
            json_t *cut = json_deep_copy(keep);
            json_array_remove(cut, 0);
            json_object_set_new(obj, key, cut);
            cr_expect_eq(decode_json(root, &got), -1, "%s.%s short: restored", where, key);
            json_t *str = json_deep_copy(keep);
            json_array_set_new(str, 1, json_string("x"));
            json_object_set_new(obj, key, str);
            cr_expect_eq(decode_json(root, &got), -1, "%s.%s[1] a string: restored", where,
                         key);
        }
        json_object_set_new(obj, key, keep);
        cr_assert_eq(decode_json(root, &got), 0, "%s.%s put back: refused", where, key);
        checked++;
    }
    json_decref(keys);
    return checked;
}

Test(trade_state_fields, every_member_is_required_typed_and_read_in_any_number_form)
{
    struct trade t = a_trade();
    char *text = trade_state_encode(&t);
    cr_assert_not_null(text);
    json_t *root = json_loads(text, 0, NULL);
    cr_assert_not_null(root, "%s", text);
    free(text);
    struct trade got;
    cr_assert_eq(decode_json(root, &got), 0);
    cr_assert_eq(memcmp(&got, &t, sizeof t), 0);

    int n = mutate_members(root, root, &t, "trade");
    cr_expect_gt(n, 25, "only %d members of a trade checked", n);
    json_t *zones = json_object_get(root, "zones");
    int nz = mutate_members(root, json_array_get(zones, 1), &t, "zones[1]");
    cr_expect_gt(nz, 6, "only %d members of a zone checked", nz);

    /* the version, and the zone list's type and length */
    json_object_set_new(root, "v", json_integer(2));
    cr_expect_eq(decode_json(root, &got), -1, "an unknown version restored");
    json_object_set_new(root, "v", json_real(1.5));
    cr_expect_eq(decode_json(root, &got), -1, "version 1.5 restored");
    json_object_set_new(root, "v", json_integer(1));
    json_t *keep = json_incref(zones);
    json_object_set_new(root, "zones", json_object());
    cr_expect_eq(decode_json(root, &got), -1, "zones as an object restored");
    json_t *many = json_array();
    for (int i = 0; i <= TRADE_MAX_ZONES; i++)
        json_array_append(many, json_array_get(keep, 0));
    json_object_set_new(root, "zones", many);
    cr_expect_eq(decode_json(root, &got), -1, "%d zones restored", TRADE_MAX_ZONES + 1);
    json_object_set_new(root, "zones", json_array());
    cr_expect_eq(decode_json(root, &got), 0, "no zones refused");
    cr_expect_eq(got.n_zones, 0);
    json_object_set_new(root, "zones", keep);
    cr_expect_eq(decode_json(root, &got), 0);
    cr_expect_eq(memcmp(&got, &t, sizeof t), 0, "the trade is not the one stored");
    json_decref(root);
}
