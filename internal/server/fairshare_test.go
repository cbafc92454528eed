package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/fairshare"
	"civiclink/internal/hubtest"
	"civiclink/internal/server"

	"github.com/jackc/pgx/v5"
)

// TestFairShareOfTheDatabase: a request with many root fields that each wait on the
// database (here on a table lock, so nothing depends on timing) holds only its share of the
// pool, so another caller's query still gets a connection and answers while it waits; a
// caller holding its whole share is refused further connections with RATE_LIMITED and
// Retry-After (HTTP) or an error with that code (WebSocket). Before, the hog's 20 fields
// took all 8 connections of the pool and the other caller waited behind them.
func TestFairShareOfTheDatabase(t *testing.T) {
	t.Parallel()
	// Refuse at once when over the caller's share: the test needs no clock.
	hub, _ := newHub(t, func(o *server.Options) {
		o.FairShare = fairshare.Options{Wait: -1}
		o.RequestTimeout = 20 * time.Second
	})
	ctx := t.Context()
	shares := fairshare.Defaults(fairshare.Options{}, hub.Pool.Config().MaxConns, 20*time.Second)
	if shares.PerRequest*2 != shares.PerPrincipal {
		t.Fatalf("test assumes a caller's share is two requests' shares, got %+v", shares)
	}
	hog := *hub
	token, err := auth.IssueToken(hubtest.Secret, "hog", auth.Admin, auth.ScopeClaims{}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	hog.Token = token

	locker, err := pgx.Connect(ctx, hub.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close(context.Background())
	lock, err := locker.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lock.Rollback(context.Background()) }()
	if _, err := lock.Exec(ctx, `LOCK TABLE police."case" IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}

	var q strings.Builder
	q.WriteString("{")
	for i := range 20 {
		fmt.Fprintf(&q, ` c%d: cases(first: 1) { totalCount }`, i)
	}
	q.WriteString(" }")
	hogs := make(chan *hubtest.Response, 2)
	for i := range 2 {
		go func() { hogs <- hog.Query(t, q.String(), nil) }()
		// Each hog takes its request's share of connections, all waiting on the lock.
		waitLockWaiters(t, lock, int(shares.PerRequest)*(i+1))
	}

	// Another caller gets a connection while both hogs wait.
	var grids struct {
		Grids struct{ Nodes []struct{ Code string } }
	}
	hub.Query(t, `{ grids(first: 1) { nodes { code } } }`, nil).MustData(t, &grids)
	if len(grids.Grids.Nodes) != 1 {
		t.Errorf("the other caller got %d grids, want 1", len(grids.Grids.Nodes))
	}

	// The hogs' caller holds its whole share: over HTTP it is told to retry later ...
	body, _ := json.Marshal(map[string]any{"query": `{ grids(first: 1) { nodes { code } } }`})
	req, _ := http.NewRequest(http.MethodPost, hub.Server.URL+"/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+hog.Token)
	httpRes, err := hub.Server.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var refused struct {
		Errors []hubtest.Error `json:"errors"`
	}
	_ = json.NewDecoder(httpRes.Body).Decode(&refused)
	httpRes.Body.Close()
	if httpRes.StatusCode != http.StatusTooManyRequests || httpRes.Header.Get("Retry-After") == "" ||
		len(refused.Errors) == 0 || refused.Errors[0].Code() != "RATE_LIMITED" {
		t.Errorf("caller over its share over HTTP: status %d, Retry-After %q, errors %+v; want 429, a Retry-After and RATE_LIMITED",
			httpRes.StatusCode, httpRes.Header.Get("Retry-After"), refused.Errors)
	}
	// ... and over a WebSocket its operation answers an error with that code.
	ws := dialWS(t, &hog, map[string]any{"Authorization": "Bearer " + hog.Token})
	ws.subscribe("1", `{ grids(first: 1) { nodes { code } } }`)
	if code, m := ws.result("1"); code != "RATE_LIMITED" {
		t.Errorf("caller over its share over a WebSocket: code %q, want RATE_LIMITED: %v", code, m)
	}

	if err := lock.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		res := <-hogs
		if len(res.Errors) > 0 {
			t.Errorf("a hog within its caller's share failed: %.300s", res.Raw)
		}
	}
	// Its connections given back, the caller is served again.
	hog.Query(t, `{ grids(first: 1) { nodes { code } } }`, nil).MustData(t, &grids)
}

// waitLockWaiters waits until at least n of the hub's statements wait on a lock (asking on
// the connection that holds it, since the hub's pool may be all taken).
func waitLockWaiters(t *testing.T, db pgx.Tx, n int) {
	t.Helper()
	for i := 0; ; i++ {
		var waiting int
		if _, err := db.Exec(t.Context(), "SELECT pg_stat_clear_snapshot()"); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name = 'civiclink'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting >= n {
			return
		}
		if i > 3000 {
			t.Fatalf("%d statements wait on the lock, want %d", waiting, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
