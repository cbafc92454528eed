-- name: AgreementSignedAt :one
-- When an agreement was signed: follow-up visits are not before it.
SELECT signed_at FROM mediation.agreement WHERE id = $1;
