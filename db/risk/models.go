// Package risk holds the public-security risk schema: assessments, risk items per grid with
// their measures, and the links from risk items to cases, disputes and grid events.
package risk

import (
	"context"
	"time"

	"civiclink/db/relay"
	"civiclink/db/rules"
	"civiclink/db/store"
	"civiclink/internal/clock"
	"civiclink/internal/globalid"
)

// Connection types of the risk domain.
type (
	AssessmentConnection = relay.Connection[*Assessment]
	AssessmentEdge       = relay.Edge[*Assessment]
	RiskItemConnection   = relay.Connection[*RiskItem]
	RiskItemEdge         = relay.Edge[*RiskItem]
)

// Assessment is a social-stability risk assessment of a decision, project, event or policy.
type Assessment struct {
	store.Row
	Title           string     `db:"title"`
	SubjectType     string     `db:"subject_type"`
	ResponsibleUnit string     `db:"responsible_unit"`
	GridID          *int64     `db:"grid_id"`
	Status          string     `db:"status"`
	Level           *string    `db:"level"`
	Decision        *string    `db:"decision"`
	OpenedAt        time.Time  `db:"opened_at"`
	DecidedAt       *time.Time `db:"decided_at"`
}

// RiskItem is one identified risk in a grid. Its level is derived from likelihood and impact.
type RiskItem struct {
	store.Row
	AssessmentID  *int64    `db:"assessment_id"`
	GridID        int64     `db:"grid_id"`
	EstateID      *int64    `db:"estate_id"`
	Dimension     string    `db:"dimension"`
	Description   string    `db:"description"`
	Likelihood    int       `db:"likelihood"`
	Impact        int       `db:"impact"`
	Level         string    `db:"level"`
	Status        string    `db:"status"`
	IdentifiedAt  time.Time `db:"identified_at"`
	GridVersionID *int64    `db:"grid_version_id"`
}

// Measure is an action against a risk item.
type Measure struct {
	store.Row
	RiskItemID int64      `db:"risk_item_id"`
	Action     string     `db:"action"`
	OwnerUnit  string     `db:"owner_unit"`
	DueOn      time.Time  `db:"due_on"`
	Status     string     `db:"status"`
	DoneOn     *time.Time `db:"done_on"`
}

// Overdue reports whether the measure is not done and past its due day plus the days of grace
// of the MEASURE_OVERDUE rule in force on that day; it is derived at read time, never stored.
func (m *Measure) Overdue(ctx context.Context) (bool, error) {
	overdue, _, err := m.overdue(ctx)
	return overdue, err
}

// OverdueRule is the rule by which the measure is overdue, nil when it is not.
func (m *Measure) OverdueRule(ctx context.Context) (*rules.Rule, error) {
	_, rule, err := m.overdue(ctx)
	return rule, err
}

// overdue applies the rule as SQL does (hub.rule_days): without a rule in force there is no
// grace.
func (m *Measure) overdue(ctx context.Context) (bool, *rules.Rule, error) {
	if m.Status == "DONE" {
		return false, nil, nil
	}
	rule, err := rules.InForceOn(ctx, rules.MeasureOverdue, m.DueOn)
	if err != nil {
		return false, nil, err
	}
	grace := 0
	if rule != nil {
		grace = rule.GraceDays()
	}
	if !m.DueOn.AddDate(0, 0, grace).Before(clock.Today(ctx)) {
		return false, nil, nil
	}
	return true, rule, nil
}

// Link ties a risk item to exactly one case, dispute or grid event.
type Link struct {
	PK          int64  `db:"id"`
	RiskItemID  int64  `db:"risk_item_id"`
	CaseID      *int64 `db:"case_id"`
	DisputeID   *int64 `db:"dispute_id"`
	GridEventID *int64 `db:"grid_event_id"`
}

// ID returns the global ID.
func (r *Assessment) ID() string { return globalid.Encode("Assessment", r.PK) }

// ID returns the global ID.
func (r *RiskItem) ID() string { return globalid.Encode("RiskItem", r.PK) }

// ID returns the global ID.
func (r *Measure) ID() string { return globalid.Encode("Measure", r.PK) }
