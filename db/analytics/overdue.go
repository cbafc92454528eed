package analytics

import (
	"civiclink/db/obligation"
	"context"
	"fmt"
	"strings"
	"time"

	"civiclink/db/mediation"
	"civiclink/db/store"
	"civiclink/db/street"
	"civiclink/internal/access"
	"civiclink/internal/auth"
	"civiclink/internal/clock"
	"civiclink/internal/pagesize"
)

// MaxOverdue is the most overdue agreements one request returns: the API's largest page.
const MaxOverdue = pagesize.Max

// OverdueAgreement is a live obligation (obligation.Live): an agreement past its performance
// deadline, still to be performed, with no follow-up visit since the deadline, and the grid
// worker to remind.
type OverdueAgreement struct {
	// PerformanceDeadline is the day the agreement should have been performed by.
	PerformanceDeadline time.Time
	// DaysOverdue counts the days from the deadline to the as-of day.
	DaysOverdue int

	agreementID int64
	disputeID   int64
	gridID      *int64
	workerID    *int64
}

// Agreement is the overdue agreement; nil for a role that may not read agreements (a grid
// worker sees the dispute's status, not its agreement).
func (o *OverdueAgreement) Agreement(ctx context.Context) (*mediation.Agreement, error) {
	return mediation.AgreementByID.LoadOptional(ctx, &o.agreementID)
}

// Dispute is the agreement's dispute.
func (o *OverdueAgreement) Dispute(ctx context.Context) (*mediation.Dispute, error) {
	return mediation.DisputeByID.Load(ctx, o.disputeID)
}

// Grid is the dispute's grid.
func (o *OverdueAgreement) Grid(ctx context.Context) (*street.Grid, error) {
	return street.GridByID.LoadOptional(ctx, o.gridID)
}

// GridWorker is the grid worker to remind: the grid's active leader, else its active
// full-time, else part-time worker (the earliest appointed first).
func (o *OverdueAgreement) GridWorker(ctx context.Context) (*street.GridWorker, error) {
	return street.GridWorkerByID.LoadOptional(ctx, o.workerID)
}

// overdueSQL lists, in one statement, the live obligations on the as-of day ($1), optionally
// in one grid ($2), most overdue first, at most $3, among the disputes (alias t) the request
// may see (%s).
var overdueSQL = `
SELECT a.id, a.dispute_id, a.performance_deadline, ($1::date - a.performance_deadline) AS days_overdue, t.grid_id, w.id
FROM mediation.agreement a
JOIN mediation.dispute t ON t.id = a.dispute_id
LEFT JOIN LATERAL (
  SELECT gw.id FROM street.grid_worker gw
  WHERE gw.grid_id = t.grid_id AND gw.active_from <= $1::date AND (gw.active_to IS NULL OR gw.active_to >= $1::date)
  ORDER BY CASE gw.post WHEN 'LEADER' THEN 0 WHEN 'FULL_TIME' THEN 1 ELSE 2 END, gw.active_from, gw.id
  LIMIT 1
) w ON TRUE
WHERE ` + obligation.Live("a", "t", "$1::date") + `
  AND ($2::bigint IS NULL OR t.grid_id = $2::bigint)
  AND %s
ORDER BY a.performance_deadline, a.id
LIMIT $3`

// OverdueRoles are the roles that act on overdue agreements and get the list: street staff
// and mediators record follow-ups, the grid worker is the one reminded (own grids), the
// administrator supervises. Others are refused; analysts are pointed to the aggregate.
var OverdueRoles = []string{auth.StreetStaff, auth.Mediator, auth.GridWorker, auth.Admin}

// Overdue lists the live obligations on asOf (the office's today when nil), in grid gridID when
// not nil, at most first (MaxOverdue when nil or larger), among the disputes the request may
// see. It is a work list naming disputes, for OverdueRoles only: any other role is refused
// with FORBIDDEN (an analyst with a pointer to overdueAgreementStats). The statement reads as
// the hub once the disputes' row rule has chosen the rows, since row-level security would
// hide the agreements from a grid worker who is to be reminded of them.
func Overdue(ctx context.Context, db store.Querier, asOf *time.Time, gridID *int64, first *int) ([]*OverdueAgreement, error) {
	p := auth.FromContext(ctx)
	if !p.Is(OverdueRoles...) {
		msg := fmt.Sprintf("overdueAgreements is a work list for %s; a %s may not read it", strings.Join(OverdueRoles, ", "), roleName(p.Role))
		if p.Role == auth.Analyst {
			msg = "overdueAgreements names disputes, which analysts see as aggregates only: ask overdueAgreementStats instead"
		}
		return nil, &access.ForbiddenError{Message: msg}
	}
	day := clock.Today(ctx)
	if asOf != nil {
		day = *asOf
	}
	limit := MaxOverdue
	if first != nil {
		if *first < 0 {
			return nil, &store.InputError{Field: "first", Message: "first must not be negative"}
		}
		limit = min(*first, MaxOverdue)
	}
	// The list names disputes: only those the request may see, by the disputes' row rule.
	visible, ok := access.Policy(access.Disputes)(ctx)
	if !ok {
		return []*OverdueAgreement{}, nil
	}
	st := &statement{args: []any{day, gridID, limit}}
	where, err := st.where(visible)
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(statementContext(ctx), fmt.Sprintf(overdueSQL, where), st.args...)
	if err != nil {
		return nil, fmt.Errorf("overdue agreements: %w", err)
	}
	defer rows.Close()
	var out []*OverdueAgreement
	for rows.Next() {
		o := &OverdueAgreement{}
		if err := rows.Scan(&o.agreementID, &o.disputeID, &o.PerformanceDeadline, &o.DaysOverdue, &o.gridID, &o.workerID); err != nil {
			return nil, fmt.Errorf("overdue agreements: scan: %w", err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("overdue agreements: %w", err)
	}
	return out, nil
}

// OverdueAgreements aggregates the live obligations on the as-of day (obligation.Live) by the
// day their performance was due, for analysts: how many agreements wait for a reminder, where
// and for how long, never which.
var OverdueAgreements = &Spec{
	Name:      "overdueAgreementStats",
	From:      "mediation.agreement t JOIN mediation.dispute d ON d.id = t.dispute_id",
	Rows:      obligation.Live("t", "d", "p.as_of"),
	Extra:     []string{"(p.as_of - t.performance_deadline) AS days_overdue"},
	LocalTime: "t.performance_deadline::timestamp",
	People:    "count(*)",
	Access:    Access{Rule: access.Agreements, Aggregates: []string{auth.Analyst}},
	Dimensions: map[string]Dimension{
		"GRID":      {SQL: "d.grid_id", Ref: "Grid"},
		"COMMUNITY": {SQL: "(SELECT g.community_id FROM street.grid g WHERE g.id = d.grid_id)", Ref: "Community"},
		"COMMITTEE": {SQL: "d.committee_id", Ref: "Committee"},
		"CATEGORY":  {SQL: "d.category"},
		"STATUS":    {SQL: "d.status"},
	},
	Measures: []Measure{
		{Name: "avgDaysOverdue", SQL: "avg(t.days_overdue)"},
		{Name: "medianDaysOverdue", SQL: median("t.days_overdue")},
	},
}
