package privacy

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Directive names of the classification, as declared in schema/privacy.graphqls.
const (
	personalDirective = "personal"
	holdsDirective    = "holdsPersonal"
)

// suspectNames are field names that hold personal data wherever they appear; a String field
// so named must be classified, so a new type cannot add one unnoticed.
var suspectNames = []string{"phone", "address", "homeAddress", "idNumber", "birthDate", "record", "terms",
	"summary", "description", "disposition", "outcome", "reason", "note", "notes", "comment"}

// Classification is the schema's declared classification of personal data, read once from
// its @personal and @holdsPersonal directives. As a gqlgen extension it refuses, before
// execution, arguments that order or filter by a personal value (BAD_USER_INPUT), and
// withholds any field of a type holding personal data that nobody classified (fail closed).
type Classification struct {
	schema *ast.Schema
	// unclassified holds "Type.field" of @holdsPersonal types that are neither @personal
	// nor public.
	unclassified map[string]bool
	// personalValues maps an enum type to its values that carry @personal.
	personalValues map[string]map[string]bool
	problems       []string
}

// Classify reads the classification of schema.
func Classify(schema *ast.Schema) *Classification {
	c := &Classification{schema: schema, unclassified: map[string]bool{}, personalValues: map[string]map[string]bool{}}
	names := make([]string, 0, len(schema.Types))
	for n := range schema.Types {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		def := schema.Types[n]
		if def.BuiltIn {
			continue
		}
		switch def.Kind {
		case ast.Enum:
			for _, v := range def.EnumValues {
				if v.Directives.ForName(personalDirective) != nil {
					if c.personalValues[n] == nil {
						c.personalValues[n] = map[string]bool{}
					}
					c.personalValues[n][v.Name] = true
				}
			}
		case ast.Object:
			c.classifyObject(def)
		}
	}
	return c
}

func (c *Classification) classifyObject(def *ast.Definition) {
	holds := def.Directives.ForName(holdsDirective)
	public := map[string]bool{}
	if holds != nil {
		if a := holds.Arguments.ForName("public"); a != nil && a.Value != nil {
			for _, ch := range a.Value.Children {
				public[ch.Value.Raw] = true
			}
		}
		for p := range public {
			if def.Fields.ForName(p) == nil {
				c.problems = append(c.problems, fmt.Sprintf("%s: @holdsPersonal names %q public, but it has no such field", def.Name, p))
			}
		}
	}
	for _, f := range def.Fields {
		personal := f.Directives.ForName(personalDirective) != nil
		key := def.Name + "." + f.Name
		switch {
		case personal && holds == nil:
			c.problems = append(c.problems, fmt.Sprintf("%s is @personal but %s lacks @holdsPersonal", key, def.Name))
		case personal && public[f.Name]:
			c.problems = append(c.problems, fmt.Sprintf("%s is both @personal and public", key))
		case holds != nil && !personal && !public[f.Name]:
			c.unclassified[key] = true
		case holds == nil && f.Type.Name() == "String" && slices.Contains(suspectNames, f.Name):
			c.problems = append(c.problems, fmt.Sprintf("%s may hold personal data: classify it (@personal, or @holdsPersonal public)", key))
		}
	}
}

// Unclassified lists the fields ("Type.field") of types holding personal data that are
// neither @personal nor public; they are withheld at run time.
func (c *Classification) Unclassified() []string {
	out := make([]string, 0, len(c.unclassified))
	for k := range c.unclassified {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Problems lists inconsistencies of the classification (none in a well-kept schema).
func (c *Classification) Problems() []string { return slices.Clone(c.problems) }

// ExtensionName implements graphql.HandlerExtension.
func (c *Classification) ExtensionName() string { return "PersonalDataClassification" }

// Validate implements graphql.HandlerExtension.
func (c *Classification) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext refuses an operation whose arguments order or filter by a value
// classified personal: the order of masked names, or a filter on them, would reveal them.
func (c *Classification) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if len(c.personalValues) == 0 || oc.Operation == nil {
		return nil
	}
	return c.checkSelections(oc, oc.Operation.SelectionSet, map[string]bool{})
}

func (c *Classification) checkSelections(oc *graphql.OperationContext, set ast.SelectionSet, seen map[string]bool) *gqlerror.Error {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			for _, arg := range s.Arguments {
				if arg.Value == nil || s.Definition == nil {
					continue
				}
				def := s.Definition.Arguments.ForName(arg.Name)
				if def == nil {
					continue
				}
				v, err := arg.Value.Value(oc.Variables)
				if err != nil {
					continue // the validator reports bad values
				}
				if what := c.personalIn(def.Type, v, 0); what != "" {
					return &gqlerror.Error{
						Message:    fmt.Sprintf("%s: cannot order or filter by %s, a personal value the caller may see masked", arg.Name, what),
						Extensions: map[string]any{"code": "BAD_USER_INPUT", "field": arg.Name},
					}
				}
			}
			if err := c.checkSelections(oc, s.SelectionSet, seen); err != nil {
				return err
			}
		case *ast.InlineFragment:
			if err := c.checkSelections(oc, s.SelectionSet, seen); err != nil {
				return err
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && !seen[s.Name] {
				seen[s.Name] = true
				if err := c.checkSelections(oc, s.Definition.SelectionSet, seen); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// personalIn returns the first personal enum value (as "Enum.VALUE") in v, a value of type t.
func (c *Classification) personalIn(t *ast.Type, v any, depth int) string {
	if v == nil || depth > 16 {
		return ""
	}
	if t.Elem != nil {
		list, _ := v.([]any)
		for _, x := range list {
			if w := c.personalIn(t.Elem, x, depth+1); w != "" {
				return w
			}
		}
		if list == nil {
			return c.personalIn(t.Elem, v, depth+1) // a single value coerced to a list
		}
		return ""
	}
	def := c.schema.Types[t.NamedType]
	if def == nil {
		return ""
	}
	switch def.Kind {
	case ast.Enum:
		if s, ok := v.(string); ok && c.personalValues[def.Name][s] {
			return def.Name + "." + s
		}
	case ast.InputObject:
		m, _ := v.(map[string]any)
		for _, f := range def.Fields {
			if w := c.personalIn(f.Type, m[f.Name], depth+1); w != "" {
				return w
			}
		}
	}
	return ""
}

// FailClosed returns the extension that withholds the unclassified fields, or nil when
// every field is classified (then nothing runs per field).
func (c *Classification) FailClosed() graphql.HandlerExtension {
	if len(c.unclassified) == 0 {
		return nil
	}
	return failClosed{fields: c.unclassified}
}

type failClosed struct{ fields map[string]bool }

func (failClosed) ExtensionName() string                   { return "UnclassifiedFieldsWithheld" }
func (failClosed) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptField withholds a field that nobody classified.
func (f failClosed) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc != nil && f.fields[fc.Object+"."+fc.Field.Name] {
		return nil, &gqlerror.Error{
			Message:    fmt.Sprintf("%s.%s is withheld: it holds personal data that is not classified", fc.Object, fc.Field.Name),
			Extensions: map[string]any{"code": "FORBIDDEN"},
		}
	}
	return next(ctx)
}
