-- Statements of the case commands (db/police/commands.go).

-- name: OfficerOfStation :one
SELECT EXISTS (SELECT 1 FROM police.officer WHERE id = @officer_id AND station_id = @station_id);

-- name: NextCaseID :one
-- The key of a new case is drawn first rather than RETURNed: whoever converts a grid event
-- into a case may only see the case once the event points at it, and row security checks
-- RETURNING.
SELECT nextval(pg_get_serial_sequence('police."case"', 'id'))::bigint AS id;

-- name: InsertCase :exec
INSERT INTO police."case" (id, case_no, station_id, kind, category, source, status, summary,
    occurred_at, received_at, grid_id, estate_id, address, lead_officer_id)
VALUES (@id, @case_no, @station_id, @kind, @category, @source, 'RECEIVED', @summary,
    @occurred_at, @received_at, @grid_id, @estate_id, @address, @lead_officer_id);

-- name: CaseWhere :one
-- Where a case sits, for its events.
SELECT grid_id, station_id FROM police."case" WHERE id = $1;

-- name: CaseForReferral :one
-- The case to refer: what decides whether it may be, what its dispute takes over, and where
-- its CASE_REFERRED event is delivered.
SELECT kind, status, summary, grid_id, estate_id, station_id FROM police."case" WHERE id = $1;

-- name: PartiesForReferral :many
-- Each person of a case once, in the role that decides their side in mediation: a suspect
-- responds, a victim or caller applies, a witness joins.
SELECT DISTINCT ON (person_id) person_id, role FROM police.case_party WHERE case_id = $1
ORDER BY person_id, CASE role WHEN 'SUSPECT' THEN 0 WHEN 'VICTIM' THEN 1 WHEN 'CALLER' THEN 2 ELSE 3 END;
