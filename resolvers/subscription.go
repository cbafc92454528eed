package resolvers

import (
	"context"
	"errors"
	"strconv"
	"time"

	"civiclink/db/mediation"
	"civiclink/db/police"
	"civiclink/db/relay"
	"civiclink/db/risk"
	"civiclink/db/store"
	"civiclink/db/street"
	"civiclink/graph/model"
	"civiclink/internal/apierr"
	"civiclink/internal/events"
)

// eventBatch is the most events whose visibility is decided together: as many as a
// subscription holds waiting for its receiver.
const eventBatch = events.DeliveryBatch

// visibilityRetry is how long a subscription waits before checking a batch's visibility
// again after the check failed.
const visibilityRetry = 500 * time.Millisecond

// workflowEvents subscribes to workflow events, filtered by grid, station and kind, from
// after the event id after when given. Visibility is decided for the events waiting in a
// batch, one statement per entity type; a subscription that falls too far behind ends with
// SUBSCRIBER_TOO_SLOW naming the last event it got.
func (r *subscriptionResolver) workflowEvents(ctx context.Context, filter *model.WorkflowEventFilter, after *string) (<-chan *events.Event, error) {
	if r.Events == nil {
		return nil, apierr.New(apierr.Internal, "live updates are not enabled on this server")
	}
	var f events.Filter
	if filter != nil {
		var err error
		if f.GridID, err = optPK("filter.gridId", "Grid", filter.GridID); err != nil {
			return nil, err
		}
		if f.StationID, err = optPK("filter.stationId", "Station", filter.StationID); err != nil {
			return nil, err
		}
		f.Kinds = filter.Kinds
		f.Remind = filter.Remind
	}
	var from int64
	var replay store.Querier // none: live only
	if after != nil {
		n, err := strconv.ParseInt(*after, 10, 64)
		if err != nil || n < 0 {
			return nil, apierr.BadInput("after", "after must be the id of an event")
		}
		from, replay = n, r.DB
	}
	// What the caller may see of the events is decided below.
	sub := r.Events.Subscribe(ctx, f, from, replay)
	out := make(chan *events.Event, 1)
	go func() {
		defer close(out)
		for {
			batch := receiveBatch(ctx, sub.Events())
			if batch == nil {
				events.EndStream(ctx, sub.Err())
				return
			}
			// A check that fails (the database restarting) is tried again: skipping the
			// batch would lose its events for good, since the broker counts them handed
			// out (a subscriber that falls behind meanwhile is told, SUBSCRIBER_TOO_SLOW).
			visible, err := r.visibleEvents(ctx, batch)
			for err != nil {
				r.Logger.WarnContext(ctx, "check event visibility; retrying", "events", len(batch), "err", err)
				select {
				case <-time.After(visibilityRetry):
				case <-ctx.Done():
					return
				}
				visible, err = r.visibleEvents(ctx, batch)
			}
			for i := range batch {
				if !visible[batch[i].ID] {
					continue
				}
				select {
				case out <- &batch[i]:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}

// receiveBatch waits for the next event and takes those already waiting after it, up to
// eventBatch; nil when the channel is closed.
func receiveBatch(ctx context.Context, in <-chan events.Event) []events.Event {
	var batch []events.Event
	select {
	case e, ok := <-in:
		if !ok {
			return nil
		}
		batch = append(batch, e)
	case <-ctx.Done():
		return nil
	}
	for len(batch) < eventBatch {
		select {
		case e, ok := <-in:
			if !ok {
				return batch
			}
			batch = append(batch, e)
		default:
			return batch
		}
	}
	return batch
}

// eventSubject loads the entity an event concerns; nil when it no longer exists.
func eventSubject(ctx context.Context, e *events.Event) (relay.Node, error) {
	load, ok := nodeTypes[e.EntityType]
	if !ok {
		return nil, nil
	}
	n, err := load.thunk(ctx, e.EntityID)()
	if errors.Is(err, apierr.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return n, prefetchObject(ctx, e.EntityType, n)
}

// eventSubjects reads which subjects of a batch of events exist and are visible to the
// caller, one statement per entity type, directly (not through the subscription's loaders,
// whose cache would outlive the data), under the subscriber's access rules.
var eventSubjects = map[string]func(ctx context.Context, db store.Querier, ids []int64) (map[int64]bool, error){
	"Case":      readable(police.Cases),
	"Dispute":   readable(mediation.Disputes),
	"GridEvent": readable(street.GridEvents),
	"RiskItem":  readable(risk.RiskItems),
	"Measure":   readable(risk.Measures),
}

// readable returns a check of which rows of table with the given ids the caller may see.
func readable[T any, P interface {
	*T
	Key() int64
}](table *store.Table[T]) func(ctx context.Context, db store.Querier, ids []int64) (map[int64]bool, error) {
	return func(ctx context.Context, db store.Querier, ids []int64) (map[int64]bool, error) {
		rows, err := table.ByIDs(ctx, db, ids, func(t *T) int64 { return P(t).Key() })
		if err != nil {
			return nil, err
		}
		seen := make(map[int64]bool, len(rows))
		for id := range rows {
			seen[id] = true
		}
		return seen, nil
	}
}

// visibleEvents reports, by event id, which events of batch the subscriber may see.
func (r *subscriptionResolver) visibleEvents(ctx context.Context, batch []events.Event) (map[int64]bool, error) {
	byType := map[string][]int64{}
	for _, e := range batch {
		byType[e.EntityType] = append(byType[e.EntityType], e.EntityID)
	}
	visibleSubjects := map[string]map[int64]bool{}
	var firstErr error
	for typ, ids := range byType {
		read, ok := eventSubjects[typ]
		if !ok {
			continue
		}
		seen, err := read(ctx, r.DB, ids)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		visibleSubjects[typ] = seen
	}
	out := make(map[int64]bool, len(batch))
	for _, e := range batch {
		out[e.ID] = visibleSubjects[e.EntityType][e.EntityID]
	}
	return out, firstErr
}
