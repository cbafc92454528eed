-- +goose Up
-- The practices' tables are reference data, read by every role but the auditor, like grids
-- (hub.secure_reference, 00110): the rules and their log, the grid versions and redraws.
SELECT hub.secure_reference('hub.rule');
SELECT hub.secure_reference('hub.rule_log');
SELECT hub.secure_reference('street.grid_version');
SELECT hub.secure_reference('street.grid_redraw');

-- +goose Down
ALTER TABLE hub.rule DISABLE ROW LEVEL SECURITY;
ALTER TABLE hub.rule_log DISABLE ROW LEVEL SECURITY;
ALTER TABLE street.grid_version DISABLE ROW LEVEL SECURITY;
ALTER TABLE street.grid_redraw DISABLE ROW LEVEL SECURITY;
