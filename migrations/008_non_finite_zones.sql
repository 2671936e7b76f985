-- 008: zone rows holding a non-finite number (issue 13, item 1).
--
-- Why: before bars were bounded, two bars with a volume of 1e308 made VWAP zones NaN, and
-- those rows were stored in liquidity_levels. The engine is the authority over zones (it is
-- rebuilt from the bars at start, and now leaves stored bars outside the bounds out of that
-- replay); these rows are only its projection. A NaN or infinite row nothing refers to is
-- deleted; one the learner's statistics refer to (liquidity_level_stats' foreign key) stays
-- but is no longer active. PostgreSQL compares 'NaN' equal to itself and above every number,
-- so "not strictly between -Infinity and Infinity" catches NaN and both infinities.
DELETE FROM liquidity_levels l
 WHERE NOT (price > '-Infinity' AND price < 'Infinity'
            AND price_low > '-Infinity' AND price_low < 'Infinity'
            AND price_high > '-Infinity' AND price_high < 'Infinity'
            AND strength > '-Infinity' AND strength < 'Infinity')
   AND NOT EXISTS (SELECT 1 FROM liquidity_level_stats s
                    WHERE s.symbol = l.symbol AND s.zone_id = l.zone_id);
UPDATE liquidity_levels SET active = false
 WHERE NOT (price > '-Infinity' AND price < 'Infinity'
            AND price_low > '-Infinity' AND price_low < 'Infinity'
            AND price_high > '-Infinity' AND price_high < 'Infinity'
            AND strength > '-Infinity' AND strength < 'Infinity')
   AND active;
