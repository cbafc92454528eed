package resolvers

import (
	"context"
	"sync"

	"civiclink/db/loaders"
	"civiclink/graph"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Loading by level. A list resolver knows every row of its level before gqlgen resolves
// their fields, so it also reads, for all of them at once, what the query selects below
// them: one statement per relation and level (Fetch of a by-ID or child relation), walking
// the selection down to the leaves. The field resolvers then find their rows in the
// request's registry and return at once; nothing waits on a dataloader's batch window, and
// the statement count does not depend on how the goroutines of a level happen to be
// scheduled. Fields without an edge here (connections under lists, interface-typed links)
// keep their dataloaders.

// edge is a field whose rows can be read for a whole level of parents at once.
type edge interface {
	// follow reads what the field reaches from every parent (rows of the field's parent
	// type) and returns the distinct rows reached, for the next level.
	follow(ctx context.Context, parents []any) ([]any, error)
}

// refEdge is a reference from a P row to a T row by id.
type refEdge[P, T any] struct {
	rel *loaders.ByIDRelation[T]
	id  func(*P) *int64
}

// optRefTo declares a nullable reference.
func optRefTo[P, T any](rel *loaders.ByIDRelation[T], id func(*P) *int64) refEdge[P, T] {
	return refEdge[P, T]{rel: rel, id: id}
}

// refTo declares a required reference.
func refTo[P, T any](rel *loaders.ByIDRelation[T], id func(*P) int64) refEdge[P, T] {
	return refEdge[P, T]{rel: rel, id: func(p *P) *int64 { v := id(p); return &v }}
}

func (e refEdge[P, T]) follow(ctx context.Context, parents []any) ([]any, error) {
	ids := make([]int64, 0, len(parents))
	for _, p := range parents {
		if id := e.id(p.(*P)); id != nil {
			ids = append(ids, *id)
		}
	}
	rows, err := e.rel.Fetch(ctx, ids)
	if err != nil {
		return nil, err
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

// childrenEdge is the list of T rows that refer to a P row.
type childrenEdge[P any, PP keyed[P], T any] struct {
	rel *loaders.ChildrenRelation[T]
}

// childrenOf declares a child list.
func childrenOf[P any, PP keyed[P], T any](rel *loaders.ChildrenRelation[T]) childrenEdge[P, PP, T] {
	return childrenEdge[P, PP, T]{rel: rel}
}

func (e childrenEdge[P, PP, T]) follow(ctx context.Context, parents []any) ([]any, error) {
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
		next, err := e.follow(ctx, rows)
		if err != nil {
			return err
		}
		if err := prefetchRows(ctx, f.Definition.Type.Name(), next, f.Selections); err != nil {
			return err
		}
	}
	return nil
}

// prefetchPage reads what the current connection field selects below its nodes (through
// nodes and edges.node).
func prefetchPage[T any](ctx context.Context, rows []*T) error {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || len(rows) == 0 {
		return nil
	}
	list := make([]any, len(rows))
	for i, r := range rows {
		list[i] = r
	}
	oc := graphql.GetOperationContext(ctx)
	conn := fc.Field.Definition.Type.Name()
	for _, f := range graphql.CollectFields(oc, fc.Field.Selections, implementors(conn)) {
		if f.Definition == nil {
			continue
		}
		switch f.Name {
		case "nodes":
			if err := prefetchRows(ctx, f.Definition.Type.Name(), list, f.Selections); err != nil {
				return err
			}
		case "edges":
			for _, n := range graphql.CollectFields(oc, f.Selections, implementors(f.Definition.Type.Name())) {
				if n.Name == "node" && n.Definition != nil {
					if err := prefetchRows(ctx, n.Definition.Type.Name(), list, n.Selections); err != nil {
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
		s := graph.NewExecutableSchema(graph.Config{}).Schema()
		typeSets = map[string][]string{}
		for name, def := range s.Types {
			if def.Kind != ast.Object {
				continue
			}
			set := append([]string{name}, def.Interfaces...)
			for _, u := range s.Types {
				if u.Kind == ast.Union && u.Types != nil {
					for _, t := range u.Types {
						if t == name {
							set = append(set, u.Name)
						}
					}
				}
			}
			typeSets[name] = set
		}
	})
	if s, ok := typeSets[typeName]; ok {
		return s
	}
	return []string{typeName}
}
