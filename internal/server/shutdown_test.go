package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// TestShutdownFinishesInFlight: a query still running when shutdown starts (held behind a
// table lock) completes with its data, http.Server.Shutdown and CloseSubscriptions return,
// and new connections are refused.
func TestShutdownFinishesInFlight(t *testing.T) {
	t.Parallel()
	hub, h := newHub(t, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	tx, err := hub.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(context.Background()) }()
	if _, err := tx.Exec(ctx, `LOCK TABLE police."case" IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	type outcome struct {
		status int
		body   map[string]any
		err    error
	}
	done := make(chan outcome, 1)
	go func() {
		req, _ := http.NewRequest("POST", hub.Server.URL+"/graphql", bytes.NewReader([]byte(`{"query":"query InFlight { cases(first: 1) { totalCount } }"}`)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+hub.Token)
		res, err := hub.Server.Client().Do(req)
		if err != nil {
			done <- outcome{err: err}
			return
		}
		defer res.Body.Close()
		var body map[string]any
		err = json.NewDecoder(res.Body).Decode(&body)
		done <- outcome{status: res.StatusCode, body: body, err: err}
	}()
	// Wait until the query is blocked on the lock.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		if err := hub.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the query never waited on the lock")
		}
		time.Sleep(20 * time.Millisecond)
	}
	shutdownDone := make(chan error, 1)
	go func() {
		if err := h.CloseSubscriptions(ctx); err != nil {
			shutdownDone <- err
			return
		}
		shutdownDone <- hub.Server.Config.Shutdown(ctx)
	}()
	select {
	case err := <-shutdownDone:
		t.Fatalf("shutdown returned (%v) while a request was in flight", err)
	case <-time.After(200 * time.Millisecond):
	}
	if _, err := tx.Exec(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	got := <-done
	if got.err != nil || got.status != 200 || got.body["errors"] != nil {
		t.Fatalf("in-flight request: status %d, err %v, body %v; want 200 with data", got.status, got.err, got.body)
	}
	if err := <-shutdownDone; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	if _, err := http.Get(hub.Server.URL + "/healthz"); err == nil {
		t.Error("a new request was served after shutdown")
	}
}
