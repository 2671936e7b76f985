-- 007: a zone merged into another is not active (issue 13, item 11).
--
-- Why: when a frozen VWAP zone joined an overlapping zone, the engine unlinked it from the
-- map (GET /zones never showed it again) but its row kept active = true, so a SQL reader
-- of liquidity_levels saw hundreds of active zones where the API saw a handful. The engine
-- now clears `active` when it sets `merged_into`; this fixes the rows written before.
UPDATE liquidity_levels SET active = false WHERE merged_into IS NOT NULL AND active;
