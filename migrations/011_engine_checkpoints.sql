-- 011_engine_checkpoints: a symbol's zone engine saved as bytes (domain/engine_snap.h) every
-- checkpoint_every_bars bars and at shutdown, so a start, a lease taken over or a replace
-- replays only the stored bars after one (service/checkpoint.c). last_ts: the symbol's last
-- bar the engine holds (it holds every stored bar up to it, bar_count pushed); version: the
-- format's (an older one is ignored: a full replay). A checkpoint is written in the
-- transaction of the bars it covers, or at shutdown under the lease fence; a replace deletes
-- those at or after its first bar and DELETE /symbols all of the symbol's, in their own
-- transactions. The state is stored uncompressed (EXTERNAL): it is written and read whole.
CREATE TABLE engine_checkpoints (
    symbol      text NOT NULL,
    last_ts     timestamptz NOT NULL,
    bar_count   bigint NOT NULL,
    version     integer NOT NULL,
    state       bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (symbol, last_ts)
);
ALTER TABLE engine_checkpoints ALTER COLUMN state SET STORAGE EXTERNAL;
