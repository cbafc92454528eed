package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/hubtest"
	"civiclink/internal/ratelimit"
	"civiclink/internal/server"
)

// TestLimits runs each configurable limit end to end: the request just over it gets a clean
// error with the expected code and HTTP status and, for query limits, extensions.limit
// naming the limit; the request just under it runs.
func TestLimits(t *testing.T) {
	t.Parallel()
	limited, _ := newHub(t, func(o *server.Options) {
		o.MaxDepth, o.MaxFields, o.MaxComplexity, o.MaxBodyBytes = 4, 20, 500, 4096
	})
	noIntrospection, _ := newHub(t, func(o *server.Options) { o.Introspection = false })
	shortDeadline, _ := newHub(t, func(o *server.Options) { o.RequestTimeout = time.Nanosecond })
	aliases := func(n int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			b.WriteString(" f" + strconv.Itoa(i) + ": __typename")
		}
		return b.String() + " }"
	}
	tests := []struct {
		name       string
		hub        *hubtest.Hub
		query      string
		wantStatus int
		wantCode   string // "" = success
		wantLimit  string
	}{
		{"depth at the limit", limited, `{ grids(first: 1) { nodes { community { code } } } }`, 200, "", ""},
		{"depth over", limited, `{ grids(first: 1) { nodes { community { grids { code } } } } }`, 200, "QUERY_TOO_COMPLEX", "depth"},
		{"fields at the limit", limited, aliases(20), 200, "", ""},
		{"fields over", limited, aliases(21), 200, "QUERY_TOO_COMPLEX", "fields"},
		{"cost under the limit", limited, `{ cases(first: 100) { nodes { caseNo status } } }`, 200, "", ""},
		{"cost over: first × children", limited, `{ cases(first: 200) { nodes { caseNo status } } }`, 200, "QUERY_TOO_COMPLEX", "complexity"},
		{"body over the limit", limited, `{ __typename ` + strings.Repeat(" ", 5000) + `}`, 413, "BAD_REQUEST", ""},
		{"introspection off", noIntrospection, `{ __schema { types { name } } }`, 200, "BAD_USER_INPUT", ""},
		{"typename without introspection", noIntrospection, `{ __typename }`, 200, "", ""},
		{"request deadline", shortDeadline, `{ cases(first: 1) { nodes { caseNo } } }`, 200, "TIMEOUT", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.hub.Query(t, tt.query, nil)
			if res.Status != tt.wantStatus {
				t.Errorf("status %d, want %d: %.300s", res.Status, tt.wantStatus, res.Raw)
			}
			if tt.wantCode == "" {
				if len(res.Errors) > 0 {
					t.Fatalf("errors, want success: %.300s", res.Raw)
				}
				return
			}
			if len(res.Errors) == 0 {
				t.Fatalf("no error, want %s: %.300s", tt.wantCode, res.Raw)
			}
			e := res.Errors[0]
			if e.Code() != tt.wantCode {
				t.Errorf("code %q, want %q: %.300s", e.Code(), tt.wantCode, res.Raw)
			}
			if tt.wantLimit != "" && e.Extensions["limit"] != tt.wantLimit {
				t.Errorf("extensions.limit = %v, want %q", e.Extensions["limit"], tt.wantLimit)
			}
		})
	}
}

// TestStatementTimeout: a statement that runs past the pool's statement_timeout is cancelled
// by PostgreSQL and reported as TIMEOUT, not as an internal error.
func TestStatementTimeout(t *testing.T) {
	t.Parallel()
	hub, _ := newHub(t, nil)
	// The pool of the test hub uses the default 15 s; a session setting makes this one
	// connection's statements time out quickly.
	ctx := t.Context()
	conn, err := hub.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SET statement_timeout = '50ms'"); err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, "SELECT pg_sleep(1)")
	if err == nil {
		t.Fatal("pg_sleep(1) finished under a 50 ms statement_timeout")
	}
	if _, err := conn.Exec(ctx, "RESET statement_timeout"); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := hub.Pool.QueryRow(ctx, "SHOW statement_timeout").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "15s" {
		t.Errorf("statement_timeout of the hub's pool = %q, want 15s (CIVICLINK_STATEMENT_TIMEOUT default)", got)
	}
}

// TestRateLimit: past the burst, a client gets 429 with Retry-After and RATE_LIMITED, per IP
// and per API key (the Authorization or X-API-Key header), while another key is still served.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	byIP, _ := newHub(t, func(o *server.Options) { o.RateLimit = ratelimit.Options{PerIP: 0.01, Burst: 2} })
	byKey, _ := newHub(t, func(o *server.Options) { o.RateLimit = ratelimit.Options{PerKey: 0.01, Burst: 1} })
	other, err := auth.IssueToken(hubtest.Secret, "another-client", auth.Admin, auth.ScopeClaims{}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		hub        *hubtest.Hub
		token      string
		wantStatus int
		wantLimit  string
	}{
		{"ip: first", byIP, byIP.Token, 200, ""},
		{"ip: second (burst 2)", byIP, byIP.Token, 200, ""},
		{"ip: third", byIP, byIP.Token, 429, "ip"},
		{"ip: another key, same IP", byIP, other, 429, "ip"},
		{"key: first", byKey, byKey.Token, 200, ""},
		{"key: second", byKey, byKey.Token, 429, "key"},
		{"key: another key", byKey, other, 200, ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("POST", tt.hub.Server.URL+"/graphql", bytes.NewReader([]byte(`{"query":"{ __typename }"}`)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+tt.token)
		res, err := tt.hub.Server.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		_ = json.NewDecoder(res.Body).Decode(&body)
		res.Body.Close()
		if res.StatusCode != tt.wantStatus {
			t.Fatalf("%s: status %d, want %d (%v)", tt.name, res.StatusCode, tt.wantStatus, body)
		}
		if tt.wantStatus != 429 {
			continue
		}
		if ra, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || ra < 1 {
			t.Errorf("%s: Retry-After %q, want a positive number of seconds", tt.name, res.Header.Get("Retry-After"))
		}
		errs, _ := body["errors"].([]any)
		if len(errs) == 0 {
			t.Fatalf("%s: no GraphQL error in %v", tt.name, body)
		}
		ext, _ := errs[0].(map[string]any)["extensions"].(map[string]any)
		if ext["code"] != "RATE_LIMITED" || ext["limit"] != tt.wantLimit {
			t.Errorf("%s: extensions %v, want code RATE_LIMITED, limit %s", tt.name, ext, tt.wantLimit)
		}
	}
}
