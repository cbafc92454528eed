package resolvers

import (
	"context"
	"errors"

	"civiclink/db/relay"
	"civiclink/db/store"
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
	n, err := load(ctx, e.EntityID)()
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return n, err
}
