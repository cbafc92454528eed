package playground

import (
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

const testEndpoint = "/graphql"

// get sends one request to h and returns the response with its body read.
func get(t *testing.T, h http.Handler, method, target string, header http.Header) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, target, err)
	}
	return res, string(body)
}

func builtinExamples(t *testing.T) []Example {
	t.Helper()
	ex, err := Examples()
	if err != nil {
		t.Fatalf("Examples() error = %v, want nil", err)
	}
	return ex
}

func pageBody(t *testing.T, examples []Example) string {
	t.Helper()
	res, body := get(t, Handler(testEndpoint, examples), http.MethodGet, "/", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET / status = %d, want 200", res.StatusCode)
	}
	return body
}

var jsonBlockRE = map[string]*regexp.Regexp{
	"civiclink-examples": regexp.MustCompile(`(?s)<script type="application/json" id="civiclink-examples">(.*?)</script>`),
	"civiclink-config":   regexp.MustCompile(`(?s)<script type="application/json" id="civiclink-config">(.*?)</script>`),
}

// jsonBlock returns the content of the <script type="application/json"> block
// with the given id, as the browser's HTML parser would cut it out.
func jsonBlock(t *testing.T, page, id string) string {
	t.Helper()
	m := jsonBlockRE[id].FindAllStringSubmatch(page, -1)
	if len(m) != 1 {
		t.Fatalf("page has %d <script type=\"application/json\" id=%q> blocks, want exactly 1", len(m), id)
	}
	return m[0][1]
}

func TestExamples(t *testing.T) {
	ex := builtinExamples(t)
	wantVars := map[string]map[string]any{
		"grid-risk":   {"code": "C05-05"},
		"person-view": {"id": "UGVyc29uOjIzNjc0"},
		// practices examples (issue 15); run in resolvers/practices_examples_test.go.
		"practices-grid-history":   nil,
		"practices-response-times": {"urgency": []any{"HIGH", "CRITICAL"}, "from": "2026-01-01T00:00:00+08:00"},
		"practices-rules":          {"subject": "GRID_EVENT", "history": true},
		"practices-urgent-queue":   {"withinMinutes": float64(120), "overdueForMinutes": float64(1440), "asOf": "2026-11-01T00:00:00+08:00"},
		// a live NON_POLICE case of grid C01-01 at scale 1; run in cmd/civiclink's TestReferCaseTabRuns.
		"refer-case": {"input": map[string]any{"caseId": "Q2FzZTo2MDAwMw", "version": float64(1), "committeeId": "Q29tbWl0dGVlOjI",
			"category": "NEIGHBOUR", "idempotencyKey": "playground-refer-case"}},
		"referred-disputes": {"first": float64(100)},
		"station-welfare":   {"id": "U3RhdGlvbjox"},
		// BI examples (issue 6); their figures are tested in internal/server/bi_export_test.go.
		"stats-cross-agency-by-community-year":      {"bucket": "YEAR"},
		"stats-difficult-disputes-by-mediator-kind": nil,
		"stats-non-police-diversion":                {"bucket": "MONTH", "from": "2026-01-01T00:00:00+08:00"},
		"stats-open-risks-by-grid":                  {"asOf": "2026-10-31"},
		"stats-overdue-agreement-stats":             nil,
		"stats-referred-disputes-by-community-year": {"bucket": "YEAR"},
		"stats-welfare-vs-satisfaction":             {"bucket": "YEAR"},
		// Work lists (rows, for the roles that act on them; an analyst is refused them).
		"work-overdue-agreements": {"asOf": "2026-10-31"},
	}
	var names []string
	for _, e := range ex {
		names = append(names, e.Name)
	}
	wantNames := []string{"grid-risk", "person-view", "practices-grid-history", "practices-response-times", "practices-rules", "practices-urgent-queue", "refer-case", "referred-disputes", "station-welfare",
		"stats-cross-agency-by-community-year", "stats-difficult-disputes-by-mediator-kind", "stats-non-police-diversion", "stats-open-risks-by-grid",
		"stats-overdue-agreement-stats", "stats-referred-disputes-by-community-year", "stats-welfare-vs-satisfaction", "work-overdue-agreements"}
	if !reflect.DeepEqual(names, wantNames) {
		t.Fatalf("Examples() names = %q, want %q (sorted by name)", names, wantNames)
	}
	for _, e := range ex {
		raw, err := fs.ReadFile(files, "examples/"+e.Name+".graphql")
		if err != nil {
			t.Fatalf("reading examples/%s.graphql: %v", e.Name, err)
		}
		if e.Query != string(raw) {
			t.Errorf("example %s: Query differs from examples/%s.graphql; want the file's bytes unchanged", e.Name, e.Name)
		}
		want := wantVars[e.Name]
		if want == nil {
			if e.Variables != "" {
				t.Errorf("example %s: Variables = %q, want \"\"", e.Name, e.Variables)
			}
			continue
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(e.Variables), &got); err != nil {
			t.Errorf("example %s: Variables %q is not a JSON object: %v", e.Name, e.Variables, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("example %s: Variables = %v, want %v", e.Name, got, want)
		}
	}
}

func TestLoadExamplesErrors(t *testing.T) {
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		wantErr string
	}{
		{
			name: "variables not JSON",
			fsys: fstest.MapFS{
				"ex/a.graphql":        {Data: []byte("{ a }")},
				"ex/a.variables.json": {Data: []byte("{code: 1}")},
			},
			wantErr: "not valid JSON",
		},
		{
			name:    "variables without query",
			fsys:    fstest.MapFS{"ex/b.variables.json": {Data: []byte("{}")}},
			wantErr: "has no b.graphql",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadExamples(tc.fsys, "ex")
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("loadExamples() error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestPage(t *testing.T) {
	ex := builtinExamples(t)
	res, body := get(t, Handler(testEndpoint, ex), http.MethodGet, "/", nil)

	checks := []struct {
		what, got, want string
	}{
		{"status", res.Status, "200 OK"},
		{"Content-Type", res.Header.Get("Content-Type"), "text/html; charset=utf-8"},
		{"Cache-Control", res.Header.Get("Cache-Control"), "no-cache"},
		{"X-Content-Type-Options", res.Header.Get("X-Content-Type-Options"), "nosniff"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("GET / %s = %q, want %q", c.what, c.got, c.want)
		}
	}

	mustContain := []string{"<title>CivicLink playground</title>", `id="graphiql"`}
	for _, e := range ex {
		mustContain = append(mustContain, e.Name)
	}
	for _, s := range mustContain {
		if !strings.Contains(body, s) {
			t.Errorf("GET / body does not contain %q, want it to", s)
		}
	}
	if regexp.MustCompile(`<[^>]+\son[a-z]+=`).MatchString(body) {
		t.Errorf("GET / body has an inline event handler attribute, want none (CSP allows no inline script)")
	}
	if m := regexp.MustCompile(`<script>|<script\s+(?:[^>]*\s)?type="(?:text/javascript|module)"`).FindString(body); m != "" {
		t.Errorf("GET / body has inline executable script %q, want only external scripts and JSON blocks", m)
	}

	var cfg struct{ Endpoint string }
	if err := json.Unmarshal([]byte(jsonBlock(t, body, "civiclink-config")), &cfg); err != nil {
		t.Fatalf("civiclink-config block is not JSON: %v", err)
	}
	if cfg.Endpoint != testEndpoint {
		t.Errorf("civiclink-config endpoint = %q, want %q", cfg.Endpoint, testEndpoint)
	}
}

func TestContentSecurityPolicy(t *testing.T) {
	res, _ := get(t, Handler(testEndpoint, nil), http.MethodGet, "http://example.com:8080/", nil)
	csp := res.Header.Get("Content-Security-Policy")
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[name] = value
	}
	want := map[string]string{
		"default-src": "'none'",
		"script-src":  "'self'",
		"style-src":   "'self' 'unsafe-inline'",
		"connect-src": "'self' ws://example.com:8080 wss://example.com:8080",
		"base-uri":    "'none'",
	}
	for name, value := range want {
		if directives[name] != value {
			t.Errorf("CSP %s = %q, want %q (whole policy: %q)", name, directives[name], value, csp)
		}
	}

	// A Host header that could smuggle in a source or a directive is left out.
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Host = "evil.example; script-src *"
	rec := httptest.NewRecorder()
	Handler(testEndpoint, nil).ServeHTTP(rec, req)
	if got := rec.Header().Get("Content-Security-Policy"); strings.Contains(got, "evil") || !strings.Contains(got, "connect-src 'self';") {
		t.Errorf("CSP with forged Host = %q, want connect-src 'self' only and no trace of the Host header", got)
	}
}

func TestExamplesBlockRoundTrip(t *testing.T) {
	ex := builtinExamples(t)
	body := pageBody(t, ex)
	var got []Example
	if err := json.Unmarshal([]byte(jsonBlock(t, body, "civiclink-examples")), &got); err != nil {
		t.Fatalf("civiclink-examples block is not JSON: %v", err)
	}
	if !reflect.DeepEqual(got, ex) {
		t.Errorf("civiclink-examples block decodes to %+v, want Examples() = %+v", got, ex)
	}

	// No examples still gives a valid (empty) array.
	var none []Example
	if err := json.Unmarshal([]byte(jsonBlock(t, pageBody(t, nil), "civiclink-examples")), &none); err != nil || none == nil || len(none) != 0 {
		t.Errorf("civiclink-examples with no examples = %v (err %v), want an empty JSON array", none, err)
	}
}

func TestExamplesCannotBreakOutOfScript(t *testing.T) {
	const payload = `</script><script>alert(1)</script>`
	hostile := []Example{{
		Name:      "evil" + payload,
		Query:     "query Evil { a } # " + payload + " <!-- <script> \u2028 & done",
		Variables: `{"x": "` + strings.ReplaceAll(payload, `"`, `\"`) + `"}`,
	}}
	plain := pageBody(t, []Example{{Name: "plain", Query: "{ a }"}})
	body := pageBody(t, hostile)

	if got, want := strings.Count(body, "<script"), strings.Count(plain, "<script"); got != want {
		t.Errorf("page with a hostile example has %d <script tags, want %d (as with a harmless example)", got, want)
	}
	if strings.Contains(body, "alert(1)</script>") || strings.Contains(body, "<!--") {
		t.Errorf("page contains the raw payload; want it escaped inside the JSON block")
	}
	var got []Example
	if err := json.Unmarshal([]byte(jsonBlock(t, body, "civiclink-examples")), &got); err != nil {
		t.Fatalf("civiclink-examples block with a hostile example is not JSON: %v", err)
	}
	if !reflect.DeepEqual(got, hostile) {
		t.Errorf("hostile example decodes to %+v, want it unchanged: %+v", got, hostile)
	}
}

func TestReferencedAssets(t *testing.T) {
	h := Handler(testEndpoint, builtinExamples(t))
	body := pageBody(t, nil)
	refs := regexp.MustCompile(`<(?:script|link)\b[^>]*\s(?:src|href)="([^"]+)"`).FindAllStringSubmatch(body, -1)
	wantTypes := map[string]string{
		".js":  "text/javascript; charset=utf-8",
		".css": "text/css; charset=utf-8",
	}
	var n int
	for _, m := range refs {
		ref := m[1]
		if strings.HasPrefix(ref, "data:") {
			continue
		}
		n++
		t.Run(ref, func(t *testing.T) {
			if !strings.HasPrefix(ref, AssetsPrefix) {
				t.Fatalf("page refers to %q, want every asset under %q", ref, AssetsPrefix)
			}
			res, got := get(t, h, http.MethodGet, ref, nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s status = %d, want 200", ref, res.StatusCode)
			}
			ext := ref[strings.LastIndex(ref, "."):]
			if ct := res.Header.Get("Content-Type"); ct != wantTypes[ext] {
				t.Errorf("GET %s Content-Type = %q, want %q", ref, ct, wantTypes[ext])
			}
			if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=86400" {
				t.Errorf("GET %s Cache-Control = %q, want %q", ref, cc, "public, max-age=86400")
			}
			want, err := fs.ReadFile(files, "assets/"+strings.TrimPrefix(ref, AssetsPrefix))
			if err != nil || len(want) == 0 || got != string(want) {
				t.Errorf("GET %s body (%d bytes) differs from the embedded file (%d bytes, err %v)", ref, len(got), len(want), err)
			}
		})
	}
	if n < 5 { // 3 style sheets, React, ReactDOM, GraphiQL, explorer, boot.js
		t.Errorf("page refers to %d assets, want at least 5; did the page template change?", n)
	}
}

func TestLicensesShipped(t *testing.T) {
	h := Handler(testEndpoint, nil)
	for _, name := range []string{
		"graphiql", "react", "react-dom", "graphql", "graphiql-plugin-explorer", "graphiql-explorer",
	} {
		target := AssetsPrefix + "LICENSES/" + name + ".LICENSE"
		res, body := get(t, h, http.MethodGet, target, nil)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, "Permission is hereby granted") {
			t.Errorf("GET %s = %d with %d bytes, want 200 and the MIT licence text", target, res.StatusCode, len(body))
		}
		if ct := res.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Errorf("GET %s Content-Type = %q, want text/plain; charset=utf-8", target, ct)
		}
	}
}

func TestStatusCodes(t *testing.T) {
	h := Handler(testEndpoint, nil)
	tests := []struct {
		method, target string
		header         http.Header
		want           int
		wantAllow      bool
		wantEmptyBody  bool
	}{
		{method: http.MethodGet, target: "/", want: http.StatusOK},
		{method: http.MethodHead, target: "/", want: http.StatusOK, wantEmptyBody: true},
		{method: http.MethodHead, target: AssetsPrefix + "boot.js", want: http.StatusOK, wantEmptyBody: true},
		{method: http.MethodPost, target: "/", want: http.StatusMethodNotAllowed, wantAllow: true},
		{method: http.MethodPut, target: "/", want: http.StatusMethodNotAllowed, wantAllow: true},
		{method: http.MethodPost, target: AssetsPrefix + "boot.js", want: http.StatusMethodNotAllowed, wantAllow: true},
		{method: http.MethodDelete, target: AssetsPrefix + "graphiql.min.js", want: http.StatusMethodNotAllowed, wantAllow: true},
		{method: http.MethodGet, target: AssetsPrefix + "nope.js", want: http.StatusNotFound},
		{method: http.MethodGet, target: AssetsPrefix, want: http.StatusNotFound},
		{method: http.MethodGet, target: AssetsPrefix + "LICENSES", want: http.StatusNotFound},
		{method: http.MethodGet, target: AssetsPrefix + "LICENSES/", want: http.StatusNotFound},
		{method: http.MethodGet, target: AssetsPrefix + "../playground.go", want: http.StatusNotFound},
		{method: http.MethodGet, target: "/playground/examples/grid-risk.graphql", want: http.StatusNotFound},
		{method: http.MethodGet, target: "/index.html", want: http.StatusNotFound},
		{method: http.MethodGet, target: "/graphql", want: http.StatusNotFound},
		{method: http.MethodGet, target: AssetsPrefix + "boot.js", header: http.Header{"If-None-Match": {etagOf(mustAsset(t, "boot.js"))}}, want: http.StatusNotModified},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.target, func(t *testing.T) {
			res, body := get(t, h, tc.method, tc.target, tc.header)
			if res.StatusCode != tc.want {
				t.Fatalf("%s %s status = %d, want %d", tc.method, tc.target, res.StatusCode, tc.want)
			}
			if allow := res.Header.Get("Allow"); tc.wantAllow && allow != "GET, HEAD" {
				t.Errorf("%s %s Allow = %q, want %q", tc.method, tc.target, allow, "GET, HEAD")
			}
			if tc.wantEmptyBody && body != "" {
				t.Errorf("%s %s body has %d bytes, want none", tc.method, tc.target, len(body))
			}
		})
	}
}

func mustAsset(t *testing.T, name string) []byte {
	t.Helper()
	b, err := fs.ReadFile(files, "assets/"+name)
	if err != nil {
		t.Fatalf("reading embedded asset %s: %v", name, err)
	}
	return b
}

func TestHandlerRejectsBadEndpoint(t *testing.T) {
	for _, endpoint := range []string{"", "graphql", "//evil.example/graphql", "https://evil.example/graphql", "/graph ql", `/\evil`} {
		t.Run(endpoint, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Handler(%q) did not panic, want a panic for an endpoint that is not a same-origin path", endpoint)
				}
			}()
			Handler(endpoint, nil)
		})
	}
}
