package risk

// The risk commands: each takes the mutation's transaction and a typed input (IDs already
// decoded), checks it against the rules and the records, writes, and returns the IDs of the
// rows it wrote, with errors in the API's vocabulary (see db/mediation/commands.go); a
// constraint violation is mapped by its name (violations.go).

import (
	"context"
	"errors"
	"fmt"
	"time"

	"civiclink/db/mediation"
	"civiclink/db/risk/sqlcdb"
	"civiclink/db/street"
	"civiclink/db/workflow"
	"civiclink/internal/access"
	"civiclink/internal/apierr"
	"civiclink/internal/auth"
	"civiclink/internal/clock"
	"civiclink/internal/events"
	"civiclink/internal/validate"

	"github.com/jackc/pgx/v5"
)

// AssessmentWritten names an assessment a command changed.
type AssessmentWritten struct {
	Assessment int64 `json:"assessment"`
}

// RiskItemWritten names a risk item a command changed.
type RiskItemWritten struct {
	RiskItem int64 `json:"riskItem"`
}

// MeasureWritten names a measure a command changed and the risk item it acts against.
type MeasureWritten struct {
	Measure  int64 `json:"measure"`
	RiskItem int64 `json:"riskItem"`
}

// NewAssessment is an assessment to open in status PROPOSED.
type NewAssessment struct {
	Title, SubjectType, ResponsibleUnit string
	GridID                              *int64
}

// OpenAssessment opens an assessment in status PROPOSED, opened now, with its first
// status-log row.
func OpenAssessment(ctx context.Context, tx pgx.Tx, a NewAssessment) (AssessmentWritten, error) {
	var v validate.V
	v.Text("title", a.Title, 1, 300)
	v.Text("responsibleUnit", a.ResponsibleUnit, 1, 200)
	if err := v.Err(); err != nil {
		return AssessmentWritten{}, err
	}
	if err := workflow.MustExist(ctx, tx, "street.grid", a.GridID, "gridId", "grid"); err != nil {
		return AssessmentWritten{}, err
	}
	id, err := sqlcdb.New(tx).InsertAssessment(ctx, sqlcdb.InsertAssessmentParams{Title: a.Title, SubjectType: a.SubjectType,
		ResponsibleUnit: a.ResponsibleUnit, GridID: a.GridID, OpenedAt: clock.Now(ctx)})
	if err != nil {
		return AssessmentWritten{}, violations.Map(fmt.Errorf("insert assessment: %w", err))
	}
	return AssessmentWritten{Assessment: id}, workflow.Assessments.Created(ctx, tx, id, workflow.Actor(ctx))
}

// AssessmentMove is a status change of an assessment.
type AssessmentMove struct {
	AssessmentID int64
	Version      int
	To           string
	// Level is recorded with, and required by, GRADED; Decision with DECIDED.
	Level, Decision *string
	Reason          *string
}

// AdvanceAssessment moves an assessment along its workflow: grading records the level,
// deciding the decision, taken now (not before the assessment was opened).
func AdvanceAssessment(ctx context.Context, tx pgx.Tx, m AssessmentMove) (AssessmentWritten, error) {
	var sets []workflow.Set
	if m.Level != nil {
		sets = append(sets, workflow.Set{Column: "level", Value: *m.Level})
	}
	now := clock.Now(ctx)
	if m.Decision != nil {
		sets = append(sets, workflow.Set{Column: "decision", Value: *m.Decision}, workflow.Set{Column: "decided_at", Value: now})
	}
	// The step is known to be legal when the check runs, and the assessment locked.
	check := func() error {
		var v validate.V
		if m.To == "GRADED" {
			v.Check(m.Level != nil, "level", "is required to grade an assessment")
		} else {
			v.Check(m.Level == nil, "level", "is recorded only with to: GRADED")
		}
		if m.To == "DECIDED" {
			v.Check(m.Decision != nil, "decision", "is required to decide an assessment")
		} else {
			v.Check(m.Decision == nil, "decision", "is recorded only with to: DECIDED")
		}
		if err := v.Err(); err != nil || m.Decision == nil {
			return err
		}
		opened, err := sqlcdb.New(tx).AssessmentOpenedAt(ctx, m.AssessmentID)
		if err != nil {
			return fmt.Errorf("read assessment: %w", err)
		}
		if now.Before(opened) {
			return validate.Field("to", "the decision would precede the assessment's opening (%s)", opened.UTC().Format(time.RFC3339))
		}
		return nil
	}
	err := advance(ctx, tx, workflow.Assessments, access.Assessments, workflow.Change{ID: m.AssessmentID, Version: m.Version, To: m.To,
		Reason: m.Reason, Sets: sets, Validate: check})
	if err != nil {
		return AssessmentWritten{}, err
	}
	return AssessmentWritten{Assessment: m.AssessmentID}, nil
}

// advance checks the caller's scope of the entity and carries out one status change through
// its lifecycle, with its status-log row, as the caller of ctx.
func advance(ctx context.Context, tx pgx.Tx, l *workflow.Lifecycle, rule access.Rule, c workflow.Change) error {
	var v validate.V
	v.OptText("reason", c.Reason, 2000)
	if err := v.Err(); err != nil {
		return err
	}
	if err := access.InScope(ctx, tx, l.Field, l.Table, rule, c.ID); err != nil {
		return err
	}
	c.Actor = workflow.Actor(ctx)
	if _, err := l.Transition(ctx, tx, c); err != nil {
		return violations.Map(err)
	}
	return nil
}

// Level is the level of a risk of likelihood and impact (1 to 5 each), as the generated
// column risk.risk_item.level derives it.
func Level(likelihood, impact int) string {
	switch p := likelihood * impact; {
	case p >= 15:
		return "HIGH"
	case p >= 6:
		return "MEDIUM"
	default:
		return "LOW"
	}
}

// NewRiskItem is a risk to add in a grid (and, optionally, an estate of it and an
// assessment).
type NewRiskItem struct {
	GridID                 int64
	AssessmentID, EstateID *int64
	Dimension, Description string
	Likelihood, Impact     int
}

// AddRiskItem adds a risk item in status IDENTIFIED. A grid worker raises risks in their own
// grids, a mediator in the grids of their committees' disputes; a HIGH risk is announced
// (RISK_ITEM_RAISED_HIGH).
func AddRiskItem(ctx context.Context, tx pgx.Tx, it NewRiskItem) (RiskItemWritten, error) {
	var v validate.V
	v.Text("description", it.Description, 1, 2000)
	v.Range("likelihood", it.Likelihood, 1, 5)
	v.Range("impact", it.Impact, 1, 5)
	if err := v.Err(); err != nil {
		return RiskItemWritten{}, err
	}
	q := sqlcdb.New(tx)
	p := auth.FromContext(ctx)
	if err := access.OwnGrid(p, "gridId", it.GridID); err != nil {
		return RiskItemWritten{}, err
	}
	if p.Role == auth.Mediator {
		ok, err := q.MediatorServesGrid(ctx, sqlcdb.MediatorServesGridParams{GridID: it.GridID, CommitteeIds: p.Scope.CommitteeIDs})
		if err != nil {
			return RiskItemWritten{}, fmt.Errorf("check mediator's grid: %w", err)
		}
		if !ok {
			return RiskItemWritten{}, &access.ForbiddenError{Message: "gridId: a mediator raises risks in the grids of their committee's disputes"}
		}
	}
	if err := street.CheckPlace(ctx, tx, &it.GridID, it.EstateID); err != nil {
		return RiskItemWritten{}, err
	}
	if err := workflow.MustExist(ctx, tx, "risk.assessment", it.AssessmentID, "assessmentId", "assessment"); err != nil {
		return RiskItemWritten{}, err
	}
	id, err := insertItem(ctx, q, tx, it)
	if err != nil {
		return RiskItemWritten{}, err
	}
	return RiskItemWritten{RiskItem: id}, nil
}

// insertItem inserts a risk item in status IDENTIFIED, identified now, with its first
// status-log row, and announces it when it is HIGH.
func insertItem(ctx context.Context, q *sqlcdb.Queries, tx pgx.Tx, it NewRiskItem) (int64, error) {
	id, err := q.InsertRiskItem(ctx, sqlcdb.InsertRiskItemParams{AssessmentID: it.AssessmentID, GridID: it.GridID, EstateID: it.EstateID,
		Dimension: it.Dimension, Description: it.Description, Likelihood: int16(it.Likelihood), Impact: int16(it.Impact), IdentifiedAt: clock.Now(ctx)})
	if err != nil {
		return 0, violations.Map(fmt.Errorf("insert risk item: %w", err))
	}
	if err := workflow.RiskItems.Created(ctx, tx, id, workflow.Actor(ctx)); err != nil {
		return 0, err
	}
	if Level(it.Likelihood, it.Impact) == "HIGH" {
		high := "HIGH"
		e := events.Event{Kind: events.RiskItemRaisedHigh, EntityType: "RiskItem", EntityID: id, GridID: &it.GridID, ToStatus: &high, Actor: workflow.Actor(ctx)}
		if err := events.Emit(ctx, tx, e); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// Escalate opens the risk item a FAILED dispute escalates into, in the dispute's grid and
// estate, linked to the dispute: the risk command mediation.AdvanceDispute is handed.
func Escalate(ctx context.Context, tx pgx.Tx, e mediation.EscalationItem) (int64, error) {
	q := sqlcdb.New(tx)
	id, err := insertItem(ctx, q, tx, NewRiskItem{GridID: e.GridID, EstateID: e.EstateID, Dimension: e.Dimension, Description: e.Description,
		Likelihood: e.Likelihood, Impact: e.Impact})
	if err != nil {
		return 0, err
	}
	if err := q.InsertLink(ctx, sqlcdb.InsertLinkParams{RiskItemID: id, DisputeID: &e.DisputeID}); err != nil {
		return 0, violations.Map(fmt.Errorf("link escalation risk: %w", err))
	}
	return id, nil
}

// Rating is a new likelihood and impact of a risk item, at the version the client read.
type Rating struct {
	RiskItemID         int64
	Version            int
	Likelihood, Impact int
}

// RateRiskItem re-rates a risk item; raising it to HIGH announces it (RISK_ITEM_RAISED_HIGH,
// from its former level).
func RateRiskItem(ctx context.Context, tx pgx.Tx, r Rating) (RiskItemWritten, error) {
	var v validate.V
	v.Range("likelihood", r.Likelihood, 1, 5)
	v.Range("impact", r.Impact, 1, 5)
	if err := v.Err(); err != nil {
		return RiskItemWritten{}, err
	}
	if err := access.InScope(ctx, tx, "riskItemId", "risk.risk_item", access.RiskItems, r.RiskItemID); err != nil {
		return RiskItemWritten{}, err
	}
	var level string
	var grid int64
	err := workflow.LockVersion(ctx, tx, "risk.risk_item", "risk item", r.RiskItemID, r.Version, "level, grid_id", &level, &grid)
	if errors.Is(err, apierr.ErrNotFound) {
		return RiskItemWritten{}, &workflow.NotFoundError{Field: "riskItemId", What: "risk item"}
	}
	if err != nil {
		return RiskItemWritten{}, err
	}
	err = sqlcdb.New(tx).RateRiskItem(ctx, sqlcdb.RateRiskItemParams{ID: r.RiskItemID, Likelihood: int16(r.Likelihood), Impact: int16(r.Impact)})
	if err != nil {
		return RiskItemWritten{}, violations.Map(fmt.Errorf("rate risk item: %w", err))
	}
	if next := Level(r.Likelihood, r.Impact); next == "HIGH" && level != "HIGH" {
		e := events.Event{Kind: events.RiskItemRaisedHigh, EntityType: "RiskItem", EntityID: r.RiskItemID, GridID: &grid, FromStatus: &level, ToStatus: &next,
			Actor: workflow.Actor(ctx)}
		if err := events.Emit(ctx, tx, e); err != nil {
			return RiskItemWritten{}, err
		}
	}
	return RiskItemWritten{RiskItem: r.RiskItemID}, nil
}

// RiskItemMove is a status change of a risk item.
type RiskItemMove struct {
	RiskItemID int64
	Version    int
	To         string
	Reason     *string
}

// AdvanceRiskItem moves a risk item along its workflow.
func AdvanceRiskItem(ctx context.Context, tx pgx.Tx, m RiskItemMove) (RiskItemWritten, error) {
	err := advance(ctx, tx, workflow.RiskItems, access.RiskItems, workflow.Change{ID: m.RiskItemID, Version: m.Version, To: m.To, Reason: m.Reason})
	if err != nil {
		return RiskItemWritten{}, err
	}
	return RiskItemWritten{RiskItem: m.RiskItemID}, nil
}

// linkTargets are the records a risk link may point at, by GraphQL type: the table to find
// them in (under the caller's row security, so an invisible one is no such record).
var linkTargets = map[string]string{
	"Case":      `police."case"`,
	"Dispute":   "mediation.dispute",
	"GridEvent": "street.grid_event",
}

// LinkRequest links a risk item to a record: TargetType is the target's GraphQL type (a
// Case, a Dispute or a GridEvent), TargetID its key.
type LinkRequest struct {
	RiskItemID int64
	TargetType string
	TargetID   int64
}

// LinkRiskItem links a risk item to a case, a dispute or a grid event, each once.
func LinkRiskItem(ctx context.Context, tx pgx.Tx, l LinkRequest) (RiskItemWritten, error) {
	table, ok := linkTargets[l.TargetType]
	if !ok {
		return RiskItemWritten{}, validate.Field("targetId", "must be the ID of a Case, a Dispute or a GridEvent, not a %s", l.TargetType)
	}
	if err := access.InScope(ctx, tx, "riskItemId", "risk.risk_item", access.RiskItems, l.RiskItemID); err != nil {
		return RiskItemWritten{}, err
	}
	if err := workflow.MustExist(ctx, tx, "risk.risk_item", &l.RiskItemID, "riskItemId", "risk item"); err != nil {
		return RiskItemWritten{}, err
	}
	if err := workflow.MustExist(ctx, tx, table, &l.TargetID, "targetId", l.TargetType); err != nil {
		return RiskItemWritten{}, err
	}
	p := sqlcdb.InsertLinkParams{RiskItemID: l.RiskItemID}
	switch l.TargetType {
	case "Case":
		p.CaseID = &l.TargetID
	case "Dispute":
		p.DisputeID = &l.TargetID
	default:
		p.GridEventID = &l.TargetID
	}
	if err := sqlcdb.New(tx).InsertLink(ctx, p); err != nil {
		return RiskItemWritten{}, violations.Map(fmt.Errorf("link risk item: %w", err))
	}
	return RiskItemWritten{RiskItem: l.RiskItemID}, nil
}

// NewMeasure is a measure to plan against a risk item.
type NewMeasure struct {
	RiskItemID        int64
	Action, OwnerUnit string
	// DueOn (a date) is not before the office's day the risk was identified.
	DueOn time.Time
}

// AddMeasure plans a measure (status PLANNED) against a risk item.
func AddMeasure(ctx context.Context, tx pgx.Tx, m NewMeasure) (MeasureWritten, error) {
	var v validate.V
	v.Text("action", m.Action, 1, 2000)
	v.Text("ownerUnit", m.OwnerUnit, 1, 200)
	if err := v.Err(); err != nil {
		return MeasureWritten{}, err
	}
	if err := access.InScope(ctx, tx, "riskItemId", "risk.risk_item", access.RiskItems, m.RiskItemID); err != nil {
		return MeasureWritten{}, err
	}
	q := sqlcdb.New(tx)
	identified, err := q.RiskItemIdentifiedAt(ctx, m.RiskItemID)
	if errors.Is(err, pgx.ErrNoRows) {
		return MeasureWritten{}, &workflow.NotFoundError{Field: "riskItemId", What: "risk item"}
	}
	if err != nil {
		return MeasureWritten{}, fmt.Errorf("read risk item: %w", err)
	}
	if day := clock.DateOf(identified); m.DueOn.Before(day) {
		return MeasureWritten{}, validate.Field("dueOn", "must not be before the risk was identified (%s)", day.Format(time.DateOnly))
	}
	id, err := q.InsertMeasure(ctx, sqlcdb.InsertMeasureParams{RiskItemID: m.RiskItemID, Action: m.Action, OwnerUnit: m.OwnerUnit, DueOn: m.DueOn})
	if err != nil {
		return MeasureWritten{}, violations.Map(fmt.Errorf("insert measure: %w", err))
	}
	return MeasureWritten{Measure: id, RiskItem: m.RiskItemID}, nil
}

// MeasureMove is a status change of a measure.
type MeasureMove struct {
	MeasureID int64
	Version   int
	To        string
	// DoneOn, only with To DONE, is the office's day it was done (default: today), not in
	// the future.
	DoneOn *time.Time
}

// AdvanceMeasure moves a measure along PLANNED → IN_PROGRESS → DONE.
func AdvanceMeasure(ctx context.Context, tx pgx.Tx, m MeasureMove) (MeasureWritten, error) {
	var sets []workflow.Set
	switch {
	case m.To == "DONE":
		today := clock.Today(ctx)
		done := today
		if m.DoneOn != nil {
			done = *m.DoneOn
		}
		if done.After(today) {
			return MeasureWritten{}, validate.Field("doneOn", "must not be in the future (today is %s)", today.Format(time.DateOnly))
		}
		sets = append(sets, workflow.Set{Column: "done_on", Value: done})
	case m.DoneOn != nil:
		return MeasureWritten{}, validate.Field("doneOn", "is recorded only with to: DONE")
	}
	if err := advance(ctx, tx, workflow.Measures, access.Measures, workflow.Change{ID: m.MeasureID, Version: m.Version, To: m.To, Sets: sets}); err != nil {
		return MeasureWritten{}, err
	}
	item, err := sqlcdb.New(tx).MeasureRiskItem(ctx, m.MeasureID)
	if err != nil {
		return MeasureWritten{}, fmt.Errorf("read measure: %w", err)
	}
	return MeasureWritten{Measure: m.MeasureID, RiskItem: item}, nil
}
