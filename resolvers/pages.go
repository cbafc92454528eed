package resolvers

import (
	"context"
	"errors"

	"civiclink/db/loaders"
	"civiclink/db/relay"
	"civiclink/db/store"

	"github.com/99designs/gqlgen/graphql"
)

// filterPtr is a pointer to a GraphQL filter input's Go type.
type filterPtr[F any] interface {
	*F
	filter
}

// pagesEdge is a child connection of a P row: the page of T rows that its arguments select,
// read for every parent of a level at once (and the totals, when totalCount is selected),
// so that the connection's resolver under a list finds its page without a batch window.
// F is the Go type of the connection's filter input; columns maps its order fields.
type pagesEdge[P any, PP keyed[P], F any, PF filterPtr[F], T any] struct {
	rel     *loaders.ChildPagesRelation[T]
	columns map[string]string
}

// pagesOf declares a child connection.
func pagesOf[P, F any, PP keyed[P], PF filterPtr[F], T any](rel *loaders.ChildPagesRelation[T], columns map[string]string) pagesEdge[P, PP, F, PF, T] {
	return pagesEdge[P, PP, F, PF, T]{rel: rel, columns: columns}
}

func (e pagesEdge[P, PP, F, PF, T]) follow(ctx context.Context, f graphql.CollectedField, parents []any) ([]any, error) {
	args, ok := connectionArgs[F, PF](ctx, f, e.columns)
	if !ok {
		return nil, nil // the resolver reports the bad argument itself
	}
	keys := make([]int64, 0, len(parents))
	seen := make(map[int64]bool, len(parents))
	for _, p := range parents {
		if k := PP(p.(*P)).Key(); !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	sel := connectionSelection(ctx, f)
	if sel.total {
		if err := e.rel.FetchCounts(ctx, keys, args.Where); err != nil {
			return nil, err
		}
	}
	if !sel.rows {
		return nil, nil // only totalCount: the resolver reads no page either
	}
	pages, err := e.rel.FetchPages(ctx, keys, args)
	var input *store.InputError
	if errors.As(err, &input) {
		return nil, nil // a bad cursor: the resolver reports it
	}
	if err != nil {
		return nil, err
	}
	var out []any
	for _, k := range keys {
		if pg := pages[k]; pg != nil {
			for _, r := range pg.Rows {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// selection is what a connection field's selection asks of it.
type selection struct {
	rows  bool // its page: nodes, edges or pageInfo (anything but totalCount and __typename)
	total bool // totalCount
}

// connectionSelection reports what the selection of connection field f asks for.
func connectionSelection(ctx context.Context, f graphql.CollectedField) selection {
	var s selection
	oc := graphql.GetOperationContext(ctx)
	for _, c := range graphql.CollectFields(oc, f.Selections, implementors(f.Definition.Type.Name())) {
		switch c.Name {
		case "totalCount":
			s.total = true
		case "__typename":
		default:
			s.rows = true
		}
	}
	return s
}

// currentSelection is connectionSelection of the field being resolved; outside a GraphQL
// field (a direct call), everything.
func currentSelection(ctx context.Context) selection {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Definition == nil {
		return selection{rows: true, total: true}
	}
	return connectionSelection(ctx, fc.Field)
}

// connectionArgs decodes the paging, filter and order arguments of connection field f as
// gqlgen decodes them for its resolver (the generated input unmarshalers), into the same
// store arguments; false when one is not valid.
func connectionArgs[F any, PF filterPtr[F]](ctx context.Context, f graphql.CollectedField, columns map[string]string) (store.PageArgs, bool) {
	raw := f.ArgumentMap(graphql.GetOperationContext(ctx).Variables)
	var p page
	var ok bool
	if p.first, ok = optInt(raw["first"]); !ok {
		return store.PageArgs{}, false
	}
	if p.last, ok = optInt(raw["last"]); !ok {
		return store.PageArgs{}, false
	}
	if p.after, ok = optString(raw["after"]); !ok {
		return store.PageArgs{}, false
	}
	if p.before, ok = optString(raw["before"]); !ok {
		return store.PageArgs{}, false
	}
	var fl PF
	if v := raw["filter"]; v != nil {
		fl = PF(new(F))
		if err := graphql.UnmarshalNamedInputFromContext(ctx, f.Definition.Arguments.ForName("filter").Type.Name(), v, fl); err != nil {
			return store.PageArgs{}, false
		}
	}
	var orders []*relay.Order
	if v := raw["orderBy"]; v != nil {
		items, isList := v.([]any)
		if !isList {
			items = []any{v} // a single value stands for a list of one
		}
		name := f.Definition.Arguments.ForName("orderBy").Type.Name()
		for _, item := range items {
			o := new(relay.Order)
			if err := graphql.UnmarshalNamedInputFromContext(ctx, name, item, o); err != nil {
				return store.PageArgs{}, false
			}
			orders = append(orders, o)
		}
	}
	args, err := pageArgs(p, fl, orders, columns)
	return args, err == nil
}

func optInt(v any) (*int, bool) {
	if v == nil {
		return nil, true
	}
	n, err := graphql.UnmarshalInt(v)
	return &n, err == nil
}

func optString(v any) (*string, bool) {
	if v == nil {
		return nil, true
	}
	s, err := graphql.UnmarshalString(v)
	return &s, err == nil
}
