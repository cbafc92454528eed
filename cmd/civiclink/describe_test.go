package main

import (
	"sort"
	"strings"
	"testing"

	"civiclink/graph"

	"github.com/vektah/gqlparser/v2/ast"
)

// TestEveryTypeAndFieldIsDescribed keeps the playground's docs pane complete: every type and
// every field or input field of the schema carries a description.
func TestEveryTypeAndFieldIsDescribed(t *testing.T) {
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	var missing []string
	for name, def := range schema.Types {
		if def.BuiltIn || strings.HasPrefix(name, "__") {
			continue
		}
		if def.Description == "" && name != "Query" && name != "Mutation" && name != "Subscription" {
			missing = append(missing, name)
		}
		if def.Kind == ast.Scalar || def.Kind == ast.Enum || def.Kind == ast.Union {
			continue
		}
		for _, f := range def.Fields {
			if f.Description == "" && !strings.HasPrefix(f.Name, "__") {
				missing = append(missing, name+"."+f.Name)
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d types and fields have no description (add a \"…\" line above each in schema/*.graphqls):\n%s",
			len(missing), strings.Join(missing, "\n"))
	}
}
