package server_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"civiclink/internal/hubtest"
	"civiclink/internal/persisted"
	"civiclink/internal/server"
)

func persistedRequest(t *testing.T, hub *hubtest.Hub, query, hash string) *hubtest.Response {
	t.Helper()
	body := map[string]any{}
	if query != "" {
		body["query"] = query
	}
	if hash != "" {
		body["extensions"] = map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
	}
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return hub.Post(t, "application/json", b)
}

// TestAutomaticPersistedQueries follows the Apollo protocol: hash alone → not found; hash
// with query → runs and is remembered; hash alone again → runs; a wrong hash is refused.
func TestAutomaticPersistedQueries(t *testing.T) {
	t.Parallel()
	hub, _ := newHub(t, nil)
	q := "{ cases(first: 1) { totalCount } }"
	h := persisted.Hash(q)
	tests := []struct {
		name, query, hash string
		wantCode          string // "" = data
	}{
		{"unknown hash", "", h, "PERSISTED_QUERY_NOT_FOUND"},
		{"hash and query", q, h, ""},
		{"hash alone once known", "", h, ""},
		{"hash that does not match", "{ __typename }", h, "BAD_REQUEST"},
		{"malformed hash", "", "xyz", "BAD_REQUEST"},
		{"plain query still allowed", "{ __typename }", "", ""},
	}
	for _, tt := range tests {
		res := persistedRequest(t, hub, tt.query, tt.hash)
		if tt.wantCode == "" {
			if len(res.Errors) > 0 || len(res.Data) == 0 {
				t.Fatalf("%s: want data, got %s", tt.name, res.Raw)
			}
			continue
		}
		if len(res.Errors) == 0 || res.Errors[0].Code() != tt.wantCode {
			t.Fatalf("%s: want error %s, got %s", tt.name, tt.wantCode, res.Raw)
		}
		if tt.wantCode == "PERSISTED_QUERY_NOT_FOUND" && res.Errors[0].Message != "PersistedQueryNotFound" {
			t.Errorf("%s: message %q, want PersistedQueryNotFound (what Apollo clients match)", tt.name, res.Errors[0].Message)
		}
	}
}

// TestRegisteredOnly: in mode "only" the hub runs registered operations (by hash or by
// exact text) and refuses everything else, including automatic registration.
func TestRegisteredOnly(t *testing.T) {
	t.Parallel()
	hub, _ := newHub(t, func(o *server.Options) { o.PersistedQueries = persisted.Only })
	dir := t.TempDir()
	registered := "query CaseCount { cases(first: 1) { totalCount } }\n"
	file := filepath.Join(dir, "case-count.graphql")
	if err := os.WriteFile(file, []byte(registered), 0o600); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(dir, "manifest.json")
	other := "query Typename { __typename }"
	m := map[string]any{"format": "apollo-persisted-query-manifest", "version": 1, "operations": []map[string]any{
		{"id": persisted.Hash(other), "name": "Typename", "type": "query", "body": other},
	}}
	b, _ := json.Marshal(m)
	if err := os.WriteFile(manifest, b, 0o600); err != nil {
		t.Fatal(err)
	}
	store := persisted.NewStore(hub.Pool)
	for _, f := range []string{file, manifest} {
		ops, err := persisted.ParseFile(f)
		if err != nil {
			t.Fatalf("parse %s: %v", f, err)
		}
		if n, err := store.Add(t.Context(), f, ops); err != nil || n != 1 {
			t.Fatalf("add %s: %d new, err %v; want 1 new", f, n, err)
		}
		if n, err := store.Add(t.Context(), f, ops); err != nil || n != 0 {
			t.Fatalf("add %s again: %d new, err %v; want 0 (idempotent)", f, n, err)
		}
	}
	if _, err := store.Add(t.Context(), "bad", []persisted.Operation{{Hash: persisted.Hash("x"), Query: "y"}}); err == nil {
		t.Fatal("Add accepted an operation whose hash is not the SHA-256 of its text")
	}
	ops, err := store.List(t.Context())
	if err != nil || len(ops) != 2 {
		t.Fatalf("List: %v, err %v; want 2 operations", ops, err)
	}
	tests := []struct {
		name, query, hash string
		wantCode          string
	}{
		{"registered by hash", "", persisted.Hash(registered), ""},
		{"manifest operation by hash", "", persisted.Hash(other), ""},
		{"registered by exact text", registered, "", ""},
		{"registered text with its hash", registered, persisted.Hash(registered), ""},
		{"arbitrary query", "{ cases(first: 500) { nodes { caseNo } } }", "", "PERSISTED_QUERY_NOT_ALLOWED"},
		{"arbitrary query with its hash (APQ registration)", "{ __typename }", persisted.Hash("{ __typename }"), "PERSISTED_QUERY_NOT_ALLOWED"},
		{"unknown hash", "", persisted.Hash("nope"), "PERSISTED_QUERY_NOT_ALLOWED"},
		{"registered text, whitespace changed", "query CaseCount { cases(first: 1) { totalCount } }", "", "PERSISTED_QUERY_NOT_ALLOWED"},
	}
	for _, tt := range tests {
		res := persistedRequest(t, hub, tt.query, tt.hash)
		if tt.wantCode == "" {
			if len(res.Errors) > 0 || len(res.Data) == 0 {
				t.Errorf("%s: want data, got %s", tt.name, res.Raw)
			}
			continue
		}
		if len(res.Errors) == 0 || res.Errors[0].Code() != tt.wantCode {
			t.Errorf("%s: want %s, got %s", tt.name, tt.wantCode, res.Raw)
		}
	}
}

// TestPersistedOff: with persisted queries off, a hash is refused with the Apollo code.
func TestPersistedOff(t *testing.T) {
	t.Parallel()
	hub, _ := newHub(t, func(o *server.Options) { o.PersistedQueries = persisted.Off })
	res := persistedRequest(t, hub, "", persisted.Hash("{ __typename }"))
	if len(res.Errors) == 0 || res.Errors[0].Code() != persisted.NotSupported {
		t.Fatalf("want %s, got %s", persisted.NotSupported, res.Raw)
	}
}
