-- +goose Up
-- Scoped reads that cost what they cost as the owner (issue 10: within 1.5×).
--
-- 1. A police officer's disputes are those referred by a case of the officer's station. The
--    rule and the policy checked that with a correlated EXISTS over police."case" (itself
--    under row security); for a station holding half the cases the planner ran it as a
--    nested loop over 30,000 cases, and evaluated the case's policy once per dispute (24× the
--    owner's count). A dispute now keeps the station of its referred case,
--    referred_station_id, maintained by triggers like police."case".street_linked (00110),
--    so the rule and the policy compare a column of the row with the caller's station.
--
-- 2. The policy of police."case" read a grid worker's cases with a subquery over
--    street.grid_event. Never run for other roles, that subquery's estimated cost (a bitmap
--    scan of grid events) was still charged to every scan of police."case" as start-up cost,
--    once per probe of an index scan inside a nested loop, so the planner read all 60,000
--    cases to count a mediator's 580 (3.5× the owner's count). The set now comes from an
--    owner-run function read in FROM, like the other scope sets (00170), whose start-up is
--    cheap; the Go rule reads the same function.

ALTER TABLE mediation.dispute ADD COLUMN referred_station_id bigint REFERENCES police.station (id);
UPDATE mediation.dispute d SET referred_station_id = c.station_id
FROM police."case" c WHERE c.id = d.referred_case_id;
CREATE INDEX dispute_referred_station_idx ON mediation.dispute (referred_station_id, received_at DESC, id DESC)
  WHERE referred_station_id IS NOT NULL;

-- A dispute takes its station from the case it is referred by, read as the owner (the writer
-- may not see the case).
-- +goose StatementBegin
CREATE FUNCTION hub.set_referred_station() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
  IF NEW.referred_case_id IS NULL THEN
    NEW.referred_station_id := NULL;
  ELSE
    NEW.referred_station_id := (SELECT c.station_id FROM police."case" c WHERE c.id = NEW.referred_case_id);
  END IF;
  RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER set_referred_station BEFORE INSERT OR UPDATE OF referred_case_id, referred_station_id ON mediation.dispute
  FOR EACH ROW EXECUTE FUNCTION hub.set_referred_station();

-- A case that moves to another station takes its referred dispute along.
-- +goose StatementBegin
CREATE FUNCTION hub.move_referred_dispute() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
  UPDATE mediation.dispute d SET referred_station_id = NEW.station_id WHERE d.referred_case_id = NEW.id;
  RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER move_referred_dispute AFTER UPDATE OF station_id ON police."case"
  FOR EACH ROW WHEN (OLD.station_id IS DISTINCT FROM NEW.station_id) EXECUTE FUNCTION hub.move_referred_dispute();

-- The cases made from the events of grids (a grid worker's cases).
-- +goose StatementBegin
CREATE FUNCTION hub.grid_cases(grids bigint[]) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT e.converted_case_id FROM street.grid_event e
  WHERE e.grid_id = ANY ((SELECT hub.acting_for_any(grids, 'grids'))::bigint[]) AND e.converted_case_id IS NOT NULL
$$;
-- +goose StatementEnd
CREATE FUNCTION hub.grid_cases() RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$ SELECT hub.grid_cases(hub.app_ids('grids')) $$;

ALTER POLICY read ON police."case" USING (
  (SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN')
  OR ((SELECT hub.app_role()) = 'POLICE_OFFICER' AND station_id = (SELECT hub.app_id('station')))
  OR ((SELECT hub.app_role()) = 'STREET_STAFF' AND street_linked)
  OR ((SELECT hub.app_role()) = 'GRID_WORKER' AND street_linked AND id IN (SELECT s FROM hub.grid_cases() s))
  OR ((SELECT hub.app_role()) = 'MEDIATOR' AND street_linked AND id IN (SELECT s FROM hub.mediator_cases() s)));

ALTER POLICY read ON mediation.dispute USING (
  (SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN')
  OR ((SELECT hub.app_role()) = 'STREET_STAFF' AND ((SELECT hub.app_ids('communities')) = '{}' OR grid_id IN (SELECT s FROM hub.community_grids() s)))
  OR ((SELECT hub.app_role()) = 'GRID_WORKER' AND grid_id = ANY ((SELECT hub.app_ids('grids'))::bigint[]))
  OR ((SELECT hub.app_role()) = 'POLICE_OFFICER' AND referred_station_id = (SELECT hub.app_id('station')))
  OR ((SELECT hub.app_role()) = 'MEDIATOR' AND (committee_id = ANY ((SELECT hub.app_ids('committees'))::bigint[]) OR id IN (SELECT s FROM hub.mediator_disputes() s))));

-- +goose Down
ALTER POLICY read ON mediation.dispute USING (
  (SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN')
  OR ((SELECT hub.app_role()) = 'STREET_STAFF' AND ((SELECT hub.app_ids('communities')) = '{}' OR grid_id IN (SELECT s FROM hub.community_grids() s)))
  OR ((SELECT hub.app_role()) = 'GRID_WORKER' AND grid_id = ANY ((SELECT hub.app_ids('grids'))::bigint[]))
  OR ((SELECT hub.app_role()) = 'POLICE_OFFICER' AND EXISTS (
        SELECT 1 FROM police."case" c WHERE c.id = referred_case_id AND c.station_id = (SELECT hub.app_id('station'))))
  OR ((SELECT hub.app_role()) = 'MEDIATOR' AND (committee_id = ANY ((SELECT hub.app_ids('committees'))::bigint[]) OR id IN (SELECT s FROM hub.mediator_disputes() s))));
ALTER POLICY read ON police."case" USING (
  (SELECT hub.app_role()) IN ('SYSTEM', 'ADMIN')
  OR ((SELECT hub.app_role()) = 'POLICE_OFFICER' AND station_id = (SELECT hub.app_id('station')))
  OR ((SELECT hub.app_role()) = 'STREET_STAFF' AND street_linked)
  OR ((SELECT hub.app_role()) = 'GRID_WORKER' AND street_linked AND id IN (
        SELECT e.converted_case_id FROM street.grid_event e WHERE e.grid_id = ANY ((SELECT hub.app_ids('grids'))::bigint[])))
  OR ((SELECT hub.app_role()) = 'MEDIATOR' AND street_linked AND id IN (SELECT s FROM hub.mediator_cases() s)));
DROP FUNCTION hub.grid_cases(), hub.grid_cases(bigint[]);
DROP TRIGGER move_referred_dispute ON police."case";
DROP TRIGGER set_referred_station ON mediation.dispute;
DROP FUNCTION hub.move_referred_dispute(), hub.set_referred_station();
ALTER TABLE mediation.dispute DROP COLUMN referred_station_id;
