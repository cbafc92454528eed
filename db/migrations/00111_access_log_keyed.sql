-- +goose Up
-- The access log's chain is keyed from here on: each new row's hash is an HMAC under a key
-- the database does not hold (internal/audit). Rows written before keep their unkeyed hash
-- and may only precede the keyed ones.
ALTER TABLE hub.access_log ADD COLUMN keyed boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE hub.access_log DROP COLUMN keyed;
