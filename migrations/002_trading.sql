-- 002_trading: what the trade history of POST /setups and PATCH /trades/{id}/trail needs
-- beyond 001. Each trade_events row says which fraction of the trade it closed and what was
-- left open after it, so the history alone shows that the stop covers the remaining part.
ALTER TABLE trade_events ADD COLUMN fraction double precision NOT NULL DEFAULT 0;
ALTER TABLE trade_events ADD COLUMN remaining double precision;
CREATE INDEX liquidity_trades_symbol_status ON liquidity_trades (symbol, status, id);
CREATE INDEX runner_events_trade ON runner_events (trade_id);
CREATE INDEX stop_decisions_trade ON stop_decisions (trade_id);
CREATE INDEX target_selections_trade ON target_selections (trade_id);
