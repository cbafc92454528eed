-- +goose Up
-- Street staff read the cases the street office reached (police."case".street_linked, 00110):
-- 5,400 of 60,000 at scale 1. Without an index on them a count or a page read every case
-- and evaluated the case's policy on each; a partial index reads those rows alone.
CREATE INDEX case_street_linked_idx ON police."case" (id) WHERE street_linked;

-- +goose Down
DROP INDEX police.case_street_linked_idx;
