package resolvers

import (
	"context"
	"time"

	"civiclink/db/loaders"
	"civiclink/db/urgent"
)

// urgentQueue serves Query.urgentQueue (the arguments have schema defaults).
func urgentQueue(ctx context.Context, within, overdueFor, first *int) ([]*urgent.Item, error) {
	q := urgent.Query{Within: 120 * time.Minute, OverdueFor: 24 * time.Hour, First: 50}
	if within != nil {
		q.Within = time.Duration(*within) * time.Minute
	}
	if overdueFor != nil {
		q.OverdueFor = time.Duration(*overdueFor) * time.Minute
	}
	if first != nil {
		q.First = *first
	}
	return urgent.List(ctx, loaders.DB(ctx), q)
}
