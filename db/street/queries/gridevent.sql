-- Statements of the grid-event commands (db/street/gridevent).

-- name: ReporterOfGrid :one
-- Whether a grid worker is one of the grid's.
SELECT EXISTS (SELECT 1 FROM street.grid_worker WHERE id = @reporter_id AND grid_id = @grid_id);

-- name: InsertGridEvent :one
-- A grid event in status REPORTED; without a due time it is due by the rule due_rule
-- (GRID_EVENT_DUE_<urgency>) in force when it was reported.
INSERT INTO street.grid_event (event_no, grid_id, estate_id, reporter_id, category, urgency, status, summary, reported_at, due_at)
SELECT sqlc.arg('event_no'), sqlc.arg('grid_id'), sqlc.narg('estate_id')::bigint, sqlc.narg('reporter_id')::bigint, sqlc.arg('category'),
  sqlc.arg('urgency'), 'REPORTED', sqlc.arg('summary'), r.at,
  coalesce(sqlc.narg('due_at')::timestamptz, r.at + make_interval(mins => hub.rule_minutes(sqlc.arg('due_rule')::text, r.at)))
FROM (SELECT sqlc.arg('reported_at')::timestamptz AS at) r
RETURNING id;

-- name: GridEventPlace :one
-- Where a grid event happened and what it says, for its conversion.
SELECT grid_id, estate_id, summary FROM street.grid_event WHERE id = $1;

-- name: StationCoveringGrid :many
-- The station that takes a grid's converted events by default: of those covering its
-- community, the first by id (no row: none covers it).
SELECT sc.station_id FROM street.grid g JOIN police.station_community sc ON sc.community_id = g.community_id
WHERE g.id = $1 ORDER BY sc.station_id LIMIT 1;
