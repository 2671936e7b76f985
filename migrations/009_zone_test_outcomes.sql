-- 009: zones judged over a horizon (issue 11, item 1): a test may also time out, and the
-- four outcome probabilities (hold, sweep, break, timeout) form a partition.
--
-- liquidity_levels is the engine's projection (the engine is rebuilt from the bars at
-- start); rows written before this migration get 0 until their zone's next event rewrites
-- them.
ALTER TABLE liquidity_levels
    ADD COLUMN timeouts integer NOT NULL DEFAULT 0,
    ADD COLUMN prob_timeout double precision NOT NULL DEFAULT 0;
