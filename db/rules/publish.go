package rules

import (
	"context"
	"errors"
	"fmt"
	"time"

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
	Actor           string
}

// Publish writes, inside tx, a new version of rule e.Code in force from e.ValidFrom: it ends
// the latest version at that instant, and logs both. The new version must start after the
// latest one does (a rule's versions never overlap; one may be scheduled ahead). Edits of one
// code are serialised. It returns the new version's id.
func Publish(ctx context.Context, tx pgx.Tx, e Edit) (int64, error) {
	var v validate.V
	v.Text("reason", e.Reason, 1, 2000)
	if e.Description != nil {
		v.Text("description", *e.Description, 1, 2000)
	}
	if e.DeadlineMinutes != nil {
		v.Check(*e.DeadlineMinutes >= 0 && *e.DeadlineMinutes <= 366*24*60, "deadlineMinutes", "must be between 0 and a year (527040)")
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('hub.rule:' || $1))", e.Code); err != nil {
		return 0, fmt.Errorf("lock rule %s: %w", e.Code, err)
	}
	var last Rule
	err := tx.QueryRow(ctx, `SELECT id, version, deadline_minutes, remind, description, valid_from
		FROM hub.rule WHERE code = $1 ORDER BY valid_from DESC LIMIT 1`, e.Code).
		Scan(&last.PK, &last.Version, &last.DeadlineMinutes, &last.Remind, &last.Description, &last.ValidFrom)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, &workflow.NotFoundError{Field: "code", What: "rule"}
	}
	if err != nil {
		return 0, fmt.Errorf("read rule %s: %w", e.Code, err)
	}
	if !e.ValidFrom.After(last.ValidFrom) {
		return 0, validate.Field("validFrom", "must be after %s, when version %d of %s took effect", last.ValidFrom.Format(time.RFC3339), last.Version, e.Code)
	}
	deadline, remind, description := last.DeadlineMinutes, last.Remind, last.Description
	if e.DeadlineMinutes != nil {
		deadline = *e.DeadlineMinutes
	}
	if e.Remind != nil {
		remind = *e.Remind
	}
	if e.Description != nil {
		description = *e.Description
	}
	if _, err := tx.Exec(ctx, "UPDATE hub.rule SET valid_to = $2 WHERE id = $1", last.PK, e.ValidFrom); err != nil {
		return 0, fmt.Errorf("end rule %s version %d: %w", e.Code, last.Version, err)
	}
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO hub.rule (code, version, subject, duty, urgency, deadline_minutes, remind, description, valid_from, reason, created_by)
		SELECT code, version + 1, subject, duty, urgency, $2, $3, $4, $5, $6, $7 FROM hub.rule WHERE id = $1 RETURNING id`,
		last.PK, deadline, remind, description, e.ValidFrom, e.Reason, e.Actor).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("publish rule %s: %w", e.Code, err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO hub.rule_log (rule_id, action, actor, reason) VALUES ($1, 'ENDED', $3, $4), ($2, 'PUBLISHED', $3, $4)`,
		last.PK, id, e.Actor, e.Reason)
	if err != nil {
		return 0, fmt.Errorf("log rule %s: %w", e.Code, err)
	}
	return id, nil
}
