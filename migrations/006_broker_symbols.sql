-- Brokers' symbol suffixes keep their case (XAUUSDm, USDJPY.r, EURUSD.pro): the symbol rule
-- becomes [A-Z0-9][A-Za-z0-9._-]{0,31}, the one domain/instrument.c checks.
ALTER TABLE symbols DROP CONSTRAINT IF EXISTS symbols_symbol_check;
ALTER TABLE symbols ADD CONSTRAINT symbols_symbol_check
    CHECK (symbol ~ '^[A-Z0-9][A-Za-z0-9._-]{0,31}$');
