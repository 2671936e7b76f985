-- 001_init: the seven L4 tables, the stored bars the service replays after a restart,
-- and the symbols they belong to. Every table carries `symbol` so that it can be
-- distributed by symbol (docs/scaling.md).

CREATE TABLE symbols (
    symbol          text PRIMARY KEY CHECK (symbol ~ '^[A-Z0-9._-]{1,32}$'),
    pip_size        double precision NOT NULL CHECK (pip_size > 0),
    pip_inferred    boolean NOT NULL,
    base_timeframe  text NOT NULL CHECK (base_timeframe IN ('M1','M5','M15','M30','H1','H4','D1')),
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bars (
    symbol      text NOT NULL REFERENCES symbols (symbol),
    timeframe   text NOT NULL,
    ts          timestamptz NOT NULL,
    open        double precision NOT NULL,
    high        double precision NOT NULL,
    low         double precision NOT NULL,
    close       double precision NOT NULL,
    volume      double precision NOT NULL,
    PRIMARY KEY (symbol, timeframe, ts)
);

CREATE TABLE liquidity_levels (
    symbol          text NOT NULL REFERENCES symbols (symbol),
    zone_id         integer NOT NULL,
    sources         text[] NOT NULL,
    price           double precision NOT NULL,
    price_low       double precision NOT NULL,
    price_high      double precision NOT NULL,
    strength        double precision NOT NULL,
    prob_hold       double precision NOT NULL,
    prob_break      double precision NOT NULL,
    prob_sweep      double precision NOT NULL,
    tests           integer NOT NULL,
    touches         integer NOT NULL,
    holds           integer NOT NULL,
    breaks          integer NOT NULL,
    sweeps          integer NOT NULL,
    role            smallint NOT NULL,
    active          boolean NOT NULL,
    merged_into     integer,
    created_at      timestamptz NOT NULL,
    origin_at       timestamptz NOT NULL,
    last_touch_at   timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (symbol, zone_id)
);
CREATE INDEX liquidity_levels_symbol_created ON liquidity_levels (symbol, created_at);
CREATE INDEX liquidity_levels_symbol_price ON liquidity_levels (symbol, price) WHERE active;

-- What happened to each zone (its history of outcomes).
CREATE TABLE zone_events (
    symbol      text NOT NULL,
    zone_id     integer NOT NULL,
    ts          timestamptz NOT NULL,
    kind        text NOT NULL,
    price       double precision NOT NULL,
    other_zone_id integer,
    FOREIGN KEY (symbol, zone_id) REFERENCES liquidity_levels (symbol, zone_id)
);
CREATE INDEX zone_events_zone ON zone_events (symbol, zone_id, ts);

CREATE TABLE liquidity_trades (
    id              bigserial PRIMARY KEY,
    symbol          text NOT NULL REFERENCES symbols (symbol),
    side            text NOT NULL CHECK (side IN ('BUY', 'SELL')),
    entry           double precision NOT NULL,
    status          text NOT NULL CHECK (status IN ('open', 'closed')),
    stop_price      double precision NOT NULL,
    remaining_fraction double precision NOT NULL,
    realised_r      double precision NOT NULL DEFAULT 0,
    opened_at       timestamptz NOT NULL,
    closed_at       timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    state           jsonb NOT NULL  -- the whole domain trade, restored on restart
);
CREATE INDEX liquidity_trades_symbol_opened ON liquidity_trades (symbol, opened_at);
CREATE INDEX liquidity_trades_open ON liquidity_trades (symbol) WHERE status = 'open';

CREATE TABLE stop_decisions (
    id          bigserial PRIMARY KEY,
    trade_id    bigint REFERENCES liquidity_trades (id),
    symbol      text NOT NULL,
    side        text NOT NULL,
    entry       double precision NOT NULL,
    stop_price  double precision NOT NULL,
    zone_id     integer,
    buffer_pips double precision NOT NULL,
    fallback    boolean NOT NULL,
    reason      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stop_decisions_symbol_created ON stop_decisions (symbol, created_at);

CREATE TABLE target_selections (
    id          bigserial PRIMARY KEY,
    trade_id    bigint REFERENCES liquidity_trades (id),
    symbol      text NOT NULL,
    side        text NOT NULL,
    entry       double precision NOT NULL,
    tp1_price   double precision NOT NULL,
    tp1_zone_id integer,
    tp1_rr      double precision NOT NULL,
    tp2_price   double precision,
    tp2_zone_id integer,
    runner_enabled boolean NOT NULL,
    reasons     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX target_selections_symbol_created ON target_selections (symbol, created_at);

-- Every stop move and trade event (GET /trades/{id} history).
CREATE TABLE trade_events (
    trade_id    bigint NOT NULL REFERENCES liquidity_trades (id),
    seq         integer NOT NULL,
    symbol      text NOT NULL,
    ts          timestamptz,
    kind        text NOT NULL,
    price       double precision NOT NULL,
    stop_price  double precision,
    zone_id     integer,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (trade_id, seq)
);

CREATE TABLE runner_events (
    id          bigserial PRIMARY KEY,
    trade_id    bigint NOT NULL REFERENCES liquidity_trades (id),
    symbol      text NOT NULL,
    ts          timestamptz,
    kind        text NOT NULL,
    price       double precision NOT NULL,
    zone_id     integer,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX runner_events_symbol_created ON runner_events (symbol, created_at);

CREATE TABLE liquidity_level_stats (
    symbol      text NOT NULL,
    zone_id     integer NOT NULL,
    action      text NOT NULL CHECK (action IN ('held', 'broken', 'swept', 'touched')),
    count       integer NOT NULL,
    pnl_sum     double precision NOT NULL,
    expected_pnl double precision NOT NULL,
    confidence  double precision NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (symbol, zone_id, action),
    FOREIGN KEY (symbol, zone_id) REFERENCES liquidity_levels (symbol, zone_id)
);

CREATE TABLE liquidity_reports (
    id          bigserial PRIMARY KEY,
    symbol      text NOT NULL REFERENCES symbols (symbol),
    period      text NOT NULL CHECK (period IN ('daily', 'weekly')),
    period_start timestamptz NOT NULL,
    score       double precision NOT NULL,
    components  jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (symbol, period, period_start)
);
CREATE INDEX liquidity_reports_symbol_period ON liquidity_reports (symbol, period_start);
