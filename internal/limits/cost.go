package limits

import (
	"context"
	"fmt"
	"strings"

	"civiclink/internal/apierr"
	"civiclink/internal/pagesize"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Defaults of the field-count and cost limits.
const (
	// DefaultMaxFields is the most field selections (aliases included, fragments counted
	// each time they are spread) an operation may have.
	DefaultMaxFields = 1000
	// DefaultMaxCost is the largest cost an operation may have (see Cost). It admits the
	// contract queries at the largest page, first: 500 (referred-disputes then costs 54,001),
	// with room to spare: a level costs one statement however many rows it has, so what the
	// limit bounds is the size of the answer.
	DefaultMaxCost = 150000
	// DefaultListSize is the length the cost model assumes for a list field that takes no
	// size argument (a child list such as Officer.benefitGrants).
	DefaultListSize = 10
)

// Fields is a gqlgen extension that rejects operations selecting more than Max fields,
// counting every alias and every spread of a fragment, so documents of thousands of aliases
// or fragment "bombs" are refused before they run.
type Fields struct {
	Max int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = Fields{}

// ExtensionName implements graphql.HandlerExtension.
func (Fields) ExtensionName() string { return "FieldLimit" }

// Validate implements graphql.HandlerExtension.
func (f Fields) Validate(graphql.ExecutableSchema) error {
	if f.Max < 1 {
		return fmt.Errorf("field limit must be at least 1, got %d", f.Max)
	}
	return nil
}

// MutateOperationContext implements graphql.OperationContextMutator.
func (f Fields) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	budget := f.Max + 1
	countFields(oc.Operation.SelectionSet, oc.Doc.Fragments, &budget)
	if budget <= 0 {
		return tooComplex("fields", f.Max, fmt.Sprintf("query selects more than the limit of %d fields (aliases and fragment spreads included)", f.Max))
	}
	return nil
}

// countFields decrements budget once per field selection and stops at zero.
func countFields(set ast.SelectionSet, fragments ast.FragmentDefinitionList, budget *int) {
	for _, sel := range set {
		if *budget <= 0 {
			return
		}
		switch s := sel.(type) {
		case *ast.Field:
			*budget--
			countFields(s.SelectionSet, fragments, budget)
		case *ast.InlineFragment:
			countFields(s.SelectionSet, fragments, budget)
		case *ast.FragmentSpread:
			if fr := fragments.ForName(s.Name); fr != nil {
				countFields(fr.SelectionSet, fragments, budget)
			}
		}
	}
}

// Cost is a gqlgen extension that estimates what an operation will read and rejects it
// above Max. A field costs 1 plus its children's cost times the number of items it may
// return: first or last for a connection (pagesize.Default when neither is given, at most pagesize.Max: the API refuses or caps more), the
// number of ids for nodes(ids:), DefaultListSize for another list, 1 otherwise. The lists
// of a connection (edges, nodes) are already counted by the connection's page size.
// Fragments add up, so the estimate is an upper bound.
type Cost struct {
	Max int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = Cost{}

// ExtensionName implements graphql.HandlerExtension.
func (Cost) ExtensionName() string { return "CostLimit" }

// Validate implements graphql.HandlerExtension.
func (c Cost) Validate(graphql.ExecutableSchema) error {
	if c.Max < 1 {
		return fmt.Errorf("cost limit must be at least 1, got %d", c.Max)
	}
	return nil
}

// MutateOperationContext implements graphql.OperationContextMutator.
func (c Cost) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	cost := OperationCost(oc.Operation, oc.Doc.Fragments, oc.Variables, c.Max+1)
	if cost > c.Max {
		e := tooComplex("complexity", c.Max, fmt.Sprintf("query costs more than the limit of %d (each list counts as many times as the items it may return: first × children)", c.Max))
		return e
	}
	return nil
}

// OperationCost returns the cost of op under the model of Cost, or a number ≥ stop once it
// reaches stop.
func OperationCost(op *ast.OperationDefinition, fragments ast.FragmentDefinitionList, vars map[string]any, stop int) int {
	return setCost(op.SelectionSet, fragments, vars, stop)
}

func setCost(set ast.SelectionSet, fragments ast.FragmentDefinitionList, vars map[string]any, stop int) int {
	total := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			total += fieldCost(s, fragments, vars, stop-total)
		case *ast.InlineFragment:
			total += setCost(s.SelectionSet, fragments, vars, stop-total)
		case *ast.FragmentSpread:
			if fr := fragments.ForName(s.Name); fr != nil {
				total += setCost(fr.SelectionSet, fragments, vars, stop-total)
			}
		}
		if total >= stop {
			return stop
		}
	}
	return total
}

func fieldCost(f *ast.Field, fragments ast.FragmentDefinitionList, vars map[string]any, stop int) int {
	if len(f.SelectionSet) == 0 || stop <= 1 {
		return 1
	}
	n := listSize(f, vars)
	if n <= 0 {
		return 1
	}
	// Children may cost at most (stop-1)/n before the product reaches stop.
	childStop := (stop-1)/n + 1
	children := setCost(f.SelectionSet, fragments, vars, childStop)
	if children >= childStop {
		return stop
	}
	return 1 + n*children
}

// listSize is how many items f may return.
func listSize(f *ast.Field, vars map[string]any) int {
	def := f.Definition
	if def == nil {
		return 1
	}
	if def.Arguments.ForName("first") != nil || def.Arguments.ForName("last") != nil {
		args := f.ArgumentMap(vars)
		n, found := 0, false
		for _, name := range []string{"first", "last"} {
			if v, ok := toInt(args[name]); ok {
				found = true
				n = max(n, v)
			}
		}
		if !found {
			return pagesize.Default
		}
		return min(n, pagesize.Max)
	}
	if def.Type.Elem == nil {
		return 1
	}
	if ids, ok := f.ArgumentMap(vars)["ids"].([]any); ok {
		return len(ids)
	}
	if f.ObjectDefinition != nil && (strings.HasSuffix(f.ObjectDefinition.Name, "Connection") || strings.HasSuffix(f.ObjectDefinition.Name, "Edge")) {
		return 1
	}
	return DefaultListSize
}

func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case int32:
		return int(n), true
	case float64:
		return int(n), true
	case interface{ Int64() (int64, error) }:
		i, err := n.Int64()
		return int(i), err == nil
	}
	return 0, false
}

func tooComplex(limit string, maxValue int, msg string) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    msg,
		Extensions: map[string]any{"code": apierr.QueryTooComplex, "limit": limit, "max": maxValue},
	}
}
