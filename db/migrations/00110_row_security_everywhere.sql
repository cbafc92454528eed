-- +goose Up
-- Row-level security on every table the Go rules (internal/access/rules.go) scope, with the
-- same meaning (internal/access/parity_test.go compares them role by role), written so that
-- PostgreSQL evaluates them set-based rather than calling a function per row:
--  * the caller's settings are read once per statement, as scalar subqueries (InitPlans);
--  * a row's own columns decide where they can (a case keeps whether the street office
--    reached it, street_linked, maintained by triggers);
--  * a child table is visible through its parent with an EXISTS over the parent, which
--    the parent's own policy then restricts (a hashed or indexed semi-join, as the planner
--    prefers);
--  * small scope sets that would make policies refer to each other in a cycle (a mediator's
--    assignments, a station's risk links) come from SECURITY DEFINER set-returning
--    functions that run once per statement.
-- The outbox and the API keys are the hub's own: only SYSTEM reads them (a transaction may
-- read back the outbox rows it wrote itself).

-- Street staff see the cases referred to mediation or made from a grid event.
ALTER TABLE police."case" ADD COLUMN street_linked boolean NOT NULL DEFAULT false;
UPDATE police."case" c SET street_linked = true
WHERE c.id IN (SELECT d.referred_case_id FROM mediation.dispute d WHERE d.referred_case_id IS NOT NULL)
   OR c.id IN (SELECT e.converted_case_id FROM street.grid_event e WHERE e.converted_case_id IS NOT NULL);

-- +goose StatementBegin
CREATE FUNCTION hub.relink_cases(ids bigint[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $$
  UPDATE police."case" c SET street_linked = x.linked
  FROM (SELECT c2.id, EXISTS (SELECT 1 FROM mediation.dispute d WHERE d.referred_case_id = c2.id)
                   OR EXISTS (SELECT 1 FROM street.grid_event e WHERE e.converted_case_id = c2.id) AS linked
        FROM police."case" c2 WHERE c2.id = ANY (ids)) x
  WHERE c.id = x.id AND c.street_linked IS DISTINCT FROM x.linked
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION hub.relink_referred_cases() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM hub.relink_cases(ARRAY(SELECT n.referred_case_id FROM new_rows n WHERE n.referred_case_id IS NOT NULL));
  ELSE
    PERFORM hub.relink_cases(ARRAY(SELECT n.referred_case_id FROM new_rows n WHERE n.referred_case_id IS NOT NULL
                                   UNION SELECT o.referred_case_id FROM old_rows o WHERE o.referred_case_id IS NOT NULL));
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION hub.relink_converted_cases() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM hub.relink_cases(ARRAY(SELECT n.converted_case_id FROM new_rows n WHERE n.converted_case_id IS NOT NULL));
  ELSE
    PERFORM hub.relink_cases(ARRAY(SELECT n.converted_case_id FROM new_rows n WHERE n.converted_case_id IS NOT NULL
                                   UNION SELECT o.converted_case_id FROM old_rows o WHERE o.converted_case_id IS NOT NULL));
  END IF;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER relink_cases_insert AFTER INSERT ON mediation.dispute REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hub.relink_referred_cases();
CREATE TRIGGER relink_cases_update AFTER UPDATE ON mediation.dispute REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hub.relink_referred_cases();
CREATE TRIGGER relink_cases_insert AFTER INSERT ON street.grid_event REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hub.relink_converted_cases();
CREATE TRIGGER relink_cases_update AFTER UPDATE ON street.grid_event REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION hub.relink_converted_cases();

-- Scope sets read as the owner (so that policies never refer to each other in a cycle), each
-- for the caller of the current statement.
-- +goose StatementBegin
CREATE FUNCTION hub.mediator_disputes() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT dm.dispute_id FROM mediation.dispute_mediator dm WHERE dm.mediator_id = hub.app_id('mediator')
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION hub.mediator_cases() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT d.referred_case_id FROM mediation.dispute d JOIN mediation.dispute_mediator dm ON dm.dispute_id = d.id
  WHERE dm.mediator_id = hub.app_id('mediator') AND d.referred_case_id IS NOT NULL
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION hub.mediator_persons() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT dp.person_id FROM mediation.dispute_party dp JOIN mediation.dispute_mediator dm ON dm.dispute_id = dp.dispute_id
  WHERE dm.mediator_id = hub.app_id('mediator')
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION hub.station_risk_items() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT l.risk_item_id FROM risk.risk_link l JOIN police."case" c ON c.id = l.case_id WHERE c.station_id = hub.app_id('station')
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION hub.officer_grids() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT og.grid_id FROM police.officer_grid og WHERE og.officer_id = hub.app_id('officer')
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION hub.committee_grids() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT DISTINCT d.grid_id FROM mediation.dispute d WHERE d.committee_id = ANY (hub.app_ids('committees'))
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION hub.community_grids() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT g.id FROM street.grid g WHERE g.community_id = ANY (hub.app_ids('communities'))
$$;
-- +goose StatementEnd

-- The outbox remembers the transaction that wrote each row, so a transaction may read back
-- its own rows (INSERT … RETURNING) and no one else's.
ALTER TABLE hub.outbox ADD COLUMN written_in xid8 NOT NULL DEFAULT pg_current_xact_id();

-- Survey rounds are read through welfare.survey_summary, now as the caller, so that the
-- caller's policy on welfare.survey applies; the figures come from a function that reads the
-- answers as the owner and suppresses rounds under five respondents.
-- +goose StatementBegin
CREATE FUNCTION hub.survey_figures() RETURNS TABLE (survey_id bigint, respondents int, overall float8, belonging float8, workload float8, suppressed boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT r.survey_id,
         CASE WHEN count(*) >= 5 THEN count(*)::int END,
         CASE WHEN count(*) >= 5 THEN round(avg(r.overall), 2)::float8 END,
         CASE WHEN count(*) >= 5 THEN round(avg(r.belonging), 2)::float8 END,
         CASE WHEN count(*) >= 5 THEN round(avg(r.workload), 2)::float8 END,
         count(*) < 5
  FROM welfare.survey_response r GROUP BY r.survey_id
$$;
-- +goose StatementEnd
CREATE OR REPLACE VIEW welfare.survey_summary WITH (security_invoker = true) AS
SELECT s.id AS survey_id, f.respondents, f.overall, f.belonging, f.workload, coalesce(f.suppressed, true) AS suppressed
FROM welfare.survey s
LEFT JOIN hub.survey_figures() f ON f.survey_id = s.id;
GRANT SELECT ON welfare.survey_summary TO civiclink_app;

-- Every read policy is replaced; writes stay decided in Go.
-- +goose StatementBegin
DO $$
DECLARE
  -- Roles that read reference data: everyone but the auditor.
  readers constant text := $r$(SELECT hub.app_role()) IN ('SYSTEM', 'STREET_STAFF', 'GRID_WORKER', 'POLICE_OFFICER', 'MEDIATOR', 'ANALYST', 'ADMIN')$r$;
  -- table => read condition.
  rules constant text[][] := ARRAY[
    -- Code tables and other rows without personal data.
    ['street.community', readers], ['street.grid', readers], ['street.grid_worker', readers],
    ['street.property_company', readers], ['street.estate', readers], ['street.alliance_membership', readers],
    ['police.station', readers], ['police.station_community', readers], ['police.officer_grid', readers],
    ['mediation.committee', readers], ['mediation.mediator', readers], ['welfare.program', readers],
    ['police.officer', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'STREET_STAFF', 'GRID_WORKER', 'POLICE_OFFICER', 'MEDIATOR', 'ADMIN')$r$],
    ['street.person', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN', 'STREET_STAFF', 'POLICE_OFFICER')
      OR ((SELECT hub.app_role()) = 'GRID_WORKER' AND grid_id = ANY ((SELECT hub.app_ids('grids'))::bigint[]))
      OR ((SELECT hub.app_role()) = 'MEDIATOR' AND id IN (SELECT hub.mediator_persons()))$r$],
    ['street.grid_event', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN', 'STREET_STAFF', 'POLICE_OFFICER')
      OR ((SELECT hub.app_role()) = 'GRID_WORKER' AND grid_id = ANY ((SELECT hub.app_ids('grids'))::bigint[]))$r$],
    ['police."case"', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN')
      OR ((SELECT hub.app_role()) = 'POLICE_OFFICER' AND station_id = (SELECT hub.app_id('station')))
      OR ((SELECT hub.app_role()) = 'STREET_STAFF' AND street_linked)
      OR ((SELECT hub.app_role()) = 'GRID_WORKER' AND street_linked AND id IN (
            SELECT e.converted_case_id FROM street.grid_event e WHERE e.grid_id = ANY ((SELECT hub.app_ids('grids'))::bigint[])))
      OR ((SELECT hub.app_role()) = 'MEDIATOR' AND street_linked AND id IN (SELECT hub.mediator_cases()))$r$],
    ['police.case_party', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN')
      OR ((SELECT hub.app_role()) IN ('POLICE_OFFICER', 'STREET_STAFF') AND EXISTS (SELECT 1 FROM police."case" p WHERE p.id = case_id))$r$],
    ['police.case_status_log', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN')
      OR EXISTS (SELECT 1 FROM police."case" p WHERE p.id = entity_id)$r$],
    ['street.grid_event_status_log', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN')
      OR EXISTS (SELECT 1 FROM street.grid_event p WHERE p.id = entity_id)$r$],
    ['mediation.dispute', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN')
      OR ((SELECT hub.app_role()) = 'STREET_STAFF' AND ((SELECT hub.app_ids('communities')) = '{}' OR grid_id IN (SELECT hub.community_grids())))
      OR ((SELECT hub.app_role()) = 'GRID_WORKER' AND grid_id = ANY ((SELECT hub.app_ids('grids'))::bigint[]))
      OR ((SELECT hub.app_role()) = 'POLICE_OFFICER' AND EXISTS (
            SELECT 1 FROM police."case" c WHERE c.id = referred_case_id AND c.station_id = (SELECT hub.app_id('station'))))
      OR ((SELECT hub.app_role()) = 'MEDIATOR' AND (committee_id = ANY ((SELECT hub.app_ids('committees'))::bigint[]) OR id IN (SELECT hub.mediator_disputes())))$r$],
    ['mediation.dispute_party', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN')
      OR ((SELECT hub.app_role()) IN ('STREET_STAFF', 'MEDIATOR') AND EXISTS (SELECT 1 FROM mediation.dispute p WHERE p.id = dispute_id))$r$],
    ['mediation.dispute_mediator', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN')
      OR ((SELECT hub.app_role()) IN ('STREET_STAFF', 'MEDIATOR') AND EXISTS (SELECT 1 FROM mediation.dispute p WHERE p.id = dispute_id))$r$],
    ['mediation.session', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN')
      OR ((SELECT hub.app_role()) = 'MEDIATOR' AND EXISTS (SELECT 1 FROM mediation.dispute p WHERE p.id = dispute_id))$r$],
    ['mediation.agreement', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN')
      OR ((SELECT hub.app_role()) IN ('STREET_STAFF', 'POLICE_OFFICER', 'MEDIATOR') AND EXISTS (SELECT 1 FROM mediation.dispute p WHERE p.id = dispute_id))$r$],
    ['mediation.follow_up', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN')
      OR EXISTS (SELECT 1 FROM mediation.agreement p WHERE p.id = agreement_id)$r$],
    ['mediation.dispute_status_log', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN')
      OR EXISTS (SELECT 1 FROM mediation.dispute p WHERE p.id = entity_id)$r$],
    ['welfare.benefit_grant', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN', 'STREET_STAFF')
      OR ((SELECT hub.app_role()) = 'POLICE_OFFICER' AND officer_id = (SELECT hub.app_id('officer')))$r$],
    ['welfare.benefit_grant_status_log', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN')
      OR EXISTS (SELECT 1 FROM welfare.benefit_grant p WHERE p.id = entity_id)$r$],
    ['welfare.survey', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN', 'STREET_STAFF', 'ANALYST')
      OR ((SELECT hub.app_role()) = 'POLICE_OFFICER' AND station_id = (SELECT hub.app_id('station')))$r$],
    ['welfare.survey_response', $r$(SELECT hub.app_role()) = 'SYSTEM'$r$],
    ['risk.assessment', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN', 'STREET_STAFF')
      OR ((SELECT hub.app_role()) = 'GRID_WORKER' AND grid_id = ANY ((SELECT hub.app_ids('grids'))::bigint[]))
      OR ((SELECT hub.app_role()) = 'POLICE_OFFICER' AND grid_id IN (SELECT hub.officer_grids()))$r$],
    ['risk.assessment_status_log', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN')
      OR EXISTS (SELECT 1 FROM risk.assessment p WHERE p.id = entity_id)$r$],
    ['risk.risk_item', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN', 'STREET_STAFF')
      OR ((SELECT hub.app_role()) = 'GRID_WORKER' AND grid_id = ANY ((SELECT hub.app_ids('grids'))::bigint[]))
      OR ((SELECT hub.app_role()) = 'POLICE_OFFICER' AND (id IN (SELECT hub.station_risk_items()) OR grid_id IN (SELECT hub.officer_grids())))
      OR ((SELECT hub.app_role()) = 'MEDIATOR' AND grid_id IN (SELECT hub.committee_grids()))$r$],
    ['risk.risk_item_status_log', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN')
      OR EXISTS (SELECT 1 FROM risk.risk_item p WHERE p.id = entity_id)$r$],
    ['risk.measure', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN')
      OR EXISTS (SELECT 1 FROM risk.risk_item p WHERE p.id = risk_item_id)$r$],
    ['risk.risk_link', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN')
      OR EXISTS (SELECT 1 FROM risk.risk_item p WHERE p.id = risk_item_id)$r$],
    ['hub.access_log', $r$(SELECT hub.app_role()) IN ('SYSTEM', 'AUDITOR')$r$],
    ['hub.api_key', $r$(SELECT hub.app_role()) = 'SYSTEM'$r$],
    ['hub.outbox', $r$(SELECT hub.app_role()) = 'SYSTEM' OR written_in = pg_current_xact_id_if_assigned()$r$]
  ];
  i int;
  t text;
BEGIN
  FOR i IN 1 .. array_length(rules, 1) LOOP
    t := rules[i][1];
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
    EXECUTE format('DROP POLICY IF EXISTS read ON %s', t);
    EXECUTE format('CREATE POLICY read ON %s FOR SELECT TO civiclink_app USING (%s)', t, rules[i][2]);
    -- Writes are decided in Go (FORBIDDEN before any change); the API keys are written by the hub alone.
    IF t <> 'hub.api_key' THEN
      EXECUTE format('DROP POLICY IF EXISTS write ON %s', t);
      EXECUTE format('CREATE POLICY write ON %s FOR INSERT TO civiclink_app WITH CHECK (true)', t);
      EXECUTE format('DROP POLICY IF EXISTS change ON %s', t);
      EXECUTE format('CREATE POLICY change ON %s FOR UPDATE TO civiclink_app USING (true) WITH CHECK (true)', t);
    END IF;
  END LOOP;
END
$$;
-- +goose StatementEnd
-- hub.secure_reference gives a table of reference data (no personal data) the readers'
-- policy; migrations that add such tables call it, e.g. SELECT hub.secure_reference('hub.rule').
-- +goose StatementBegin
CREATE FUNCTION hub.secure_reference(tbl regclass) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
  EXECUTE format('DROP POLICY IF EXISTS read ON %s', tbl);
  EXECUTE format('CREATE POLICY read ON %s FOR SELECT TO civiclink_app USING ((SELECT hub.app_role()) IN '
    '(''SYSTEM'', ''STREET_STAFF'', ''GRID_WORKER'', ''POLICE_OFFICER'', ''MEDIATOR'', ''ANALYST'', ''ADMIN''))', tbl);
  EXECUTE format('DROP POLICY IF EXISTS write ON %s', tbl);
  EXECUTE format('CREATE POLICY write ON %s FOR INSERT TO civiclink_app WITH CHECK (true)', tbl);
  EXECUTE format('DROP POLICY IF EXISTS change ON %s', tbl);
  EXECUTE format('CREATE POLICY change ON %s FOR UPDATE TO civiclink_app USING (true) WITH CHECK (true)', tbl);
END
$f$;
-- +goose StatementEnd

-- The functions of 00040 are no longer used by any policy.
DROP FUNCTION hub.case_visible(bigint, bigint), hub.dispute_visible(bigint), hub.dispute_visible(bigint, bigint, bigint, bigint),
  hub.person_visible(bigint, bigint), hub.risk_item_visible(bigint, bigint);

-- +goose Down
-- Irreversible: dropping row security would silently widen what the hub can read.
SELECT 1;
