-- +goose Up
-- Reads that grew with the data rather than with the page (issue 10: p50 at scale 10 within
-- 1.2× of scale 1). Measured with EXPLAIN (ANALYZE, BUFFERS) as STREET_STAFF under row
-- security, scale 1 → scale 10, buffers read by one statement:
--
-- * The referred disputes' totalCount, count(*) of the disputes of one source: a bitmap heap
--   scan visiting every matching row's heap page to evaluate the read policy, 705 → 7,036
--   buffers (29 → 222 ms). The policy reads grid_id, referred_station_id, committee_id and
--   id; with them in the source index the count is an index-only scan (Heap Fetches 0,
--   398 buffers at scale 10, 20 ms). The index keeps its key, so it still serves the
--   disputes' pages by source in received order.
-- * An officer's benefit grants, the child list of every officer of a level: one heap page
--   per grant or so, since grants are not stored by officer, 57 → 702 buffers for about the
--   same rows, then a sort. Covering the list's columns in its order, it is an index-only
--   scan in that order (322 buffers at scale 10, most of them the descent per officer key;
--   17.5 → 6.2 ms).
ALTER INDEX mediation.dispute_source_idx RENAME TO dispute_source_old_idx;
CREATE INDEX dispute_source_idx ON mediation.dispute (source, received_at DESC, id DESC)
  INCLUDE (grid_id, referred_station_id, committee_id);
DROP INDEX mediation.dispute_source_old_idx;

CREATE INDEX benefit_grant_officer_list_idx ON welfare.benefit_grant (officer_id, applied_on DESC, id DESC)
  INCLUDE (program_id, status, amount, granted_on, created_at, updated_at, version);

-- +goose Down
DROP INDEX welfare.benefit_grant_officer_list_idx;
ALTER INDEX mediation.dispute_source_idx RENAME TO dispute_source_new_idx;
CREATE INDEX dispute_source_idx ON mediation.dispute (source, received_at DESC, id DESC);
DROP INDEX mediation.dispute_source_new_idx;
