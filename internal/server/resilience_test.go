package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"civiclink/db/migrations"
	"civiclink/internal/auth"
	"civiclink/internal/dbpool"
	"civiclink/internal/hubtest"
	"civiclink/internal/persisted"
	"civiclink/internal/pglocal"
	"civiclink/internal/server"
)

// TestDatabaseRestartUnderLoad stops PostgreSQL while clients query and commit writes, then
// starts it again: during the outage requests fail fast with SERVICE_UNAVAILABLE and
// /readyz answers 503; afterwards the same hub (no restart) serves again and every write
// it reported committed is in the database.
func TestDatabaseRestartUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts its own PostgreSQL cluster")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	cluster, err := pglocal.Start(ctx, pglocal.Options{DataDir: dir, Ephemeral: true, Logger: logger})
	if err != nil {
		t.Fatalf("start cluster: %v", err)
	}
	t.Cleanup(func() { _ = pglocal.StopDir(context.Background(), pglocal.Options{DataDir: dir}) })
	port := cluster.Port()
	pool, err := dbpool.Open(ctx, dbpool.Options{URL: cluster.URL("postgres"), MaxConns: 6, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := migrations.Up(ctx, pool.Pool, logger); err != nil {
		t.Fatal(err)
	}
	authn, err := auth.New(ctx, auth.Options{HMACSecret: hubtest.Secret, DB: pool})
	if err != nil {
		t.Fatal(err)
	}
	token, err := auth.IssueToken(hubtest.Secret, "resilience", auth.Admin, auth.ScopeClaims{}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	h := server.New(server.Options{Pool: pool, Keys: hubtest.Keys(t), Logger: logger, RequestTimeout: 5 * time.Second, Auth: authn})
	srv := httptest.NewServer(h)
	defer srv.Close()

	type result struct {
		at       time.Time
		took     time.Duration
		status   int
		code     string // "" = data
		phaseOut bool
	}
	var (
		mu        sync.Mutex
		results   []result
		committed []string
		down      atomic.Bool
		stop      = make(chan struct{})
		wg        sync.WaitGroup
	)
	query := func() {
		start := time.Now()
		body := strings.NewReader(`{"query":"{ cases(first: 5) { totalCount nodes { caseNo } } }"}`)
		req, _ := http.NewRequest("POST", srv.URL+"/graphql", body)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := srv.Client().Do(req)
		r := result{at: start, phaseOut: down.Load()}
		if err != nil {
			r.code = "transport: " + err.Error()
		} else {
			var out struct {
				Errors []struct{ Extensions map[string]any }
			}
			_ = json.NewDecoder(res.Body).Decode(&out)
			res.Body.Close()
			r.status = res.StatusCode
			if len(out.Errors) > 0 {
				r.code, _ = out.Errors[0].Extensions["code"].(string)
			}
		}
		r.took = time.Since(start)
		mu.Lock()
		results = append(results, r)
		mu.Unlock()
	}
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					query()
				}
			}
		})
	}
	store := persisted.NewStore(pool)
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			q := fmt.Sprintf("query W%d { __typename }", i)
			wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := store.Add(wctx, "resilience", []persisted.Operation{{Hash: persisted.Hash(q), Name: fmt.Sprintf("W%d", i), Query: q}})
			cancel()
			if err == nil {
				mu.Lock()
				committed = append(committed, persisted.Hash(q))
				mu.Unlock()
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
	readyz := func() int {
		res, err := srv.Client().Get(srv.URL + "/readyz")
		if err != nil {
			return 0
		}
		res.Body.Close()
		return res.StatusCode
	}
	waitFor := func(what string, within time.Duration, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(within)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within %v", what, within)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	countOK := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, r := range results {
			if r.code == "" && r.status == 200 {
				n++
			}
		}
		return n
	}
	waitFor("first successful requests", 10*time.Second, func() bool { return countOK() >= 20 })

	down.Store(true)
	outageStart := time.Now()
	if err := cluster.Stop(ctx); err != nil {
		t.Fatalf("stop cluster: %v", err)
	}
	waitFor("/readyz red after the stop", 5*time.Second, func() bool { return readyz() == http.StatusServiceUnavailable })
	outageMark := len(results)
	waitFor("requests during the outage", 10*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(results) > outageMark+20
	})
	mu.Lock()
	outage := append([]result(nil), results[outageMark:]...)
	mu.Unlock()
	for _, r := range outage {
		if r.code != "SERVICE_UNAVAILABLE" {
			t.Errorf("request during the outage: status %d code %q, want SERVICE_UNAVAILABLE", r.status, r.code)
		}
		if r.took > 2*time.Second {
			t.Errorf("request during the outage took %v, want a fast failure (< 2 s)", r.took)
		}
	}

	cluster, err = pglocal.Start(ctx, pglocal.Options{DataDir: dir, Port: port, Ephemeral: true, Logger: logger})
	if err != nil {
		t.Fatalf("restart cluster: %v", err)
	}
	t.Logf("outage lasted %v", time.Since(outageStart).Round(time.Millisecond))
	down.Store(false)
	waitFor("/readyz green after the restart", 30*time.Second, func() bool { return readyz() == http.StatusOK })
	before := countOK()
	waitFor("successful requests after the restart", 15*time.Second, func() bool { return countOK() >= before+20 })
	close(stop)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	if len(committed) == 0 {
		t.Fatal("no write committed")
	}
	var found int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM hub.persisted_query WHERE hash = ANY($1)", committed).Scan(&found); err != nil {
		t.Fatalf("count committed writes: %v", err)
	}
	if found != len(committed) {
		t.Errorf("%d of %d committed writes are in the database after the restart", found, len(committed))
	}
	var slowest time.Duration
	for _, r := range outage {
		slowest = max(slowest, r.took)
	}
	t.Logf("%d requests, %d during the outage (slowest %v), %d writes committed and found", len(results), len(outage), slowest, len(committed))
	_ = cluster
}
