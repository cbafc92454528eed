package analytics

import (
	"context"
	"fmt"
	"time"

	"civiclink/db/mediation"
	"civiclink/db/store"
	"civiclink/db/street"
	"civiclink/internal/access"
)

// MaxOverdue is the most overdue agreements one request returns.
const MaxOverdue = 500

// OverdueAgreement is an agreement whose performance deadline has passed without any
// follow-up visit, with the grid worker to remind.
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

// Agreement is the overdue agreement.
func (o *OverdueAgreement) Agreement(ctx context.Context) (*mediation.Agreement, error) {
	return mediation.AgreementByID.Load(ctx, o.agreementID)
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

// overdueSQL lists, in one statement, the agreements past their deadline and the days of grace
// of the AGREEMENT_FOLLOW_UP rule in force on it, on the as-of day ($1),
// with no follow-up visit, optionally in one grid ($2), most overdue first, at most $3, among
// the disputes (alias t) the request may see (%s).
const overdueSQL = `
SELECT a.id, a.dispute_id, a.performance_deadline, ($1::date - a.performance_deadline) AS days_overdue, t.grid_id, w.id
FROM mediation.agreement a
JOIN mediation.dispute t ON t.id = a.dispute_id
LEFT JOIN LATERAL (
  SELECT gw.id FROM street.grid_worker gw
  WHERE gw.grid_id = t.grid_id AND gw.active_from <= $1::date AND (gw.active_to IS NULL OR gw.active_to >= $1::date)
  ORDER BY CASE gw.post WHEN 'LEADER' THEN 0 WHEN 'FULL_TIME' THEN 1 ELSE 2 END, gw.active_from, gw.id
  LIMIT 1
) w ON TRUE
WHERE a.performance_deadline + hub.rule_days('AGREEMENT_FOLLOW_UP', a.performance_deadline) < $1::date
  AND NOT EXISTS (SELECT 1 FROM mediation.follow_up f WHERE f.agreement_id = a.id)
  AND ($2::bigint IS NULL OR t.grid_id = $2::bigint)
  AND %s
ORDER BY a.performance_deadline, a.id
LIMIT $3`

// Overdue lists agreements overdue on asOf (today in Zone when nil) with no follow-up visit,
// in grid gridID when not nil, at most first (MaxOverdue when nil or larger), among the
// disputes the request may see: it is a list of cases, not an aggregate, so an analyst gets
// none.
func Overdue(ctx context.Context, db store.Querier, asOf *time.Time, gridID *int64, first *int) ([]*OverdueAgreement, error) {
	day := Today()
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
	rows, err := db.Query(ctx, fmt.Sprintf(overdueSQL, where), st.args...)
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
