/*
 * statements.c - every SQL statement of the service, prepared once per connection.
 *
 * Values always travel as parameters ($1, ...) or as COPY data, never spliced into SQL.
 */
#include "storage/stores.h"

/* bars and zone events, the big ones, travel in binary (storage/copy_binary.h) */
const char COPY_BARS[] = "COPY bars (symbol, timeframe, ts, open, high, low, close, volume) "
                         "FROM STDIN (FORMAT binary)";
/* the same COPY opening the request's transaction: BEGIN costs no round trip of its own */
const char BEGIN_COPY_BARS[] = "BEGIN; COPY bars (symbol, timeframe, ts, open, high, low, close, "
                               "volume) FROM STDIN (FORMAT binary)";
const char COPY_ZONE_STAGE[] =
    "COPY zone_stage (symbol, zone_id, sources, price, price_low, price_high, strength, "
    "prob_hold, prob_break, prob_sweep, tests, touches, holds, breaks, sweeps, role, active, "
    "merged_into, created_at, origin_at, last_touch_at, updated_at, timeouts, prob_timeout) "
    "FROM STDIN";
const char COPY_ZONE_EVENTS[] =
    "COPY zone_events (symbol, zone_id, ts, kind, price, other_zone_id) FROM STDIN "
    "(FORMAT binary)";

const struct pg_stmt STORE_STATEMENTS[] = {
    /* DELETE /symbols/{symbol}: every row of the symbol in one statement (foreign keys are
     * checked at its end, when all are gone); the counts say what went */
    /* POST /bars?replace=true: the bars from $2 on, every zone row of the symbol and its
     * zone events after $3 (rewritten from the rebuilt engine in the same transaction: the
     * events of the bars up to the checkpoint it rewound to stay, engine_snap.h), and the
     * checkpoints that hold a removed bar */
    {"bars_replace_from",
     "WITH b AS (DELETE FROM bars WHERE symbol = $1 AND ts >= $2 RETURNING 1), "
     "l AS (DELETE FROM liquidity_levels WHERE symbol = $1 RETURNING 1), "
     "e AS (DELETE FROM zone_events WHERE symbol = $1 AND ts > $3 RETURNING 1), "
     "c AS (DELETE FROM engine_checkpoints WHERE symbol = $1 AND last_ts >= $2) "
     "SELECT (SELECT count(*) FROM b), (SELECT count(*) FROM l) + (SELECT count(*) FROM e)"},
    {"symbol_delete",
     "WITH b AS (DELETE FROM bars WHERE symbol = $1 RETURNING 1), "
     "l AS (DELETE FROM liquidity_levels WHERE symbol = $1 RETURNING 1), "
     "e AS (DELETE FROM zone_events WHERE symbol = $1 RETURNING 1), "
     "t AS (DELETE FROM liquidity_trades WHERE symbol = $1 RETURNING 1), "
     "sd AS (DELETE FROM stop_decisions WHERE symbol = $1 RETURNING 1), "
     "ts AS (DELETE FROM target_selections WHERE symbol = $1 RETURNING 1), "
     "te AS (DELETE FROM trade_events WHERE symbol = $1 RETURNING 1), "
     "re AS (DELETE FROM runner_events WHERE symbol = $1 RETURNING 1), "
     "st AS (DELETE FROM liquidity_level_stats WHERE symbol = $1 RETURNING 1), "
     "rp AS (DELETE FROM liquidity_reports WHERE symbol = $1 RETURNING 1), "
     "k AS (DELETE FROM idempotency_keys WHERE symbol = $1 RETURNING 1), "
     "ck AS (DELETE FROM engine_checkpoints WHERE symbol = $1), "
     "s AS (DELETE FROM symbols WHERE symbol = $1 RETURNING 1) "
     "SELECT (SELECT count(*) FROM b), (SELECT count(*) FROM l), (SELECT count(*) FROM t), "
     "(SELECT count(*) FROM e) + (SELECT count(*) FROM sd) + (SELECT count(*) FROM ts) + "
     "(SELECT count(*) FROM te) + (SELECT count(*) FROM re) + (SELECT count(*) FROM st) + "
     "(SELECT count(*) FROM rp) + (SELECT count(*) FROM s)"},
    {"symbol_insert",
     "INSERT INTO symbols (symbol, pip_size, pip_inferred, base_timeframe) "
     "VALUES ($1, $2, $3, $4) ON CONFLICT (symbol) DO NOTHING"},
    {"symbols_all",
     "SELECT symbol, pip_size, pip_inferred, base_timeframe FROM symbols ORDER BY symbol"},
    {"symbol_get",
     "SELECT symbol, pip_size, pip_inferred, base_timeframe FROM symbols WHERE symbol = $1"},
    /* a range of a symbol's bars ($3 <= ts < $4, '-infinity' / 'infinity' for none),
     * oldest first, at most $5; _desc: the newest first (GET /bars' latest) */
    {"bars_of_symbol",
     "SELECT extract(epoch from ts)::bigint, open, high, low, close, volume FROM bars "
     "WHERE symbol = $1 AND timeframe = $2 AND ts >= $3 AND ts < $4 ORDER BY ts LIMIT $5"},
    {"bars_of_symbol_desc",
     "SELECT extract(epoch from ts)::bigint, open, high, low, close, volume FROM bars "
     "WHERE symbol = $1 AND timeframe = $2 AND ts >= $3 AND ts < $4 ORDER BY ts DESC "
     "LIMIT $5"},
    /* one primary-key probe per offered ts (the OFFSET 0 keeps the lateral subquery a
     * subquery, so no plan can walk the symbol's bars once per offered ts: right after a
     * bulk load, with no statistics yet, `ts IN (SELECT ... unnest)` was planned as a nested
     * loop over both, 45 s for a year offered again) */
    {"bars_ts_in",
     "SELECT DISTINCT x FROM unnest($3::bigint[]) AS x CROSS JOIN LATERAL "
     "(SELECT 1 FROM bars WHERE symbol = $1 AND timeframe = $2 AND ts = to_timestamp(x) "
     "OFFSET 0) AS b ORDER BY x"},
    {"bars_first_ts",
     "SELECT extract(epoch from min(ts))::bigint FROM bars "
     "WHERE symbol = $1 AND timeframe = $2"},
    /* engine checkpoints (storage/checkpoint_store.c): one written, the older ones of the
     * symbol beyond the newest $6 deleted in the same statement; the newest before a time */
    {"checkpoint_put",
     "WITH i AS (INSERT INTO engine_checkpoints (symbol, last_ts, bar_count, version, state) "
     "VALUES ($1, to_timestamp($2::bigint), $3, $4, $5) ON CONFLICT (symbol, last_ts) DO "
     "UPDATE SET bar_count = EXCLUDED.bar_count, version = EXCLUDED.version, "
     "state = EXCLUDED.state, created_at = now()) "
     "DELETE FROM engine_checkpoints WHERE symbol = $1 AND last_ts < to_timestamp($2::bigint) "
     "AND last_ts NOT IN (SELECT last_ts FROM engine_checkpoints WHERE symbol = $1 AND "
     "last_ts < to_timestamp($2::bigint) ORDER BY last_ts DESC LIMIT ($6::int - 1))"},
    {"checkpoint_before",
     "SELECT extract(epoch from last_ts)::bigint, bar_count, version, state "
     "FROM engine_checkpoints WHERE symbol = $1 AND last_ts < to_timestamp($2::bigint) "
     "ORDER BY last_ts DESC LIMIT 1"},
    /* consumes the stage (DELETE .. RETURNING): no TRUNCATE round trip per request */
    {"zones_merge",
     "WITH staged AS (DELETE FROM zone_stage RETURNING *) "
     "INSERT INTO liquidity_levels SELECT * FROM staged "
     "ON CONFLICT (symbol, zone_id) DO UPDATE SET sources = EXCLUDED.sources, "
     "price = EXCLUDED.price, price_low = EXCLUDED.price_low, "
     "price_high = EXCLUDED.price_high, strength = EXCLUDED.strength, "
     "prob_hold = EXCLUDED.prob_hold, prob_break = EXCLUDED.prob_break, "
     "prob_sweep = EXCLUDED.prob_sweep, tests = EXCLUDED.tests, touches = EXCLUDED.touches, "
     "holds = EXCLUDED.holds, breaks = EXCLUDED.breaks, sweeps = EXCLUDED.sweeps, "
     "role = EXCLUDED.role, active = EXCLUDED.active, merged_into = EXCLUDED.merged_into, "
     "last_touch_at = EXCLUDED.last_touch_at, updated_at = now(), "
     "timeouts = EXCLUDED.timeouts, prob_timeout = EXCLUDED.prob_timeout"},
    {"zone_events_of",
     "SELECT extract(epoch from ts)::bigint, kind, price, other_zone_id FROM zone_events "
     "WHERE symbol = $1 AND zone_id = $2 ORDER BY ts, kind LIMIT $3"},
    /* trades, decisions, learner, reports (storage/trades_store.c, reports_store.c) */
    {"trade_next_id", "SELECT nextval(pg_get_serial_sequence('liquidity_trades', 'id'))"},
    {"trade_insert",
     "INSERT INTO liquidity_trades (id, symbol, side, entry, status, stop_price, "
     "remaining_fraction, realised_r, opened_at, closed_at, state) "
     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb)"},
    {"trade_update",
     "UPDATE liquidity_trades SET status = $2, stop_price = $3, remaining_fraction = $4, "
     "realised_r = $5, closed_at = $6, state = $7::jsonb, updated_at = now() WHERE id = $1"},
    {"trades_open_all",
     "SELECT symbol, state::text FROM liquidity_trades WHERE status = 'open' "
     "AND ($1::text IS NULL OR symbol = $1) ORDER BY id"},
    {"trade_get",
     "SELECT symbol, state::text FROM liquidity_trades WHERE id = $1"},
    {"trades_list",
     "SELECT symbol, state::text FROM liquidity_trades "
     "WHERE ($1::text IS NULL OR symbol = $1) AND ($2::text IS NULL OR status = $2) "
     "ORDER BY id DESC LIMIT $3"},
    {"trade_event_insert",
     "INSERT INTO trade_events (trade_id, seq, symbol, ts, kind, price, stop_price, zone_id, "
     "fraction, remaining) SELECT $1, COALESCE(max(seq), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9 "
     "FROM trade_events WHERE trade_id = $1"},
    {"trade_events_of",
     "SELECT seq, extract(epoch from ts)::bigint, kind, price, stop_price, zone_id, fraction, "
     "remaining FROM trade_events WHERE trade_id = $1 ORDER BY seq"},
    {"runner_event_insert",
     "INSERT INTO runner_events (trade_id, symbol, ts, kind, price, zone_id) "
     "VALUES ($1, $2, $3, $4, $5, $6)"},
    {"stop_decision_insert",
     "INSERT INTO stop_decisions (trade_id, symbol, side, entry, stop_price, zone_id, "
     "buffer_pips, fallback, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"},
    {"target_selection_insert",
     "INSERT INTO target_selections (trade_id, symbol, side, entry, tp1_price, tp1_zone_id, "
     "tp1_rr, tp2_price, tp2_zone_id, runner_enabled, reasons) "
     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb)"},
    /* a zone the engine never persisted (cannot happen through POST /bars) is skipped
     * rather than failing the close on the foreign key */
    {"level_stat_upsert",
     "INSERT INTO liquidity_level_stats (symbol, zone_id, action, count, pnl_sum, "
     "expected_pnl, confidence) SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS "
     "(SELECT 1 FROM liquidity_levels WHERE symbol = $1 AND zone_id = $2) "
     "ON CONFLICT (symbol, zone_id, action) DO UPDATE SET count = EXCLUDED.count, "
     "pnl_sum = EXCLUDED.pnl_sum, expected_pnl = EXCLUDED.expected_pnl, "
     "confidence = EXCLUDED.confidence, updated_at = now()"},
    {"level_stats_all",
     "SELECT symbol, zone_id, action, count, pnl_sum, expected_pnl, confidence "
     "FROM liquidity_level_stats WHERE ($1::text IS NULL OR symbol = $1) "
     "ORDER BY symbol, zone_id, action"},
    {"report_zone_periods",
     "SELECT extract(epoch from date_trunc($2, ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
     "::bigint AS p, count(*) FILTER (WHERE kind = 'hold'), "
     "count(*) FILTER (WHERE kind = 'break'), count(*) FILTER (WHERE kind = 'sweep'), "
     "count(*) FILTER (WHERE kind = 'created'), "
     "count(DISTINCT zone_id) FILTER (WHERE kind = 'hold') "
     "FROM zone_events WHERE symbol = $1 GROUP BY p ORDER BY p"},
    {"report_trade_periods",
     "SELECT extract(epoch from date_trunc($2, closed_at AT TIME ZONE 'UTC') AT TIME ZONE "
     "'UTC')::bigint AS p, count(*), COALESCE(sum(realised_r), 0), "
     "count(*) FILTER (WHERE realised_r > 0) FROM liquidity_trades "
     "WHERE symbol = $1 AND status = 'closed' AND closed_at IS NOT NULL GROUP BY p ORDER BY p"},
    {"report_upsert",
     "INSERT INTO liquidity_reports (symbol, period, period_start, score, components) "
     "VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT (symbol, period, period_start) "
     "DO UPDATE SET score = EXCLUDED.score, components = EXCLUDED.components, "
     "created_at = now()"},
    /* symbol leases (storage/lease_store.c): a token from the sequence, taken only over an
     * absent, released or expired lease or one of the same instance name (a restart);
     * the lease_log row in the same statement */
    {"lease_take",
     "WITH up AS (INSERT INTO symbol_leases (symbol, owner, token, expires_at) "
     "SELECT $1, $2, nextval('lease_token_seq'), clock_timestamp() + $3 * interval '1 ms' "
     "ON CONFLICT (symbol) DO UPDATE SET owner = EXCLUDED.owner, token = EXCLUDED.token, "
     "acquired_at = clock_timestamp(), expires_at = EXCLUDED.expires_at, wanted_by = NULL, "
     "wanted_at = NULL WHERE symbol_leases.expires_at <= clock_timestamp() "
     "OR split_part(symbol_leases.owner, '#', 1) = split_part(EXCLUDED.owner, '#', 1) "
     "RETURNING token) "
     "INSERT INTO lease_log (symbol, token, owner) SELECT $1, token, $2 FROM up "
     "RETURNING token"},
    {"lease_renew",
     "UPDATE symbol_leases SET expires_at = clock_timestamp() + $2 * interval '1 ms' "
     "WHERE owner = $1 RETURNING symbol, token, "
     "COALESCE(wanted_at > clock_timestamp() - interval '10 s', false)"},
    {"lease_release",
     "WITH r AS (UPDATE symbol_leases SET expires_at = '-infinity', wanted_by = NULL, "
     "wanted_at = NULL WHERE symbol = $1 AND owner = $2 AND token = $3 RETURNING token) "
     "UPDATE lease_log SET released_at = clock_timestamp() "
     "WHERE symbol = $1 AND token IN (SELECT token FROM r)"},
    /* a new symbol's first write failed: its lease and the lease's log row go, unless
     * something of the symbol is stored after all (a COMMIT of unknown outcome) */
    {"lease_forget",
     "WITH d AS (DELETE FROM symbol_leases WHERE symbol = $1 AND owner = $2 AND token = $3 "
     "AND NOT EXISTS (SELECT 1 FROM symbols WHERE symbol = $1) RETURNING token) "
     "DELETE FROM lease_log WHERE symbol = $1 AND token IN (SELECT token FROM d)"},
    {"lease_want",
     "UPDATE symbol_leases SET wanted_by = $2, wanted_at = clock_timestamp() "
     "WHERE symbol = $1 AND owner <> $2 AND expires_at > clock_timestamp()"},
    {"lease_owner",
     "SELECT owner, expires_at > clock_timestamp() FROM symbol_leases WHERE symbol = $1"},
    {"lease_fence", "SELECT liq_lease_fence($1, $2, $3)"},
    /* a bulk write's statement_timeout, for its transaction only (storage/bars_store.c) */
    {"statement_timeout_local", "SELECT set_config('statement_timeout', $1, true)"},
    /* idempotency keys (storage/idempotency_store.c) */
    {"idem_get",
     "SELECT request_hash, status, body FROM idempotency_keys WHERE key = $1"},
    {"idem_put",
     "INSERT INTO idempotency_keys (route, key, request_hash, status, body, symbol) "
     "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (key) DO NOTHING RETURNING 1"},
};

const size_t STORE_STATEMENT_COUNT = sizeof STORE_STATEMENTS / sizeof STORE_STATEMENTS[0];
