-- Statements of street.CheckPlace (db/street/place.go).

-- name: GridExists :one
SELECT EXISTS (SELECT 1 FROM street.grid WHERE id = $1);

-- name: EstateGrid :many
-- The grid of an estate (no row: no such estate).
SELECT grid_id FROM street.estate WHERE id = $1;
