package analytics

import (
	"context"

	"civiclink/db/rules"
)

// Rule is the rule by which the agreement is overdue: AGREEMENT_FOLLOW_UP in force on its
// performance deadline, which also names who is reminded.
func (o *OverdueAgreement) Rule(ctx context.Context) (*rules.Rule, error) {
	return rules.InForceOn(ctx, rules.AgreementFollowUp, o.PerformanceDeadline)
}
