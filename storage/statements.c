/*
 * statements.c - every SQL statement of the service, prepared once per connection.
 *
 * Values always travel as parameters ($1, ...) or as COPY data, never spliced into SQL.
 */
#include "storage/stores.h"

const char COPY_BARS[] =
    "COPY bars (symbol, timeframe, ts, open, high, low, close, volume) FROM STDIN";
const char COPY_ZONE_STAGE[] =
    "COPY zone_stage (symbol, zone_id, sources, price, price_low, price_high, strength, "
    "prob_hold, prob_break, prob_sweep, tests, touches, holds, breaks, sweeps, role, active, "
    "merged_into, created_at, origin_at, last_touch_at, updated_at) FROM STDIN";
const char COPY_ZONE_EVENTS[] =
    "COPY zone_events (symbol, zone_id, ts, kind, price, other_zone_id) FROM STDIN";

const struct pg_stmt STORE_STATEMENTS[] = {
    {"symbol_insert",
     "INSERT INTO symbols (symbol, pip_size, pip_inferred, base_timeframe) "
     "VALUES ($1, $2, $3, $4) ON CONFLICT (symbol) DO NOTHING"},
    {"symbols_all",
     "SELECT symbol, pip_size, pip_inferred, base_timeframe FROM symbols ORDER BY symbol"},
    {"bars_of_symbol",
     "SELECT extract(epoch from ts)::bigint, open, high, low, close, volume FROM bars "
     "WHERE symbol = $1 AND timeframe = $2 ORDER BY ts"},
    {"zones_merge",
     "INSERT INTO liquidity_levels SELECT * FROM zone_stage "
     "ON CONFLICT (symbol, zone_id) DO UPDATE SET sources = EXCLUDED.sources, "
     "price = EXCLUDED.price, price_low = EXCLUDED.price_low, "
     "price_high = EXCLUDED.price_high, strength = EXCLUDED.strength, "
     "prob_hold = EXCLUDED.prob_hold, prob_break = EXCLUDED.prob_break, "
     "prob_sweep = EXCLUDED.prob_sweep, tests = EXCLUDED.tests, touches = EXCLUDED.touches, "
     "holds = EXCLUDED.holds, breaks = EXCLUDED.breaks, sweeps = EXCLUDED.sweeps, "
     "role = EXCLUDED.role, active = EXCLUDED.active, merged_into = EXCLUDED.merged_into, "
     "last_touch_at = EXCLUDED.last_touch_at, updated_at = now()"},
    {"zone_events_of",
     "SELECT extract(epoch from ts)::bigint, kind, price, other_zone_id FROM zone_events "
     "WHERE symbol = $1 AND zone_id = $2 ORDER BY ts, kind LIMIT $3"},
};

const size_t STORE_STATEMENT_COUNT = sizeof STORE_STATEMENTS / sizeof STORE_STATEMENTS[0];
