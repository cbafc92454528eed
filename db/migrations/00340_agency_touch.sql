-- +goose Up
-- The touches of crossAgencyStats (db/analytics/linked.go), kept by the write transactions
-- instead of derived per query: one row per record of the four agencies (agency 1 police
-- case, 2 mediation dispute, 4 grid event, 8 risk item) and person it names, or one row for
-- the record alone when it names nobody. A case or dispute names its parties; a grid event
-- the parties of the case or dispute it was converted into; a risk item the parties of the
-- cases and disputes linked to it. Each row keeps the record's time (and its local time in
-- the office's zone, Asia/Shanghai, where time buckets are cut), today's grid and its
-- community, the grid and community of the time (its grid version) and the estate, and the
-- person's household: the registered address (trimmed, non-empty) as an id of hub.household.
-- One row per record is its first (record_first), for what is counted per record (estates). The master person index keeps one person
-- per identity number (street.person.id_number_hmac is unique), so the person id is the
-- person.
--
-- Statement-level triggers on every table a touch is derived from re-derive the touches of
-- the records a statement changed (hub.refresh_touches), in the same transaction, so the
-- table is always the derivation's answer; only the hub's own aggregate statement (role
-- SYSTEM) reads it.
CREATE TABLE hub.household (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  address text NOT NULL UNIQUE
);

CREATE TABLE hub.agency_touch (
  agency smallint NOT NULL CHECK (agency IN (1, 2, 4, 8)),
  record_id bigint NOT NULL,
  person_id bigint,
  household_id bigint,
  at timestamptz NOT NULL,
  local_at timestamp NOT NULL,
  grid_id bigint,
  community_id bigint,
  grid_of_time bigint,
  community_of_time bigint,
  estate_id bigint,
  record_first boolean NOT NULL
);
CREATE INDEX agency_touch_record_idx ON hub.agency_touch (agency, record_id);
CREATE INDEX agency_touch_person_idx ON hub.agency_touch (person_id) WHERE person_id IS NOT NULL;
CREATE INDEX agency_touch_grid_idx ON hub.agency_touch (grid_id);

ALTER TABLE hub.household ENABLE ROW LEVEL SECURITY;
ALTER TABLE hub.agency_touch ENABLE ROW LEVEL SECURITY;
CREATE POLICY read ON hub.agency_touch FOR SELECT TO civiclink_app USING ((SELECT hub.app_role() = 'SYSTEM'));
CREATE POLICY read ON hub.household FOR SELECT TO civiclink_app USING ((SELECT hub.app_role() = 'SYSTEM'));
GRANT SELECT ON hub.agency_touch, hub.household TO civiclink_app;

-- touch_source is the derivation of the touches of the records ids of one agency.
-- +goose StatementBegin
CREATE FUNCTION hub.touch_source(p_agency int, p_ids bigint[])
RETURNS TABLE (agency int, record_id bigint, at timestamptz, grid_id bigint, grid_version_id bigint, estate_id bigint, person_id bigint)
LANGUAGE sql STABLE AS $$
  SELECT 1, c.id, c.received_at, c.grid_id, c.grid_version_id, c.estate_id, cp.person_id
  FROM police."case" c LEFT JOIN LATERAL (SELECT DISTINCT x.person_id FROM police.case_party x WHERE x.case_id = c.id) cp ON TRUE
  WHERE p_agency = 1 AND c.id = ANY (p_ids)
  UNION ALL
  SELECT 2, d.id, d.received_at, d.grid_id, d.grid_version_id, d.estate_id, dp.person_id
  FROM mediation.dispute d LEFT JOIN mediation.dispute_party dp ON dp.dispute_id = d.id
  WHERE p_agency = 2 AND d.id = ANY (p_ids)
  UNION ALL
  SELECT 4, e.id, e.reported_at, e.grid_id, e.grid_version_id, e.estate_id, ep.person_id
  FROM street.grid_event e LEFT JOIN LATERAL (
    SELECT cp.person_id FROM police.case_party cp WHERE cp.case_id = e.converted_case_id
    UNION SELECT dp.person_id FROM mediation.dispute_party dp WHERE dp.dispute_id = e.converted_dispute_id) ep ON TRUE
  WHERE p_agency = 4 AND e.id = ANY (p_ids)
  UNION ALL
  SELECT 8, r.id, r.identified_at, r.grid_id, r.grid_version_id, r.estate_id, rp.person_id
  FROM risk.risk_item r LEFT JOIN LATERAL (
    SELECT cp.person_id FROM risk.risk_link l JOIN police.case_party cp ON cp.case_id = l.case_id WHERE l.risk_item_id = r.id
    UNION SELECT dp.person_id FROM risk.risk_link l JOIN mediation.dispute_party dp ON dp.dispute_id = l.dispute_id WHERE l.risk_item_id = r.id) rp ON TRUE
  WHERE p_agency = 8 AND r.id = ANY (p_ids)
$$;
-- +goose StatementEnd

-- refresh_touches re-derives the touches of the records ids of one agency (deleted records
-- leave none).
-- +goose StatementBegin
CREATE FUNCTION hub.refresh_touches(p_agency int, p_ids bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
  IF p_ids IS NULL OR cardinality(p_ids) = 0 THEN
    RETURN;
  END IF;
  DELETE FROM hub.agency_touch t WHERE t.agency = p_agency AND t.record_id = ANY (p_ids);
  INSERT INTO hub.agency_touch (agency, record_id, person_id, household_id, at, local_at, grid_id, community_id,
    grid_of_time, community_of_time, estate_id, record_first)
  SELECT s.agency, s.record_id, s.person_id, h.id, s.at, s.at AT TIME ZONE 'Asia/Shanghai', s.grid_id, g.community_id,
    v.grid_id, v.community_id, s.estate_id, row_number() OVER (PARTITION BY s.record_id) = 1
  FROM hub.touch_source(p_agency, p_ids) s
  LEFT JOIN street.person p ON p.id = s.person_id
  LEFT JOIN hub.household h ON h.address = nullif(btrim(p.address), '')
  LEFT JOIN street.grid g ON g.id = s.grid_id
  LEFT JOIN street.grid_version v ON v.id = s.grid_version_id;
END
$$;
-- +goose StatementEnd

-- Records: a new or deleted record, or a change of its time, place or conversion.
-- +goose StatementBegin
CREATE FUNCTION hub.touch_records() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
  agency int := TG_ARGV[0]::int;
  ids bigint[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(n.id) INTO ids FROM new_rows n;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(o.id) INTO ids FROM old_rows o;
  ELSE
    -- Only the columns a touch is derived from matter (statuses change far more often).
    SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE hub.touch_columns(agency, to_jsonb(n)) IS DISTINCT FROM hub.touch_columns(agency, to_jsonb(o));
  END IF;
  PERFORM hub.refresh_touches(agency, ids);
  RETURN NULL;
END
$$;
-- +goose StatementEnd

-- touch_columns are the columns of a record row a touch is derived from.
-- +goose StatementBegin
CREATE FUNCTION hub.touch_columns(agency int, r jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
  SELECT jsonb_build_array(r->'received_at', r->'reported_at', r->'identified_at', r->'grid_id', r->'grid_version_id', r->'estate_id',
    CASE WHEN agency = 4 THEN r->'converted_case_id' END, CASE WHEN agency = 4 THEN r->'converted_dispute_id' END)
$$;
-- +goose StatementEnd

-- Parties and links: the case or dispute itself, the grid events converted into it and the
-- risk items linked to it (TG_ARGV[0]: 1 for case parties, 2 for dispute parties; risk links
-- refresh their risk items).
-- +goose StatementBegin
CREATE FUNCTION hub.touch_parties() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
  agency int := TG_ARGV[0]::int;
  ids bigint[];
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT array_agg(DISTINCT (to_jsonb(n)->>(CASE agency WHEN 1 THEN 'case_id' WHEN 2 THEN 'dispute_id' ELSE 'risk_item_id' END))::bigint) INTO ids FROM new_rows n;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    SELECT coalesce(ids, '{}') || array_agg(DISTINCT (to_jsonb(o)->>(CASE agency WHEN 1 THEN 'case_id' WHEN 2 THEN 'dispute_id' ELSE 'risk_item_id' END))::bigint) INTO ids FROM old_rows o;
  END IF;
  IF agency = 8 THEN
    PERFORM hub.refresh_touches(8, ids);
    RETURN NULL;
  END IF;
  PERFORM hub.refresh_touches(agency, ids);
  PERFORM hub.refresh_touches(4, (SELECT array_agg(e.id) FROM street.grid_event e
    WHERE CASE agency WHEN 1 THEN e.converted_case_id ELSE e.converted_dispute_id END = ANY (ids)));
  PERFORM hub.refresh_touches(8, (SELECT array_agg(DISTINCT l.risk_item_id) FROM risk.risk_link l
    WHERE CASE agency WHEN 1 THEN l.case_id ELSE l.dispute_id END = ANY (ids)));
  RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Persons: a new registered address becomes a household; a changed one moves the person's
-- touches to it.
-- +goose StatementBegin
CREATE FUNCTION hub.touch_persons() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
  INSERT INTO hub.household (address)
  SELECT DISTINCT nullif(btrim(n.address), '') FROM new_rows n WHERE nullif(btrim(n.address), '') IS NOT NULL
  ON CONFLICT (address) DO NOTHING;
  IF TG_OP = 'UPDATE' THEN
    UPDATE hub.agency_touch t SET household_id = h.id
    FROM new_rows n JOIN old_rows o ON o.id = n.id LEFT JOIN hub.household h ON h.address = nullif(btrim(n.address), '')
    WHERE t.person_id = n.id AND n.address IS DISTINCT FROM o.address AND t.household_id IS DISTINCT FROM h.id;
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

-- Grids: a grid moved to another community moves the touches of its records.
-- +goose StatementBegin
CREATE FUNCTION hub.touch_grids() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
  UPDATE hub.agency_touch t SET community_id = n.community_id
  FROM new_rows n JOIN old_rows o ON o.id = n.id
  WHERE t.grid_id = n.id AND n.community_id IS DISTINCT FROM o.community_id;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER touch_update AFTER UPDATE ON street.grid REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_grids();
CREATE TRIGGER touch_insert AFTER INSERT ON police."case" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_records('1');
CREATE TRIGGER touch_update AFTER UPDATE ON police."case" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_records('1');
CREATE TRIGGER touch_delete AFTER DELETE ON police."case" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_records('1');
CREATE TRIGGER touch_insert AFTER INSERT ON mediation.dispute REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_records('2');
CREATE TRIGGER touch_update AFTER UPDATE ON mediation.dispute REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_records('2');
CREATE TRIGGER touch_delete AFTER DELETE ON mediation.dispute REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_records('2');
CREATE TRIGGER touch_insert AFTER INSERT ON street.grid_event REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_records('4');
CREATE TRIGGER touch_update AFTER UPDATE ON street.grid_event REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_records('4');
CREATE TRIGGER touch_delete AFTER DELETE ON street.grid_event REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_records('4');
CREATE TRIGGER touch_insert AFTER INSERT ON risk.risk_item REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_records('8');
CREATE TRIGGER touch_update AFTER UPDATE ON risk.risk_item REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_records('8');
CREATE TRIGGER touch_delete AFTER DELETE ON risk.risk_item REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_records('8');
CREATE TRIGGER touch_insert AFTER INSERT ON police.case_party REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_parties('1');
CREATE TRIGGER touch_update AFTER UPDATE ON police.case_party REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_parties('1');
CREATE TRIGGER touch_delete AFTER DELETE ON police.case_party REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_parties('1');
CREATE TRIGGER touch_insert AFTER INSERT ON mediation.dispute_party REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_parties('2');
CREATE TRIGGER touch_update AFTER UPDATE ON mediation.dispute_party REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_parties('2');
CREATE TRIGGER touch_delete AFTER DELETE ON mediation.dispute_party REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_parties('2');
CREATE TRIGGER touch_insert AFTER INSERT ON risk.risk_link REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_parties('8');
CREATE TRIGGER touch_update AFTER UPDATE ON risk.risk_link REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_parties('8');
CREATE TRIGGER touch_delete AFTER DELETE ON risk.risk_link REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_parties('8');
CREATE TRIGGER touch_insert AFTER INSERT ON street.person REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_persons();
CREATE TRIGGER touch_update AFTER UPDATE ON street.person REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hub.touch_persons();

-- The rows written before the triggers existed.
INSERT INTO hub.household (address)
SELECT DISTINCT nullif(btrim(address), '') FROM street.person WHERE nullif(btrim(address), '') IS NOT NULL;
SELECT hub.refresh_touches(1, (SELECT array_agg(id) FROM police."case"));
SELECT hub.refresh_touches(2, (SELECT array_agg(id) FROM mediation.dispute));
SELECT hub.refresh_touches(4, (SELECT array_agg(id) FROM street.grid_event));
SELECT hub.refresh_touches(8, (SELECT array_agg(id) FROM risk.risk_item));

-- +goose Down
DROP TRIGGER touch_insert ON police."case";
DROP TRIGGER touch_update ON police."case";
DROP TRIGGER touch_delete ON police."case";
DROP TRIGGER touch_insert ON mediation.dispute;
DROP TRIGGER touch_update ON mediation.dispute;
DROP TRIGGER touch_delete ON mediation.dispute;
DROP TRIGGER touch_insert ON street.grid_event;
DROP TRIGGER touch_update ON street.grid_event;
DROP TRIGGER touch_delete ON street.grid_event;
DROP TRIGGER touch_insert ON risk.risk_item;
DROP TRIGGER touch_update ON risk.risk_item;
DROP TRIGGER touch_delete ON risk.risk_item;
DROP TRIGGER touch_insert ON police.case_party;
DROP TRIGGER touch_update ON police.case_party;
DROP TRIGGER touch_delete ON police.case_party;
DROP TRIGGER touch_insert ON mediation.dispute_party;
DROP TRIGGER touch_update ON mediation.dispute_party;
DROP TRIGGER touch_delete ON mediation.dispute_party;
DROP TRIGGER touch_insert ON risk.risk_link;
DROP TRIGGER touch_update ON risk.risk_link;
DROP TRIGGER touch_delete ON risk.risk_link;
DROP TRIGGER touch_insert ON street.person;
DROP TRIGGER touch_update ON street.person;
DROP TRIGGER touch_update ON street.grid;
DROP FUNCTION hub.touch_grids();
DROP FUNCTION hub.touch_persons();
DROP FUNCTION hub.touch_parties();
DROP FUNCTION hub.touch_records();
DROP FUNCTION hub.touch_columns(int, jsonb);
DROP FUNCTION hub.refresh_touches(int, bigint[]);
DROP FUNCTION hub.touch_source(int, bigint[]);
DROP TABLE hub.agency_touch;
DROP TABLE hub.household;
