package resolvers

import (
	"context"
	"errors"
	"fmt"
	"time"

	"civiclink/db/workflow"
	"civiclink/graph/model"
	"civiclink/internal/access"
	"civiclink/internal/apierr"
	"civiclink/internal/auth"
	"civiclink/internal/clock"
	"civiclink/internal/events"
	"civiclink/internal/globalid"
	"civiclink/internal/validate"

	"github.com/jackc/pgx/v5"
)

// openAssessment inserts an assessment in status PROPOSED.
func (r *mutationResolver) openAssessment(ctx context.Context, in model.OpenAssessmentInput) (workflow.Result, error) {
	grid, err := optPK("gridId", "Grid", in.GridID)
	if err != nil {
		return nil, err
	}
	var v validate.V
	v.Text("title", in.Title, 1, 300)
	v.Text("responsibleUnit", in.ResponsibleUnit, 1, 200)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return r.run(ctx, "openAssessment", in.IdempotencyKey, in, func(ctx context.Context, tx pgx.Tx) (workflow.Result, error) {
		if err := workflow.MustExist(ctx, tx, "street.grid", grid, "gridId", "grid"); err != nil {
			return nil, err
		}
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO risk.assessment (title, subject_type, responsible_unit, grid_id, status, opened_at)
			VALUES ($1, $2, $3, $4, 'PROPOSED', $5) RETURNING id`, in.Title, in.SubjectType, in.ResponsibleUnit, grid, clock.Now(ctx)).Scan(&id)
		if err != nil {
			return nil, fmt.Errorf("insert assessment: %w", err)
		}
		return workflow.Result{"assessment": id}, workflow.Assessments.Created(ctx, tx, id, workflow.Actor(ctx))
	})
}

// advanceAssessment moves an assessment along its workflow; grading records the level and
// deciding the decision.
func (r *mutationResolver) advanceAssessment(ctx context.Context, in model.AdvanceAssessmentInput) (workflow.Result, error) {
	var sets []workflow.Set
	if in.Level != nil {
		sets = append(sets, workflow.Set{Column: "level", Value: *in.Level})
	}
	if in.Decision != nil {
		sets = append(sets, workflow.Set{Column: "decision", Value: *in.Decision}, workflow.Set{Column: "decided_at", Value: clock.Now(ctx)})
	}
	validateTarget := func() error {
		var v validate.V
		if in.To == "GRADED" {
			v.Check(in.Level != nil, "level", "is required to grade an assessment")
		} else {
			v.Check(in.Level == nil, "level", "is recorded only with to: GRADED")
		}
		if in.To == "DECIDED" {
			v.Check(in.Decision != nil, "decision", "is required to decide an assessment")
		} else {
			v.Check(in.Decision == nil, "decision", "is recorded only with to: DECIDED")
		}
		return v.Err()
	}
	return r.advance(ctx, advance{op: "advanceAssessment", lc: workflow.Assessments, rule: access.Assessments, typ: "Assessment", field: "assessmentId",
		id: in.AssessmentID, version: in.Version, to: in.To, reason: in.Reason, key: in.IdempotencyKey, input: in, sets: sets,
		validate: validateTarget})
}

type newRiskItem struct {
	grid                   int64
	assessment, estate     *int64
	dimension, description string
	likelihood, impact     int
}

// riskLevel mirrors the generated column risk.risk_item.level.
func riskLevel(likelihood, impact int) string {
	switch p := likelihood * impact; {
	case p >= 15:
		return "HIGH"
	case p >= 6:
		return "MEDIUM"
	default:
		return "LOW"
	}
}

// insertRiskItem inserts a risk item in status IDENTIFIED and announces it when it is HIGH.
func insertRiskItem(ctx context.Context, tx pgx.Tx, it newRiskItem) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO risk.risk_item (assessment_id, grid_id, estate_id, dimension, description, likelihood, impact, status, identified_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, 'IDENTIFIED', $8) RETURNING id`,
		it.assessment, it.grid, it.estate, it.dimension, it.description, it.likelihood, it.impact, clock.Now(ctx)).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert risk item: %w", err)
	}
	if err := workflow.RiskItems.Created(ctx, tx, id, workflow.Actor(ctx)); err != nil {
		return 0, err
	}
	if riskLevel(it.likelihood, it.impact) == "HIGH" {
		high := "HIGH"
		if err := events.Emit(ctx, tx, events.Event{Kind: events.RiskItemRaisedHigh, EntityType: "RiskItem", EntityID: id,
			GridID: &it.grid, ToStatus: &high, Actor: workflow.Actor(ctx)}); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// addRiskItem adds a risk item to a grid.
func (r *mutationResolver) addRiskItem(ctx context.Context, in model.AddRiskItemInput) (workflow.Result, error) {
	grid, err := pk("gridId", "Grid", in.GridID)
	if err != nil {
		return nil, err
	}
	assessment, err := optPK("assessmentId", "Assessment", in.AssessmentID)
	if err != nil {
		return nil, err
	}
	estate, err := optPK("estateId", "Estate", in.EstateID)
	if err != nil {
		return nil, err
	}
	var v validate.V
	v.Text("description", in.Description, 1, 2000)
	v.Range("likelihood", in.Likelihood, 1, 5)
	v.Range("impact", in.Impact, 1, 5)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return r.run(ctx, "addRiskItem", in.IdempotencyKey, in, func(ctx context.Context, tx pgx.Tx) (workflow.Result, error) {
		if err := ownGrid(ctx, "gridId", grid); err != nil {
			return nil, err
		}
		if p := auth.FromContext(ctx); p.Role == auth.Mediator {
			var ok bool
			if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM mediation.dispute WHERE grid_id = $1 AND committee_id = ANY($2))", grid, p.Scope.CommitteeIDs).Scan(&ok); err != nil {
				return nil, fmt.Errorf("check mediator's grid: %w", err)
			}
			if !ok {
				return nil, &access.ForbiddenError{Message: "gridId: a mediator raises risks in the grids of their committee's disputes"}
			}
		}
		if err := checkGridEstate(ctx, tx, &grid, estate); err != nil {
			return nil, err
		}
		if err := workflow.MustExist(ctx, tx, "risk.assessment", assessment, "assessmentId", "assessment"); err != nil {
			return nil, err
		}
		id, err := insertRiskItem(ctx, tx, newRiskItem{grid: grid, assessment: assessment, estate: estate, dimension: in.Dimension,
			description: in.Description, likelihood: in.Likelihood, impact: in.Impact})
		if err != nil {
			return nil, err
		}
		return workflow.Result{"riskItem": id}, nil
	})
}

// rateRiskItem re-rates a risk item; raising it to HIGH notifies subscribers.
func (r *mutationResolver) rateRiskItem(ctx context.Context, in model.RateRiskItemInput) (workflow.Result, error) {
	id, err := pk("riskItemId", "RiskItem", in.RiskItemID)
	if err != nil {
		return nil, err
	}
	var v validate.V
	v.Range("likelihood", in.Likelihood, 1, 5)
	v.Range("impact", in.Impact, 1, 5)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return r.run(ctx, "rateRiskItem", in.IdempotencyKey, in, func(ctx context.Context, tx pgx.Tx) (workflow.Result, error) {
		if err := inScope(ctx, tx, "riskItemId", "risk.risk_item", access.RiskItems, &id); err != nil {
			return nil, err
		}
		var level string
		var grid int64
		err := workflow.LockVersion(ctx, tx, "risk.risk_item", "risk item", id, in.Version, "level, grid_id", &level, &grid)
		if errors.Is(err, apierr.ErrNotFound) {
			return nil, &workflow.NotFoundError{Field: "riskItemId", What: "risk item"}
		}
		if err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, "UPDATE risk.risk_item SET likelihood = $2, impact = $3, version = version + 1 WHERE id = $1", id, in.Likelihood, in.Impact); err != nil {
			return nil, fmt.Errorf("rate risk item: %w", err)
		}
		if next := riskLevel(in.Likelihood, in.Impact); next == "HIGH" && level != "HIGH" {
			if err := events.Emit(ctx, tx, events.Event{Kind: events.RiskItemRaisedHigh, EntityType: "RiskItem", EntityID: id,
				GridID: &grid, FromStatus: &level, ToStatus: &next, Actor: workflow.Actor(ctx)}); err != nil {
				return nil, err
			}
		}
		return workflow.Result{"riskItem": id}, nil
	})
}

// advanceRiskItem moves a risk item along its workflow.
func (r *mutationResolver) advanceRiskItem(ctx context.Context, in model.AdvanceRiskItemInput) (workflow.Result, error) {
	return r.advance(ctx, advance{op: "advanceRiskItem", lc: workflow.RiskItems, rule: access.RiskItems, typ: "RiskItem", field: "riskItemId",
		id: in.RiskItemID, version: in.Version, to: in.To, reason: in.Reason, key: in.IdempotencyKey, input: in})
}

// linkTargets are the tables a risk link may point at, by GraphQL type.
var linkTargetColumns = map[string]struct{ column, table string }{
	"Case":      {"case_id", `police."case"`},
	"Dispute":   {"dispute_id", "mediation.dispute"},
	"GridEvent": {"grid_event_id", "street.grid_event"},
}

// linkRiskItem links a risk item to a case, a dispute or a grid event.
func (r *mutationResolver) linkRiskItem(ctx context.Context, in model.LinkRiskItemInput) (workflow.Result, error) {
	item, err := pk("riskItemId", "RiskItem", in.RiskItemID)
	if err != nil {
		return nil, err
	}
	typ, target, err := globalid.Decode(in.TargetID)
	if err != nil {
		return nil, validate.Field("targetId", "%v", err)
	}
	dest, ok := linkTargetColumns[typ]
	if !ok {
		return nil, validate.Field("targetId", "must be the ID of a Case, a Dispute or a GridEvent, not a %s", typ)
	}
	return r.run(ctx, "linkRiskItem", in.IdempotencyKey, in, func(ctx context.Context, tx pgx.Tx) (workflow.Result, error) {
		if err := inScope(ctx, tx, "riskItemId", "risk.risk_item", access.RiskItems, &item); err != nil {
			return nil, err
		}
		if err := workflow.MustExist(ctx, tx, "risk.risk_item", &item, "riskItemId", "risk item"); err != nil {
			return nil, err
		}
		if err := workflow.MustExist(ctx, tx, dest.table, &target, "targetId", typ); err != nil {
			return nil, err
		}
		_, err := tx.Exec(ctx, "INSERT INTO risk.risk_link (risk_item_id, "+dest.column+") VALUES ($1, $2)", item, target)
		if err != nil {
			return nil, constraintError(fmt.Errorf("link risk item: %w", err), "targetId", "is already linked to the risk item")
		}
		return workflow.Result{"riskItem": item}, nil
	})
}

// addMeasure adds a measure against a risk item.
func (r *mutationResolver) addMeasure(ctx context.Context, in model.AddMeasureInput) (workflow.Result, error) {
	item, err := pk("riskItemId", "RiskItem", in.RiskItemID)
	if err != nil {
		return nil, err
	}
	var v validate.V
	v.Text("action", in.Action, 1, 2000)
	v.Text("ownerUnit", in.OwnerUnit, 1, 200)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return r.run(ctx, "addMeasure", in.IdempotencyKey, in, func(ctx context.Context, tx pgx.Tx) (workflow.Result, error) {
		if err := inScope(ctx, tx, "riskItemId", "risk.risk_item", access.RiskItems, &item); err != nil {
			return nil, err
		}
		var identified time.Time
		err := tx.QueryRow(ctx, "SELECT identified_at FROM risk.risk_item WHERE id = $1", item).Scan(&identified)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, &workflow.NotFoundError{Field: "riskItemId", What: "risk item"}
		}
		if err != nil {
			return nil, fmt.Errorf("read risk item: %w", err)
		}
		if in.DueOn.Before(identified.UTC().Truncate(24 * time.Hour)) {
			return nil, validate.Field("dueOn", "must not be before the risk was identified")
		}
		var id int64
		err = tx.QueryRow(ctx, "INSERT INTO risk.measure (risk_item_id, action, owner_unit, due_on, status) VALUES ($1, $2, $3, $4, 'PLANNED') RETURNING id",
			item, in.Action, in.OwnerUnit, in.DueOn).Scan(&id)
		if err != nil {
			return nil, fmt.Errorf("insert measure: %w", err)
		}
		return workflow.Result{"measure": id, "riskItem": item}, nil
	})
}

// advanceMeasure moves a measure along PLANNED → IN_PROGRESS → DONE.
func (r *mutationResolver) advanceMeasure(ctx context.Context, in model.AdvanceMeasureInput) (workflow.Result, error) {
	var sets []workflow.Set
	switch {
	case in.To == "DONE":
		done := clock.Today(ctx)
		if in.DoneOn != nil {
			done = *in.DoneOn
		}
		if done.After(clock.Today(ctx)) {
			return nil, validate.Field("doneOn", "must not be in the future")
		}
		sets = append(sets, workflow.Set{Column: "done_on", Value: done})
	case in.DoneOn != nil:
		return nil, validate.Field("doneOn", "is recorded only with to: DONE")
	}
	return r.advance(ctx, advance{op: "advanceMeasure", lc: workflow.Measures, rule: access.Measures, typ: "Measure", field: "measureId",
		id: in.MeasureID, version: in.Version, to: in.To, key: in.IdempotencyKey, input: in, sets: sets,
		after: func(ctx context.Context, tx pgx.Tx, id int64, _ string) (workflow.Result, error) {
			var item int64
			if err := tx.QueryRow(ctx, "SELECT risk_item_id FROM risk.measure WHERE id = $1", id).Scan(&item); err != nil {
				return nil, fmt.Errorf("read measure: %w", err)
			}
			return workflow.Result{"riskItem": item}, nil
		}})
}
