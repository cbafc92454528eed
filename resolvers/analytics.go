package resolvers

import (
	"context"
	"time"

	"civiclink/db/analytics"
	"civiclink/db/loaders"
	"civiclink/internal/globalid"

	"civiclink/db/store"
)

// stats serves every <type>Stats field: the client's filter and keys go to the one generic
// aggregate builder, which checks them against the caller's role and runs a single statement.
func stats(ctx context.Context, spec *analytics.Spec, f analytics.Filter, groupBy []string, bucket *string, asOf *time.Time) ([]*analytics.Group, error) {
	return analytics.Run(ctx, loaders.DB(ctx), spec, analytics.Query{Filter: f, GroupBy: groupBy, Bucket: bucket, AsOf: asOf})
}

// overdueAgreements serves Query.overdueAgreements.
func overdueAgreements(ctx context.Context, asOf *time.Time, gridID *string, first *int) ([]*analytics.OverdueAgreement, error) {
	var grid *int64
	if gridID != nil {
		pk, err := globalid.DecodeAs(*gridID, "Grid")
		if err != nil {
			return nil, &store.InputError{Field: "gridId", Message: err.Error()}
		}
		grid = &pk
	}
	return analytics.Overdue(ctx, loaders.DB(ctx), asOf, grid, first)
}
