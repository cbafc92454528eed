package street

import (
	"context"

	"civiclink/db/rules"
)

// DueRule is the rule that sets the event's due time: GRID_EVENT_DUE_<urgency> in force when
// it was reported.
func (e *GridEvent) DueRule(ctx context.Context) (*rules.Rule, error) {
	return rules.InForce(ctx, rules.GridEventDue+e.Urgency, e.ReportedAt)
}

// ResponseRule is the rule whose deadline applies to the response: GRID_EVENT_RESPONSE_<urgency>
// in force when the event was reported.
func (e *GridEvent) ResponseRule(ctx context.Context) (*rules.Rule, error) {
	return rules.InForce(ctx, rules.GridEventResponse+e.Urgency, e.ReportedAt)
}
