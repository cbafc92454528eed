package limits_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"civiclink/graph"
	"civiclink/internal/limits"
	"civiclink/internal/pagesize"
	"civiclink/playground"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
)

func schema(t *testing.T) *ast.Schema {
	t.Helper()
	return graph.NewExecutableSchema(graph.Config{}).Schema()
}

// operationContext parses and validates query against the hub's schema, as gqlgen does
// before the limits run.
func operationContext(t *testing.T, query string, vars map[string]any) *graphql.OperationContext {
	t.Helper()
	s := schema(t)
	doc, errs := gqlparser.LoadQueryWithRules(s, query, nil)
	if errs != nil {
		t.Fatalf("query does not validate: %v", errs)
	}
	op := doc.Operations[0]
	coerced, err := validator.VariableValues(s, op, vars)
	if err != nil {
		t.Fatalf("variables: %v", err)
	}
	return &graphql.OperationContext{Doc: doc, Operation: op, Variables: coerced}
}

// TestContractQueriesFitDefaults: every playground example (the front ends' contract
// queries) passes every limit at its defaults, with room to spare, so the defaults refuse
// only what no front end sends; a page size given as a variable is set to the maximum, 500.
func TestContractQueriesFitDefaults(t *testing.T) {
	examples, err := playground.Examples()
	if err != nil {
		t.Fatal(err)
	}
	if len(examples) == 0 {
		t.Fatal("no playground examples")
	}
	for _, ex := range examples {
		t.Run(ex.Name, func(t *testing.T) {
			if doc, err := gqlparser.LoadQueryWithRules(schema(t), ex.Query, nil); err == nil && doc.Operations[0].Operation != ast.Query {
				t.Skip("mutations and subscriptions bring their own input")
			}
			var vars map[string]any
			if ex.Variables != "" {
				if err := json.Unmarshal([]byte(ex.Variables), &vars); err != nil {
					t.Fatalf("variables: %v", err)
				}
			}
			if _, ok := vars["first"]; ok {
				// at the documented page maximum, as a client paging through everything would
				vars["first"] = 500
			}
			oc := operationContext(t, ex.Query, vars)
			cost := limits.OperationCost(oc.Operation, oc.Doc.Fragments, oc.Variables, 1<<30)
			t.Logf("cost %d", cost)
			if cost*2 > limits.DefaultMaxCost {
				t.Errorf("cost %d is more than half the default limit %d", cost, limits.DefaultMaxCost)
			}
			for _, ext := range []graphql.OperationContextMutator{
				limits.Depth{Max: limits.DefaultMaxDepth}, limits.Fields{Max: limits.DefaultMaxFields}, limits.Cost{Max: limits.DefaultMaxCost},
			} {
				if gerr := ext.MutateOperationContext(context.Background(), oc); gerr != nil {
					t.Errorf("%T refused a contract query at its default: %v", ext, gerr)
				}
			}
		})
	}
}

// TestCostModel checks the arithmetic of the cost model: first × children, the default page
// size, child lists, nodes(ids:), and that the count through connections is not doubled.
func TestCostModel(t *testing.T) {
	tests := []struct {
		name  string
		query string
		vars  map[string]any
		want  int
	}{
		{"scalar", `{ __typename }`, nil, 1},
		{"one connection", `{ cases(first: 10) { nodes { caseNo status } } }`, nil, 1 + 10*(1+2)},
		{"first from a variable", `query($n: Int) { cases(first: $n) { nodes { caseNo } } }`, map[string]any{"n": 100}, 1 + 100*(1+1)},
		{"default page", `{ cases { nodes { caseNo } } }`, nil, 1 + pagesize.Default*2},
		{"nested connection", `{ grids(first: 10) { nodes { cases(first: 5) { nodes { caseNo } } } } }`, nil, 1 + 10*(1+(1+5*(1+1)))},
		{"edges and nodes", `{ cases(first: 2) { edges { cursor node { caseNo } } totalCount } }`, nil, 1 + 2*((1+(1+(1+1)))+1)},
		{"nodes by ids", `{ nodes(ids: ["a", "b", "c"]) { id } }`, nil, 1 + 3*1},
		{"a list's own default first", `{ overdueAgreements { daysOverdue } }`, nil, 1 + 500*1},
		{"first above the page maximum counts as 500", `{ cases(first: 100000) { nodes { caseNo } } }`, nil, 1 + 500*2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oc := operationContext(t, tt.query, tt.vars)
			if got := limits.OperationCost(oc.Operation, oc.Doc.Fragments, oc.Variables, 1<<30); got != tt.want {
				t.Errorf("cost = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestLimitsRefuse: each limit refuses just above its maximum, names itself in
// extensions.limit and passes just below.
func TestLimitsRefuse(t *testing.T) {
	aliases := func(n int) string {
		var b strings.Builder
		b.WriteString("{ ")
		for i := range n {
			b.WriteString("a")
			b.WriteString(strings.Repeat("x", i%3))
			b.WriteString(string(rune('a'+i%26)) + strings.Repeat("b", i/26) + ": __typename ")
		}
		b.WriteString("}")
		return b.String()
	}
	tests := []struct {
		name      string
		ext       graphql.OperationContextMutator
		query     string
		wantLimit string // "" = allowed
	}{
		{"depth at the limit", limits.Depth{Max: 3}, `{ grids(first: 1) { nodes { code } } }`, ""},
		{"depth above", limits.Depth{Max: 3}, `{ grids(first: 1) { nodes { community { code } } } }`, "depth"},
		{"fields at the limit", limits.Fields{Max: 5}, aliases(5), ""},
		{"fields above", limits.Fields{Max: 5}, aliases(6), "fields"},
		{"fields through fragments", limits.Fields{Max: 5}, `{ ...F ...F } fragment F on Query { a: __typename b: __typename c: __typename }`, "fields"},
		{"cost at the limit", limits.Cost{Max: 21}, `{ cases(first: 10) { nodes { caseNo } } }`, ""},
		{"cost above", limits.Cost{Max: 20}, `{ cases(first: 10) { nodes { caseNo } } }`, "complexity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oc := operationContext(t, tt.query, nil)
			gerr := tt.ext.MutateOperationContext(context.Background(), oc)
			switch {
			case tt.wantLimit == "" && gerr != nil:
				t.Fatalf("refused: %v; want allowed", gerr)
			case tt.wantLimit != "" && gerr == nil:
				t.Fatalf("allowed; want QUERY_TOO_COMPLEX with limit %q", tt.wantLimit)
			case tt.wantLimit != "":
				if gerr.Extensions["code"] != "QUERY_TOO_COMPLEX" || gerr.Extensions["limit"] != tt.wantLimit {
					t.Errorf("extensions = %v; want code QUERY_TOO_COMPLEX, limit %q", gerr.Extensions, tt.wantLimit)
				}
			}
		})
	}
}
