package rules

import (
	"context"
	"errors"
	"fmt"
	"time"

	"civiclink/db/rules/sqlcdb"
	"civiclink/db/workflow"
	"civiclink/internal/validate"

	"github.com/jackc/pgx/v5"
)

// Edit is a new version of a rule: the fields given replace those of the version it follows.
type Edit struct {
	Code            string
	DeadlineMinutes *int
	Remind          *string
	Description     *string
	ValidFrom       time.Time
	Reason          string
	// Actor is who publishes, in the rule log; "" is the caller of ctx.
	Actor string
}

// Published names the rule version a publication wrote.
type Published struct {
	Rule int64 `json:"rule"`
}

// Publish writes, inside tx, a new version of rule e.Code in force from e.ValidFrom: it ends
// the latest version at that instant, and logs both. The new version must start after the
// latest one does (a rule's versions never overlap; one may be scheduled ahead). Edits of one
// code are serialised. It is the publishRule mutation's command (ADMIN only, which
// access.MayMutate checks before).
func Publish(ctx context.Context, tx pgx.Tx, e Edit) (Published, error) {
	if e.Actor == "" {
		e.Actor = workflow.Actor(ctx)
	}
	var v validate.V
	v.Text("reason", e.Reason, 1, 2000)
	if e.Description != nil {
		v.Text("description", *e.Description, 1, 2000)
	}
	if e.DeadlineMinutes != nil {
		v.Check(*e.DeadlineMinutes >= 0 && *e.DeadlineMinutes <= 366*24*60, "deadlineMinutes", "must be between 0 and a year (527040)")
	}
	if err := v.Err(); err != nil {
		return Published{}, err
	}
	q := sqlcdb.New(tx)
	if err := q.LockRuleCode(ctx, e.Code); err != nil {
		return Published{}, fmt.Errorf("lock rule %s: %w", e.Code, err)
	}
	last, err := q.LatestRuleVersion(ctx, e.Code)
	if errors.Is(err, pgx.ErrNoRows) {
		return Published{}, &workflow.NotFoundError{Field: "code", What: "rule"}
	}
	if err != nil {
		return Published{}, fmt.Errorf("read rule %s: %w", e.Code, err)
	}
	if !e.ValidFrom.After(last.ValidFrom) {
		return Published{}, validate.Field("validFrom", "must be after %s, when version %d of %s took effect", last.ValidFrom.Format(time.RFC3339), last.Version, e.Code)
	}
	next := sqlcdb.InsertNextRuleVersionParams{PreviousID: last.ID, DeadlineMinutes: last.DeadlineMinutes, Remind: last.Remind,
		Description: last.Description, ValidFrom: e.ValidFrom, Reason: e.Reason, Actor: e.Actor}
	if e.DeadlineMinutes != nil {
		next.DeadlineMinutes = int32(*e.DeadlineMinutes)
	}
	if e.Remind != nil {
		next.Remind = *e.Remind
	}
	if e.Description != nil {
		next.Description = *e.Description
	}
	if err := q.EndRuleVersion(ctx, sqlcdb.EndRuleVersionParams{ID: last.ID, ValidTo: &e.ValidFrom}); err != nil {
		return Published{}, fmt.Errorf("end rule %s version %d: %w", e.Code, last.Version, err)
	}
	id, err := q.InsertNextRuleVersion(ctx, next)
	if err != nil {
		return Published{}, fmt.Errorf("publish rule %s: %w", e.Code, err)
	}
	if err := q.LogRuleEdit(ctx, sqlcdb.LogRuleEditParams{EndedID: last.ID, PublishedID: id, Actor: e.Actor, Reason: &e.Reason}); err != nil {
		return Published{}, fmt.Errorf("log rule %s: %w", e.Code, err)
	}
	return Published{Rule: id}, nil
}
