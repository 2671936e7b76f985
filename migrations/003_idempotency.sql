-- 003_idempotency: the first answer to each Idempotency-Key, written in the same
-- transaction as the write it answers, so a crash can never keep one without the other.
-- A retry with the same key and the same request gets this answer back; the same key with a
-- different request is refused (422). request_hash is the hex SHA-256 of the request as
-- api/idempotency.c canonicalises it (method, route, media type, query, body).
CREATE TABLE idempotency_keys (
    route           text NOT NULL,
    key             text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash    text NOT NULL,
    status          integer NOT NULL,
    body            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (route, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
