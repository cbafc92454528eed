package resolvers

import (
	"context"
	"errors"

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

// workflowEvents subscribes to workflow events, filtered by grid, station and kind.
func (r *subscriptionResolver) workflowEvents(ctx context.Context, filter *model.WorkflowEventFilter) (<-chan *events.Event, error) {
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
	}
	in := r.Events.Subscribe(ctx, f)
	out := make(chan *events.Event, 1)
	go func() {
		defer close(out)
		for e := range in {
			// Only events about rows the subscriber may see reach it.
			if visible, err := r.eventVisible(ctx, &e); err != nil || !visible {
				if err != nil {
					r.Logger.WarnContext(ctx, "check event visibility", "kind", e.Kind, "err", err)
				}
				continue
			}
			select {
			case out <- &e:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// eventSubject loads the entity an event concerns; nil when it no longer exists.
func eventSubject(ctx context.Context, e *events.Event) (relay.Node, error) {
	load, ok := nodeTypes[e.EntityType]
	if !ok {
		return nil, nil
	}
	n, err := load.thunk(ctx, e.EntityID)()
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return n, err
}

// eventSubjects reads an event's subject directly (not through the subscription's loaders,
// whose cache would outlive the data), under the subscriber's access rules.
var eventSubjects = map[string]func(ctx context.Context, db store.Querier, id int64) error{
	"Case":      readable(police.Cases),
	"Dispute":   readable(mediation.Disputes),
	"GridEvent": readable(street.GridEvents),
	"RiskItem":  readable(risk.RiskItems),
	"Measure":   readable(risk.Measures),
}

// readable returns a check that row id of table exists and is visible to the caller.
func readable[T any](table *store.Table[T]) func(ctx context.Context, db store.Querier, id int64) error {
	return func(ctx context.Context, db store.Querier, id int64) error {
		_, err := row(ctx, db, table, id)
		return err
	}
}

// eventVisible reports whether the subscriber may see the event's subject.
func (r *subscriptionResolver) eventVisible(ctx context.Context, e *events.Event) (bool, error) {
	read, ok := eventSubjects[e.EntityType]
	if !ok {
		return false, nil
	}
	err := read(ctx, r.DB, e.EntityID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
