-- Statements of redraw.Apply (db/redraw/redraw.go). A split names the rows it takes (all
-- false, ids); a merge takes every row of the grid (all true).

-- name: LockGrid :one
-- Locks a grid for its redraw.
SELECT community_id, retired_at FROM street.grid WHERE id = $1 FOR UPDATE;

-- name: InsertRedraw :one
INSERT INTO street.grid_redraw (kind, effective_at, reason, actor) VALUES (@kind, @effective_at, @reason, @actor) RETURNING id;

-- name: SetRedrawDetails :exec
-- The redraw's counts of the rows it touched, by step.
UPDATE street.grid_redraw SET details = @details WHERE id = @id;

-- name: EndGridVersion :execrows
-- Ends a grid's current version at the redraw (no row: the version starts after it).
UPDATE street.grid_version SET valid_to = sqlc.arg('at')::timestamptz
WHERE grid_id = sqlc.arg('grid_id') AND valid_to IS NULL AND valid_from <= sqlc.arg('at')::timestamptz;

-- name: OpenGridVersion :execrows
-- Opens a grid's next version, in a community, from the redraw.
INSERT INTO street.grid_version (grid_id, version, community_id, code, name, valid_from, redraw_id)
SELECT g.id, (SELECT max(v.version) + 1 FROM street.grid_version v WHERE v.grid_id = g.id), sqlc.arg('community_id')::bigint, g.code, g.name,
  sqlc.arg('valid_from')::timestamptz, sqlc.arg('redraw_id')::bigint
FROM street.grid g WHERE g.id = sqlc.arg('grid_id')::bigint;

-- name: CountEstatesOfGrid :one
SELECT count(DISTINCT id) FROM street.estate WHERE id = ANY(@ids::bigint[]) AND grid_id = @grid_id;

-- name: CountPersonsOfGrid :one
SELECT count(DISTINCT id) FROM street.person WHERE id = ANY(@ids::bigint[]) AND grid_id = @grid_id::bigint;

-- name: CountActiveGridWorkers :one
-- The grid workers of ids active in the grid on day.
SELECT count(DISTINCT id) FROM street.grid_worker
WHERE id = ANY(@ids::bigint[]) AND grid_id = @grid_id AND (active_to IS NULL OR active_to >= @day::date);

-- name: InsertGrid :one
INSERT INTO street.grid (community_id, code, name, kind) VALUES (@community_id, @code, @name, @kind) RETURNING id;

-- name: DateNewGrid :execrows
-- A new grid's first version starts at the redraw that made it.
UPDATE street.grid_version SET valid_from = @valid_from, redraw_id = @redraw_id::bigint WHERE grid_id = @grid_id;

-- name: MoveEstates :execrows
UPDATE street.estate SET grid_id = @to_grid, community_id = @community_id
WHERE grid_id = @from_grid AND (@whole::boolean OR id = ANY(@ids::bigint[]));

-- name: MovePersons :execrows
UPDATE street.person SET grid_id = @to_grid::bigint WHERE grid_id = @from_grid::bigint AND (@whole::boolean OR id = ANY(@ids::bigint[]));

-- name: CopyGridWorkers :execrows
-- Appoints the grid workers active on day in the other grid from that day.
INSERT INTO street.grid_worker (person_id, grid_id, post, active_from)
SELECT w.person_id, sqlc.arg('to_grid')::bigint, w.post, sqlc.arg('day')::date FROM street.grid_worker w
WHERE w.grid_id = sqlc.arg('from_grid')::bigint AND (sqlc.arg('whole')::boolean OR w.id = ANY(sqlc.arg('ids')::bigint[]))
  AND (w.active_to IS NULL OR w.active_to >= sqlc.arg('day')::date);

-- name: EndGridWorkers :execrows
-- Ends the appointments in the grid of those active on day.
UPDATE street.grid_worker SET active_to = greatest(active_from, sqlc.arg('day')::date)
WHERE grid_id = sqlc.arg('from_grid')::bigint AND (sqlc.arg('whole')::boolean OR id = ANY(sqlc.arg('ids')::bigint[]))
  AND (active_to IS NULL OR active_to >= sqlc.arg('day')::date);

-- name: CopyOfficers :execrows
-- The named officers of the grid cover the other grid too.
INSERT INTO police.officer_grid (officer_id, grid_id, role)
SELECT o.officer_id, sqlc.arg('to_grid')::bigint, o.role FROM police.officer_grid o
WHERE o.grid_id = sqlc.arg('from_grid')::bigint AND o.officer_id = ANY(sqlc.arg('ids')::bigint[])
ON CONFLICT DO NOTHING;

-- name: MoveOfficers :execrows
-- The officers of the grid cover the other grid instead (those covering both already keep that).
UPDATE police.officer_grid og SET grid_id = @to_grid WHERE og.grid_id = @from_grid
  AND NOT EXISTS (SELECT 1 FROM police.officer_grid o2 WHERE o2.officer_id = og.officer_id AND o2.grid_id = @to_grid);

-- name: MoveAssessments :execrows
UPDATE risk.assessment SET grid_id = @to_grid::bigint WHERE grid_id = @from_grid::bigint;

-- name: RetireGrid :execrows
UPDATE street.grid SET retired_at = @retired_at::timestamptz WHERE id = @id;

-- name: MoveGrid :execrows
UPDATE street.grid SET community_id = @community_id WHERE id = @id;

-- name: MoveGridEstates :execrows
UPDATE street.estate SET community_id = @community_id WHERE grid_id = @grid_id;

-- name: MoveRecords :one
-- Gives the records of the grid (whole, or those of the estates of ids) the other grid as
-- their current grid: cases, grid events, disputes and risk items. Their grid of the time
-- (grid_version_id) is not touched.
WITH c AS (
  UPDATE police."case" SET grid_id = sqlc.arg('to_grid')::bigint WHERE grid_id = sqlc.arg('from_grid')::bigint
    AND (sqlc.arg('whole')::boolean OR estate_id = ANY(sqlc.arg('estate_ids')::bigint[])) RETURNING 1
), e AS (
  UPDATE street.grid_event SET grid_id = sqlc.arg('to_grid')::bigint WHERE grid_id = sqlc.arg('from_grid')::bigint
    AND (sqlc.arg('whole')::boolean OR estate_id = ANY(sqlc.arg('estate_ids')::bigint[])) RETURNING 1
), d AS (
  UPDATE mediation.dispute SET grid_id = sqlc.arg('to_grid')::bigint WHERE grid_id = sqlc.arg('from_grid')::bigint
    AND (sqlc.arg('whole')::boolean OR estate_id = ANY(sqlc.arg('estate_ids')::bigint[])) RETURNING 1
), r AS (
  UPDATE risk.risk_item SET grid_id = sqlc.arg('to_grid')::bigint WHERE grid_id = sqlc.arg('from_grid')::bigint
    AND (sqlc.arg('whole')::boolean OR estate_id = ANY(sqlc.arg('estate_ids')::bigint[])) RETURNING 1
)
SELECT ((SELECT count(*) FROM c) + (SELECT count(*) FROM e) + (SELECT count(*) FROM d) + (SELECT count(*) FROM r))::bigint AS moved;

-- name: Reattribute :one
-- Gives the records of the grids that happened from the redraw on (received, reported,
-- identified) the grid versions now in force; what happened before keeps its version.
WITH c AS (
  UPDATE police."case" t SET grid_version_id = v.id FROM street.grid_version v
  WHERE v.grid_id = t.grid_id AND v.valid_to IS NULL AND t.grid_id = ANY(sqlc.arg('grids')::bigint[]) AND t.received_at >= sqlc.arg('at')::timestamptz
    AND t.grid_version_id IS DISTINCT FROM v.id RETURNING 1
), e AS (
  UPDATE street.grid_event t SET grid_version_id = v.id FROM street.grid_version v
  WHERE v.grid_id = t.grid_id AND v.valid_to IS NULL AND t.grid_id = ANY(sqlc.arg('grids')::bigint[]) AND t.reported_at >= sqlc.arg('at')::timestamptz
    AND t.grid_version_id IS DISTINCT FROM v.id RETURNING 1
), d AS (
  UPDATE mediation.dispute t SET grid_version_id = v.id FROM street.grid_version v
  WHERE v.grid_id = t.grid_id AND v.valid_to IS NULL AND t.grid_id = ANY(sqlc.arg('grids')::bigint[]) AND t.received_at >= sqlc.arg('at')::timestamptz
    AND t.grid_version_id IS DISTINCT FROM v.id RETURNING 1
), r AS (
  UPDATE risk.risk_item t SET grid_version_id = v.id FROM street.grid_version v
  WHERE v.grid_id = t.grid_id AND v.valid_to IS NULL AND t.grid_id = ANY(sqlc.arg('grids')::bigint[]) AND t.identified_at >= sqlc.arg('at')::timestamptz
    AND t.grid_version_id IS DISTINCT FROM v.id RETURNING 1
)
SELECT ((SELECT count(*) FROM c) + (SELECT count(*) FROM e) + (SELECT count(*) FROM d) + (SELECT count(*) FROM r))::bigint AS reattributed;
