/*
 * test_engine_snap.c - a checkpoint of the engine (domain/engine_snap.h) on the shared
 * EURUSD year: saved at a bar, loaded, fed the rest, it gives the fingerprint a replay of
 * every bar gives (zones, ids, statistics, and the events of the tail); a damaged, foreign
 * or other-parameter checkpoint is refused, never half-used.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "domain/engine_snap.h"
#include "tests/support/eurusd.h"
#include "tests/support/fingerprint.h"

static struct bar *load_m15(size_t *n)
{
    struct bar *v = eurusd_load(n);
    cr_assert_not_null(v, "cannot read %s", EURUSD_CSV);
    return v;
}

static struct liq_params all_params(void)
{
    struct liq_params p;
    params_defaults(&p);
    p.liquidity_sources = SRC_ALL;
    return p;
}

/* Pushes bars[from..to) into e, hashing their events from h; refreshes as the service does
 * after each batch of `batch` bars. */
static uint64_t feed(struct engine *e, const struct bar *bars, size_t from, size_t to,
                     size_t batch, uint64_t h, uint64_t *nevents)
{
    struct zone_events ev = {0};
    for (size_t i = from; i < to; i++) {
        cr_assert_eq(engine_push(e, &bars[i], &ev), PUSH_OK, "bar %zu", i);
        /* an event is dated by the bar that made it: a replace keeps the stored events up
         * to the checkpoint it rewinds to and rewrites those after (service/checkpoint.h) */
        for (size_t k = 0; k < ev.n; k++)
            cr_assert(ev.v[k].ts <= bars[i].ts && (i == 0 || ev.v[k].ts > bars[i - 1].ts),
                      "bar %zu: an event dated %lld", i, (long long)ev.v[k].ts);
        h = fp_events(h, &ev);
        *nevents += ev.n;
        ev.n = 0;
        if ((i + 1) % batch == 0)
            cr_assert_eq(engine_refresh(e), 0);
    }
    cr_assert_eq(engine_refresh(e), 0);
    zone_events_free(&ev);
    return h;
}

/* The fingerprint of bars[cut..n) pushed after a checkpoint at cut equals that of a replay
 * of every bar (the events of bars[cut..n) hashed in both). */
static void check_cut(const struct bar *bars, size_t n, enum timeframe tf, size_t cut)
{
    struct liq_params p = all_params();
    struct engine *full = engine_new(&p, 0.0001, tf);
    struct engine *head = engine_new(&p, 0.0001, tf);
    cr_assert(full != NULL && head != NULL);
    uint64_t skip = 0, nfull = 0, nrest = 0;
    (void)feed(full, bars, 0, cut, 500, FP_BASIS, &skip);
    uint64_t hfull = feed(full, bars, cut, n, 500, FP_BASIS, &nfull);
    (void)feed(head, bars, 0, cut, 500, FP_BASIS, &skip);

    uint8_t *buf = NULL;
    size_t len = 0;
    cr_assert_eq(engine_snap_save(head, &buf, &len), 0);
    engine_free(head); /* nothing of the saved engine survives but its bytes */
    enum snap_result why = SNAP_CORRUPT;
    struct engine *rest = engine_snap_load(&p, 0.0001, tf, buf, len, &why);
    cr_assert_not_null(rest, "load at bar %zu: %s", cut, engine_snap_result_name(why));
    cr_assert_eq(engine_bar_count(rest), cut);

    /* saved again before any bar: the same bytes (nothing lost, nothing added) */
    uint8_t *again = NULL;
    size_t len2 = 0;
    cr_assert_eq(engine_snap_save(rest, &again, &len2), 0);
    cr_assert(len2 == len && memcmp(again, buf, len) == 0, "re-saved checkpoint differs");
    free(again);

    uint64_t hrest = feed(rest, bars, cut, n, 500, FP_BASIS, &nrest);
    cr_assert_eq(nrest, nfull, "cut %zu: %llu events after the checkpoint, %llu in the replay",
                 cut, (unsigned long long)nrest, (unsigned long long)nfull);
    cr_assert_eq(fp_engine(rest, nrest, hrest), fp_engine(full, nfull, hfull),
                 "cut %zu of %zu: the checkpoint's engine differs from the full replay", cut, n);
    cr_assert_eq(engine_last_ts(rest), engine_last_ts(full));
    cr_assert_eq(engine_atr(rest), engine_atr(full));
    free(buf);
    engine_free(rest);
    engine_free(full);
}

Test(engine_snap, checkpoint_plus_tail_equals_full_replay_m15)
{
    size_t n;
    struct bar *bars = load_m15(&n);
    size_t cuts[] = {0, 1, 97, n / 3, n / 2 + 13, n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++)
        check_cut(bars, n, TF_M15, cuts[i]);
    free(bars);
}

Test(engine_snap, checkpoint_plus_tail_equals_full_replay_m5_all_sources)
{
    size_t n;
    struct bar *m15 = load_m15(&n);
    struct bar *m5 = eurusd_split_m5(m15, n);
    cr_assert_not_null(m5);
    check_cut(m5, 3 * n, TF_M5, 3 * n / 4 + 2);
    free(m5);
    free(m15);
}

/* A checkpoint of the first 5,000 bars, and the engine's parameters. */
static uint8_t *saved(size_t *len, struct liq_params *p)
{
    size_t n;
    struct bar *bars = load_m15(&n);
    *p = all_params();
    struct engine *e = engine_new(p, 0.0001, TF_M15);
    cr_assert_not_null(e);
    uint64_t ne = 0;
    (void)feed(e, bars, 0, 5000, 500, FP_BASIS, &ne);
    uint8_t *buf = NULL;
    cr_assert_eq(engine_snap_save(e, &buf, len), 0);
    engine_free(e);
    free(bars);
    return buf;
}

static void refused(const struct liq_params *p, double pip, enum timeframe tf,
                    const uint8_t *buf, size_t len, enum snap_result want)
{
    enum snap_result why = SNAP_OK;
    struct engine *e = engine_snap_load(p, pip, tf, buf, len, &why);
    cr_assert_null(e);
    cr_assert_eq(why, want, "%s, want %s", engine_snap_result_name(why),
                 engine_snap_result_name(want));
}

Test(engine_snap, damaged_checkpoints_are_refused)
{
    size_t len;
    struct liq_params p;
    uint8_t *buf = saved(&len, &p);
    /* every byte flipped in turn would be slow: one in each region (header, parameters,
     * the engine's bytes, the zones, the last byte) */
    size_t at[] = {0, 9, 17, 25, 40, 400, 20000, len / 2, len - 1};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        buf[at[i]] ^= 0x10;
        enum snap_result why = SNAP_OK;
        struct engine *e = engine_snap_load(&p, 0.0001, TF_M15, buf, len, &why);
        cr_assert_null(e, "a flip at byte %zu of %zu was loaded", at[i], len);
        cr_assert(why == SNAP_CORRUPT || why == SNAP_VERSION, "byte %zu: %s", at[i],
                  engine_snap_result_name(why));
        buf[at[i]] ^= 0x10;
    }
    refused(&p, 0.0001, TF_M15, buf, len - 1, SNAP_CORRUPT);  /* truncated */
    refused(&p, 0.0001, TF_M15, buf, 31, SNAP_CORRUPT);       /* shorter than a header */
    refused(&p, 0.0001, TF_M15, NULL, 0, SNAP_CORRUPT);
    struct engine *ok = engine_snap_load(&p, 0.0001, TF_M15, buf, len, &(enum snap_result){0});
    cr_assert_not_null(ok, "the undamaged checkpoint loads");
    cr_assert_eq(engine_bar_count(ok), 5000);
    engine_free(ok);
    free(buf);
}

Test(engine_snap, other_version_or_parameters_are_ignored)
{
    size_t len;
    struct liq_params p;
    uint8_t *buf = saved(&len, &p);
    uint32_t v;
    memcpy(&v, buf + 8, 4);
    cr_assert_eq(v, ENGINE_SNAP_VERSION);
    uint32_t older = ENGINE_SNAP_VERSION - 1;
    memcpy(buf + 8, &older, 4);
    refused(&p, 0.0001, TF_M15, buf, len, SNAP_VERSION);
    memcpy(buf + 8, &v, 4);

    struct liq_params q = p;
    q.zone_history_hours += 1;
    refused(&q, 0.0001, TF_M15, buf, len, SNAP_MISMATCH);
    q = p;
    q.liquidity_sources &= ~(1u << SRC_ROUND);
    refused(&q, 0.0001, TF_M15, buf, len, SNAP_MISMATCH);
    q = p;
    q.liquidity_db_persist = !p.liquidity_db_persist; /* the service's, not the engine's */
    struct engine *e = engine_snap_load(&q, 0.0001, TF_M15, buf, len, &(enum snap_result){0});
    cr_assert_not_null(e);
    engine_free(e);
    refused(&p, 0.01, TF_M15, buf, len, SNAP_MISMATCH);
    refused(&p, 0.0001, TF_H1, buf, len, SNAP_MISMATCH);
    free(buf);
}
