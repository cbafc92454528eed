package server_test

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"civiclink/internal/auth"
	"civiclink/internal/hubtest"
	"civiclink/internal/server"
)

// graphqlJSIntrospection is graphql-js 16's getIntrospectionQuery with every option on
// (descriptions, specifiedByUrl, directiveIsRepeatable, schemaDescription,
// inputValueDeprecation, oneOf), exactly as scripts/graphql-js-introspection-query.sh
// prints it: what the playground, get-graphql-schema and graphql-inspector send.
func graphqlJSIntrospection(t *testing.T) string {
	t.Helper()
	q, err := os.ReadFile("testdata/graphql-js-introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	return string(q)
}

// TestIntrospectionUnderDefaultLimits: the standard introspection query runs under the
// default depth, field and cost limits for every authenticated caller and, with
// AnonymousIntrospection (the embedded default), without credentials; the limits keep
// measuring everything else, anonymous callers get nothing else, and introspection cannot
// nest type lists without bound (gqlparser's MaxIntrospectionDepth validation).
func TestIntrospectionUnderDefaultLimits(t *testing.T) {
	t.Parallel()
	full := graphqlJSIntrospection(t)
	admin, _ := newHub(t, nil) // default limits
	anonymousOK, _ := newHub(t, func(o *server.Options) { o.AnonymousIntrospection = true })
	anonymousOff, _ := newHub(t, func(o *server.Options) { o.AnonymousIntrospection = true; o.Introspection = false })
	anon := func(h *hubtest.Hub) *hubtest.Hub { c := *h; c.Token = ""; return &c }
	mixed := strings.Replace(full, "query IntrospectionQuery {", "query IntrospectionQuery {\n  cases(first: 1) { nodes { caseNo } }", 1)
	deep := `{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`
	aliased := `{ a: __schema { types { name } } b: __schema { types { name } } c: __schema { types { name } }
		d: __schema { types { name } } e: __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } } } }`
	tests := []struct {
		name       string
		hub        *hubtest.Hub
		query      string
		wantStatus int
		wantCode   string // "" = the schema comes back
		wantLimit  string
	}{
		{"admin", admin, full, 200, "", ""},
		{"analyst", admin.As(t, auth.Analyst, auth.ScopeClaims{}), full, 200, "", ""},
		{"grid worker", admin.As(t, auth.GridWorker, auth.ScopeClaims{Grids: []string{"C01-01"}}), full, 200, "", ""},
		{"anonymous, embedded default", anon(anonymousOK), full, 200, "", ""},
		{"anonymous without the setting", anon(admin), full, 401, "UNAUTHENTICATED", ""},
		{"anonymous, introspection off", anon(anonymousOff), full, 401, "UNAUTHENTICATED", ""},
		{"anonymous data query", anon(anonymousOK), `{ cases(first: 1) { totalCount } }`, 401, "UNAUTHENTICATED", ""},
		{"anonymous introspection mixed with data", anon(anonymousOK), mixed, 401, "UNAUTHENTICATED", ""},
		{"introspection mixed with data is limited", admin, mixed, 200, "QUERY_TOO_COMPLEX", "depth"},
		{"type lists nested three deep (gqlparser's rule)", admin, deep, 200, "BAD_USER_INPUT", ""},
		{"five aliased schemas are limited", admin, aliased, 200, "QUERY_TOO_COMPLEX", "depth"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.hub.Query(t, tt.query, nil)
			if res.Status != tt.wantStatus {
				t.Fatalf("expected status %d, got %d: %.400s", tt.wantStatus, res.Status, res.Raw)
			}
			if tt.wantCode != "" {
				if len(res.Errors) == 0 || res.Errors[0].Code() != tt.wantCode {
					t.Fatalf("expected error %s, got %.400s", tt.wantCode, res.Raw)
				}
				if got, _ := res.Errors[0].Extensions["limit"].(string); got != tt.wantLimit {
					t.Errorf("expected extensions.limit %q, got %q", tt.wantLimit, got)
				}
				return
			}
			if len(res.Errors) > 0 {
				t.Fatalf("expected the schema, got errors: %.400s", res.Raw)
			}
			var data struct {
				Schema struct {
					QueryType struct{ Name string }
					Types     []map[string]any
				} `json:"__schema"`
			}
			if err := json.Unmarshal(res.Data, &data); err != nil {
				t.Fatal(err)
			}
			if data.Schema.QueryType.Name != "Query" || len(data.Schema.Types) < 50 {
				t.Fatalf("expected the whole schema, got query type %q and %d types", data.Schema.QueryType.Name, len(data.Schema.Types))
			}
			for _, key := range []string{"isOneOf", "specifiedByURL", "fields", "inputFields"} {
				if _, ok := data.Schema.Types[0][key]; !ok {
					t.Errorf("expected every type to carry %s, got %v", key, data.Schema.Types[0])
				}
			}
		})
	}
	// A GET introspection without credentials works too (graphql-http clients use GET).
	req, err := http.NewRequest(http.MethodGet, anonymousOK.Server.URL+"/graphql?query="+strings.ReplaceAll(`{__schema{queryType{name}}}`, "{", "%7B"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res := anon(anonymousOK).Do(t, req); res.Status != 200 || len(res.Errors) > 0 {
		t.Errorf("anonymous GET introspection: expected 200 with data, got %d: %.300s", res.Status, res.Raw)
	}
}
