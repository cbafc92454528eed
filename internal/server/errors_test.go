package server_test

import (
	"strings"
	"testing"

	"civiclink/internal/globalid"
	"civiclink/internal/hubtest"
)

// TestBadInput sends hostile and malformed requests: each gets a clean GraphQL error with
// the expected extensions.code, never a 500, and the hub keeps serving.
func TestBadInput(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{MaxDepth: 12})
	deep := "query { grids(first: 1) { nodes { " + strings.Repeat("community { grids { ", 8) + "code" + strings.Repeat(" } }", 8) + " } } }"
	tests := []struct {
		name     string
		query    string
		vars     map[string]any
		wantCode string
	}{
		{"syntax error", "query { cases(first: 1) { nodes { caseNo }", nil, "BAD_USER_INPUT"},
		{"unknown field", "{ cases { nodes { nope } } }", nil, "BAD_USER_INPUT"},
		{"unknown enum literal", "{ cases(filter: {status: [NOPE]}) { nodes { caseNo } } }", nil, "BAD_USER_INPUT"},
		{"unknown enum variable", "query($s: [CaseStatus!]) { cases(filter: {status: $s}) { nodes { caseNo } } }", map[string]any{"s": []string{"NOPE"}}, "BAD_USER_INPUT"},
		{"page too large", "{ cases(first: 100000) { nodes { caseNo } } }", nil, "BAD_USER_INPUT"},
		{"negative page", "{ cases(first: -1) { nodes { caseNo } } }", nil, "BAD_USER_INPUT"},
		{"first and last", "{ cases(first: 1, last: 1) { nodes { caseNo } } }", nil, "BAD_USER_INPUT"},
		{"garbage cursor", `{ cases(first: 1, after: "not-a-cursor") { nodes { caseNo } } }`, nil, "BAD_USER_INPUT"},
		{"injection cursor", `{ cases(first: 1, after: "'; DROP TABLE police.case; --") { nodes { caseNo } } }`, nil, "BAD_USER_INPUT"},
		{"garbage node id", `{ node(id: "zzz") { id } }`, nil, "BAD_USER_INPUT"},
		{"id of unknown type", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": globalid.Encode("Secret", 1)}, "BAD_USER_INPUT"},
		{"missing node", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": globalid.Encode("Case", 999999999)}, "NOT_FOUND"},
		{"filter id of wrong type", `query($id: ID) { cases(filter: {gridId: $id}) { nodes { caseNo } } }`, map[string]any{"id": globalid.Encode("Case", 1)}, "BAD_USER_INPUT"},
		{"injection in lookup", `{ case(caseNo: "x' OR '1'='1") { caseNo } }`, nil, "NOT_FOUND"},
		{"too deep", deep, nil, "QUERY_TOO_COMPLEX"},
		{"wrong variable type", `query($n: Int) { cases(first: $n) { nodes { caseNo } } }`, map[string]any{"n": "ten"}, "BAD_USER_INPUT"},
		{"malformed DateTime", `query($t: DateTime) { cases(filter: {receivedFrom: $t}) { nodes { caseNo } } }`, map[string]any{"t": "yesterday"}, "BAD_USER_INPUT"},
		{"malformed DateTime literal", `{ cases(filter: {receivedFrom: "2024-13-45"}) { nodes { caseNo } } }`, nil, "BAD_USER_INPUT"},
		{"malformed Date", `query($d: Date) { benefitGrants(filter: {appliedFrom: $d}) { nodes { id } } }`, map[string]any{"d": "yesterday"}, "BAD_USER_INPUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := hub.Query(t, tt.query, tt.vars)
			if res.Status >= 500 {
				t.Fatalf("status %d, want a GraphQL error: %s", res.Status, res.Raw)
			}
			if len(res.Errors) == 0 {
				t.Fatalf("no errors, want %s: %s", tt.wantCode, res.Raw)
			}
			if got := res.Errors[0].Code(); got != tt.wantCode {
				t.Errorf("extensions.code = %q, want %q (%s)", got, tt.wantCode, res.Raw)
			}
			if strings.Contains(strings.ToLower(string(res.Raw)), "sqlstate") || strings.Contains(string(res.Raw), "pgx") {
				t.Errorf("database error text reached the client: %s", res.Raw)
			}
		})
	}
	// The hub still answers after all of that, and the table survived.
	res := hub.Query(t, "{ cases(first: 1) { totalCount } }", nil)
	var d struct{ Cases struct{ TotalCount int } }
	res.MustData(t, &d)
	if d.Cases.TotalCount == 0 {
		t.Errorf("cases gone after hostile requests")
	}
}

// TestMalformedBodies sends bodies that are not GraphQL requests at all.
func TestMalformedBodies(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	tests := []struct {
		name, contentType, body string
	}{
		{"broken JSON", "application/json", `{"query": "{ cases { nodes { caseNo } } }"`},
		{"JSON array", "application/json", `[1, 2, 3]`},
		{"query not a string", "application/json", `{"query": 42}`},
		{"empty body", "application/json", ``},
		{"huge body", "application/json", `{"query": "` + strings.Repeat("a", 2<<20) + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := hub.Post(t, tt.contentType, []byte(tt.body))
			if res.Status >= 500 {
				t.Fatalf("status %d, want a 4xx with a GraphQL error: %s", res.Status, res.Raw)
			}
			if len(res.Errors) == 0 {
				t.Fatalf("want a GraphQL error, got status %d: %.200s", res.Status, res.Raw)
			}
		})
	}
}
