package resolvers

import (
	"context"
	"time"

	"civiclink/db/analytics"
	"civiclink/db/loaders"
	"civiclink/db/redraw"
	"civiclink/db/store"
	"civiclink/db/street"
	"civiclink/db/workflow"
	"civiclink/graph/model"
	"civiclink/internal/clock"

	"github.com/jackc/pgx/v5"
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

// redrawGrid splits, merges or moves grids in one transaction (ADMIN only, logged).
func (r *mutationResolver) redrawGrid(ctx context.Context, in model.RedrawGridInput) (workflow.Result, error) {
	p := redraw.Plan{Kind: in.Kind, Reason: in.Reason, Actor: workflow.Actor(ctx), At: clock.Now(ctx)}
	var err error
	if p.GridID, err = pk("gridId", "Grid", in.GridID); err != nil {
		return nil, err
	}
	if p.IntoGridID, err = optPK("intoGridId", "Grid", in.IntoGridID); err != nil {
		return nil, err
	}
	if p.CommunityID, err = optPK("communityId", "Community", in.CommunityID); err != nil {
		return nil, err
	}
	for _, l := range []struct {
		field, typ string
		ids        []string
		dest       *[]int64
	}{
		{"estateIds", "Estate", in.EstateIds, &p.EstateIDs},
		{"personIds", "Person", in.PersonIds, &p.PersonIDs},
		{"gridWorkerIds", "GridWorker", in.GridWorkerIds, &p.GridWorkerIDs},
		{"officerIds", "Officer", in.OfficerIds, &p.OfficerIDs},
	} {
		if *l.dest, err = pks(l.field, l.typ, l.ids); err != nil {
			return nil, err
		}
	}
	if in.NewGrid != nil {
		p.NewGrid = &redraw.NewGrid{Code: in.NewGrid.Code, Name: in.NewGrid.Name, Kind: in.NewGrid.Kind}
	}
	return r.run(ctx, "redrawGrid", in.IdempotencyKey, in, func(ctx context.Context, tx pgx.Tx) (workflow.Result, error) {
		res, err := redraw.Apply(ctx, tx, p)
		if err != nil {
			return nil, err
		}
		out := workflow.Result{"redraw": res.RedrawID}
		for i, g := range res.GridIDs {
			out["grid"+string(rune('0'+i))] = g
		}
		return out, nil
	})
}

func redrawPayload(ctx context.Context, db store.Querier, res workflow.Result) (*model.RedrawGridPayload, error) {
	rd, err := need(ctx, db, street.GridRedraws, res, "redraw")
	if err != nil {
		return nil, err
	}
	out := &model.RedrawGridPayload{Redraw: rd}
	for i := 0; ; i++ {
		g, err := optRow(ctx, db, street.Grids, res, "grid"+string(rune('0'+i)))
		if err != nil {
			return nil, err
		}
		if g == nil {
			return out, nil
		}
		out.Grids = append(out.Grids, g)
	}
}

// gridRedraws serves Query.gridRedraws, newest first.
func gridRedraws(ctx context.Context) ([]*street.GridRedraw, error) {
	list, err := street.GridRedraws.Select(ctx, loaders.DB(ctx), nil, "t.effective_at DESC, t.id DESC")
	if list == nil && err == nil {
		list = []*street.GridRedraw{}
	}
	return list, err
}
