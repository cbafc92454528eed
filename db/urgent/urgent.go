// Package urgent is the live view of the response to emergencies: the open police cases
// still awaiting the police on the scene and the open HIGH and CRITICAL grid events still
// awaiting a grid worker, each with the deadline of the rule in force when its clock started,
// ordered by the time left. It lists records, not aggregates, so each caller sees only the
// cases and events the access rules let them see (and row security holds the same).
package urgent

import (
	"context"
	"fmt"
	"strings"
	"time"

	"civiclink/db/police"
	"civiclink/db/rules"
	"civiclink/db/store"
	"civiclink/db/street"
	"civiclink/internal/access"
	"civiclink/internal/auth"
	"civiclink/internal/pagesize"
)

// MaxItems is the most items one request returns: the API's largest page.
const MaxItems = pagesize.Max

// Item is one open record awaiting its response.
type Item struct {
	// Workflow is CASE or GRID_EVENT.
	Workflow string
	// Urgency is the grid event's urgency; nil for a case.
	Urgency *string
	// StartedAt is when its clock started (received or reported).
	StartedAt time.Time
	// Deadline is when the response is due by the rule.
	Deadline time.Time
	// MinutesLeft is the whole minutes from now to the deadline, negative once past it.
	MinutesLeft int

	id     int64
	gridID *int64
	ruleID int64
}

// Key is the id of the case or grid event.
func (i *Item) Key() int64 { return i.id }

// Case is the case awaiting the police, nil for a grid event.
func (i *Item) Case(ctx context.Context) (*police.Case, error) {
	if i.Workflow != "CASE" {
		return nil, nil
	}
	return police.CaseByID.LoadOptional(ctx, &i.id)
}

// GridEvent is the grid event awaiting a grid worker, nil for a case.
func (i *Item) GridEvent(ctx context.Context) (*street.GridEvent, error) {
	if i.Workflow != "GRID_EVENT" {
		return nil, nil
	}
	return street.GridEventByID.LoadOptional(ctx, &i.id)
}

// Grid is the record's grid.
func (i *Item) Grid(ctx context.Context) (*street.Grid, error) {
	return street.GridByID.LoadOptional(ctx, i.gridID)
}

// Rule is the rule that sets the deadline.
func (i *Item) Rule(ctx context.Context) (*rules.Rule, error) {
	return rules.ByID.Load(ctx, i.ruleID)
}

// awaiting is one kind of record of the view: its rows still awaiting the response, with
// the rule that applies (all trusted SQL over alias t; %s is the caller's row rule).
type awaiting struct {
	workflow string
	rule     access.Rule
	sql      string
}

var kinds = []awaiting{
	{"CASE", access.Cases, `SELECT 'CASE' AS workflow, t.id, t.grid_id, NULL::text AS urgency, t.received_at AS started_at,
		hub.rule_in_force('` + rules.CaseOnScene + `', t.received_at) AS rule_id
		FROM police."case" t WHERE t.on_scene_at IS NULL AND t.closed_at IS NULL AND t.status IN ('RECEIVED', 'DISPATCHED') AND (%s)`},
	{"GRID_EVENT", access.GridEvents, `SELECT 'GRID_EVENT', t.id, t.grid_id, t.urgency, t.reported_at,
		hub.rule_in_force('` + rules.GridEventResponse + `' || t.urgency, t.reported_at)
		FROM street.grid_event t WHERE t.responded_at IS NULL AND t.closed_at IS NULL AND t.urgency IN ('HIGH', 'CRITICAL')
		AND t.status IN ('REPORTED', 'FILED', 'DISPATCHED') AND (%s)`},
}

// Query is what a caller asks of the view.
type Query struct {
	// Within keeps records whose deadline falls before now + Within.
	Within time.Duration
	// OverdueFor keeps records whose deadline passed at most this long ago.
	OverdueFor time.Duration
	// First is the most items to return (MaxItems at most).
	First int
	// AsOf is the instant the window and MinutesLeft are measured from; zero means now.
	// The records are those open now.
	AsOf time.Time
}

// Readable reports whether p may see the records of any kind of the view.
func Readable(p auth.Principal) bool {
	for _, k := range kinds {
		if _, _, ok := k.rule(p, "t"); ok {
			return true
		}
	}
	return false
}

// List returns, in one statement, the open records of the kinds the caller may see whose
// deadline lies between asOf - q.OverdueFor and asOf + q.Within (asOf: q.AsOf, else now),
// least time left first.
func List(ctx context.Context, db store.Querier, q Query) ([]*Item, error) {
	if q.First < 0 || q.Within < 0 || q.OverdueFor < 0 {
		return nil, &store.InputError{Field: "first", Message: "first, withinMinutes and overdueForMinutes must not be negative"}
	}
	p := auth.FromContext(ctx)
	var parts []string
	var args []any
	for _, k := range kinds {
		cond, condArgs, ok := k.rule(p, "t")
		if !ok {
			continue
		}
		if cond == "" {
			cond = "TRUE"
		}
		parts = append(parts, fmt.Sprintf(k.sql, cond))
		args = append(args, condArgs...)
	}
	if len(parts) == 0 {
		return []*Item{}, nil
	}
	var asOf *time.Time
	if !q.AsOf.IsZero() {
		asOf = &q.AsOf
	}
	args = append(args, asOf, q.Within.Seconds(), q.OverdueFor.Seconds(), min(q.First, MaxItems))
	sql := `SELECT q.workflow, q.id, q.grid_id, q.urgency, q.started_at, q.rule_id, d.deadline,
		floor(extract(epoch FROM d.deadline - w.at) / 60)::int
		FROM (` + strings.Join(parts, "\nUNION ALL\n") + `) q
		JOIN hub.rule r ON r.id = q.rule_id
		CROSS JOIN (SELECT coalesce(?::timestamptz, now()) AS at) w
		CROSS JOIN LATERAL (SELECT q.started_at + make_interval(mins => r.deadline_minutes) AS deadline) d
		WHERE d.deadline < w.at + make_interval(secs => ?) AND d.deadline >= w.at - make_interval(secs => ?)
		ORDER BY d.deadline, q.workflow, q.id LIMIT ?`
	var b store.Binder
	sql, err := b.Render(store.Raw(sql, args...))
	if err != nil {
		return nil, fmt.Errorf("urgent queue: %w", err)
	}
	rows, err := db.Query(ctx, sql, b.Args()...)
	if err != nil {
		return nil, fmt.Errorf("urgent queue: %w", err)
	}
	defer rows.Close()
	out := []*Item{}
	for rows.Next() {
		it := &Item{}
		if err := rows.Scan(&it.Workflow, &it.id, &it.gridID, &it.Urgency, &it.StartedAt, &it.ruleID, &it.Deadline, &it.MinutesLeft); err != nil {
			return nil, fmt.Errorf("urgent queue: scan: %w", err)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("urgent queue: %w", err)
	}
	return out, nil
}
