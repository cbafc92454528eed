package resolvers

import (
	"context"
	"time"

	"civiclink/db/analytics"
	"civiclink/db/loaders"
	"civiclink/db/street"
)

// gridStats serves the <type>Stats fields that group by grid, with the gridAsOf choice: the
// grid of the time of each record, or today's.
func gridStats(ctx context.Context, spec *analytics.Spec, f analytics.Filter, groupBy []string, bucket *string, asOf *time.Time, gridAsOf *string) ([]*analytics.Group, error) {
	return analytics.Run(ctx, loaders.DB(ctx), spec, analytics.Query{Filter: f, GroupBy: groupBy, Bucket: bucket, AsOf: asOf, GridAsOf: gridAsOf})
}

// pks decodes a list of global IDs of type typ in input field.
func pks(field, typ string, ids []string) ([]int64, error) {
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		n, err := pk(field, typ, id)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// gridRedraws serves Query.gridRedraws, newest first.
func gridRedraws(ctx context.Context) ([]*street.GridRedraw, error) {
	list, err := street.GridRedraws.Select(ctx, loaders.DB(ctx), nil, "t.effective_at DESC, t.id DESC")
	if list == nil && err == nil {
		list = []*street.GridRedraw{}
	}
	return list, err
}
