-- 010_idempotency_one_key: an Idempotency-Key names one request wherever it was sent. The
-- key alone is the primary key (it was (route, key): the same key on POST /bars and POST
-- /setups were two keys, and a dry run reusing a /bars key was not refused); the route stays
-- a column and is part of request_hash. symbol: the symbol the request wrote (NULL for rows
-- written before this migration), so DELETE /symbols/{symbol} forgets its keys in the same
-- transaction. Of a key stored under several routes, the oldest row is kept.
DELETE FROM idempotency_keys k
 USING idempotency_keys o
 WHERE k.key = o.key AND k.route <> o.route
   AND (o.created_at, o.route) < (k.created_at, k.route);
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey;
ALTER TABLE idempotency_keys ADD PRIMARY KEY (key);
ALTER TABLE idempotency_keys ADD COLUMN symbol text;
CREATE INDEX idempotency_keys_symbol ON idempotency_keys (symbol);
