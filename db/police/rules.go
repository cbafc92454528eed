package police

import (
	"context"

	"civiclink/db/rules"
)

// ResponseRule is the rule whose deadline applies to reaching the scene: CASE_ON_SCENE in
// force when the case was received.
func (c *Case) ResponseRule(ctx context.Context) (*rules.Rule, error) {
	return rules.InForce(ctx, rules.CaseOnScene, c.ReceivedAt)
}
