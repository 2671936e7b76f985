-- 004: POST /bars writes without a per-row foreign-key check.
--
-- Why: with persistence on, importing the EURUSD year (24k bars, ~19k zone events) spent
-- about half of its time in the two row-level foreign keys below: PostgreSQL runs one
-- referential-integrity query per inserted row (bench/README.md, "CSV import, persistence
-- on": 562 -> 261 ms on the bench machine with only these two constraints dropped).
--
-- What still guarantees the references: the only writer of these tables is
-- service/state.c apply_and_commit, which in one transaction inserts the symbols row before
-- a symbol's first bars and upserts every zone an event names before COPYing the events
-- (zones_store_upsert, then zone_events_store_insert). Zones and symbols are never deleted.
-- Every other foreign key (liquidity_levels -> symbols, trades, ...) stays.
ALTER TABLE bars DROP CONSTRAINT IF EXISTS bars_symbol_fkey;
ALTER TABLE zone_events DROP CONSTRAINT IF EXISTS zone_events_symbol_zone_id_fkey;
