package fastpath

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"civiclink/db/street"
	"civiclink/db/welfare"
	"civiclink/graph"

	"github.com/99designs/gqlgen/graphql"
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
	m := New(graph.NewExecutableSchema(graph.Config{}).Schema(), reflect.TypeFor[graph.ResolverRoot]())
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
// of a plain object type (or a list of one), decided once from the schema; fields of types
// holding personal data, of interfaces and of scalars leave at once.
func TestPlannableIsDecidedOnce(t *testing.T) {
	t.Parallel()
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	m := New(schema, reflect.TypeFor[graph.ResolverRoot]())
	tests := []struct {
		typ, field string
		want       bool
	}{
		{"BenefitGrant", "program", true},     // Program: plain
		{"Officer", "benefitGrants", true},    // [BenefitGrant!]!: a list of a plain type
		{"Dispute", "grid", true},             // Grid: plain
		{"Agreement", "followUps", true},      // [FollowUp!]!
		{"Case", "leadOfficer", false},        // Officer holds personal data
		{"Dispute", "referredCase", false},    // so does Case
		{"DisputeConnection", "nodes", false}, // [Dispute!]!
		{"Query", "node", false},              // an interface
		{"Dispute", "status", false},          // a scalar
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
