-- +goose Up
-- Scope sets for the Go rules (internal/access/rules.go), read as the owner, so that a rule
-- never puts a correlated subquery over a table that is itself under row security into a
-- scoped statement: such a subquery is planned as a SubPlan evaluated row by row, and each
-- evaluation evaluates that table's own policy again (a mediator's disputes page hit the
-- request timeout that way). A rule writes `id IN (SELECT hub.f(?))` instead: an
-- uncorrelated subquery, computed once per statement.
--
-- Each function takes the keys the Go rule passes (a mediator, a station, an officer, a list
-- of committees or communities). Acting for a caller (role civiclink_app) it answers only
-- within that caller's own settings, so it tells no caller more than the policies already
-- do; as the owner (role none: the hub itself, tests) it answers for the keys given. The
-- check and the keys are scalar subqueries, computed once per call, not once per row.
-- The parameterless functions of 00110, which the policies call, now pass the caller's
-- settings to these, so a policy and its Go rule read one body.

-- +goose StatementBegin
CREATE FUNCTION hub.acting_for(key bigint, setting text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT current_setting('role') = 'none' OR key = hub.app_id(setting)
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION hub.acting_for_any(keys bigint[], setting text) RETURNS bigint[]
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN current_setting('role') = 'none' THEN keys
              ELSE ARRAY(SELECT k FROM unnest(keys) k WHERE k = ANY (hub.app_ids(setting))) END
$$;
-- +goose StatementEnd

-- The disputes a mediator is assigned to.
-- +goose StatementBegin
CREATE FUNCTION hub.mediator_disputes(mediator bigint) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT dm.dispute_id FROM mediation.dispute_mediator dm
  WHERE dm.mediator_id = mediator AND (SELECT hub.acting_for(mediator, 'mediator'))
$$;
-- +goose StatementEnd
-- The cases behind the disputes a mediator is assigned to.
-- +goose StatementBegin
CREATE FUNCTION hub.mediator_cases(mediator bigint) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT d.referred_case_id FROM mediation.dispute d JOIN mediation.dispute_mediator dm ON dm.dispute_id = d.id
  WHERE dm.mediator_id = mediator AND d.referred_case_id IS NOT NULL AND (SELECT hub.acting_for(mediator, 'mediator'))
$$;
-- +goose StatementEnd
-- The parties of the disputes a mediator is assigned to.
-- +goose StatementBegin
CREATE FUNCTION hub.mediator_persons(mediator bigint) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT dp.person_id FROM mediation.dispute_party dp JOIN mediation.dispute_mediator dm ON dm.dispute_id = dp.dispute_id
  WHERE dm.mediator_id = mediator AND (SELECT hub.acting_for(mediator, 'mediator'))
$$;
-- +goose StatementEnd
-- The risk items linked to a station's cases.
-- +goose StatementBegin
CREATE FUNCTION hub.station_risk_items(station bigint) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT l.risk_item_id FROM risk.risk_link l JOIN police."case" c ON c.id = l.case_id
  WHERE c.station_id = station AND (SELECT hub.acting_for(station, 'station'))
$$;
-- +goose StatementEnd
-- An officer's grids.
-- +goose StatementBegin
CREATE FUNCTION hub.officer_grids(officer bigint) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT og.grid_id FROM police.officer_grid og WHERE og.officer_id = officer AND (SELECT hub.acting_for(officer, 'officer'))
$$;
-- +goose StatementEnd
-- The grids where committees have disputes.
-- +goose StatementBegin
CREATE FUNCTION hub.committee_grids(committees bigint[]) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT DISTINCT d.grid_id FROM mediation.dispute d WHERE d.committee_id = ANY ((SELECT hub.acting_for_any(committees, 'committees'))::bigint[])
$$;
-- +goose StatementEnd
-- The grids of communities.
-- +goose StatementBegin
CREATE FUNCTION hub.community_grids(communities bigint[]) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT g.id FROM street.grid g WHERE g.community_id = ANY ((SELECT hub.acting_for_any(communities, 'communities'))::bigint[])
$$;
-- +goose StatementEnd

-- The policies' functions: the same sets for the caller of the statement.
CREATE OR REPLACE FUNCTION hub.mediator_disputes() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$ SELECT hub.mediator_disputes(hub.app_id('mediator')) $$;
CREATE OR REPLACE FUNCTION hub.mediator_cases() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$ SELECT hub.mediator_cases(hub.app_id('mediator')) $$;
CREATE OR REPLACE FUNCTION hub.mediator_persons() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$ SELECT hub.mediator_persons(hub.app_id('mediator')) $$;
CREATE OR REPLACE FUNCTION hub.station_risk_items() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$ SELECT hub.station_risk_items(hub.app_id('station')) $$;
CREATE OR REPLACE FUNCTION hub.officer_grids() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$ SELECT hub.officer_grids(hub.app_id('officer')) $$;
CREATE OR REPLACE FUNCTION hub.committee_grids() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$ SELECT hub.committee_grids(hub.app_ids('committees')) $$;
CREATE OR REPLACE FUNCTION hub.community_grids() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$ SELECT hub.community_grids(hub.app_ids('communities')) $$;

-- The policies read the same sets in FROM (`IN (SELECT s FROM hub.f() s)`), not as a
-- set-returning call in a select list: when the planner looks a set up row by row rather than
-- hashing it (it may, for rows it expects to be few), a function scan is read again from
-- its stored result, where a select-list call would run the function again for every row.
-- +goose StatementBegin
DO $$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT p.polrelid::regclass AS tbl, pg_get_expr(p.polqual, p.polrelid) AS qual FROM pg_policy p
           WHERE p.polname = 'read' AND pg_get_expr(p.polqual, p.polrelid) ~ 'SELECT hub\.(mediator|station|officer|committee|community)_[a-z_]+\(\) AS'
  LOOP
    EXECUTE format('ALTER POLICY read ON %s USING (%s)', r.tbl,
      regexp_replace(r.qual, '\( SELECT (hub\.(mediator|station|officer|committee|community)_[a-z_]+)\(\) AS [a-z_]+\)', '(SELECT s FROM \1() s)', 'g'));
  END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- The policies keep reading the sets in FROM (the same rows either way).
-- The policies' functions go back to their own bodies (00110) before the new ones go.
CREATE OR REPLACE FUNCTION hub.mediator_disputes() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT dm.dispute_id FROM mediation.dispute_mediator dm WHERE dm.mediator_id = hub.app_id('mediator') $$;
CREATE OR REPLACE FUNCTION hub.mediator_cases() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT d.referred_case_id FROM mediation.dispute d JOIN mediation.dispute_mediator dm ON dm.dispute_id = d.id
  WHERE dm.mediator_id = hub.app_id('mediator') AND d.referred_case_id IS NOT NULL $$;
CREATE OR REPLACE FUNCTION hub.mediator_persons() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT dp.person_id FROM mediation.dispute_party dp JOIN mediation.dispute_mediator dm ON dm.dispute_id = dp.dispute_id
  WHERE dm.mediator_id = hub.app_id('mediator') $$;
CREATE OR REPLACE FUNCTION hub.station_risk_items() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT l.risk_item_id FROM risk.risk_link l JOIN police."case" c ON c.id = l.case_id WHERE c.station_id = hub.app_id('station') $$;
CREATE OR REPLACE FUNCTION hub.officer_grids() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT og.grid_id FROM police.officer_grid og WHERE og.officer_id = hub.app_id('officer') $$;
CREATE OR REPLACE FUNCTION hub.committee_grids() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT DISTINCT d.grid_id FROM mediation.dispute d WHERE d.committee_id = ANY (hub.app_ids('committees')) $$;
CREATE OR REPLACE FUNCTION hub.community_grids() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT g.id FROM street.grid g WHERE g.community_id = ANY (hub.app_ids('communities')) $$;
DROP FUNCTION hub.mediator_disputes(bigint), hub.mediator_cases(bigint), hub.mediator_persons(bigint),
  hub.station_risk_items(bigint), hub.officer_grids(bigint), hub.committee_grids(bigint[]), hub.community_grids(bigint[]),
  hub.acting_for(bigint, text), hub.acting_for_any(bigint[], text);
