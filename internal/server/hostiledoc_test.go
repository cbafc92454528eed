package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"civiclink/internal/auth"

	"github.com/jackc/pgx/v5"
)

// repeat joins n copies of format (with %d the copy's number) with spaces.
func repeat(n int, format string) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		if strings.Contains(format, "%d") {
			fmt.Fprintf(&b, format, i)
		} else {
			b.WriteString(format)
		}
	}
	return b.String()
}

// hostileDocuments are documents built to cost the hub time, each with the code it must be
// answered with (the limit it breaks, when QUERY_TOO_COMPLEX).
func hostileDocuments() []struct {
	name, query, code, limit string
	vars                     map[string]any
} {
	manyVars := map[string]any{}
	for i := range 50000 {
		manyVars[fmt.Sprintf("v%d", i)] = i
	}
	return []struct {
		name, query, code, limit string
		vars                     map[string]any
	}{
		{"deep nesting (depth 300)", "{ grids { nodes { " + strings.Repeat("cases { nodes { grid { ", 100) + "code" + strings.Repeat(" } } }", 101), "QUERY_TOO_COMPLEX", "depth", nil},
		{"very long string argument (900 KB)", `{ grid(code: "` + strings.Repeat("x", 900<<10) + `") { id } }`, "NOT_FOUND", "", nil},
		{"very long string variable (900 KB)", `query($c: String!) { grid(code: $c) { id } }`, "NOT_FOUND", "", map[string]any{"c": strings.Repeat("x", 900<<10)}},
		{"5,000 variable definitions", "query(" + repeat(5000, "$v%d: Int") + ") { __typename }", "QUERY_TOO_COMPLEX", "tokens", nil},
		{"50,000 variables sent, none defined", "{ grids(first: 1) { nodes { code } } }", "QUERY_TOO_COMPLEX", "variables", manyVars},
		{"5,000 operations in one document", repeat(5000, "query Q%d { __typename }"), "QUERY_TOO_COMPLEX", "tokens", nil},
		{"3,000 directives on one field", "{ __typename " + repeat(3000, "@include(if: true)") + " }", "QUERY_TOO_COMPLEX", "tokens", nil},
		{"one directive with a huge argument", "{ __typename @include(if: " + strings.Repeat("[", 20000) + "true" + strings.Repeat("]", 20000) + ") }", "BAD_USER_INPUT", "", nil}, // the parser's nesting limit
		{"2,000 conflicting aliases", "{" + repeat(2000, `x: grid(code: "C0%d") { id }`) + " }", "QUERY_TOO_COMPLEX", "tokens", nil},
		{"150,000 fragment spreads", "{ ...F } fragment F on Query {" + strings.Repeat(" ...G", 150000) + " } fragment G on Query { __typename }", "QUERY_TOO_COMPLEX", "tokens", nil},
	}
}

// TestHostileDocumentsAnsweredAtOnce: every hostile document is answered with a coded error
// within a second, while another caller's one-row query keeps being answered.
func TestHostileDocumentsAnsweredAtOnce(t *testing.T) {
	t.Parallel()
	hub, _ := newHub(t, nil)
	other := hub.As(t, auth.Admin, auth.ScopeClaims{})
	stop := make(chan struct{})
	var probes sync.WaitGroup
	var slowest time.Duration
	probes.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			start := time.Now()
			other.Query(t, "{ grids(first: 1) { nodes { code } } }", nil).MustData(t, &struct{}{})
			slowest = max(slowest, time.Since(start))
		}
	})
	for _, tt := range hostileDocuments() {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			res := hub.Query(t, tt.query, tt.vars)
			took := time.Since(start)
			if len(res.Errors) == 0 {
				t.Fatalf("answered without an error, want %s: %.300s", tt.code, res.Raw)
			}
			if e := res.Errors[0]; e.Code() != tt.code || (tt.limit != "" && e.Extensions["limit"] != tt.limit) {
				t.Errorf("got code %q limit %v, want %s limit %q: %.300s", e.Code(), e.Extensions["limit"], tt.code, tt.limit, res.Raw)
			}
			if took > time.Second {
				t.Errorf("answered after %v, want within a second", took)
			}
			if len(res.Raw) > 64<<10 {
				t.Errorf("response of %d bytes: errors must not echo the request", len(res.Raw))
			}
		})
	}
	close(stop)
	probes.Wait()
	if slowest > 2*time.Second {
		t.Errorf("another caller's one-row query took up to %v meanwhile, want it answered promptly", slowest)
	}
	assertAlive(t, hub)
}

// TestDisconnectCancelsSQL: when the client of a query goes away, its statement stops: it
// is gone from pg_stat_activity within about a second of the disconnect, over HTTP and over
// a WebSocket. The statement waits on a table lock the test holds, so nothing depends on
// how fast the machine is.
func TestDisconnectCancelsSQL(t *testing.T) {
	t.Parallel()
	hub, _ := newHub(t, nil)
	ctx := t.Context()
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
	waiting := func() int {
		var n int
		if err := hub.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE '%police.%case%'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitFor := func(what string, limit time.Duration, cond func() bool) time.Duration {
		start := time.Now()
		for !cond() {
			if time.Since(start) > limit {
				t.Fatalf("%s: not within %v", what, limit)
			}
			time.Sleep(20 * time.Millisecond)
		}
		return time.Since(start)
	}
	const query = `{ cases(first: 1) { totalCount } }`
	tests := []struct {
		name  string
		start func(t *testing.T) (disconnect func())
	}{
		{"HTTP", func(t *testing.T) func() {
			rctx, cancel := context.WithCancel(ctx)
			body, _ := json.Marshal(map[string]any{"query": query})
			req, _ := http.NewRequestWithContext(rctx, http.MethodPost, hub.Server.URL+"/graphql", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+hub.Token)
			done := make(chan struct{})
			go func() {
				defer close(done)
				if res, err := http.DefaultClient.Do(req); err == nil {
					res.Body.Close()
				}
			}()
			return func() { cancel(); <-done }
		}},
		{"WebSocket", func(t *testing.T) func() {
			c := dialWS(t, hub, map[string]any{"Authorization": "Bearer " + hub.Token})
			c.subscribe("1", query)
			return func() { _ = c.conn.CloseNow() }
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			disconnect := tt.start(t)
			waitFor("the query waits on the lock", 30*time.Second, func() bool { return waiting() > 0 })
			disconnect()
			took := waitFor("the query is gone from pg_stat_activity after the disconnect", 5*time.Second, func() bool { return waiting() == 0 })
			if took > 1500*time.Millisecond {
				t.Errorf("the statement outlived its client by %v, want about a second at most", took)
			}
		})
	}
}
