package export

import (
	"context"
	"fmt"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// sinkKey marks the context of an export's inner GraphQL request.
type sinkKey struct{}

// sink receives the operation an export's inner request runs.
type sink struct{ op *graphql.OperationContext }

// Operations is a gqlgen operation middleware that lets an export see the operation its
// inner request runs, parsed and validated by the hub (whether it came as a text, a saved
// example or a persisted query's hash): the export derives its columns from the operation's
// selection. Other requests pass through untouched.
func Operations(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if s, ok := ctx.Value(sinkKey{}).(*sink); ok && graphql.HasOperationContext(ctx) {
		s.op = graphql.GetOperationContext(ctx)
	}
	return next(ctx)
}

// unwrap says how the exported value becomes rows.
type unwrap int

const (
	asList   unwrap = iota // a list: one row per element
	asEdges                // a connection: one row per edges[].node
	asNodes                // a connection: one row per nodes[]
	asObject               // an object: one row
)

// plan is what an export writes: the response keys from data to the exported field, how
// its value becomes rows, and the columns, in the query's selection order.
type plan struct {
	path    []string
	unwrap  unwrap
	columns []string
}

// selected is the fields of a selection set under one response key, merged as GraphQL
// merges them.
type selected struct {
	keys   []string
	fields map[string][]graphql.CollectedField
}

// collect gathers the fields of sets under their response keys, as gqlgen's CollectFields
// does (through fragments, whatever their type condition, leaving out those @skip or
// @include drop); fields it keeps apart because fragments on different types select them
// share their response key, hence one column.
func collect(op *graphql.OperationContext, sets ...ast.SelectionSet) *selected {
	s := &selected{fields: map[string][]graphql.CollectedField{}}
	for _, set := range sets {
		for _, f := range graphql.CollectFields(op, set, nil) {
			if _, ok := s.fields[f.Alias]; !ok {
				s.keys = append(s.keys, f.Alias)
			}
			s.fields[f.Alias] = append(s.fields[f.Alias], f)
		}
	}
	return s
}

// sub is the merged selection below the fields of one response key.
func (s *selected) sub(op *graphql.OperationContext, key string) *selected {
	var sets []ast.SelectionSet
	for _, f := range s.fields[key] {
		sets = append(sets, f.Selections)
	}
	return collect(op, sets...)
}

// isList reports whether the fields under key return a list.
func (s *selected) isList(key string) bool {
	fs := s.fields[key]
	return len(fs) > 0 && fs[0].Definition != nil && fs[0].Definition.Type.Elem != nil
}

// hasSelection reports whether the fields under key select sub-fields (an object).
func (s *selected) hasSelection(key string) bool {
	for _, f := range s.fields[key] {
		if len(f.Selections) > 0 {
			return true
		}
	}
	return false
}

// columns lists the leaf columns of s: nested objects as dotted names (grid.code), nested
// lists and scalars as one column each.
func (s *selected) columns(op *graphql.OperationContext, prefix string, out []string) []string {
	for _, k := range s.keys {
		if s.hasSelection(k) && !s.isList(k) {
			out = s.sub(op, k).columns(op, prefix+k+".", out)
			continue
		}
		out = append(out, prefix+k)
	}
	return out
}

// planOf finds the exported field (the dotted path of response keys, or the only root
// field) in op's selection and derives the export's columns from what it selects.
func planOf(op *graphql.OperationContext, field string) (*plan, error) {
	cur := collect(op, op.Operation.SelectionSet)
	var path []string
	if field == "" {
		if len(cur.keys) != 1 {
			return nil, &badRequest{fmt.Sprintf("the operation selects %d root fields (%s): name the one to export with field=", len(cur.keys), strings.Join(cur.keys, ", "))}
		}
		path = cur.keys
	} else {
		path = strings.Split(field, ".")
	}
	for i, seg := range path {
		if _, ok := cur.fields[seg]; !ok {
			return nil, &badRequest{fmt.Sprintf("field %q: the operation selects no %q here (fields: %s)", field, seg, strings.Join(cur.keys, ", "))}
		}
		if i == len(path)-1 {
			break
		}
		if cur.isList(seg) || !cur.hasSelection(seg) {
			return nil, &badRequest{fmt.Sprintf("field %q: %q is not an object", field, seg)}
		}
		cur = cur.sub(op, seg)
	}
	last := path[len(path)-1]
	p := &plan{path: path}
	rows := cur.sub(op, last)
	switch {
	case cur.isList(last):
		p.unwrap = asList
		if !cur.hasSelection(last) {
			p.columns = []string{"value"}
			return p, nil
		}
	case !cur.hasSelection(last):
		return nil, &badRequest{"the exported field is a single value, not a list or an object"}
	case rows.hasSelection("edges") && rows.sub(op, "edges").hasSelection("node"):
		p.unwrap = asEdges
		rows = rows.sub(op, "edges").sub(op, "node")
	case rows.hasSelection("nodes"):
		p.unwrap = asNodes
		rows = rows.sub(op, "nodes")
	default:
		p.unwrap = asObject
	}
	p.columns = rows.columns(op, "", nil)
	return p, nil
}
