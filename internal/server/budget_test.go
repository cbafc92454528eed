package server_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestHostileDocumentsRefusedBeforeValidation: documents whose validation is quadratic
// (thousands of conflicting aliases, 150,000 fragment spreads in 750 KB, one response name
// selected 60 times) are answered QUERY_TOO_COMPLEX, naming the budget they break, by the
// document budget that runs before gqlparser validates; before it, the first took tens of
// seconds of CPU and answered with two million validation errors, the second pinned a core
// for over a minute.
func TestHostileDocumentsRefusedBeforeValidation(t *testing.T) {
	t.Parallel()
	hub, _ := newHub(t, nil)
	var conflicting strings.Builder
	conflicting.WriteString("{")
	for i := range 2000 {
		fmt.Fprintf(&conflicting, ` x: grid(code: "C0%d") { id }`, i)
	}
	conflicting.WriteString(" }")
	spreads := "{ ...F } fragment F on Query {" + strings.Repeat(" ...G", 150000) + " } fragment G on Query { __typename }"
	tests := []struct {
		name, query, limit string
	}{
		{"2,000 conflicting aliases", conflicting.String(), "tokens"},
		{"150,000 fragment spreads", spreads, "tokens"},
		{"one response name 60 times", "{" + strings.Repeat(` x: grid(code: "C01-01") { id }`, 60) + " }", "sameName"},
		{"fragment bomb", bombQuery(20), "fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := hub.Query(t, tt.query, nil)
			if len(res.Errors) != 1 {
				t.Fatalf("want exactly one error (QUERY_TOO_COMPLEX), got %d: %.300s", len(res.Errors), res.Raw)
			}
			if e := res.Errors[0]; e.Code() != "QUERY_TOO_COMPLEX" || e.Extensions["limit"] != tt.limit {
				t.Errorf("got code %q limit %v, want QUERY_TOO_COMPLEX limit %q: %.300s", e.Code(), e.Extensions["limit"], tt.limit, res.Raw)
			}
		})
	}
	assertAlive(t, hub)
}

// bombQuery returns a document whose fragments double n times: 2^n fields once expanded.
func bombQuery(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{ ...F%d } fragment F0 on Query { __typename }", n)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, " fragment F%d on Query { ...F%d ...F%d }", i, i-1, i-1)
	}
	return b.String()
}
