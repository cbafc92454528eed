package resolvers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"civiclink/db/loaders"
	"civiclink/db/urgent"
	"civiclink/internal/apierr"
	"civiclink/internal/auth"
	"civiclink/internal/events"
)

// urgentPoll is how often the live urgent queue is re-read without a workflow event: its
// records' minutesLeft move every minute (a new record comes with its event,
// GRID_EVENT_REPORTED or CASE_REGISTERED).
const urgentPoll = 15 * time.Second

// urgentQuery turns urgentQueue's arguments (with their schema defaults) into a query.
func urgentQuery(within, overdueFor, first *int, asOf *time.Time) urgent.Query {
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
	if asOf != nil {
		q.AsOf = *asOf
	}
	return q
}

// urgentReadable reports whether the caller of ctx may see any record of the urgent queue.
func urgentReadable(ctx context.Context) bool { return urgent.Readable(auth.FromContext(ctx)) }

// urgentList serves Query.urgentQueue: the records the caller may see; an analyst, who sees
// records as aggregates only, is refused.
func urgentList(ctx context.Context, q urgent.Query) ([]*urgent.Item, error) {
	if err := aggregatesOnly(ctx, "UrgentItem", urgentReadable); err != nil {
		return nil, err
	}
	return urgent.List(ctx, loaders.DB(ctx), q)
}

// urgentQueue serves Subscription.urgentQueue: the list at once, then again whenever it
// differs from the last one sent, re-read (under the subscriber's access rules, like the
// query) on every workflow event and every urgentPoll.
func (r *subscriptionResolver) urgentQueue(ctx context.Context, q urgent.Query) (<-chan []*urgent.Item, error) {
	if err := aggregatesOnly(ctx, "UrgentItem", urgentReadable); err != nil {
		return nil, err
	}
	if r.Events == nil {
		return nil, apierr.New(apierr.Internal, "live updates are not enabled on this server")
	}
	first, err := urgent.List(ctx, r.DB, q)
	if err != nil {
		return nil, err
	}
	sub := r.Events.Subscribe(ctx, events.Filter{}, 0, nil)
	out := make(chan []*urgent.Item, 1)
	out <- first
	go func() {
		defer close(out)
		last := urgentKey(first)
		tick := time.NewTicker(urgentPoll)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-sub.Events():
				if !ok {
					events.EndStream(ctx, sub.Err())
					return
				}
				// Take the events already waiting: one re-read answers them all.
				for drained := false; !drained; {
					select {
					case _, ok := <-sub.Events():
						drained = !ok
					default:
						drained = true
					}
				}
			case <-tick.C:
			}
			list, err := urgent.List(ctx, r.DB, q)
			if err != nil {
				if ctx.Err() == nil {
					r.Logger.WarnContext(ctx, "re-read the urgent queue", "err", err)
				}
				continue
			}
			if key := urgentKey(list); key != last {
				last = key
				select {
				case out <- list:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

// urgentKey identifies what a subscriber sees change in a list: its records, their order
// and their minutes left.
func urgentKey(list []*urgent.Item) string {
	var b strings.Builder
	for _, it := range list {
		fmt.Fprintf(&b, "%s:%d:%d;", it.Workflow, it.Key(), it.MinutesLeft)
	}
	return b.String()
}
