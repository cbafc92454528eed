-- +goose Up
-- Operations registered with `civiclink persisted add`: the only ones a hub run with
-- CIVICLINK_PERSISTED_QUERIES=only executes, looked up by the SHA-256 of their text.
CREATE TABLE hub.persisted_query (
  hash        text PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
  name        text,
  query       text NOT NULL CHECK (length(query) > 0),
  source      text,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE hub.persisted_query;
