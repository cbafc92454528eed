package privacy_test

import (
	"context"
	"strings"
	"testing"

	"civiclink/graph"
	"civiclink/internal/privacy"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// TestSchemaIsClassified is the check that fails when a type holding personal data gains a
// field nobody classified, or a type gains a field that looks personal (phone, address,
// summary …) without being classified.
func TestSchemaIsClassified(t *testing.T) {
	t.Parallel()
	c := privacy.Classify(graph.NewExecutableSchema(graph.Config{}).Schema())
	if u := c.Unclassified(); len(u) > 0 {
		t.Errorf("fields of types holding personal data that are neither @personal nor public: %v; classify each in schema/", u)
	}
	if p := c.Problems(); len(p) > 0 {
		t.Errorf("classification problems:\n%s", strings.Join(p, "\n"))
	}
	if c.FailClosed() != nil {
		t.Errorf("FailClosed() is installed for a fully classified schema, want nil (no per-field cost)")
	}
}

const testSDL = `
enum PersonalClass { PERSON FREE_TEXT }
enum PersonalMask { NAME }
directive @personal(class: PersonalClass!, mask: PersonalMask) on FIELD_DEFINITION | ENUM_VALUE
directive @holdsPersonal(public: [String!]!) on OBJECT
type Query { t: T, u: U, v: V }
type T @holdsPersonal(public: ["id", "gone"]) { id: ID!, name: String @personal(class: PERSON, mask: NAME), secret: String }
type U { a: String @personal(class: PERSON) }
type V { phone: String, label: String }
`

// TestUnclassifiedFieldFailsClosed checks the classification of a schema with mistakes: the
// unclassified field is withheld at run time, the other mistakes are reported.
func TestUnclassifiedFieldFailsClosed(t *testing.T) {
	t.Parallel()
	schema := gqlparser.MustLoadSchema(&ast.Source{Name: "test.graphqls", Input: testSDL})
	c := privacy.Classify(schema)
	if got := c.Unclassified(); len(got) != 1 || got[0] != "T.secret" {
		t.Errorf("Unclassified() = %v, want [T.secret]", got)
	}
	problems := strings.Join(c.Problems(), "\n")
	for _, want := range []string{`"gone"`, "U.a is @personal but U lacks @holdsPersonal", "V.phone may hold personal data"} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems %q do not report %q", problems, want)
		}
	}
	if strings.Contains(problems, "V.label") {
		t.Errorf("problems report V.label, an ordinary field: %q", problems)
	}
	fc, ok := c.FailClosed().(interface {
		InterceptField(context.Context, graphql.Resolver) (any, error)
	})
	if !ok {
		t.Fatalf("FailClosed() = %T, want a field interceptor", c.FailClosed())
	}
	resolve := func(field string) (any, error) {
		ctx := graphql.WithFieldContext(context.Background(), &graphql.FieldContext{Object: "T", Field: graphql.CollectedField{Field: &ast.Field{Name: field}}})
		return fc.InterceptField(ctx, func(context.Context) (any, error) { return "张三", nil })
	}
	if v, err := resolve("secret"); err == nil || v != nil {
		t.Errorf("unclassified T.secret resolved to %v, %v; want it withheld with an error", v, err)
	}
	if v, err := resolve("id"); err != nil || v != "张三" {
		t.Errorf("public T.id resolved to %v, %v; want the value", v, err)
	}
}
