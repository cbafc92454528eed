package store

import "context"

type genericPlanKey struct{}

// WithGenericPlan marks the statements run under ctx as keyed lookups (`col = ANY($1)`),
// whose best plan does not depend on the keys: a pool that sets the caller's settings
// (internal/dbpool) runs them with plan_cache_mode = force_generic_plan. PostgreSQL's own
// choice re-plans them at every execution when row security nests policies (a follow-up
// visit's policy reads the agreement's, which reads the dispute's): planning the 28 subplans
// took 2 ms per lookup against 0.05 ms to run the generic plan.
func WithGenericPlan(ctx context.Context) context.Context {
	return context.WithValue(ctx, genericPlanKey{}, true)
}

// GenericPlanWanted reports whether ctx was marked by WithGenericPlan.
func GenericPlanWanted(ctx context.Context) bool {
	return ctx.Value(genericPlanKey{}) != nil
}
