-- Statements of the welfare commands (db/welfare/commands.go).

-- name: InsertProgram :one
INSERT INTO welfare.program (name, category, provider, period_start, period_end)
VALUES (@name, @category, @provider, @period_start, @period_end)
RETURNING id;

-- name: ProgramPeriod :one
-- A program's first and last day: applications lie within them.
SELECT period_start, period_end FROM welfare.program WHERE id = $1;

-- name: InsertBenefitGrant :one
INSERT INTO welfare.benefit_grant (program_id, officer_id, status, amount, applied_on)
VALUES (@program_id, @officer_id, 'APPLIED', @amount, @applied_on)
RETURNING id;

-- name: GrantAppliedOn :one
-- The day a grant was applied for: it is not granted before.
SELECT applied_on FROM welfare.benefit_grant WHERE id = $1;

-- name: InsertSurvey :one
INSERT INTO welfare.survey (station_id, period, title) VALUES (@station_id, @period, @title)
RETURNING id;

-- name: InsertSurveyResponse :exec
INSERT INTO welfare.survey_response (survey_id, respondent_key, overall, belonging, workload, comment)
VALUES (@survey_id, @respondent_key, @overall, @belonging, @workload, @comment);
