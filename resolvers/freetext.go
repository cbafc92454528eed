package resolvers

import (
	"context"

	"civiclink/graph"
	"civiclink/internal/privacy"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// textEdge is a free text of a row (a field marked @personal(class: FREE_TEXT)): following
// it reads, for every row of the level at once, the rows the texts may mention, so that
// redacting each text finds them without a batch window (privacy.FetchMentions). It reaches
// no rows below.
type textEdge struct{}

func (textEdge) follow(ctx context.Context, _ graphql.CollectedField, parents []any) ([]any, error) {
	return nil, privacy.FetchMentions(ctx, parents)
}

// The free texts of the schema are edges, wherever they are declared.
func init() {
	for _, def := range graph.NewExecutableSchema(graph.Config{}).Schema().Types {
		if def.Kind != ast.Object {
			continue
		}
		for _, f := range def.Fields {
			d := f.Directives.ForName("personal")
			if d == nil {
				continue
			}
			if c := d.Arguments.ForName("class"); c == nil || c.Value.Raw != "FREE_TEXT" {
				continue
			}
			if edges[def.Name] == nil {
				edges[def.Name] = map[string]edge{}
			}
			if _, ok := edges[def.Name][f.Name]; !ok {
				edges[def.Name][f.Name] = textEdge{}
			}
		}
	}
}
