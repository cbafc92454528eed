-- +goose Up
-- The moments that matter for the response to each workflow, written by the transition that
-- causes them (db/workflow.Lifecycle.Moments: the first time the status is entered):
-- a case is dispatched and police are on the scene; a grid event is dispatched and a grid
-- worker handles it on the spot (its first response); a committee accepts a dispute (first
-- contact with the parties).
ALTER TABLE police."case"
  ADD COLUMN dispatched_at timestamptz CHECK (dispatched_at IS NULL OR dispatched_at >= received_at),
  ADD COLUMN on_scene_at timestamptz CHECK (on_scene_at IS NULL OR on_scene_at >= received_at);
ALTER TABLE street.grid_event
  ADD COLUMN dispatched_at timestamptz CHECK (dispatched_at IS NULL OR dispatched_at >= reported_at),
  ADD COLUMN responded_at timestamptz CHECK (responded_at IS NULL OR responded_at >= reported_at);
ALTER TABLE mediation.dispute
  ADD COLUMN first_contact_at timestamptz CHECK (first_contact_at IS NULL OR first_contact_at >= received_at);

-- The live view lists open records still awaiting their response, by deadline.
CREATE INDEX case_awaiting_scene_idx ON police."case" (received_at) WHERE on_scene_at IS NULL AND closed_at IS NULL;
CREATE INDEX grid_event_awaiting_response_idx ON street.grid_event (reported_at)
  WHERE responded_at IS NULL AND closed_at IS NULL AND urgency IN ('HIGH', 'CRITICAL');

-- fill_response_moments derives the moments from the status logs, for rows written before
-- the columns existed and for bulk loads (the demo seed); transitions write them directly.
-- +goose StatementBegin
CREATE FUNCTION hub.fill_response_moments() RETURNS void LANGUAGE sql AS $$
  UPDATE police."case" c SET dispatched_at = l.dispatched, on_scene_at = l.on_scene
  FROM (SELECT entity_id, min(at) FILTER (WHERE to_status = 'DISPATCHED') AS dispatched, min(at) FILTER (WHERE to_status = 'ON_SCENE') AS on_scene
        FROM police.case_status_log GROUP BY entity_id) l
  WHERE l.entity_id = c.id AND (l.dispatched IS NOT NULL OR l.on_scene IS NOT NULL)
    AND (c.dispatched_at IS DISTINCT FROM l.dispatched OR c.on_scene_at IS DISTINCT FROM l.on_scene);
  UPDATE street.grid_event e SET dispatched_at = l.dispatched, responded_at = l.responded
  FROM (SELECT entity_id, min(at) FILTER (WHERE to_status = 'DISPATCHED') AS dispatched, min(at) FILTER (WHERE to_status = 'HANDLING') AS responded
        FROM street.grid_event_status_log GROUP BY entity_id) l
  WHERE l.entity_id = e.id AND (l.dispatched IS NOT NULL OR l.responded IS NOT NULL)
    AND (e.dispatched_at IS DISTINCT FROM l.dispatched OR e.responded_at IS DISTINCT FROM l.responded);
  UPDATE mediation.dispute d SET first_contact_at = l.accepted
  FROM (SELECT entity_id, min(at) AS accepted FROM mediation.dispute_status_log WHERE to_status = 'ACCEPTED' GROUP BY entity_id) l
  WHERE l.entity_id = d.id AND d.first_contact_at IS DISTINCT FROM l.accepted;
$$;
-- +goose StatementEnd
SELECT hub.fill_response_moments();

-- response is every record that owes a response, in one shape for the response-time
-- aggregates (db/analytics.Responses): when its clock started, when it was dispatched and
-- answered, and the rule whose deadline applies.
CREATE VIEW hub.response AS
  SELECT 'CASE'::text AS workflow, c.id, c.grid_id, c.station_id, NULL::text AS urgency, c.status,
         c.received_at AS started_at, c.dispatched_at, c.on_scene_at AS responded_at, c.closed_at,
         'CASE_ON_SCENE'::text AS rule_code
  FROM police."case" c
  UNION ALL
  SELECT 'GRID_EVENT', e.id, e.grid_id, NULL::bigint, e.urgency, e.status,
         e.reported_at, e.dispatched_at, e.responded_at, e.closed_at, 'GRID_EVENT_RESPONSE_' || e.urgency
  FROM street.grid_event e
  UNION ALL
  SELECT 'DISPUTE', d.id, d.grid_id, rc.station_id, NULL::text, d.status,
         d.received_at, NULL::timestamptz, d.first_contact_at, d.closed_at, 'DISPUTE_FIRST_CONTACT'
  FROM mediation.dispute d LEFT JOIN police."case" rc ON rc.id = d.referred_case_id;
GRANT EXECUTE ON FUNCTION hub.fill_response_moments() TO civiclink_app;

-- +goose Down
DROP VIEW hub.response;
DROP FUNCTION hub.fill_response_moments();
DROP INDEX street.grid_event_awaiting_response_idx;
DROP INDEX police.case_awaiting_scene_idx;
ALTER TABLE mediation.dispute DROP COLUMN first_contact_at;
ALTER TABLE street.grid_event DROP COLUMN dispatched_at, DROP COLUMN responded_at;
ALTER TABLE police."case" DROP COLUMN dispatched_at, DROP COLUMN on_scene_at;
