-- +goose Up
-- dedupe_key lets time-driven events (a measure falling overdue) be written once even when
-- several hub processes scan for them.
ALTER TABLE hub.outbox
  ADD COLUMN dedupe_key text,
  ADD COLUMN entity_type text,
  ADD COLUMN entity_id bigint;
CREATE UNIQUE INDEX outbox_dedupe_idx ON hub.outbox (dedupe_key) WHERE dedupe_key IS NOT NULL;

-- counter hands out the sequence part of human-facing numbers (J2026-000123) per kind and
-- year; the row lock serialises concurrent registrations.
CREATE TABLE hub.counter (
  name   text PRIMARY KEY,
  value  bigint NOT NULL CHECK (value >= 0)
);

-- +goose Down
DROP TABLE hub.counter;
DROP INDEX hub.outbox_dedupe_idx;
ALTER TABLE hub.outbox DROP COLUMN dedupe_key, DROP COLUMN entity_type, DROP COLUMN entity_id;
