package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"civiclink/internal/server"

	"github.com/coder/websocket"
)

// TestOperationsEndpoints checks /healthz, /readyz and /metrics, and that the metrics count
// requests by operation and outcome, SQL statements, dataloader batches and pool usage.
func TestOperationsEndpoints(t *testing.T) {
	t.Parallel()
	hub, _ := newHub(t, nil)
	hub.Query(t, "query Contract { grids(first: 3) { nodes { code community { code } } } }", nil).MustData(t, &map[string]any{})
	hub.Query(t, "query Broken { nope }", nil)
	get := func(path string) (int, string) {
		res, err := hub.Server.Client().Get(hub.Server.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	tests := []struct {
		path       string
		wantStatus int
		wantBody   []string
	}{
		{"/healthz", 200, []string{"ok"}},
		{"/readyz", 200, []string{"ready"}},
		{"/metrics", 200, []string{
			`civiclink_graphql_requests_total{operation="Contract",outcome="ok"} 1`,
			`civiclink_graphql_requests_total{operation="Broken",outcome="error"} 1`,
			`civiclink_graphql_request_duration_seconds_bucket{operation="Contract"`,
			`civiclink_graphql_sql_statements_count`,
			`civiclink_dataloader_batch_size_count`,
			`civiclink_db_pool_connections{state="max"} 8`,
			`civiclink_db_pool_acquires_total`,
			`go_goroutines`,
		}},
	}
	for _, tt := range tests {
		status, body := get(tt.path)
		if status != tt.wantStatus {
			t.Errorf("GET %s: status %d, want %d: %s", tt.path, status, tt.wantStatus, body)
		}
		for _, want := range tt.wantBody {
			if !strings.Contains(body, want) {
				t.Errorf("GET %s: body lacks %q", tt.path, want)
			}
		}
	}
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestAccessLog: each request is one structured record with operation name, outcome,
// status, duration and statements.
func TestAccessLog(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	hub, _ := newHub(t, func(o *server.Options) { o.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	hub.Query(t, "query CaseCount { cases(first: 1) { totalCount } }", nil)
	var rec map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(logs.String()), "\n") {
		var r map[string]any
		if json.Unmarshal([]byte(line), &r) == nil && r["msg"] == "http request" {
			rec = r
		}
	}
	if rec == nil {
		t.Fatalf("no access log record in %s", logs.String())
	}
	want := map[string]any{"operation": "CaseCount", "outcome": "ok", "status": float64(200), "path": "/graphql"}
	for k, v := range want {
		if rec[k] != v {
			t.Errorf("access log %s = %v, want %v (record %v)", k, rec[k], v, rec)
		}
	}
	if n, err := strconv.Atoi(fmt.Sprint(rec["statements"])); err != nil || n < 1 {
		t.Errorf("access log statements = %v, want a count of at least 1", rec["statements"])
	}
	if _, ok := rec["duration"]; !ok {
		t.Errorf("access log lacks duration: %v", rec)
	}
}

// TestWebsocketClosedOnShutdown: a graphql-transport-ws client is acknowledged (the init
// hook runs), pinged, and closed cleanly by CloseSubscriptions, which then returns.
func TestWebsocketClosedOnShutdown(t *testing.T) {
	t.Parallel()
	initCalled := make(chan struct{}, 1)
	hub, h := newHub(t, func(o *server.Options) {
		o.KeepAlive = 50 * time.Millisecond
		o.WebsocketInit = func(ctx context.Context, p transportInitPayload) (context.Context, *transportInitPayload, error) {
			initCalled <- struct{}{}
			return ctx, nil, nil
		}
	})
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hub.Server.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.CloseNow()
	if err := conn.Write(ctx, websocket.MessageText, []byte(`{"type":"connection_init","payload":{"Authorization":"Bearer `+hub.Token+`"}}`)); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for !seen["connection_ack"] || !seen["ping"] {
		_, msg, err := conn.Read(ctx)
		if err != nil {
			t.Fatalf("read before ack and ping: %v (seen %v)", err, seen)
		}
		var m struct{ Type string }
		_ = json.Unmarshal(msg, &m)
		seen[m.Type] = true
		if m.Type == "ping" {
			_ = conn.Write(ctx, websocket.MessageText, []byte(`{"type":"pong"}`))
		}
	}
	select {
	case <-initCalled:
	default:
		t.Error("the WebSocket init hook was not called")
	}
	closed := make(chan error, 1)
	go func() { closed <- h.CloseSubscriptions(ctx) }()
	for {
		_, _, err := conn.Read(ctx)
		if err == nil {
			continue // a last ping may still arrive
		}
		if status := websocket.CloseStatus(err); status != websocket.StatusNormalClosure {
			t.Fatalf("connection ended with %v (status %d), want a normal closure", err, status)
		}
		break
	}
	if err := <-closed; err != nil {
		t.Fatalf("CloseSubscriptions: %v", err)
	}
}
