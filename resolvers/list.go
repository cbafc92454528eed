package resolvers

import (
	"context"
	"errors"

	"civiclink/db/loaders"
	"civiclink/db/relay"
	"civiclink/db/store"
	"civiclink/internal/apierr"

	"github.com/99designs/gqlgen/graphql"
)

// filter is a GraphQL filter input that translates itself into conditions; every filter
// type's Conds accepts a nil receiver.
type filter interface {
	Conds() (store.Conds, error)
}

// page carries the four Relay paging arguments.
type page struct {
	first  *int
	after  *string
	last   *int
	before *string
}

// pageArgs validates and combines paging, filtering and ordering into store arguments.
func pageArgs(p page, f filter, orderBy []*relay.Order, columns map[string]string) (store.PageArgs, error) {
	args := store.PageArgs{First: p.first, After: p.after, Last: p.last, Before: p.before}
	if f != nil {
		where, err := f.Conds()
		if err != nil {
			return args, err
		}
		args.Where = where
	}
	order, err := relay.Terms(orderBy, columns)
	if err != nil {
		return args, err
	}
	args.Order = order
	return args, nil
}

// rootList serves a root connection: one statement for the page, when the client selects
// anything of it (nodes, edges, pageInfo), and one more for the total, when it selects
// totalCount. With both, the count runs beside the page and the levels below it.
func rootList[T any](ctx context.Context, table *store.Table[T], p page, f filter, orderBy []*relay.Order, columns map[string]string) (*relay.Connection[*T], error) {
	if err := aggregatesOnly(ctx, resultType(ctx), table.Readable); err != nil {
		return nil, err
	}
	args, err := pageArgs(p, f, orderBy, columns)
	if err != nil {
		return nil, err
	}
	db := loaders.DB(ctx)
	count := func(ctx context.Context) (int, error) { return table.Count(ctx, db, args.Where) }
	sel := currentSelection(ctx)
	if !sel.rows {
		if err := args.Check(); err != nil {
			return nil, err
		}
		return relay.FromPage(&store.Page[T]{}, count), nil
	}
	if sel.total {
		count = started(ctx, count)
	}
	pg, err := table.Page(ctx, db, args)
	if err != nil {
		return nil, err
	}
	if err := prefetchPage(ctx, pg.Rows); err != nil {
		return nil, err
	}
	return relay.FromPage(pg, count), nil
}

// started runs count at once, beside whatever the request reads meanwhile, and returns a
// function that waits for its result: a root list's total (a statement whose cost grows with
// the table, not the page) then adds the longer of it and the page's levels to the request's
// time rather than their sum.
func started(ctx context.Context, count func(context.Context) (int, error)) func(context.Context) (int, error) {
	var n int
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		n, err = count(ctx)
	}()
	return func(wait context.Context) (int, error) {
		select {
		case <-done:
			return n, err
		case <-wait.Done():
			return 0, wait.Err()
		}
	}
}

// childList serves a child connection under a parent. Its page was normally read with the
// parent's level (pagesEdge), with every parent of the level in one statement; a parent alone
// at its level reads its page now; only a parent under a list that no level load reached
// falls back to the dataloader's batch window. A connection of which only totalCount is
// selected reads no page.
func childList[T any](ctx context.Context, rel *loaders.ChildPagesRelation[T], parent int64, p page, f filter, orderBy []*relay.Order, columns map[string]string) (*relay.Connection[*T], error) {
	args, err := pageArgs(p, f, orderBy, columns)
	if err != nil {
		return nil, err
	}
	alone := !underList(ctx)
	count := func(ctx context.Context) (int, error) {
		if alone {
			return rel.CountNow(ctx, parent, args.Where)
		}
		return rel.Count(ctx, parent, args.Where)
	}
	if !currentSelection(ctx).rows {
		if err := args.Check(); err != nil {
			return nil, err
		}
		return relay.FromPage(&store.Page[T]{}, count), nil
	}
	pg, known := rel.Known(ctx, parent, args)
	switch {
	case known:
		// read with its level, and what the query selects below it too
	case !alone:
		if pg, err = rel.Load(ctx, parent, args); err != nil {
			return nil, err
		}
	default:
		pages, err := rel.FetchPages(ctx, []int64{parent}, args)
		if err != nil {
			return nil, err
		}
		pg = pages[parent]
	}
	if pg == nil {
		pg = &store.Page[T]{}
	}
	if !known {
		if err := prefetchPage(ctx, pg.Rows); err != nil {
			return nil, err
		}
	}
	return relay.FromPage(pg, count), nil
}

// lookup finds one row by a unique human-facing column (case number, grid code, …).
func lookup[T any](ctx context.Context, table *store.Table[T], what, column, value string) (*T, error) {
	if err := aggregatesOnly(ctx, resultType(ctx), table.Readable); err != nil {
		return nil, err
	}
	row, err := table.Get(ctx, loaders.DB(ctx), store.Conds{store.Eq(column, value)})
	if errors.Is(err, apierr.ErrNotFound) {
		return nil, apierr.NotFoundError(what + " " + value)
	}
	if err != nil {
		return nil, err
	}
	if err := prefetchObject(ctx, graphql.GetFieldContext(ctx).Field.Definition.Type.Name(), row); err != nil {
		return nil, err
	}
	return row, nil
}

// ref follows a required reference; a missing row is an inconsistency, reported as such.
func ref[T any](ctx context.Context, rel *loaders.ByIDRelation[T], id int64) (*T, error) {
	return rel.Load(ctx, id)
}

// optRef follows a nullable reference.
func optRef[T any](ctx context.Context, rel *loaders.ByIDRelation[T], id *int64) (*T, error) {
	return rel.LoadOptional(ctx, id)
}

// via maps each link row to the row it points at, through a by-ID relation: for example
// a person's case involvements to the cases. Every key is queued before any is awaited, so
// the whole list costs one statement. Links that point nowhere or at invisible rows are
// skipped.
func via[L, T any](ctx context.Context, links []*L, target func(*L) *int64, rel *loaders.ByIDRelation[T]) ([]*T, error) {
	thunks := make([]func() (*T, error), 0, len(links))
	for _, l := range links {
		if id := target(l); id != nil {
			thunks = append(thunks, rel.Thunk(ctx, *id))
		}
	}
	return awaitVisible(thunks)
}

// awaitVisible waits for queued loads in order, leaving out rows that do not exist or are
// not visible to the caller.
func awaitVisible[T any](thunks []func() (T, error)) ([]T, error) {
	out := make([]T, 0, len(thunks))
	for _, th := range thunks {
		v, err := th()
		if errors.Is(err, apierr.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
