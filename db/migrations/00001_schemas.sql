-- +goose Up
-- One schema per agency domain, plus hub for the hub's own tables.
CREATE SCHEMA IF NOT EXISTS street;
CREATE SCHEMA IF NOT EXISTS police;
CREATE SCHEMA IF NOT EXISTS welfare;
CREATE SCHEMA IF NOT EXISTS mediation;
CREATE SCHEMA IF NOT EXISTS risk;
CREATE SCHEMA IF NOT EXISTS hub;

-- hub.touch keeps updated_at current on every UPDATE of a mutable row.
-- +goose StatementBegin
CREATE FUNCTION hub.touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END;
$$;
-- +goose StatementEnd

-- hub.add_touch attaches hub.touch to a table.
-- +goose StatementBegin
CREATE FUNCTION hub.add_touch(tbl regclass) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('CREATE TRIGGER touch_updated_at BEFORE UPDATE ON %s FOR EACH ROW EXECUTE FUNCTION hub.touch()', tbl);
END;
$$;
-- +goose StatementEnd

-- +goose Down
DROP SCHEMA hub CASCADE;
DROP SCHEMA risk CASCADE;
DROP SCHEMA mediation CASCADE;
DROP SCHEMA welfare CASCADE;
DROP SCHEMA police CASCADE;
DROP SCHEMA street CASCADE;
