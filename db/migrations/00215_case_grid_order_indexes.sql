-- +goose Up
-- A grid's cases in key order (the default order of Grid.cases, a page per grid of a level
-- in one LATERAL statement). With sound estimates of the scoped rows (00213) the planner read
-- such a page by walking police."case" in key order and filtering the grid, which for a
-- police officer's grids without cases at his station meant all 60,000 cases per grid (the
-- nested contract query: 1.5 s against ADMIN's 52 ms at scale 1). The second index is the
-- same for the cases street staff see.
CREATE INDEX case_grid_id_idx ON police."case" (grid_id, id);
CREATE INDEX case_grid_street_linked_idx ON police."case" (grid_id, id) WHERE street_linked;

-- +goose Down
DROP INDEX police.case_grid_street_linked_idx;
DROP INDEX police.case_grid_id_idx;
