-- +goose Up
-- The scope functions (00170, 00210) in PL/pgSQL, with row estimates.
--
-- A SQL function that cannot be inlined (these are SECURITY DEFINER, and return sets) plans
-- its body again at every call: 1.5–2 ms a call at scale 1 on a loaded machine, twice per
-- scoped statement (the Go rule's set and the policy's), which was most of what a scoped
-- count or page cost beyond the owner's. PL/pgSQL keeps the plan of each statement for the
-- session, and the hub's connections are long-lived.
--
-- The planner took every set for 1,000 rows (the default), so it read a community's 10 grids
-- or an officer's 3 as a thousand; the estimates below are the sets' sizes at scale 1, to
-- the order of magnitude (they only guide the plan).
--
-- The bodies and their meaning are unchanged: acting for a caller (role civiclink_app) a
-- function answers only within the caller's own settings, as the owner for the keys given.

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.mediator_disputes(mediator bigint) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 100 AS $$
BEGIN
  IF hub.acting_for(mediator, 'mediator') THEN
    RETURN QUERY SELECT dm.dispute_id FROM mediation.dispute_mediator dm WHERE dm.mediator_id = mediator;
  END IF;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.mediator_cases(mediator bigint) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 100 AS $$
BEGIN
  IF hub.acting_for(mediator, 'mediator') THEN
    RETURN QUERY SELECT d.referred_case_id FROM mediation.dispute d JOIN mediation.dispute_mediator dm ON dm.dispute_id = d.id
      WHERE dm.mediator_id = mediator AND d.referred_case_id IS NOT NULL;
  END IF;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.mediator_persons(mediator bigint) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 300 AS $$
BEGIN
  IF hub.acting_for(mediator, 'mediator') THEN
    RETURN QUERY SELECT dp.person_id FROM mediation.dispute_party dp JOIN mediation.dispute_mediator dm ON dm.dispute_id = dp.dispute_id
      WHERE dm.mediator_id = mediator;
  END IF;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.station_risk_items(station bigint) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 500 AS $$
BEGIN
  IF hub.acting_for(station, 'station') THEN
    RETURN QUERY SELECT l.risk_item_id FROM risk.risk_link l JOIN police."case" c ON c.id = l.case_id WHERE c.station_id = station;
  END IF;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.officer_grids(officer bigint) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 5 AS $$
BEGIN
  IF hub.acting_for(officer, 'officer') THEN
    RETURN QUERY SELECT og.grid_id FROM police.officer_grid og WHERE og.officer_id = officer;
  END IF;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.committee_grids(committees bigint[]) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 20 AS $$
BEGIN
  RETURN QUERY SELECT DISTINCT d.grid_id FROM mediation.dispute d WHERE d.committee_id = ANY ((SELECT hub.acting_for_any(committees, 'committees'))::bigint[]);
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.community_grids(communities bigint[]) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 15 AS $$
BEGIN
  RETURN QUERY SELECT g.id FROM street.grid g WHERE g.community_id = ANY ((SELECT hub.acting_for_any(communities, 'communities'))::bigint[]);
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.grid_cases(grids bigint[]) RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 50 AS $$
BEGIN
  RETURN QUERY SELECT e.converted_case_id FROM street.grid_event e
    WHERE e.grid_id = ANY ((SELECT hub.acting_for_any(grids, 'grids'))::bigint[]) AND e.converted_case_id IS NOT NULL;
END
$$;
-- +goose StatementEnd

-- The policies' functions: the same sets for the caller of the statement.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.mediator_disputes() RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 100 AS $$
BEGIN RETURN QUERY SELECT s FROM hub.mediator_disputes(hub.app_id('mediator')) s; END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.mediator_cases() RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 100 AS $$
BEGIN RETURN QUERY SELECT s FROM hub.mediator_cases(hub.app_id('mediator')) s; END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.mediator_persons() RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 300 AS $$
BEGIN RETURN QUERY SELECT s FROM hub.mediator_persons(hub.app_id('mediator')) s; END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.station_risk_items() RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 500 AS $$
BEGIN RETURN QUERY SELECT s FROM hub.station_risk_items(hub.app_id('station')) s; END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.officer_grids() RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 5 AS $$
BEGIN RETURN QUERY SELECT s FROM hub.officer_grids(hub.app_id('officer')) s; END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.committee_grids() RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 20 AS $$
BEGIN RETURN QUERY SELECT s FROM hub.committee_grids(hub.app_ids('committees')) s; END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.community_grids() RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 15 AS $$
BEGIN RETURN QUERY SELECT s FROM hub.community_grids(hub.app_ids('communities')) s; END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.grid_cases() RETURNS SETOF bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 50 AS $$
BEGIN RETURN QUERY SELECT s FROM hub.grid_cases(hub.app_ids('grids')) s; END
$$;
-- +goose StatementEnd

-- +goose Down
-- The SQL bodies of 00170 and 00210.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.mediator_disputes(mediator bigint) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 1000 AS $$
  SELECT dm.dispute_id FROM mediation.dispute_mediator dm
  WHERE dm.mediator_id = mediator AND (SELECT hub.acting_for(mediator, 'mediator'))
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.mediator_cases(mediator bigint) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 1000 AS $$
  SELECT d.referred_case_id FROM mediation.dispute d JOIN mediation.dispute_mediator dm ON dm.dispute_id = d.id
  WHERE dm.mediator_id = mediator AND d.referred_case_id IS NOT NULL AND (SELECT hub.acting_for(mediator, 'mediator'))
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.mediator_persons(mediator bigint) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 1000 AS $$
  SELECT dp.person_id FROM mediation.dispute_party dp JOIN mediation.dispute_mediator dm ON dm.dispute_id = dp.dispute_id
  WHERE dm.mediator_id = mediator AND (SELECT hub.acting_for(mediator, 'mediator'))
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.station_risk_items(station bigint) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 1000 AS $$
  SELECT l.risk_item_id FROM risk.risk_link l JOIN police."case" c ON c.id = l.case_id
  WHERE c.station_id = station AND (SELECT hub.acting_for(station, 'station'))
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.officer_grids(officer bigint) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 1000 AS $$
  SELECT og.grid_id FROM police.officer_grid og WHERE og.officer_id = officer AND (SELECT hub.acting_for(officer, 'officer'))
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.committee_grids(committees bigint[]) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 1000 AS $$
  SELECT DISTINCT d.grid_id FROM mediation.dispute d WHERE d.committee_id = ANY ((SELECT hub.acting_for_any(committees, 'committees'))::bigint[])
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.community_grids(communities bigint[]) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 1000 AS $$
  SELECT g.id FROM street.grid g WHERE g.community_id = ANY ((SELECT hub.acting_for_any(communities, 'communities'))::bigint[])
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hub.grid_cases(grids bigint[]) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 1000 AS $$
  SELECT e.converted_case_id FROM street.grid_event e
  WHERE e.grid_id = ANY ((SELECT hub.acting_for_any(grids, 'grids'))::bigint[]) AND e.converted_case_id IS NOT NULL
$$;
-- +goose StatementEnd
CREATE OR REPLACE FUNCTION hub.mediator_disputes() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 1000 AS $$ SELECT hub.mediator_disputes(hub.app_id('mediator')) $$;
CREATE OR REPLACE FUNCTION hub.mediator_cases() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 1000 AS $$ SELECT hub.mediator_cases(hub.app_id('mediator')) $$;
CREATE OR REPLACE FUNCTION hub.mediator_persons() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 1000 AS $$ SELECT hub.mediator_persons(hub.app_id('mediator')) $$;
CREATE OR REPLACE FUNCTION hub.station_risk_items() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 1000 AS $$ SELECT hub.station_risk_items(hub.app_id('station')) $$;
CREATE OR REPLACE FUNCTION hub.officer_grids() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 1000 AS $$ SELECT hub.officer_grids(hub.app_id('officer')) $$;
CREATE OR REPLACE FUNCTION hub.committee_grids() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 1000 AS $$ SELECT hub.committee_grids(hub.app_ids('committees')) $$;
CREATE OR REPLACE FUNCTION hub.community_grids() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 1000 AS $$ SELECT hub.community_grids(hub.app_ids('communities')) $$;
CREATE OR REPLACE FUNCTION hub.grid_cases() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog ROWS 1000 AS $$ SELECT hub.grid_cases(hub.app_ids('grids')) $$;
