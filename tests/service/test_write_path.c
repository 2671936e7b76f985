/*
 * The write use cases through the one write path (service/write.c, issue 22), without HTTP:
 * the service opened in-process on a private database, its functions called directly, the
 * answers checked in the one status vocabulary (service/status.h) and in the rows.
 *
 * - a trade that is not open is told apart in the service: closed and stored -> LIQ_CLOSED,
 *   unknown -> LIQ_NOT_FOUND (the handler only renders; with persistence off nothing is
 *   stored, so LIQ_NOT_FOUND);
 * - duplicates only write nothing (prepare says idle), a DELETE with open trades is
 *   LIQ_OPEN_TRADES until forced;
 * - a write whose lease was taken meanwhile is refused by the fence: LIQ_MISDIRECTED,
 *   nothing stored, memory not ahead of the database, the lease then lost (LIQ_MOVING).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/lifecycle.h"
#include "service/symbol_delete.h"
#include "service/trading.h"
#include "tests/support/harness.h"

static char g_url[512];

static void open_service(const char *db, struct state *st, struct trading **tr)
{
    struct app_config cfg;
    if (db != NULL)
        harness_db(db, g_url, sizeof g_url);
    harness_config(&cfg, db != NULL ? g_url : NULL);
    char err[512];
    cr_assert_eq(service_open(st, tr, &cfg, err, sizeof err), 0, "%s", err);
}

static uint64_t bar_count(struct state *st, const char *symbol)
{
    struct symbol_state *s = state_find(st, symbol);
    struct zone_snapshot *snap = s ? snapshot_acquire(s) : NULL;
    uint64_t n = snap ? snap->bar_count : 0;
    snapshot_release(snap);
    return n;
}

/* A trade opened at entry: BUY, else SELL when BUY is refused. */
static uint64_t open_trade(struct state *st, struct trading *tr, double entry)
{
    static const enum trade_side sides[] = {SIDE_BUY, SIDE_SELL};
    for (int k = 0; k < 2; k++) {
        struct setup_request req = {.side = sides[k], .entry = entry, .trend_score = 0.9,
                                    .regime = REGIME_NORMAL};
        struct setup_result *res = calloc(1, sizeof *res);
        uint64_t id = 0;
        char msg[256] = "";
        enum liq_status rc = trading_setup(st, tr, "EURUSD", &req, 0, NULL, res, &id, msg,
                                           sizeof msg);
        free(res);
        cr_assert(rc == LIQ_OK || rc == LIQ_REFUSED, "setup: %d %s", rc, msg);
        if (rc == LIQ_OK)
            return id;
    }
    cr_assert_fail("both sides refused at %g", entry);
    return 0;
}

static void feed(struct state *st, const struct bar *bars, size_t n, size_t expect_new)
{
    struct ingest_result r;
    cr_assert_eq(state_ingest(st, "EURUSD", TF_M15, bars, n, NULL, &r), LIQ_OK, "%s",
                 r.message);
    cr_assert_eq(r.accepted, expect_new);
    cr_assert_eq(r.duplicates, n - expect_new);
}

Test(write_path, a_trade_not_open_is_closed_or_unknown_and_the_service_says_which,
     .timeout = 120)
{
    struct state st;
    struct trading *tr = NULL;
    open_service("t_write_trades", &st, &tr);
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    feed(&st, bars, 3000, 3000);
    feed(&st, bars, 3000, 0); /* duplicates only: nothing written */
    cr_assert_eq(harness_sql_long(g_url, "SELECT count(*) FROM bars"), 3000);
    uint64_t id = open_trade(&st, tr, bars[2999].close);
    struct trading_update u;
    char msg[256] = "";
    cr_assert_eq(trading_close(&st, tr, id, bars[2999].close, TRADE_TS_NONE, NULL, &u, msg,
                               sizeof msg),
                 LIQ_OK, "%s", msg);
    cr_assert_eq(u.trade.status, TRADE_CLOSED);
    cr_assert_eq(trading_close(&st, tr, id, bars[2999].close, TRADE_TS_NONE, NULL, &u, msg,
                               sizeof msg),
                 LIQ_CLOSED, "stored and closed: 409");
    cr_assert_eq(trading_trail(&st, tr, id, bars[2999].close, bars[2999].close,
                               bars[2999].close, TRADE_TS_NONE, NULL, &u, msg, sizeof msg),
                 LIQ_CLOSED);
    cr_assert_eq(trading_trail(&st, tr, id + 1000, 1.0, 1.0, 1.0, TRADE_TS_NONE, NULL, &u, msg,
                               sizeof msg),
                 LIQ_NOT_FOUND, "stored nowhere: 404");
    cr_assert_eq(harness_sql_long(g_url, "SELECT count(*) FROM liquidity_trades WHERE "
                                         "status = 'closed'"),
                 1);
    free(bars);
    service_close(&st, tr);
}

Test(write_path, a_delete_with_open_trades_waits_for_force, .timeout = 120)
{
    struct state st;
    struct trading *tr = NULL;
    open_service("t_write_delete", &st, &tr);
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    feed(&st, bars, 2000, 2000);
    (void)open_trade(&st, tr, bars[1999].close);
    struct symbol_state *s = state_find(&st, "EURUSD");
    struct delete_hooks h = {trading_open_of, trading_forget_symbol, tr};
    struct symbol_deleted d;
    char owner[160];
    cr_assert_eq(symbol_delete(&st, s, &h, 0, NULL, &d, owner, sizeof owner), LIQ_OPEN_TRADES);
    cr_assert_eq(d.trades, 1);
    cr_assert_eq(bar_count(&st, "EURUSD"), 2000, "nothing changed");
    cr_assert_eq(symbol_delete(&st, s, &h, 1, NULL, &d, owner, sizeof owner), LIQ_OK);
    cr_assert_eq(d.bars, 2000);
    cr_assert_eq(d.trades, 1);
    cr_assert_eq(bar_count(&st, "EURUSD"), 0);
    cr_assert_eq(trading_open_count(tr), 0);
    cr_assert_eq(harness_sql_long(g_url, "SELECT count(*) FROM bars"), 0);
    free(bars);
    service_close(&st, tr);
}

Test(write_path, a_write_whose_lease_was_taken_is_fenced_and_changes_nothing, .timeout = 120)
{
    struct state st;
    struct trading *tr = NULL;
    open_service("t_write_fence", &st, &tr);
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    feed(&st, bars, 1000, 1000);
    /* another instance took the lease over: the token in the database is no longer ours */
    harness_sql_exec(g_url, "UPDATE symbol_leases SET owner = 'other#1', token = token + 100, "
                            "expires_at = clock_timestamp() + interval '1 hour'");
    struct ingest_result r;
    cr_assert_eq(state_ingest(&st, "EURUSD", TF_M15, bars + 1000, 500, NULL, &r),
                 LIQ_MISDIRECTED);
    cr_assert_eq(r.accepted, 0);
    /* memory never runs ahead of the database: the engine is rebuilt to the 1,000 bars
     * (or, once the renewal thread drops the lost lease, emptied) - never 1,500 */
    cr_assert_leq(bar_count(&st, "EURUSD"), 1000);
    cr_assert_eq(harness_sql_long(g_url, "SELECT count(*) FROM bars"), 1000, "nothing stored");
    /* the lease is lost: the next write waits for the handover */
    cr_assert_eq(state_ingest(&st, "EURUSD", TF_M15, bars + 1000, 500, NULL, &r), LIQ_MOVING);
    free(bars);
    service_close(&st, tr);
}

Test(write_path, without_persistence_a_closed_trade_is_not_found, .timeout = 120)
{
    struct state st;
    struct trading *tr = NULL;
    open_service(NULL, &st, &tr);
    size_t n = 0;
    struct bar *bars = harness_eurusd(&n);
    feed(&st, bars, 2000, 2000);
    uint64_t id = open_trade(&st, tr, bars[1999].close);
    struct trading_update u;
    char msg[256] = "";
    cr_assert_eq(trading_close(&st, tr, id, bars[1999].close, TRADE_TS_NONE, NULL, &u, msg,
                               sizeof msg),
                 LIQ_OK, "%s", msg);
    cr_assert_eq(trading_close(&st, tr, id, bars[1999].close, TRADE_TS_NONE, NULL, &u, msg,
                               sizeof msg),
                 LIQ_NOT_FOUND, "nothing is stored to tell a closed trade by");
    free(bars);
    service_close(&st, tr);
}
