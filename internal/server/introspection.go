package server

import (
	"context"

	"civiclink/internal/apierr"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// refuseIntrospection is the gqlgen extension used when introspection is off: an operation
// that asks for __schema or __type anywhere is refused before it runs with a clean
// BAD_USER_INPUT (reason INTROSPECTION_DISABLED); __typename stays allowed.
type refuseIntrospection struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = refuseIntrospection{}

func (refuseIntrospection) ExtensionName() string                   { return "RefuseIntrospection" }
func (refuseIntrospection) Validate(graphql.ExecutableSchema) error { return nil }

func (refuseIntrospection) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil || !asksIntrospection(oc.Operation.SelectionSet, oc.Doc.Fragments, map[string]bool{}) {
		return nil
	}
	return &gqlerror.Error{
		Message:    "introspection is disabled on this hub",
		Extensions: map[string]any{"code": apierr.BadUserInput, "reason": "INTROSPECTION_DISABLED"},
	}
}

func asksIntrospection(set ast.SelectionSet, fragments ast.FragmentDefinitionList, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" || asksIntrospection(s.SelectionSet, fragments, seen) {
				return true
			}
		case *ast.InlineFragment:
			if asksIntrospection(s.SelectionSet, fragments, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			if f := fragments.ForName(s.Name); f != nil && asksIntrospection(f.SelectionSet, fragments, seen) {
				return true
			}
		}
	}
	return false
}
