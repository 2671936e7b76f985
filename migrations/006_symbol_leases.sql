-- 006: symbol ownership - one lease per symbol, a fencing token checked inside every write
-- transaction, and a log of which token wrote what (docs/scaling.md, "Ownership").
--
-- symbol_leases holds the current owner of each symbol. A token comes from one sequence,
-- so a symbol's successive leases carry strictly increasing tokens. The owner renews
-- expires_at; another instance may take the row over only once it has expired (or was
-- released: expires_at = '-infinity'), or when it is the same instance restarted (owner
-- ids are "instance_name#random": the same name before the '#'). wanted_by/wanted_at record that another instance
-- receives writes for the symbol (the proxy moved it): the holder hands it over once it has
-- seen no write of its own for a while.
CREATE SEQUENCE lease_token_seq;

CREATE TABLE symbol_leases (
    symbol      text PRIMARY KEY,
    owner       text NOT NULL,
    token       bigint NOT NULL,
    acquired_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    expires_at  timestamptz NOT NULL,
    wanted_by   text,
    wanted_at   timestamptz
);

-- One row per lease ever granted (symbol, token): who held it, and the writes committed
-- under it. The fence below counts every write transaction here, inside that transaction,
-- so the log is exactly what was committed: two tokens of one symbol whose write intervals
-- overlap would be a split brain, and tests/scaling/haproxy.sh asserts there is none.
CREATE TABLE lease_log (
    symbol         text NOT NULL,
    token          bigint NOT NULL,
    owner          text NOT NULL,
    acquired_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    released_at    timestamptz,
    writes         bigint NOT NULL DEFAULT 0,
    first_write_at timestamptz,
    last_write_at  timestamptz,
    PRIMARY KEY (symbol, token)
);

-- The fence, called inside a write transaction before its COMMIT. It locks the lease row
-- FOR SHARE: a takeover (an UPDATE of that row) waits until this transaction ends, and a
-- transaction that runs after a takeover sees the new token and fails here. So a write
-- commits only while its token is the symbol's current lease - whatever the proxy did and
-- however long the writer was paused. It checks the token, not the clock: expiry only
-- permits a takeover, and a takeover always changes the token, so an owner whose lease
-- expired during a database outage but was taken by nobody may go on writing. Raises
-- SQLSTATE LQ421 otherwise.
CREATE FUNCTION liq_lease_fence(p_symbol text, p_owner text, p_token bigint)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM symbol_leases
     WHERE symbol = p_symbol AND owner = p_owner AND token = p_token
       FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'lease of % lost (token %)', p_symbol, p_token
              USING ERRCODE = 'LQ421';
    END IF;
    UPDATE lease_log
       SET writes = writes + 1,
           first_write_at = COALESCE(first_write_at, clock_timestamp()),
           last_write_at = clock_timestamp()
     WHERE symbol = p_symbol AND token = p_token;
END $$;
