-- Statements of sessions, agreements and follow-ups (db/mediation/commands.go).

-- name: InsertSession :one
INSERT INTO mediation.session (dispute_id, held_at, place, approaches, record)
VALUES ($1, $2, $3, $4, $5) RETURNING id;

-- name: InsertAgreement :one
INSERT INTO mediation.agreement (dispute_id, form, terms, performance_deadline, signed_at)
VALUES ($1, $2, $3, $4, $5) RETURNING id;

-- name: AgreementSignedAt :one
-- When an agreement was signed: follow-up visits are not before it.
SELECT signed_at FROM mediation.agreement WHERE id = $1;

-- name: InsertFollowUp :one
INSERT INTO mediation.follow_up (agreement_id, visited_at, visitor, performance, satisfaction, new_risk)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id;

-- name: ApplyForConfirmation :exec
UPDATE mediation.agreement SET judicial_confirmation = 'APPLIED', version = version + 1 WHERE id = $1;
