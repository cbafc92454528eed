-- Statements of the case-party commands (db/police/parties.go).

-- name: CaseStatus :one
SELECT status FROM police."case" WHERE id = $1;

-- name: InsertCaseParty :one
INSERT INTO police.case_party (case_id, person_id, role, is_minor) VALUES ($1, $2, $3, $4) RETURNING id;

-- name: UpdateCaseParty :exec
UPDATE police.case_party SET person_id = @person_id, role = @role, is_minor = @is_minor, version = version + 1 WHERE id = @id;
