package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"civiclink/internal/auth"
	"civiclink/internal/hubtest"
)

// TestAnalystExportsRefuseRows exports, as an analyst, row lists reached every way an export
// can reach one (a root list, a list nested under readable reference data, a record under a
// readable one, in CSV and NDJSON) and wants 403 with the GraphQL error FORBIDDEN and the
// hint to the aggregates, and no row in the raw bytes; the reference data alone still
// exports.
func TestAnalystExportsRefuseRows(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	analyst := hub.As(t, auth.Analyst, auth.ScopeClaims{})
	for _, tc := range []struct {
		name, query, field, format, stats string
	}{
		{"root list", `{ cases(first: 5) { nodes { caseNo } } }`, "", "csv", "caseStats"},
		{"nested under grids", `{ grids(first: 3) { nodes { code events(first: 3) { nodes { eventNo } } } } }`, "", "csv", "gridEventStats"},
		{"nested list exported", `{ grids(first: 3) { nodes { code events(first: 3) { nodes { eventNo } } } } }`, "", "ndjson", "gridEventStats"},
		{"a record under a readable one", `{ gridWorkers(first: 3) { nodes { id person { name } } } }`, "", "csv", "crossAgencyStats"},
		{"a station's cases", `{ stations(first: 2) { nodes { code cases(first: 2) { nodes { caseNo } } } } }`, "", "csv", "caseStats"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := getExport(t, analyst, url.Values{"query": {tc.query}, "format": {tc.format}})
			if res.status != http.StatusForbidden {
				t.Fatalf("analyst exporting %s: status %d, body %s; want 403", tc.query, res.status, res.body)
			}
			var body struct {
				Errors []struct {
					Extensions map[string]any
				}
			}
			if err := json.Unmarshal(res.body, &body); err != nil || len(body.Errors) == 0 {
				t.Fatalf("analyst exporting %s: body %s, want GraphQL errors (%v)", tc.query, res.body, err)
			}
			found := false
			for _, e := range body.Errors {
				hint, _ := e.Extensions["hint"].(string)
				found = found || e.Extensions["code"] == "FORBIDDEN" && strings.Contains(hint, tc.stats)
			}
			if !found {
				t.Errorf("analyst exporting %s: %s, want FORBIDDEN with a hint naming %s", tc.query, res.body, tc.stats)
			}
			for _, leak := range []string{"caseNo", "eventNo", `"name"`, "text/csv"} {
				if bytes.Contains(res.body, []byte(leak)) || strings.Contains(res.header.Get("Content-Type"), leak) {
					t.Errorf("analyst exporting %s: the answer holds rows (%s): %s", tc.query, leak, res.body)
				}
			}
		})
	}
	res := getExport(t, analyst, url.Values{"query": {`{ grids(first: 3) { nodes { code name } } }`}})
	if res.status != http.StatusOK || strings.Count(string(res.body), "\n") != 4 {
		t.Errorf("analyst exporting grids: status %d, body %q; want 200 with a header and 3 rows", res.status, res.body)
	}
}
