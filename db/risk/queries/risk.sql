-- Statements of the risk commands (db/risk/commands.go).

-- name: InsertAssessment :one
INSERT INTO risk.assessment (title, subject_type, responsible_unit, grid_id, status, opened_at)
VALUES (@title, @subject_type, @responsible_unit, @grid_id, 'PROPOSED', @opened_at)
RETURNING id;

-- name: MediatorServesGrid :one
-- Whether a dispute of one of the committees lies in the grid: a mediator raises risks there.
SELECT EXISTS (SELECT 1 FROM mediation.dispute WHERE grid_id = @grid_id::bigint AND committee_id = ANY(@committee_ids::bigint[]));

-- name: InsertRiskItem :one
INSERT INTO risk.risk_item (assessment_id, grid_id, estate_id, dimension, description, likelihood, impact, status, identified_at)
VALUES (@assessment_id, @grid_id, @estate_id, @dimension, @description, @likelihood, @impact, 'IDENTIFIED', @identified_at)
RETURNING id;

-- name: RateRiskItem :exec
UPDATE risk.risk_item SET likelihood = @likelihood, impact = @impact, version = version + 1 WHERE id = @id;

-- name: InsertLink :exec
-- Links a risk item to exactly one of a case, a dispute or a grid event.
INSERT INTO risk.risk_link (risk_item_id, case_id, dispute_id, grid_event_id)
VALUES (@risk_item_id, @case_id, @dispute_id, @grid_event_id);

-- name: RiskItemIdentifiedAt :one
-- When a risk was identified: its measures are not due before that day.
SELECT identified_at FROM risk.risk_item WHERE id = $1;

-- name: InsertMeasure :one
INSERT INTO risk.measure (risk_item_id, action, owner_unit, due_on, status)
VALUES (@risk_item_id, @action, @owner_unit, @due_on, 'PLANNED')
RETURNING id;

-- name: MeasureRiskItem :one
-- The risk item a measure acts against.
SELECT risk_item_id FROM risk.measure WHERE id = $1;

-- name: AssessmentOpenedAt :one
-- When an assessment was opened: its decision is not before it.
SELECT opened_at FROM risk.assessment WHERE id = $1;
