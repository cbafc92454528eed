// Package limits refuses operations that would cost the hub too much before they run: too
// deep a selection (Depth), too many fields or aliases (Fields), or too high an estimated
// cost counting list sizes (Cost), each measured through fragments, with QUERY_TOO_COMPLEX
// and extensions.limit naming the limit hit ("depth", "fields" or "complexity").
package limits

import (
	"context"
	"fmt"

	"civiclink/internal/apierr"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// DefaultMaxDepth is the deepest selection allowed unless configured otherwise.
const DefaultMaxDepth = 12

// Depth is a gqlgen extension that rejects operations nested deeper than Max fields.
type Depth struct {
	Max int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = Depth{}

// ExtensionName implements graphql.HandlerExtension.
func (Depth) ExtensionName() string { return "DepthLimit" }

// Validate implements graphql.HandlerExtension.
func (d Depth) Validate(graphql.ExecutableSchema) error {
	if d.Max < 1 {
		return fmt.Errorf("depth limit must be at least 1, got %d", d.Max)
	}
	return nil
}

// MutateOperationContext implements graphql.OperationContextMutator.
func (d Depth) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if depth := selectionDepth(oc.Operation.SelectionSet, oc.Doc.Fragments, d.Max+1); depth > d.Max {
		return &gqlerror.Error{
			Message:    fmt.Sprintf("query is nested deeper than the limit of %d fields", d.Max),
			Extensions: map[string]any{"code": apierr.QueryTooComplex, "limit": "depth", "max": d.Max},
		}
	}
	return nil
}

// selectionDepth returns the depth of set, counting fields and following fragments; it
// stops once the depth reaches stop, so cyclic or enormous documents cost little.
func selectionDepth(set ast.SelectionSet, fragments ast.FragmentDefinitionList, stop int) int {
	if stop <= 0 {
		return 0
	}
	deepest := 0
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			d = 1
			if len(s.SelectionSet) > 0 {
				d += selectionDepth(s.SelectionSet, fragments, stop-1)
			}
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, fragments, stop)
		case *ast.FragmentSpread:
			if f := fragments.ForName(s.Name); f != nil {
				d = selectionDepth(f.SelectionSet, fragments, stop)
			}
		}
		if d > deepest {
			deepest = d
		}
		if deepest >= stop {
			return deepest
		}
	}
	return deepest
}
