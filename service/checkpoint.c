/*
 * checkpoint.c - a symbol's engine saved in PostgreSQL and rebuilt from it (checkpoint.h).
 */
#include "service/checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "domain/engine_snap.h"
#include "service/state_internal.h"
#include "service/write.h"
#include "storage/stores.h"

/* Checkpoints kept per symbol: the newest and two before it, for a replace's rewind. */
#define KEEP 3
/* Stored bars read per statement: a replay of millions stays within statement_timeout
 * (and the EURUSD year of the tests crosses two pages). */
#define PAGE 10000

struct replay {
    struct engine *e;
    const struct symbol_state *s;
    struct bar last;              /* the checkpoint's last bar, to find stored as it was */
    int verify;                   /* the first stored bar must be `last` */
    int mismatch;                 /* it was not: the checkpoint holds other bars */
    struct rebuild_info *info;
    struct zone_events *ev;
    size_t page;                  /* rows of the current statement */
    int64_t seen;                 /* ts of the last row read */
};

static int same_bar(const struct bar *a, const struct bar *b)
{
    return a->ts == b->ts && a->open == b->open && a->high == b->high && a->low == b->low &&
           a->close == b->close && a->volume == b->volume;
}

static int replay_bar(void *ctx, const struct bar *b)
{
    struct replay *r = ctx;
    r->page++;
    r->seen = b->ts;
    if (r->verify) {
        r->verify = 0;
        if (!same_bar(b, &r->last)) {
            r->mismatch = 1;
            return 1;
        }
        return 0;
    }
    /* a bar stored before the bounds existed (a volume of 1e308, a high of 1e300) would
     * poison the rebuilt zones again: it is left out of the replay, and counted */
    if (bar_validate(b, r->s->tf) != NULL || bar_check_scale(b, r->s->pip) != NULL) {
        r->info->skipped++;
        return 0;
    }
    r->info->replayed++;
    return engine_push(r->e, b, r->ev) == PUSH_NOMEM ? -1 : 0;
}

/* The newest checkpoint before `before`, loaded: an engine, or NULL (info->ignored says why
 * when one was found). -1 only on a database error or out of memory. */
static int load_checkpoint(struct state *st, PGconn *c, const struct symbol_state *s,
                           int64_t before, struct engine **out, struct rebuild_info *info)
{
    struct checkpoint_row row;
    *out = NULL;
    int found = checkpoint_store_before(c, s->name, before, &row);
    if (found <= 0)
        return found;
    struct liq_params p;
    params_for(st, s->name, s->pip, &p);
    enum snap_result why = SNAP_OK;
    struct engine *e = engine_snap_load(&p, s->pip, s->tf, row.state, row.len, &why);
    free(row.state);
    if (e == NULL && why == SNAP_NOMEM)
        return -1;
    if (e != NULL && (engine_last_ts(e) != row.last_ts || engine_bar_count(e) != row.bar_count)) {
        engine_free(e);
        e = NULL;
        why = SNAP_CORRUPT;
    }
    if (e == NULL) {
        info->ignored = engine_snap_result_name(why);
        return 0;
    }
    info->from_checkpoint = 1;
    info->checkpoint_ts = row.last_ts;
    info->checkpoint_bars = row.bar_count;
    *out = e;
    return 0;
}

int ckpt_rebuild(struct state *st, PGconn *c, const struct symbol_state *s, int64_t before,
                 struct zone_events *ev, struct engine **out, struct rebuild_info *info)
{
    *out = NULL;
    *info = (struct rebuild_info){.checkpoint_ts = INT64_MIN};
    struct replay r = {.s = s, .info = info, .ev = ev};
    if (load_checkpoint(st, c, s, before, &r.e, info) != 0)
        return -1;
    if (r.e != NULL && engine_last_closed(r.e, s->tf, &r.last) != 0) {
        engine_free(r.e);
        r.e = NULL;
        info->ignored = engine_snap_result_name(SNAP_CORRUPT);
    }
    for (int pass = 0; pass < 2; pass++) {
        int64_t from = INT64_MIN;
        if (r.e != NULL) {
            r.verify = 1;
            from = r.last.ts;
        } else if ((r.e = engine_for(st, s->name, s->pip, s->tf)) == NULL) {
            return -1;
        }
        int rc;
        do { /* in pages of PAGE rows, each its own statement */
            r.page = 0;
            rc = bars_store_range(c, s->name, s->tf, from, before, PAGE, 0, replay_bar, &r);
            from = r.seen + 1;
        } while (rc == 0 && r.page == PAGE);
        if (rc < 0 || (rc > 0 && !r.mismatch)) {
            engine_free(r.e);
            return -1;
        }
        if (!r.mismatch && !r.verify)
            break;
        /* the checkpoint's last bar is not stored as it was (or at all): every bar again */
        engine_free(r.e);
        r.e = NULL;
        r.mismatch = r.verify = 0;
        *info = (struct rebuild_info){.checkpoint_ts = INT64_MIN, .ignored = "stale"};
        if (ev != NULL)
            ev->n = 0;
        if (pass == 1)
            return -1;
    }
    *out = r.e;
    return 0;
}

int ckpt_write_due(struct state *st, PGconn *c, const char *symbol, uint64_t base_bars,
                   const struct engine *e, int force, uint64_t *written)
{
    *written = 0;
    int every = st->cfg.checkpoint_every_bars;
    uint64_t n = engine_bar_count(e);
    if (c == NULL || n == 0 || n <= base_bars || every <= 0 ||
        (!force && n - base_bars < (uint64_t)every))
        return PG_OK;
    struct checkpoint_row row = {.last_ts = engine_last_ts(e), .bar_count = n,
                                 .version = (int)ENGINE_SNAP_VERSION};
    if (engine_snap_save(e, &row.state, &row.len) != 0)
        return PG_ERROR;
    int rc = checkpoint_store_put(c, symbol, &row, KEEP);
    free(row.state);
    if (rc == PG_OK)
        *written = n;
    return rc;
}

enum liq_status ckpt_refresh_stale(struct state *st, struct symbol_state *s)
{
    if (!s->stale)
        return LIQ_OK;
    PGconn *c = pg_conn();
    struct engine *e = NULL;
    struct rebuild_info info;
    if (c == NULL || ckpt_rebuild(st, c, s, INT64_MAX, NULL, &e, &info) != 0)
        return LIQ_UNAVAILABLE;
    engine_free(s->eng);
    s->eng = e;
    s->ckpt_bars = info.checkpoint_bars;
    s->stale = 0;
    return LIQ_OK;
}

enum liq_status ckpt_confirm(struct symbol_state *s)
{
    PGconn *c = pg_conn();
    if (c == NULL || pg_durable_barrier(c) != 0)
        return LIQ_UNAVAILABLE;
    s->unconfirmed = 0;
    return LIQ_OK;
}

/* --- a symbol taken over (service/ownership.c) or loaded at start ------------------ */

static int tail_bar(void *ctx, const struct bar *b)
{
    return symbol_log_append(ctx, b, 1) == 0 ? 0 : 2;
}

/* s's log: its latest STATE_TAIL_BARS stored bars, oldest first. */
static int load_tail(PGconn *c, struct symbol_state *s)
{
    s->nlog = 0;
    if (bars_store_range(c, s->name, s->tf, INT64_MIN, INT64_MAX, STATE_TAIL_BARS, 1, tail_bar,
                         s) != 0)
        return -1;
    for (size_t i = 0; i < s->nlog / 2; i++) {
        struct bar t = s->log[i];
        s->log[i] = s->log[s->nlog - 1 - i];
        s->log[s->nlog - 1 - i] = t;
    }
    return 0;
}

/* Replaces the engine of s with its stored bars' (from the newest checkpoint on); under
 * s->write_lock. */
static int load_bars_locked(struct state *st, PGconn *c, struct symbol_state *s,
                            const struct symbol_row *row)
{
    s->pip = row->pip_size;
    s->pip_inferred = row->pip_inferred;
    s->persisted = 1;
    s->nlog = 0;
    struct engine *e = NULL;
    struct rebuild_info info;
    int64_t first = TS_NONE;
    if (bars_store_first_ts(c, row->symbol, row->tf, &first) != 0 || load_tail(c, s) != 0 ||
        ckpt_rebuild(st, c, s, INT64_MAX, NULL, &e, &info) != 0)
        return -1;
    engine_free(s->eng);
    s->eng = e;
    s->first_ts = first;
    s->ckpt_bars = info.checkpoint_bars;
    s->stale = 0;
    struct log_line l;
    if (info.skipped > 0) {
        log_always(&l, LOG_WARN, "stored bars outside the bounds left out of the replay");
        log_str(&l, "symbol", s->name);
        log_int(&l, "bars", (long long)info.skipped);
        log_end(&l);
    }
    if (info.ignored != NULL) {
        log_always(&l, LOG_WARN, "engine checkpoint ignored: every stored bar replayed");
        log_str(&l, "symbol", s->name);
        log_str(&l, "reason", info.ignored);
        log_end(&l);
    }
    log_begin(&l, LOG_INFO, "symbol rebuilt");
    log_str(&l, "symbol", s->name);
    log_int(&l, "checkpoint_bars", (long long)info.checkpoint_bars);
    log_int(&l, "bars_replayed", (long long)info.replayed);
    log_end(&l);
    return symbol_publish(s);
}

int state_load_symbol(struct state *st, PGconn *c, const char *symbol, char *err,
                      size_t errlen)
{
    struct symbol_row row;
    int stored = symbols_store_get(c, symbol, &row);
    if (stored <= 0) {
        snprintf(err, errlen, stored < 0 ? "cannot read symbol %s" : "no symbol %s", symbol);
        return stored < 0 ? -1 : 0;
    }
    enum liq_status why;
    struct symbol_state *s = symbol_get_or_create(st, row.symbol, row.tf, 1.0, &why);
    if (s == NULL) {
        snprintf(err, errlen, "cannot create symbol %s", symbol);
        return -1;
    }
    pthread_mutex_lock(&s->write_lock);
    int rc = load_bars_locked(st, c, s, &row);
    pthread_mutex_unlock(&s->write_lock);
    if (rc != 0)
        snprintf(err, errlen, "cannot load the bars of %s", symbol);
    return rc;
}

/* --- at shutdown ---------------------------------------------------------------------- */

struct final_op {
    struct state *st;
    struct symbol_state *s;
    uint64_t written;
};

static enum liq_status final_prepare(struct write_op *op)
{
    struct final_op *f = op->ctx;
    pthread_mutex_lock(&f->s->write_lock);
    op->idle = f->s->stale || engine_bar_count(f->s->eng) <= f->s->ckpt_bars;
    return LIQ_OK;
}

static int final_rows(struct write_op *op, PGconn *c)
{
    struct final_op *f = op->ctx;
    return ckpt_write_due(f->st, c, f->s->name, f->s->ckpt_bars, f->s->eng, 1, &f->written);
}

static enum liq_status final_done(struct write_op *op, enum liq_status rc)
{
    struct final_op *f = op->ctx;
    if (rc == LIQ_OK && f->written > 0)
        f->s->ckpt_bars = f->written;
    else
        f->written = 0;
    pthread_mutex_unlock(&f->s->write_lock);
    return rc;
}

struct final_all {
    struct state *st;
    int written;
};

static void final_one(void *ctx, struct symbol_state *s)
{
    struct final_all *a = ctx;
    struct final_op f = {.st = a->st, .s = s};
    struct write_op op = {.symbol = s->name, .mode = OWN_WRITE, .txn = WRITE_PLAIN, .ctx = &f,
                          .prepare = final_prepare, .rows = final_rows, .done = final_done};
    if (write_run(a->st, &op) == LIQ_OK && f.written > 0)
        a->written++;
}

int state_checkpoint_all(struct state *st)
{
    struct final_all a = {.st = st};
    if (st->persist && st->cfg.checkpoint_every_bars > 0)
        state_each(st, final_one, &a);
    if (a.written > 0) {
        struct log_line l;
        log_always(&l, LOG_INFO, "engine checkpoints written at shutdown");
        log_int(&l, "symbols", a.written);
        log_end(&l);
    }
    return a.written;
}
