package limits_test

import (
	"fmt"
	"strings"
	"testing"

	"civiclink/internal/limits"
	"civiclink/playground"

	"github.com/99designs/gqlgen/graphql/introspection"
)

// hostileDocuments are documents whose validation by gqlparser is quadratic (or worse) in
// their size, with the limit the document budget must name for each.
func hostileDocuments() []struct{ name, query, limit string } {
	repeat := func(n int, format string) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, format, i, i+1)
		}
		return b.String()
	}
	return []struct{ name, query, limit string }{
		{"2,000 conflicting aliases (55 KB)", "{" + repeat(2000, ` x: grid(code: "C0%[1]d") { id }`) + "}", "tokens"},
		{"1,200 distinct aliases", "{" + repeat(1200, ` x%[1]d: __typename`) + "}", "fields"},
		{"150,000 fragment spreads", "{ ...F } fragment F on Query {" + strings.Repeat(" ...G", 150000) + " } fragment G on Query { __typename }", "tokens"},
		{"900 spreads of one fragment", "{ ...F } fragment F on Query {" + strings.Repeat(" ...G", 900) + " } fragment G on Query { a: __typename b: __typename }", "fields"},
		{"fragment bomb", "{ ...F15 } fragment F0 on Query { __typename }" + repeat(15, " fragment F%[2]d on Query { ...F%[1]d ...F%[1]d }"), "fields"},
		{"60 fields under one name", "{" + strings.Repeat(` x: grid(code: "C01") { id }`, 60) + "}", "sameName"},
		{"one name from 60 fragments", "{" + repeat(60, " ...F%[1]d") + "}" + repeat(60, ` fragment F%[1]d on Query { x: grid(code: "C01") { id } }`), "sameName"},
		{"one name in an unused fragment", "{ __typename } fragment U on Query {" + strings.Repeat(" x: __typename", 60) + " }", "sameName"},
		{"deep unused fragment", "{ __typename } fragment U on Query {" + strings.Repeat(" grids { nodes { id", 400) + strings.Repeat(" } }", 400) + " }", "fields"},
	}
}

// TestDocumentBudget: every hostile document is refused before validation with
// QUERY_TOO_COMPLEX and the limit it breaks.
func TestDocumentBudget(t *testing.T) {
	budget := limits.Document{}
	for _, tt := range hostileDocuments() {
		t.Run(tt.name, func(t *testing.T) {
			query := tt.query
			gerr := budget.Check(query)
			if gerr == nil {
				t.Fatalf("document of %d bytes passed the budget; want QUERY_TOO_COMPLEX, limit %s", len(query), tt.limit)
			}
			if code, limit := gerr.Extensions["code"], gerr.Extensions["limit"]; code != "QUERY_TOO_COMPLEX" || limit != tt.limit {
				t.Errorf("got code %v limit %v (%s), want QUERY_TOO_COMPLEX limit %s", code, limit, gerr.Message, tt.limit)
			}
		})
	}
}

// TestDocumentBudgetPassesLegitimateDocuments: the contract queries, the introspection
// query and documents that reuse fragments and names moderately pass, as do documents
// that do not parse (gqlgen reports those).
func TestDocumentBudgetPassesLegitimateDocuments(t *testing.T) {
	examples, err := playground.Examples()
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{
		"introspection":       introspection.Query,
		"fragments reused":    "{ a: grid(code: \"C01\") { ...G } b: grid(code: \"C02\") { ...G } } fragment G on Grid { id name ...H ...H } fragment H on Grid { id code }",
		"fragment cycle":      "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
		"unknown fragment":    "{ ...Nope }",
		"does not parse":      "{ grid(",
		"50 fields, one name": "{" + strings.Repeat(` x: grid(code: "C01") { id }`, 50) + "}",
	}
	for _, ex := range examples {
		docs["contract "+ex.Name] = ex.Query
	}
	for name, q := range docs {
		t.Run(name, func(t *testing.T) {
			if gerr := (limits.Document{}).Check(q); gerr != nil {
				t.Errorf("budget refused a legitimate document: %v", gerr)
			}
		})
	}
}
