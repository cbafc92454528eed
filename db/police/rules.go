package police

import (
	"context"

	"civiclink/db/rules"
	"civiclink/db/street"
)

// ResponseRule is the rule whose deadline applies to reaching the scene: CASE_ON_SCENE in
// force when the case was received.
func (c *Case) ResponseRule(ctx context.Context) (*rules.Rule, error) {
	return rules.InForce(ctx, rules.CaseOnScene, c.ReceivedAt)
}

// GridAtTheTime is the version of the grid the case was received in.
func (c *Case) GridAtTheTime(ctx context.Context) (*street.GridVersion, error) {
	return street.GridVersionByID.LoadOptional(ctx, c.GridVersionID)
}
