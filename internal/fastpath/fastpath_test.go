package fastpath

import (
	"bytes"
	"context"
	"reflect"
	"testing"
	"time"

	"civiclink/db/street"
	"civiclink/db/welfare"
	"civiclink/graph"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

func TestAppendQuotedIsGqlgens(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "plain", `a "quoted" \ back`, "tab\tcr\rnl\n", "\x00\x01\x1f\x7f", "安贞里社区", "é\u2028\u2029", "\xff\xfe broken utf-8"} {
		var want bytes.Buffer
		graphql.MarshalString(s).MarshalGQL(&want)
		if got := appendQuoted(nil, s); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("appendQuoted(%q) = %s, want gqlgen's %s", s, got, want.Bytes())
		}
	}
}

// TestBindFollowsGqlgen checks the bindings of BenefitGrant's fields against what the
// generated code reads: status and grantedOn are struct fields, program is read through
// ProgramRef (BenefitGrant.Program returns ProgramRef.Get), id is the method ID.
func TestBindFollowsGqlgen(t *testing.T) {
	t.Parallel()
	bt := reflect.TypeFor[welfare.BenefitGrant]()
	tests := []struct {
		field  string
		access access
		typ    reflect.Type
	}{
		{"status", accessField, reflect.TypeFor[string]()},
		{"grantedOn", accessField, reflect.TypeFor[*time.Time]()},
		{"program", accessRef, reflect.TypeFor[*welfare.Program]()},
		{"id", accessMethod, reflect.TypeFor[string]()},
	}
	for _, tt := range tests {
		var pf field
		typ, ok := bind(&pf, bt, tt.field)
		if !ok || pf.access != tt.access || typ.String() != tt.typ.String() {
			t.Errorf("bind(BenefitGrant.%s) = %v, access %d, %v; want access %d, %v", tt.field, typ, pf.access, ok, tt.access, tt.typ)
		}
	}
	m := New(graph.NewExecutableSchema(graph.Config{}).Schema(), reflect.TypeFor[graph.ResolverRoot](), Options{})
	// Grid.community has a resolver, which answers what CommunityRef holds: the plan reads
	// the Ref. Grid.estates has a resolver and no Ref: gqlgen's.
	gt := reflect.TypeFor[street.Grid]()
	var pf field
	if typ, ok := bindResolverRef(&pf, gt, "community", m.resolvers["Grid"]["community"]); !ok || pf.access != accessRef || typ != reflect.TypeFor[*street.Community]() {
		t.Errorf("bindResolverRef(Grid.community) = %v, access %d, %v; want the CommunityRef, *street.Community", typ, pf.access, ok)
	}
	if _, ok := bindResolverRef(&pf, gt, "estates", m.resolvers["Grid"]["estates"]); ok {
		t.Errorf("bindResolverRef(Grid.estates): want no binding (no EstatesRef), got one")
	}
	if _, ok := m.resolvers["BenefitGrant"]["officer"]; !ok || m.resolvers["BenefitGrant"]["status"] != nil {
		t.Errorf("resolvers of BenefitGrant = %v, want officer and not status", m.resolvers["BenefitGrant"])
	}
}

// TestPlannableIsDecidedOnce checks which fields the interceptor looks at a plan for: those
// of an object type without directives but @holdsPersonal (or a list of one), decided once
// from the schema; fields of interfaces and of scalars leave at once.
func TestPlannableIsDecidedOnce(t *testing.T) {
	t.Parallel()
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	m := New(schema, reflect.TypeFor[graph.ResolverRoot](), Options{})
	tests := []struct {
		typ, field string
		want       bool
	}{
		{"BenefitGrant", "program", true},    // Program: plain
		{"Officer", "benefitGrants", true},   // [BenefitGrant!]!: a list of a plain type
		{"Dispute", "grid", true},            // Grid: plain
		{"Agreement", "followUps", true},     // [FollowUp!]!
		{"Case", "leadOfficer", true},        // Officer holds personal data: its public fields
		{"Dispute", "referredCase", true},    // so does Case
		{"DisputeConnection", "nodes", true}, // [Dispute!]!
		{"Query", "node", false},             // an interface
		{"Dispute", "status", false},         // a scalar
	}
	for _, tt := range tests {
		def := schema.Types[tt.typ]
		if def == nil || def.Fields.ForName(tt.field) == nil {
			t.Fatalf("schema has no %s.%s", tt.typ, tt.field)
		}
		if got := m.plannable[def.Fields.ForName(tt.field)]; got != tt.want {
			t.Errorf("plannable %s.%s = %v, want %v", tt.typ, tt.field, got, tt.want)
		}
	}
}

// personalSchema has a type holding personal data with a public, a @personal and an
// unclassified field, and a resolver field (owner) a Known hook answers.
const personalSchema = `
directive @holdsPersonal(public: [String!]!) on OBJECT
directive @personal(class: String!) on FIELD_DEFINITION
type Query { ts: [T!]! }
type T @holdsPersonal(public: ["id", "code", "owner"]) {
  id: ID!
  code: String!
  name: String @personal(class: "PERSON")
  secret: String
  owner: O
}
type O { label: String! }
`

type testO struct{ Label string }

type testT struct {
	ID     string
	Code   string
	Name   *string
	Secret *string
}

// testRoot is a ResolverRoot with a resolver for T.owner.
type testRoot interface {
	T() interface {
		Owner(ctx context.Context, obj *testT) (*testO, error)
	}
}

// TestPersonalTypesWriteOnlyPublicFields checks that a plan writes a type holding personal
// data only when every field selected of it is public: a @personal field (masked by its
// directive) or an unclassified one (withheld) leaves the whole field to gqlgen, and the
// bytes a plan writes never hold the values of either.
func TestPersonalTypesWriteOnlyPublicFields(t *testing.T) {
	t.Parallel()
	schema := gqlparser.MustLoadSchema(&ast.Source{Name: "personal.graphqls", Input: personalSchema})
	owner := &testO{Label: "the owner"}
	var answerOwner Known = func(_ context.Context, obj any) (any, bool) {
		switch obj.(*testT).Code {
		case "a":
			return owner, true
		case "b":
			return (*testO)(nil), true
		}
		return nil, false // not read by a level load: the resolver's
	}
	m := New(schema, reflect.TypeFor[testRoot](), Options{Known: func(typeName, field string) Known {
		if typeName == "T" && field == "owner" {
			return answerOwner
		}
		return nil
	}})
	name, secret := "Zhang San", "s3cr3t"
	rows := []*testT{{ID: "1", Code: "a", Name: &name, Secret: &secret}, {ID: "2", Code: "b", Name: &name, Secret: &secret}}
	tests := []struct {
		query string
		rows  []*testT
		want  string // "": no plan, the field is gqlgen's
	}{
		{`{ ts { id code } }`, rows, `[{"id":"1","code":"a"},{"id":"2","code":"b"}]`},
		{`{ ts { __typename code owner { label } } }`, rows, `[{"__typename":"T","code":"a","owner":{"label":"the owner"}},{"__typename":"T","code":"b","owner":null}]`},
		{`{ ts { id name } }`, rows, ""},
		{`{ ts { id secret } }`, rows, ""},
		{`{ ts { id ... on T { name } } }`, rows, ""},
		{`{ ts { id owner { label } } }`, []*testT{{ID: "3", Code: "c"}}, "write fails"},
	}
	for _, tt := range tests {
		doc := gqlparser.MustLoadQueryWithRules(schema, tt.query, nil) // nil: the default rules
		oc := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], Variables: map[string]any{}}
		ts := doc.Operations[0].SelectionSet[0].(*ast.Field)
		n := builder{m: m, oc: oc}.value(ts.Definition.Type, reflect.TypeFor[[]*testT](), ts.SelectionSet)
		if tt.want == "" {
			if n != nil {
				t.Errorf("%s: want no plan (gqlgen masks or withholds the field), got one", tt.query)
			}
			continue
		}
		if n == nil {
			t.Errorf("%s: want a plan, got none", tt.query)
			continue
		}
		got, ok := n.write(context.Background(), nil, reflect.ValueOf(tt.rows))
		if tt.want == "write fails" {
			if ok {
				t.Errorf("%s: want the write to leave the field to gqlgen (owner not known), got %s", tt.query, got)
			}
			continue
		}
		if !ok || string(got) != tt.want {
			t.Errorf("%s: wrote %s (ok %v), want %s", tt.query, got, ok, tt.want)
		}
		if bytes.Contains(got, []byte(name)) || bytes.Contains(got, []byte(secret)) {
			t.Errorf("%s: the written bytes hold a personal value: %s", tt.query, got)
		}
	}
}
