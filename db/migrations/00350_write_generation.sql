-- +goose Up
-- The write generation: a number that every transaction writing to a table a count may
-- depend on (the agencies' records, and what row security reads to scope them) raises by one
-- as it commits. A count read in the same statement as the generation stays exact for as
-- long as the generation has not moved (internal/dbpool's count cache): the hub answers a
-- root list's totalCount again without counting, after one look at this row.
--
-- A statement-level trigger on each such table marks its transaction once (a row in
-- hub.write_mark, remembered in a transaction-local setting); the mark's deferred constraint
-- trigger raises the generation at commit and removes the mark. Raising it at commit, not at
-- the first write, keeps the row locked only while the transaction commits, so writers do not
-- queue behind each other for their whole transaction, and cannot deadlock on it. A
-- rolled-back transaction (or savepoint) takes its mark, its setting and its raise with it.
CREATE TABLE hub.write_generation (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  gen bigint NOT NULL
);
INSERT INTO hub.write_generation VALUES (true, 0);
ALTER TABLE hub.write_generation ENABLE ROW LEVEL SECURITY;
CREATE POLICY read ON hub.write_generation FOR SELECT TO civiclink_app USING (true);
GRANT SELECT ON hub.write_generation TO civiclink_app;

CREATE TABLE hub.write_mark (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY
);
ALTER TABLE hub.write_mark ENABLE ROW LEVEL SECURITY;

-- +goose StatementBegin
CREATE FUNCTION hub.mark_write() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
  IF current_setting('civiclink.write_marked', true) IS DISTINCT FROM 'y' THEN
    PERFORM set_config('civiclink.write_marked', 'y', true);
    INSERT INTO hub.write_mark DEFAULT VALUES;
  END IF;
  RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION hub.raise_write_generation() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
  UPDATE hub.write_generation SET gen = gen + 1;
  DELETE FROM hub.write_mark WHERE id = NEW.id;
  RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER raise_write_generation AFTER INSERT ON hub.write_mark
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION hub.raise_write_generation();

-- hub.write_generation_tables lists the tables whose writes raise the generation: every
-- table of the five agency schemas, and the hub's tables that records or row security read
-- (rules, households, touches). The hub's own logs (access log, outbox, idempotency keys,
-- persisted queries, API keys, counters) are written on reads and by every mutation, and
-- neither a list nor row security reads them (TestWriteGenerationCoversCountedTables).
-- +goose StatementBegin
CREATE FUNCTION hub.write_generation_tables() RETURNS SETOF regclass
LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
  SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p')
    AND (n.nspname IN ('street', 'police', 'welfare', 'mediation', 'risk')
         OR (n.nspname = 'hub' AND c.relname IN ('rule', 'rule_log', 'household', 'agency_touch')))
$$;
-- +goose StatementEnd

-- hub.counted_relations lists what a kept count may be read from: the tables above and the
-- views of the five agency schemas (over them, TestWriteGenerationCoversCountedTables).
-- Counts of anything else (the access log) are counted every time.
-- +goose StatementBegin
CREATE FUNCTION hub.counted_relations() RETURNS SETOF text
LANGUAGE sql STABLE SET search_path = pg_catalog AS $$
  SELECT t::text FROM hub.write_generation_tables() t
  UNION ALL
  SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'v' AND n.nspname IN ('street', 'police', 'welfare', 'mediation', 'risk')
$$;
-- +goose StatementEnd
GRANT EXECUTE ON FUNCTION hub.counted_relations() TO civiclink_app;

-- +goose StatementBegin
DO $$
DECLARE t regclass;
BEGIN
  FOR t IN SELECT * FROM hub.write_generation_tables() LOOP
    EXECUTE format('CREATE TRIGGER mark_write AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %s
      FOR EACH STATEMENT EXECUTE FUNCTION hub.mark_write()', t);
  END LOOP;
END $$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
DO $$
DECLARE t regclass;
BEGIN
  FOR t IN SELECT * FROM hub.write_generation_tables() LOOP
    EXECUTE format('DROP TRIGGER IF EXISTS mark_write ON %s', t);
  END LOOP;
END $$;
-- +goose StatementEnd
DROP FUNCTION hub.counted_relations();
DROP FUNCTION hub.write_generation_tables();
DROP TABLE hub.write_mark;
DROP FUNCTION hub.raise_write_generation();
DROP FUNCTION hub.mark_write();
DROP TABLE hub.write_generation;
