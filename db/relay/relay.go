// Package relay holds the Relay connection types every list of the API returns, built from a
// store.Page, with a total count computed only when a client asks for it.
package relay

import (
	"context"

	"civiclink/db/store"
)

// PageInfo tells a client where it is in a list.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

// Edge is one row of a connection with its cursor.
type Edge[T any] struct {
	Cursor string
	Node   T
}

// Connection is one page of a list.
type Connection[T any] struct {
	Edges    []Edge[T]
	PageInfo PageInfo
	count    func(ctx context.Context) (int, error)
}

// Nodes returns the rows of the page without their cursors.
func (c *Connection[T]) Nodes() []T {
	out := make([]T, len(c.Edges))
	for i, e := range c.Edges {
		out[i] = e.Node
	}
	return out
}

// TotalCount counts every row of the list, across all pages; it runs only when asked for.
func (c *Connection[T]) TotalCount(ctx context.Context) (int, error) {
	if c.count == nil {
		return len(c.Edges), nil
	}
	return c.count(ctx)
}

// FromPage builds a connection from a page; count computes the total on demand.
func FromPage[T any](p *store.Page[T], count func(ctx context.Context) (int, error)) *Connection[*T] {
	c := &Connection[*T]{count: count, Edges: make([]Edge[*T], len(p.Rows))}
	for i, r := range p.Rows {
		c.Edges[i] = Edge[*T]{Cursor: p.Cursors[i], Node: r}
	}
	c.PageInfo.HasNextPage = p.HasNextPage
	c.PageInfo.HasPreviousPage = p.HasPreviousPage
	if n := len(p.Cursors); n > 0 {
		c.PageInfo.StartCursor = &p.Cursors[0]
		c.PageInfo.EndCursor = &p.Cursors[n-1]
	}
	return c
}

// Order is the ordering input of every list: a field name (an enum value) and a direction.
type Order struct {
	Field     string
	Direction string
}

// Terms maps orders to store terms through columns (enum value -> column); an unknown field
// is an input error. Enum validation happens before this, so that is a programming error
// only when the schema and the map disagree.
func Terms(orders []*Order, columns map[string]string) ([]store.OrderTerm, error) {
	terms := make([]store.OrderTerm, 0, len(orders))
	for _, o := range orders {
		col, ok := columns[o.Field]
		if !ok {
			return nil, &store.InputError{Field: "orderBy", Message: "cannot order by " + o.Field}
		}
		terms = append(terms, store.OrderTerm{Column: col, Desc: o.Direction == "DESC"})
	}
	return terms, nil
}

// Node is any entity with a global ID; every domain row type implements it.
type Node interface {
	ID() string
}
