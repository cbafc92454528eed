// Package hubtest runs the whole hub against a real PostgreSQL for tests: a template
// database, migrated and seeded once per test server, is cloned for each test, and the HTTP
// handler is served by httptest so tests talk to it as a client would.
package hubtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"civiclink/db/dbtest"
	"civiclink/db/migrations"
	"civiclink/db/seed"
	"civiclink/internal/audit"
	"civiclink/internal/auth"
	"civiclink/internal/clock"
	"civiclink/internal/dbpool"
	"civiclink/internal/events"
	"civiclink/internal/pii"
	"civiclink/internal/server"

	"github.com/jackc/pgx/v5"
)

// SeedScale is the size of the demo data every test database starts with.
const SeedScale = 0.02

// Keys returns the fixed identity-number keys of test databases.
func Keys(t testing.TB) *pii.Keys {
	t.Helper()
	k, err := pii.NewKeys(bytes.Repeat([]byte{7}, pii.KeySize), bytes.Repeat([]byte{9}, pii.KeySize))
	if err != nil {
		t.Fatalf("test keys: %v", err)
	}
	return k
}

// Hub is a running hub over a private copy of the seeded test database.
type Hub struct {
	// Pool reads and writes the database directly, as its owner, bypassing the hub and row
	// security: for a test's own setup and checks.
	Pool   *dbpool.Pool
	Keys   *pii.Keys
	Server *httptest.Server
	// URL is the database's URL.
	URL string
	// Events is the hub's event broker.
	Events *events.Broker
	// Audit is the hub's access log (its head file is in the test's temporary folder).
	Audit *audit.Log
	// Token is the bearer token requests carry ("" = none).
	Token string
	// Purpose is the stated purpose requests carry ("" = none).
	Purpose string
}

// Options adjust the hub under test.
type Options struct {
	// SeedScale is the size of the demo data of the template (0 = SeedScale); the README test
	// uses 1, the scale `make run` seeds, so README's examples name records that exist.
	SeedScale     float64
	MaxDepth      int
	MaxComplexity int
	// LoaderWait overrides the dataloaders' batch window; tests default to a generous
	// 10 ms, which keeps statement counts exact on a loaded machine, benchmarks use the
	// production default by passing loaders.DefaultWait.
	LoaderWait time.Duration
	// Clock fixes the hub's clock (nil = the system clock).
	Clock clock.Clock
	// GenericExecution runs every field through gqlgen's generated executor
	// (server.Options.GenericExecution).
	GenericExecution bool
}

// New starts a hub over a fresh clone of the seeded template.
func New(t testing.TB, opts Options) *Hub {
	t.Helper()
	ctx := context.Background()
	keys := Keys(t)
	scale := opts.SeedScale
	if scale == 0 {
		scale = SeedScale
	}
	template := fmt.Sprintf("civiclink_tmpl_%s_%d", migrations.Fingerprint(), int(scale*1000))
	err := dbtest.EnsureTemplate(ctx, dbtest.URL(t), template, func(ctx context.Context, url string) error {
		pool, err := dbpool.Open(ctx, dbpool.Options{URL: url, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			return err
		}
		defer pool.Close()
		if err := migrations.Up(ctx, pool.Pool, slog.New(slog.DiscardHandler)); err != nil {
			return err
		}
		_, err = seed.Run(ctx, pool.Pool, seed.Options{Scale: scale, Keys: keys})
		return err
	})
	if err != nil {
		t.Fatalf("build template database: %v", err)
	}
	return Start(t, dbtest.NewDatabase(t, template), opts)
}

// Start serves a hub over the database at url (already migrated), with its own pool and its
// own event broker, as a separate hub process would; tests run two on one database to check
// that both deliver every event.
func Start(t testing.TB, url string, opts Options) *Hub {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	pool, err := dbpool.Open(ctx, dbpool.Options{URL: url, MaxConns: 8, Logger: logger})
	if err != nil {
		cancel()
		t.Fatalf("open test database: %v", err)
	}
	// The hub serves through its own pool, acting for each caller under row-level security.
	appPool, err := dbpool.Open(ctx, dbpool.Options{URL: url, MaxConns: 8, Logger: logger, RowSecurity: true})
	if err != nil {
		cancel()
		t.Fatalf("open test database: %v", err)
	}
	broker := events.NewBroker(logger)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = broker.Run(ctx, func(ctx context.Context) (*pgx.Conn, error) { return pgx.Connect(ctx, url) })
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		appPool.Close()
		pool.Close()
	})
	select {
	case <-broker.Ready():
	case <-time.After(10 * time.Second):
		t.Fatalf("event broker did not start listening within 10s")
	}
	loaderWait := opts.LoaderWait
	if loaderWait == 0 {
		loaderWait = 10 * time.Millisecond
	}
	authn, err := auth.New(ctx, auth.Options{HMACSecret: Secret, DB: appPool})
	if err != nil {
		t.Fatalf("authenticator: %v", err)
	}
	accessLog, err := audit.New(appPool, AuditKey, filepath.Join(t.TempDir(), "audit-head"), logger)
	if err != nil {
		t.Fatalf("access log: %v", err)
	}
	h := server.New(server.Options{
		Auth: authn, Audit: accessLog,
		Pool: appPool, Keys: Keys(t), Logger: logger, Introspection: true,
		MaxDepth: opts.MaxDepth, MaxComplexity: opts.MaxComplexity, Events: broker,
		LoaderWait: loaderWait, Clock: opts.Clock, GenericExecution: opts.GenericExecution,
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	hub := &Hub{Pool: pool, Keys: Keys(t), Server: srv, URL: url, Events: broker, Audit: accessLog}
	return hub.As(t, auth.Admin, auth.ScopeClaims{})
}

// AuditKey keys the test hubs' access-log chains.
var AuditKey = []byte("civiclink-test-audit-key-0123456")

// Secret signs the test hubs' HS256 tokens.
var Secret = []byte("civiclink-test-secret-0123456789abcdef")

// As returns a client of the same hub that authenticates as role with scope.
func (h *Hub) As(t testing.TB, role string, scope auth.ScopeClaims) *Hub {
	t.Helper()
	token, err := auth.IssueToken(Secret, "test-"+strings.ToLower(role), role, scope, time.Hour)
	if err != nil {
		t.Fatalf("issue token: %v", err)
	}
	c := *h
	c.Token = token
	c.Purpose = ""
	return &c
}

// WithPurpose returns a client that states purpose for reading personal data.
func (h *Hub) WithPurpose(purpose string) *Hub {
	c := *h
	c.Purpose = purpose
	return &c
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimSpace(p)))
	return len(p), nil
}

// Error is one GraphQL error of a response.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code returns extensions.code.
func (e Error) Code() string { s, _ := e.Extensions["code"].(string); return s }

// Response is a decoded GraphQL response with what the transport said about it.
type Response struct {
	Status     int
	Data       json.RawMessage `json:"data"`
	Errors     []Error         `json:"errors"`
	Statements int
	Raw        []byte
}

// Query posts a GraphQL request as JSON and decodes the response.
func (h *Hub) Query(t testing.TB, query string, variables map[string]any) *Response {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": variables})
	if err != nil {
		t.Fatalf("encode request: %v", err)
	}
	return h.Post(t, "application/json", body)
}

// Post sends a raw body to /graphql and decodes whatever JSON comes back.
func (h *Hub) Post(t testing.TB, contentType string, body []byte) *Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, h.Server.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("build request: %v", err)
	}
	req.Header.Set("Content-Type", contentType)
	return h.Do(t, req)
}

// Do sends req, with the client's credentials and purpose unless req has its own, and
// decodes the response.
func (h *Hub) Do(t testing.TB, req *http.Request) *Response {
	t.Helper()
	if h.Token != "" && req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", "Bearer "+h.Token)
	}
	if h.Purpose != "" && req.Header.Get(auth.PurposeHeader) == "" {
		req.Header.Set(auth.PurposeHeader, h.Purpose)
	}
	res, err := h.Server.Client().Do(req)
	if err != nil {
		t.Fatalf("send request: %v", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	out := &Response{Status: res.StatusCode, Raw: raw}
	out.Statements, _ = strconv.Atoi(res.Header.Get(server.StatementsHeader))
	if len(raw) > 0 && json.Valid(raw) {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("decode response %s: %v", raw, err)
		}
	}
	return out
}

// MustData fails the test when the response has errors, and decodes data into v.
func (r *Response) MustData(t testing.TB, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected GraphQL errors: %s", r.Raw)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode data %s: %v", r.Data, err)
	}
}
