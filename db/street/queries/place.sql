-- Statements of street.CheckPlace (db/street/place.go).

-- name: EstateGrid :many
-- The grid of an estate (no row: no such estate).
SELECT grid_id FROM street.estate WHERE id = $1;
