-- 005: drop the indexes no statement of the service reads.
--
-- Why: every index is maintained on every row written. POST /bars upserts the zones the
-- request's events name into liquidity_levels (the EURUSD year: ~570 zones per import, ~65
-- per 1,000-bar batch), POST /setups inserts a trade, a stop decision and a target
-- selection, closes add runner events. The indexes below serve no query in
-- storage/statements.c (GET /zones reads the engine's snapshot, never liquidity_levels;
-- trades are found by id or by (symbol, status, id); decisions and runner events are only
-- written), so they cost every write and help no read of ours (bench/README.md).
--
-- Kept: every primary key and unique constraint, zone_events_zone (GET /zones/{id}
-- history, reports by symbol), liquidity_trades_symbol_status and _open (list and
-- restore), the *_trade indexes of 002 (a trade's decisions and runner events by id).
-- A SQL user who reads these tables by time can create the index they need.
DROP INDEX IF EXISTS liquidity_levels_symbol_created;
DROP INDEX IF EXISTS liquidity_levels_symbol_price;
DROP INDEX IF EXISTS liquidity_trades_symbol_opened;
DROP INDEX IF EXISTS stop_decisions_symbol_created;
DROP INDEX IF EXISTS target_selections_symbol_created;
DROP INDEX IF EXISTS runner_events_symbol_created;
