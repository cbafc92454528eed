package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"civiclink/db/store"
	"civiclink/internal/apierr"
	"civiclink/internal/auth"

	"github.com/jackc/pgx/v5"
)

// ConflictError reports that the entity changed since the client read it.
type ConflictError struct {
	Entity         string
	Given, Current int
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("the %s was changed by someone else (you have version %d, it is now at %d); read it again", e.Entity, e.Given, e.Current)
}

// Lifecycle ties a workflow to its table and status log.
type Lifecycle struct {
	Machine *Machine
	// Table is the schema-qualified, quoted table.
	Table string
	// Log is the schema-qualified status log table.
	Log string
	// ClosedColumn is set to now() on entering a final status ("" when the table has none).
	ClosedColumn string
	// Moments maps a status to the column that records when it was first entered (a case's
	// on_scene_at …): the response times are measured from them.
	Moments map[string]string
	// Field is the input field that names an entity of the lifecycle ("caseId"): a missing
	// one is a *NotFoundError on it.
	Field string
}

// The lifecycles of the domain.
var (
	Cases = &Lifecycle{Machine: CaseMachine, Table: `police."case"`, Log: "police.case_status_log", ClosedColumn: "closed_at",
		Moments: map[string]string{"DISPATCHED": "dispatched_at", "ON_SCENE": "on_scene_at"}, Field: "caseId"}
	GridEvents = &Lifecycle{Machine: GridEventMachine, Table: "street.grid_event", Log: "street.grid_event_status_log", ClosedColumn: "closed_at",
		Moments: map[string]string{"DISPATCHED": "dispatched_at", "HANDLING": "responded_at"}, Field: "gridEventId"}
	Disputes = &Lifecycle{Machine: DisputeMachine, Table: "mediation.dispute", Log: "mediation.dispute_status_log", ClosedColumn: "closed_at",
		Moments: map[string]string{"ACCEPTED": "first_contact_at"}, Field: "disputeId"}
	Assessments   = &Lifecycle{Machine: AssessmentMachine, Table: "risk.assessment", Log: "risk.assessment_status_log", Field: "assessmentId"}
	RiskItems     = &Lifecycle{Machine: RiskItemMachine, Table: "risk.risk_item", Log: "risk.risk_item_status_log", Field: "riskItemId"}
	Measures      = &Lifecycle{Machine: MeasureMachine, Table: "risk.measure", Field: "measureId"}
	BenefitGrants = &Lifecycle{Machine: BenefitGrantMachine, Table: "welfare.benefit_grant", Log: "welfare.benefit_grant_status_log", Field: "benefitGrantId"}
)

// Set is one extra column assignment made with a transition (a trusted column name and a
// bound value).
type Set struct {
	Column string
	Value  any
}

// Actor names the caller of ctx in status logs and events: role and subject.
func Actor(ctx context.Context) string { return auth.FromContext(ctx).Actor() }

// Change is one requested transition.
type Change struct {
	ID      int64
	Version int
	To      string
	Actor   string
	Reason  *string
	// Sets are written in the same UPDATE (e.g. granted_on on approval).
	Sets []Set
	// Validate, when set, checks inputs that only the target status requires (a level to
	// grade, a date against the row's others); it runs once the row is locked and the
	// transition known to be legal, before anything is written.
	Validate func() error
}

// Transition moves an entity along its workflow inside tx: it locks the row, refuses a
// missing one (*NotFoundError on l.Field), a stale version (*ConflictError) or an illegal step
// (*TransitionError), updates status, version and any extra columns, and writes the status
// log. It returns the status it came from.
func (l *Lifecycle) Transition(ctx context.Context, tx pgx.Tx, c Change) (from string, err error) {
	err = LockVersion(ctx, tx, l.Table, l.Machine.Name, c.ID, c.Version, "status", &from)
	if errors.Is(err, apierr.ErrNotFound) {
		return from, &NotFoundError{Field: l.Field, What: l.Machine.Name}
	}
	if err != nil {
		return from, err
	}
	if err := l.Machine.Check(from, c.To); err != nil {
		return from, err
	}
	if c.Validate != nil {
		if err := c.Validate(); err != nil {
			return from, err
		}
	}
	b := store.NewBinder(c.ID)
	sets := []string{"status = " + b.Arg(c.To), "version = version + 1"}
	if l.ClosedColumn != "" && l.Machine.IsFinal(c.To) {
		sets = append(sets, l.ClosedColumn+" = now()")
	}
	if col, ok := l.Moments[c.To]; ok {
		sets = append(sets, col+" = coalesce("+col+", now())")
	}
	for _, s := range c.Sets {
		sets = append(sets, s.Column+" = "+b.Arg(s.Value))
	}
	if _, err := tx.Exec(ctx, "UPDATE "+l.Table+" SET "+strings.Join(sets, ", ")+" WHERE id = $1", b.Args()...); err != nil {
		return from, fmt.Errorf("update %s %d: %w", l.Machine.Name, c.ID, err)
	}
	if err := l.log(ctx, tx, c.ID, &from, c.To, c.Actor, c.Reason); err != nil {
		return from, err
	}
	return from, nil
}

// Created writes the first status-log row of a new entity.
func (l *Lifecycle) Created(ctx context.Context, tx pgx.Tx, id int64, actor string) error {
	return l.log(ctx, tx, id, nil, l.Machine.Initial, actor, nil)
}

func (l *Lifecycle) log(ctx context.Context, tx pgx.Tx, id int64, from *string, to, actor string, reason *string) error {
	if l.Log == "" {
		return nil
	}
	_, err := tx.Exec(ctx, "INSERT INTO "+l.Log+" (entity_id, from_status, to_status, actor, reason) VALUES ($1, $2, $3, $4, $5)",
		id, from, to, actor, reason)
	if err != nil {
		return fmt.Errorf("log %s %d status: %w", l.Machine.Name, id, err)
	}
	return nil
}

// ErrorCode is the GraphQL extensions.code of a stale version.
func (e *ConflictError) ErrorCode() string { return apierr.Conflict }

// ErrorExtensions gives the current version.
func (e *ConflictError) ErrorExtensions() map[string]any {
	return map[string]any{"currentVersion": e.Current}
}

// NotFoundError reports that a referenced entity does not exist; it names the input field.
type NotFoundError struct {
	Field, What string
}

func (e *NotFoundError) Error() string { return e.Field + ": no such " + e.What }

// Is makes a NotFoundError match apierr.ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == apierr.ErrNotFound }

// ErrorCode is the GraphQL extensions.code of a missing entity.
func (e *NotFoundError) ErrorCode() string { return apierr.NotFound }

// ErrorExtensions names the field.
func (e *NotFoundError) ErrorExtensions() map[string]any { return map[string]any{"field": e.Field} }

// LockVersion locks row id of table for update and checks that it is still at version; a
// missing row is apierr.ErrNotFound and a newer one a *ConflictError naming entity. The same
// statement reads cols (a trusted, comma-separated column list, or "") into dest.
func LockVersion(ctx context.Context, tx pgx.Tx, table, entity string, id int64, version int, cols string, dest ...any) error {
	var current int
	sel := "version"
	if cols != "" {
		sel += ", " + cols
	}
	err := tx.QueryRow(ctx, "SELECT "+sel+" FROM "+table+" WHERE id = $1 FOR UPDATE", id).Scan(append([]any{&current}, dest...)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return apierr.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("lock %s %d: %w", entity, id, err)
	}
	if current != version {
		return &ConflictError{Entity: entity, Given: version, Current: current}
	}
	return nil
}
