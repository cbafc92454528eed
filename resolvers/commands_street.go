package resolvers

// What the grid-event mutations (schema/street.graphqls) share: each decodes its input's IDs,
// runs the command of db/street/gridevent in one transaction, and reads the rows it wrote
// afresh, through these.

import (
	"context"

	"civiclink/db/mediation"
	"civiclink/db/police"
	"civiclink/db/street"
	"civiclink/db/street/gridevent"
	"civiclink/graph/model"
)

// gridEventWritten reads the grid event a command wrote.
func (r *mutationResolver) gridEventWritten(ctx context.Context, res gridevent.Written, err error) (*model.GridEventPayload, error) {
	if err != nil {
		return nil, err
	}
	e, err := row(ctx, r.DB, street.GridEvents, res.GridEvent)
	return &model.GridEventPayload{GridEvent: e}, err
}

// converted reads a converted grid event and the dispute or the case it became.
func (r *mutationResolver) converted(ctx context.Context, res gridevent.Converted, err error) (*model.ConvertGridEventPayload, error) {
	if err != nil {
		return nil, err
	}
	out := &model.ConvertGridEventPayload{}
	if out.GridEvent, err = row(ctx, r.DB, street.GridEvents, res.GridEvent); err != nil {
		return nil, err
	}
	if res.Dispute != nil {
		if out.Dispute, err = row(ctx, r.DB, mediation.Disputes, *res.Dispute); err != nil {
			return nil, err
		}
	}
	if res.Case != nil {
		if out.Case, err = row(ctx, r.DB, police.Cases, *res.Case); err != nil {
			return nil, err
		}
	}
	return out, nil
}
