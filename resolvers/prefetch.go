package resolvers

import (
	"context"
	"strings"
	"sync"

	"civiclink/db/loaders"
	"civiclink/db/store"
	"civiclink/graph"
	"civiclink/internal/fastpath"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Loading by level. A list resolver knows every row of its level before gqlgen resolves
// their fields, so it also reads, for all of them at once, what the query selects below
// them: one statement per relation and level (Fetch of a by-ID or child relation), walking
// the selection down to the leaves. The field resolvers then find their rows in the
// request's registry and return at once; nothing waits on a dataloader's batch window, and
// the statement count does not depend on how the goroutines of a level happen to be
// scheduled. Connections are followed too (pages.go): the pages of every parent of a level,
// under the field's own arguments, in one statement, and their totals in one more. Only
// fields without an edge keep their dataloaders' batch windows.

// edge is a field whose rows can be read for a whole level of parents at once.
type edge interface {
	// follow reads what field f reaches from every parent (rows of the field's parent
	// type) and returns the distinct rows reached, for the next level: for a connection,
	// the rows of every parent's page.
	follow(ctx context.Context, f graphql.CollectedField, parents []any) ([]any, error)
}

// knownEdge is an edge whose field's resolver answers nothing but what the edge read: a
// reference or a child list without arguments. answer returns that answer for parent from
// what the request's level loads have read, without I/O (false when they did not reach it,
// or when the resolver would report an error): internal/fastpath writes it in place of the
// resolver.
type knownEdge interface {
	answer(ctx context.Context, parent any) (any, bool)
}

// KnownAnswer returns how internal/fastpath may answer field of GraphQL type typeName in
// place of its resolver (from what the level loads read), or nil when it may not.
func KnownAnswer(typeName, field string) fastpath.Known {
	if e, ok := edges[typeName][field].(knownEdge); ok {
		return e.answer
	}
	return nil
}

// refEdge is a reference from a P row to a T row by id. When fill is set, follow also
// stores the target in the parent's store.Ref, which GraphQL then reads as a plain field.
type refEdge[P, T any] struct {
	rel      *loaders.ByIDRelation[T]
	id       func(*P) (int64, bool) // false: the reference is null
	optional bool                   // an invisible target is null, not an error
	fill     func(*P) *store.Ref[T]
}

// optRefTo declares a nullable reference.
func optRefTo[P, T any](rel *loaders.ByIDRelation[T], id func(*P) *int64) refEdge[P, T] {
	return refEdge[P, T]{rel: rel, optional: true, id: func(p *P) (int64, bool) {
		if v := id(p); v != nil {
			return *v, true
		}
		return 0, false
	}}
}

// refTo declares a required reference.
func refTo[P, T any](rel *loaders.ByIDRelation[T], id func(*P) int64) refEdge[P, T] {
	return refEdge[P, T]{rel: rel, id: func(p *P) (int64, bool) { return id(p), true }}
}

// filledRef declares a required reference held in the parent's store.Ref.
func filledRef[P, T any](rel *loaders.ByIDRelation[T], id func(*P) int64, fill func(*P) *store.Ref[T]) refEdge[P, T] {
	e := refTo(rel, id)
	e.fill = fill
	return e
}

// answer implements knownEdge: the row a level load read (nil when the reference is null or
// its target is not visible), as optRef answers; a required reference whose target is not
// visible is left to the resolver, which reports it.
func (e refEdge[P, T]) answer(ctx context.Context, parent any) (any, bool) {
	p, ok := parent.(*P)
	if !ok {
		return nil, false
	}
	id, ok := e.id(p)
	if !ok {
		return (*T)(nil), true
	}
	row, known := e.rel.Known(ctx, id)
	if !known || (row == nil && !e.optional) {
		return nil, false
	}
	return row, true
}

func (e refEdge[P, T]) follow(ctx context.Context, _ graphql.CollectedField, parents []any) ([]any, error) {
	ids := make([]int64, 0, len(parents))
	for _, p := range parents {
		if id, ok := e.id(p.(*P)); ok {
			ids = append(ids, id)
		}
	}
	rows, err := e.rel.Fetch(ctx, ids)
	if err != nil {
		return nil, err
	}
	if e.fill != nil {
		for _, p := range parents {
			if id, ok := e.id(p.(*P)); ok {
				e.fill(p.(*P)).Set(rows[id])
			}
		}
	}
	out := make([]any, 0, len(rows))
	seen := make(map[int64]bool, len(rows))
	for _, id := range ids {
		if r, ok := rows[id]; ok && !seen[id] {
			seen[id] = true
			out = append(out, r)
		}
	}
	return out, nil
}

// keyed is a row type with a primary key (every type embedding store.Row).
type keyed[P any] interface {
	*P
	Key() int64
}

// childrenEdge is the list of T rows that refer to a P row, or the single one (one).
type childrenEdge[P any, PP keyed[P], T any] struct {
	rel *loaders.ChildrenRelation[T]
	one bool
}

// childrenOf declares a child list, answered as the relation's Load.
func childrenOf[P any, PP keyed[P], T any](rel *loaders.ChildrenRelation[T]) childrenEdge[P, PP, T] {
	return childrenEdge[P, PP, T]{rel: rel}
}

// oneChildOf declares a one-to-one child, answered as the relation's LoadOne.
func oneChildOf[P any, PP keyed[P], T any](rel *loaders.ChildrenRelation[T]) childrenEdge[P, PP, T] {
	return childrenEdge[P, PP, T]{rel: rel, one: true}
}

// answer implements knownEdge: the children a level load read, as Load (or LoadOne) answers.
func (e childrenEdge[P, PP, T]) answer(ctx context.Context, parent any) (any, bool) {
	p, ok := parent.(*P)
	if !ok {
		return nil, false
	}
	list, known := e.rel.Known(ctx, PP(p).Key())
	switch {
	case !known:
		return nil, false
	case !e.one:
		return list, true
	case len(list) == 0:
		return (*T)(nil), true
	}
	return list[0], true
}

func (e childrenEdge[P, PP, T]) follow(ctx context.Context, _ graphql.CollectedField, parents []any) ([]any, error) {
	keys := make([]int64, len(parents))
	for i, p := range parents {
		keys[i] = PP(p.(*P)).Key()
	}
	lists, err := e.rel.Fetch(ctx, keys)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, k := range keys {
		for _, r := range lists[k] {
			out = append(out, r)
		}
		delete(lists, k) // a parent listed twice contributes its children once
	}
	return out, nil
}

// prefetchRows reads, level by level, what sel selects below rows of GraphQL type typeName.
func prefetchRows(ctx context.Context, typeName string, rows []any, sel ast.SelectionSet) error {
	byField := edges[typeName]
	if len(rows) == 0 || byField == nil {
		return nil
	}
	oc := graphql.GetOperationContext(ctx)
	for _, f := range graphql.CollectFields(oc, sel, implementors(typeName)) {
		e, ok := byField[f.Name]
		if !ok || f.Definition == nil {
			continue
		}
		next, err := e.follow(ctx, f, rows)
		if err != nil {
			return err
		}
		if isConnection(f.Definition.Type.Name()) {
			err = prefetchConnection(ctx, f.Definition.Type.Name(), next, f.Selections)
		} else {
			err = prefetchRows(ctx, f.Definition.Type.Name(), next, f.Selections)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// isConnection reports whether a GraphQL type is a Relay connection.
func isConnection(typeName string) bool { return strings.HasSuffix(typeName, "Connection") }

// prefetchPage reads what the current connection field selects below its nodes.
func prefetchPage[T any](ctx context.Context, rows []*T) error {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || len(rows) == 0 {
		return nil
	}
	list := make([]any, len(rows))
	for i, r := range rows {
		list[i] = r
	}
	return prefetchConnection(ctx, fc.Field.Definition.Type.Name(), list, fc.Field.Selections)
}

// prefetchConnection reads what sel, the selection of a connection of type conn, selects
// below rows, the nodes of its pages (through nodes and edges.node).
func prefetchConnection(ctx context.Context, conn string, rows []any, sel ast.SelectionSet) error {
	if len(rows) == 0 {
		return nil
	}
	oc := graphql.GetOperationContext(ctx)
	for _, f := range graphql.CollectFields(oc, sel, implementors(conn)) {
		if f.Definition == nil {
			continue
		}
		switch f.Name {
		case "nodes":
			if err := prefetchRows(ctx, f.Definition.Type.Name(), rows, f.Selections); err != nil {
				return err
			}
		case "edges":
			for _, n := range graphql.CollectFields(oc, f.Selections, implementors(f.Definition.Type.Name())) {
				if n.Name == "node" && n.Definition != nil {
					if err := prefetchRows(ctx, n.Definition.Type.Name(), rows, n.Selections); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

// prefetchObject reads what the current field selects below its single result row, of
// GraphQL type typeName (the concrete type, for fields of an interface type).
func prefetchObject(ctx context.Context, typeName string, row any) error {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return nil
	}
	return prefetchRows(ctx, typeName, []any{row}, fc.Field.Selections)
}

// prefetchList reads what the current field selects below rows, the list it returns: for
// lists a loader answered, whose rows may not have been reached by a level load above (an
// answer from the level registry finds everything read already and costs nothing).
func prefetchList[T any](ctx context.Context, rows []*T) ([]*T, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || len(rows) == 0 {
		return rows, nil
	}
	list := make([]any, len(rows))
	for i, r := range rows {
		list[i] = r
	}
	return rows, prefetchRows(ctx, fc.Field.Definition.Type.Name(), list, fc.Field.Selections)
}

// prefetchField reads what the current field selects below row, the value of its subfield
// named field (of GraphQL type typeName): for payloads, whose rows are read afresh.
func prefetchField(ctx context.Context, field, typeName string, row any) error {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || row == nil {
		return nil
	}
	oc := graphql.GetOperationContext(ctx)
	for _, f := range graphql.CollectFields(oc, fc.Field.Selections, implementors(fc.Field.Definition.Type.Name())) {
		if f.Name == field {
			if err := prefetchRows(ctx, typeName, []any{row}, f.Selections); err != nil {
				return err
			}
		}
	}
	return nil
}

// underList reports whether the current field belongs to an element of a list, where a
// read for this parent alone would cost one statement per element: the level loads of the
// list's own resolver, or the dataloaders, serve it instead.
func underList(ctx context.Context) bool {
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		if fc.Index != nil {
			return true
		}
	}
	return false
}

var (
	schemaOnce sync.Once
	typeSets   map[string][]string
)

// implementors returns what a type satisfies for fragment matching: itself, its interfaces
// and the unions it belongs to.
func implementors(typeName string) []string {
	schemaOnce.Do(func() {
		typeSets = fastpath.Satisfies(graph.NewExecutableSchema(graph.Config{}).Schema())
	})
	if s, ok := typeSets[typeName]; ok {
		return s
	}
	return []string{typeName}
}
