package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"civiclink/internal/hubtest"
)

// TestHostileRequests sends requests built to break the endpoint: every one gets a clean
// 4xx or a 200 with GraphQL errors (never a 5xx, never database text), and the hub keeps
// serving afterwards.
func TestHostileRequests(t *testing.T) {
	t.Parallel()
	hub, _ := newHub(t, nil)
	big := `{"query":"{ __typename }","variables":{"pad":"` + strings.Repeat("x", 10<<20) + `"}}`
	// 500 levels of valid selections (Grid.community and Community.grids cycle), so the
	// depth limit, not the parser, answers.
	deep := "{ grids { nodes { community {" + strings.Repeat(" grids { community {", 249) + " code" + strings.Repeat(" } }", 249) + " } } } }"
	var aliases strings.Builder
	aliases.WriteString("{")
	for i := range 10000 {
		fmt.Fprintf(&aliases, " a%d: __typename", i)
	}
	aliases.WriteString(" }")
	bomb := "query { ...F15 } fragment F0 on Query { __typename }"
	for i := 1; i < 16; i++ {
		bomb += fmt.Sprintf(" fragment F%d on Query { a: ...F%d b: ...F%d }", i, i-1, i-1)
	}
	bomb = strings.ReplaceAll(bomb, "a: ...", "...") // spreads cannot be aliased
	bomb = strings.ReplaceAll(bomb, "b: ...", "...")
	q := func(query string) string { b, _ := json.Marshal(map[string]any{"query": query}); return string(b) }
	tests := []struct {
		name        string
		method      string
		contentType string
		accept      string
		body        string
		wantStatus  []int
		wantCode    string // when set, an error with this extensions.code
	}{
		{"malformed JSON", "POST", "application/json", "", `{"query": "{ __typename }"`, []int{400}, ""},
		{"JSON array", "POST", "application/json", "", `[{"query":"{ __typename }"}]`, []int{400}, ""},
		{"JSON string", "POST", "application/json", "", `"{ __typename }"`, []int{400}, ""},
		{"JSON null", "POST", "application/json", "", `null`, []int{400}, ""},
		{"trailing garbage", "POST", "application/json", "", `{"query":"{ __typename }"} xyz`, []int{400}, ""},
		{"invalid UTF-8", "POST", "application/json", "", "{\"query\":\"{ __type(name: \\\"\xff\xfe\\\") { name } }\"}", []int{200, 400}, ""},
		{"NUL in query", "POST", "application/json", "", `{"query":"{ __typename \u0000 }"}`, []int{200}, ""},
		{"deeply nested variables", "POST", "application/json", "", `{"query":"{ __typename }","variables":{"v":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}}`, []int{400}, ""},
		{"no content type", "POST", "", "", q("{ __typename }"), []int{415}, ""},
		{"text/plain", "POST", "text/plain", "", q("{ __typename }"), []int{415}, ""},
		{"application/graphql", "POST", "application/graphql", "", "{ __typename }", []int{415}, ""},
		{"form", "POST", "application/x-www-form-urlencoded", "", "query=%7B__typename%7D", []int{415}, ""},
		{"multipart", "POST", "multipart/form-data; boundary=x", "", "--x\r\n\r\n--x--", []int{415}, ""},
		{"latin-1 charset", "POST", "application/json; charset=iso-8859-1", "", q("{ __typename }"), []int{415}, ""},
		{"unacceptable Accept", "POST", "application/json", "text/html", q("{ __typename }"), []int{406}, ""},
		{"10 MB body", "POST", "application/json", "", big, []int{413}, ""},
		{"depth 500", "POST", "application/json", "", q(deep), []int{200}, "QUERY_TOO_COMPLEX"},
		{"10,000 aliases", "POST", "application/json", "", q(aliases.String()), []int{200}, ""},
		{"fragments that cycle", "POST", "application/json", "", q("{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"), []int{200}, ""},
		{"fragment bomb", "POST", "application/json", "", q(bomb), []int{200}, ""},
		{"huge first", "POST", "application/json", "", q("{ cases(first: 9223372036854775807) { nodes { caseNo } } }"), []int{200}, ""},
		{"unknown operation name", "POST", "application/json", "", `{"query":"query A { __typename }","operationName":"B"}`, []int{200}, ""},
		{"two operations without a name", "POST", "application/json", "", q("query A { __typename } query B { __typename }"), []int{200}, ""},
		{"subscription over POST", "POST", "application/json", "", q("subscription { __typename }"), []int{200}, ""},
		{"PUT", "PUT", "application/json", "", q("{ __typename }"), []int{405}, ""},
		{"DELETE", "DELETE", "", "", "", []int{405}, ""},
		{"GET without query", "GET", "", "", "", []int{400}, ""},
		{"GET with bad variables", "GET", "", "", "query=%7B__typename%7D&variables=%7Bnot-json", []int{400}, ""},
		{"GET with a repeated parameter", "GET", "", "", "query=%7B__typename%7D&query=%7B__typename%7D", []int{400}, ""},
		{"GET with broken escaping", "GET", "", "", "query=%zz", []int{400}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := hub.Server.URL + "/graphql"
			var body io.Reader = strings.NewReader(tt.body)
			if tt.method == "GET" {
				url += "?" + tt.body
				body = nil
			}
			req, err := http.NewRequest(tt.method, url, body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.accept != "" {
				req.Header.Set("Accept", tt.accept)
			}
			res := hub.Do(t, req)
			if !contains(tt.wantStatus, res.Status) {
				t.Errorf("status %d, want one of %v: %.300s", res.Status, tt.wantStatus, res.Raw)
			}
			if len(res.Errors) == 0 && tt.name != "invalid UTF-8" {
				t.Errorf("no GraphQL error in the response, want one: %.300s", res.Raw)
			}
			if tt.wantCode != "" && !slices.ContainsFunc(res.Errors, func(e hubtest.Error) bool { return e.Code() == tt.wantCode }) {
				t.Errorf("want an error with extensions.code %s: %.300s", tt.wantCode, res.Raw)
			}
			for _, e := range res.Errors {
				if e.Code() == "" || e.Code() == "INTERNAL" {
					t.Errorf("error without a client code or INTERNAL: %.300s", res.Raw)
				}
			}
			if len(res.Raw) > 64<<10 {
				t.Errorf("response of %d bytes: errors must not echo the request", len(res.Raw))
			}
		})
	}
	assertAlive(t, hub)
}

// TestInjectionInEveryFilter sends classic injection strings through every string and ID
// field of every filter of every root list (found by introspection): each gets data or a
// BAD_USER_INPUT, never an internal error, and the tables are intact afterwards.
func TestInjectionInEveryFilter(t *testing.T) {
	t.Parallel()
	hub, _ := newHub(t, nil)
	type typeRef struct {
		Kind   string
		Name   string
		OfType *typeRef
	}
	var schema struct {
		Schema struct {
			QueryType struct {
				Fields []struct {
					Name string
					Args []struct {
						Name string
						Type typeRef
					}
				}
			}
			Types []struct {
				Name        string
				Kind        string
				InputFields []struct {
					Name string
					Type typeRef
				}
			}
		} `json:"__schema"`
	}
	ref := "kind name ofType { kind name ofType { kind name ofType { kind name } } }"
	hub.Query(t, "{ __schema { queryType { fields { name args { name type { "+ref+" } } } } types { name kind inputFields { name type { "+ref+" } } } } }", nil).MustData(t, &schema)
	inputs := map[string][]struct {
		name, typ string
		list      bool
	}{}
	for _, ty := range schema.Schema.Types {
		for _, f := range ty.InputFields {
			r, list := &f.Type, false
			for r.OfType != nil {
				if r.Kind == "LIST" {
					list = true
				}
				r = r.OfType
			}
			if r.Name == "String" || r.Name == "ID" {
				inputs[ty.Name] = append(inputs[ty.Name], struct {
					name, typ string
					list      bool
				}{f.Name, r.Name, list})
			}
		}
	}
	payloads := []string{
		`' OR '1'='1`, `'; DROP TABLE police."case"; --`, `%' AND pg_sleep(5) --`, `$$; SELECT 1; $$`,
		`\'; --`, "\x00", `" OR ""="`, `*/ UNION SELECT * FROM pg_shadow /*`, strings.Repeat("'", 5000),
	}
	checked := 0
	for _, field := range schema.Schema.QueryType.Fields {
		for _, arg := range field.Args {
			if arg.Name != "filter" {
				continue
			}
			r := &arg.Type
			for r.OfType != nil {
				r = r.OfType
			}
			for _, in := range inputs[r.Name] {
				vtype := in.typ
				if in.list {
					vtype = "[" + in.typ + "!]"
				}
				query := fmt.Sprintf("query($v: %s) { %s(first: 1, filter: {%s: $v}) { totalCount nodes { __typename } } }", vtype, field.Name, in.name)
				for _, p := range payloads {
					var v any = p
					if in.list {
						v = []string{p}
					}
					res := hub.Query(t, query, map[string]any{"v": v})
					checked++
					if res.Status >= 500 {
						t.Fatalf("%s.%s = %q: status %d", field.Name, in.name, p, res.Status)
					}
					for _, e := range res.Errors {
						if e.Code() != "BAD_USER_INPUT" {
							t.Errorf("%s.%s = %q: %s, want data or BAD_USER_INPUT", field.Name, in.name, p, res.Raw)
						}
					}
					if bytes.Contains(bytes.ToLower(res.Raw), []byte("sqlstate")) {
						t.Errorf("%s.%s = %q: database text reached the client: %s", field.Name, in.name, p, res.Raw)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("found no string or ID filter field to test")
	}
	t.Logf("%d requests over the string and ID fields of every filter", checked)
	assertAlive(t, hub)
}

func contains(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// assertAlive checks the hub still answers and its data is still there.
func assertAlive(t *testing.T, hub *hubtest.Hub) {
	t.Helper()
	var d struct{ Cases struct{ TotalCount int } }
	hub.Query(t, "{ cases(first: 1) { totalCount } }", nil).MustData(t, &d)
	if d.Cases.TotalCount == 0 {
		t.Errorf("cases gone after hostile requests")
	}
}
