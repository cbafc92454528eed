-- Statements of rules.Publish (db/rules/publish.go).

-- name: LockRuleCode :exec
-- Serialises the edits of one rule code until the transaction ends.
SELECT pg_advisory_xact_lock(hashtext('hub.rule:' || @code::text));

-- name: LatestRuleVersion :one
-- The latest version of a rule code (no row: no such rule).
SELECT id, version, deadline_minutes, remind, description, valid_from
FROM hub.rule WHERE code = $1 ORDER BY valid_from DESC LIMIT 1;

-- name: EndRuleVersion :exec
-- Ends a rule version at the instant the next one takes effect.
UPDATE hub.rule SET valid_to = @valid_to WHERE id = @id;

-- name: InsertNextRuleVersion :one
-- The version after rule version previous_id, with its subject, duty and urgency.
INSERT INTO hub.rule (code, version, subject, duty, urgency, deadline_minutes, remind, description, valid_from, reason, created_by)
SELECT p.code, p.version + 1, p.subject, p.duty, p.urgency, sqlc.arg('deadline_minutes')::integer, sqlc.arg('remind')::text,
  sqlc.arg('description')::text, sqlc.arg('valid_from')::timestamptz, sqlc.arg('reason')::text, sqlc.arg('actor')::text
FROM hub.rule p WHERE p.id = sqlc.arg('previous_id')
RETURNING id;

-- name: LogRuleEdit :exec
-- Logs an edit: the version it ended and the one it published.
INSERT INTO hub.rule_log (rule_id, action, actor, reason)
VALUES (@ended_id, 'ENDED', @actor, @reason), (@published_id, 'PUBLISHED', @actor, @reason);
