-- +goose Up
-- Row-level security backs the Go access rules (internal/access): the hub serves requests as
-- the role civiclink_app, with the caller's role and scope in session settings
-- (civiclink.role, civiclink.station, civiclink.officer, civiclink.mediator,
-- civiclink.grids, civiclink.communities, civiclink.committees), so a query that bypasses the
-- Go rules still sees only the rows the caller may see. Without settings it sees nothing.

-- +goose StatementBegin
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'civiclink_app') THEN
    CREATE ROLE civiclink_app NOLOGIN;
  END IF;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
DO $$
BEGIN
  EXECUTE format('GRANT civiclink_app TO %I', current_user);
END
$$;
-- +goose StatementEnd

GRANT USAGE ON SCHEMA street, police, welfare, mediation, risk, hub TO civiclink_app;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA street, police, welfare, mediation, risk, hub TO civiclink_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA street, police, welfare, mediation, risk, hub TO civiclink_app;
GRANT SELECT ON public.hub_goose_version TO civiclink_app;
-- The access log is append-only for the hub.
REVOKE UPDATE, DELETE, TRUNCATE ON hub.access_log FROM civiclink_app;

CREATE FUNCTION hub.app_role() RETURNS text LANGUAGE sql STABLE AS
$$ SELECT coalesce(current_setting('civiclink.role', true), '') $$;
CREATE FUNCTION hub.app_id(setting text) RETURNS bigint LANGUAGE sql STABLE AS
$$ SELECT nullif(current_setting('civiclink.' || setting, true), '')::bigint $$;
CREATE FUNCTION hub.app_ids(setting text) RETURNS bigint[] LANGUAGE sql STABLE AS
$$ SELECT coalesce(string_to_array(nullif(current_setting('civiclink.' || setting, true), ''), ',')::bigint[], '{}') $$;

-- Cross-table checks run as the owner (SECURITY DEFINER), so policies never recurse into each
-- other; each takes the row's keys and reads the settings itself.
-- +goose StatementBegin
CREATE FUNCTION hub.case_visible(c_id bigint, c_station bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT CASE hub.app_role()
    WHEN 'SYSTEM' THEN true
    WHEN 'ADMIN' THEN true
    WHEN 'POLICE_OFFICER' THEN c_station = hub.app_id('station')
    WHEN 'STREET_STAFF' THEN EXISTS (SELECT 1 FROM mediation.dispute d WHERE d.referred_case_id = c_id)
                          OR EXISTS (SELECT 1 FROM street.grid_event e WHERE e.converted_case_id = c_id)
    WHEN 'GRID_WORKER' THEN EXISTS (SELECT 1 FROM street.grid_event e WHERE e.converted_case_id = c_id AND e.grid_id = ANY (hub.app_ids('grids')))
    WHEN 'MEDIATOR' THEN EXISTS (SELECT 1 FROM mediation.dispute d JOIN mediation.dispute_mediator dm ON dm.dispute_id = d.id
                                 WHERE d.referred_case_id = c_id AND dm.mediator_id = hub.app_id('mediator'))
    ELSE false END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION hub.dispute_visible(d_id bigint, d_grid bigint, d_committee bigint, d_case bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT CASE hub.app_role()
    WHEN 'SYSTEM' THEN true
    WHEN 'ADMIN' THEN true
    WHEN 'STREET_STAFF' THEN cardinality(hub.app_ids('communities')) = 0 OR EXISTS (
      SELECT 1 FROM street.grid g WHERE g.id = d_grid AND g.community_id = ANY (hub.app_ids('communities')))
    WHEN 'GRID_WORKER' THEN d_grid = ANY (hub.app_ids('grids'))
    WHEN 'POLICE_OFFICER' THEN EXISTS (SELECT 1 FROM police."case" c WHERE c.id = d_case AND c.station_id = hub.app_id('station'))
    WHEN 'MEDIATOR' THEN d_committee = ANY (hub.app_ids('committees'))
                      OR EXISTS (SELECT 1 FROM mediation.dispute_mediator dm WHERE dm.dispute_id = d_id AND dm.mediator_id = hub.app_id('mediator'))
    ELSE false END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION hub.dispute_visible(d_id bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT hub.dispute_visible(d.id, d.grid_id, d.committee_id, d.referred_case_id) FROM mediation.dispute d WHERE d.id = d_id
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION hub.person_visible(p_id bigint, p_grid bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT CASE hub.app_role()
    WHEN 'SYSTEM' THEN true
    WHEN 'ADMIN' THEN true
    WHEN 'STREET_STAFF' THEN true
    WHEN 'POLICE_OFFICER' THEN true
    WHEN 'GRID_WORKER' THEN p_grid = ANY (hub.app_ids('grids'))
    WHEN 'MEDIATOR' THEN EXISTS (SELECT 1 FROM mediation.dispute_party dp JOIN mediation.dispute_mediator dm ON dm.dispute_id = dp.dispute_id
                                 WHERE dp.person_id = p_id AND dm.mediator_id = hub.app_id('mediator'))
    ELSE false END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION hub.risk_item_visible(r_id bigint, r_grid bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT CASE hub.app_role()
    WHEN 'SYSTEM' THEN true
    WHEN 'ADMIN' THEN true
    WHEN 'STREET_STAFF' THEN true
    WHEN 'GRID_WORKER' THEN r_grid = ANY (hub.app_ids('grids'))
    WHEN 'POLICE_OFFICER' THEN EXISTS (SELECT 1 FROM risk.risk_link l JOIN police."case" c ON c.id = l.case_id
                                       WHERE l.risk_item_id = r_id AND c.station_id = hub.app_id('station'))
                            OR r_grid IN (SELECT og.grid_id FROM police.officer_grid og WHERE og.officer_id = hub.app_id('officer'))
    WHEN 'MEDIATOR' THEN r_grid IN (SELECT d.grid_id FROM mediation.dispute d WHERE d.committee_id = ANY (hub.app_ids('committees')))
    ELSE false END
$$;
-- +goose StatementEnd

ALTER TABLE street.person ENABLE ROW LEVEL SECURITY;
CREATE POLICY read ON street.person FOR SELECT TO civiclink_app USING (hub.person_visible(id, grid_id));

ALTER TABLE street.grid_event ENABLE ROW LEVEL SECURITY;
CREATE POLICY read ON street.grid_event FOR SELECT TO civiclink_app USING (
  hub.app_role() IN ('SYSTEM', 'ADMIN', 'STREET_STAFF', 'POLICE_OFFICER')
  OR (hub.app_role() = 'GRID_WORKER' AND grid_id = ANY (hub.app_ids('grids'))));

ALTER TABLE police."case" ENABLE ROW LEVEL SECURITY;
CREATE POLICY read ON police."case" FOR SELECT TO civiclink_app USING (hub.case_visible(id, station_id));

ALTER TABLE police.case_party ENABLE ROW LEVEL SECURITY;
CREATE POLICY read ON police.case_party FOR SELECT TO civiclink_app USING (
  hub.app_role() IN ('SYSTEM', 'ADMIN', 'POLICE_OFFICER', 'STREET_STAFF')
  AND hub.case_visible(case_id, (SELECT c.station_id FROM police."case" c WHERE c.id = case_id)));

ALTER TABLE mediation.dispute ENABLE ROW LEVEL SECURITY;
CREATE POLICY read ON mediation.dispute FOR SELECT TO civiclink_app USING (hub.dispute_visible(id, grid_id, committee_id, referred_case_id));

ALTER TABLE mediation.dispute_party ENABLE ROW LEVEL SECURITY;
CREATE POLICY read ON mediation.dispute_party FOR SELECT TO civiclink_app USING (
  hub.app_role() IN ('SYSTEM', 'ADMIN', 'STREET_STAFF', 'MEDIATOR') AND hub.dispute_visible(dispute_id));

ALTER TABLE mediation.session ENABLE ROW LEVEL SECURITY;
CREATE POLICY read ON mediation.session FOR SELECT TO civiclink_app USING (
  hub.app_role() IN ('SYSTEM', 'ADMIN', 'MEDIATOR') AND hub.dispute_visible(dispute_id));

ALTER TABLE mediation.agreement ENABLE ROW LEVEL SECURITY;
CREATE POLICY read ON mediation.agreement FOR SELECT TO civiclink_app USING (
  hub.app_role() IN ('SYSTEM', 'ADMIN', 'STREET_STAFF', 'POLICE_OFFICER', 'MEDIATOR') AND hub.dispute_visible(dispute_id));

ALTER TABLE welfare.benefit_grant ENABLE ROW LEVEL SECURITY;
CREATE POLICY read ON welfare.benefit_grant FOR SELECT TO civiclink_app USING (
  hub.app_role() IN ('SYSTEM', 'ADMIN', 'STREET_STAFF')
  OR (hub.app_role() = 'POLICE_OFFICER' AND officer_id = hub.app_id('officer')));

ALTER TABLE risk.risk_item ENABLE ROW LEVEL SECURITY;
CREATE POLICY read ON risk.risk_item FOR SELECT TO civiclink_app USING (hub.risk_item_visible(id, grid_id));

ALTER TABLE welfare.survey_response ENABLE ROW LEVEL SECURITY;
CREATE POLICY read ON welfare.survey_response FOR SELECT TO civiclink_app USING (hub.app_role() = 'SYSTEM');

ALTER TABLE hub.access_log ENABLE ROW LEVEL SECURITY;
CREATE POLICY read ON hub.access_log FOR SELECT TO civiclink_app USING (hub.app_role() IN ('AUDITOR', 'SYSTEM'));

-- Writes are decided in Go (FORBIDDEN before any change); row security only guards reads.
-- +goose StatementBegin
DO $$
DECLARE t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['street.person', 'street.grid_event', 'police."case"', 'police.case_party', 'mediation.dispute',
      'mediation.dispute_party', 'mediation.session', 'mediation.agreement', 'welfare.benefit_grant', 'risk.risk_item',
      'welfare.survey_response', 'hub.access_log'] LOOP
    EXECUTE format('CREATE POLICY write ON %s FOR INSERT TO civiclink_app WITH CHECK (true)', t);
    EXECUTE format('CREATE POLICY change ON %s FOR UPDATE TO civiclink_app USING (true) WITH CHECK (true)', t);
  END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- Irreversible: dropping row security would silently widen what the hub can read.
SELECT 1;
