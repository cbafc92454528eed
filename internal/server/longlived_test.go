package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/hubtest"
	"civiclink/internal/ratelimit"
	"civiclink/internal/server"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// wsConn is a graphql-transport-ws client for tests.
type wsConn struct {
	t    *testing.T
	conn *websocket.Conn
}

// dialWS opens a socket to hub and sends connection_init with payload; it fails the test
// unless the hub acknowledges.
func dialWS(t *testing.T, hub *hubtest.Hub, payload map[string]any) *wsConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(hub.Server.URL, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	c := &wsConn{t: t, conn: conn}
	c.send(map[string]any{"type": "connection_init", "payload": payload})
	if m, _ := c.read(); m["type"] != "connection_ack" {
		t.Fatalf("want connection_ack, got %v", m)
	}
	return c
}

func (c *wsConn) send(m map[string]any) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := wsjson.Write(ctx, c.conn, m); err != nil {
		c.t.Fatalf("send %v: %v", m, err)
	}
}

func (c *wsConn) subscribe(id, query string) {
	c.t.Helper()
	c.send(map[string]any{"id": id, "type": "subscribe", "payload": map[string]any{"query": query}})
}

// read returns the next message other than ping/pong, or the error that ended the socket
// (a generous minute at most).
func (c *wsConn) read() (map[string]any, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		var m map[string]any
		if err := wsjson.Read(ctx, c.conn, &m); err != nil {
			return nil, err
		}
		switch m["type"] {
		case "ping":
			_ = wsjson.Write(ctx, c.conn, map[string]any{"type": "pong"})
		case "pong", "ka":
		default:
			return m, nil
		}
	}
}

// result reads until operation id answers next (or error) and returns its first error code
// ("" when it has data and no error).
func (c *wsConn) result(id string) (code string, msg map[string]any) {
	c.t.Helper()
	for {
		m, err := c.read()
		if err != nil {
			c.t.Fatalf("operation %s: socket ended before an answer: %v", id, err)
		}
		if m["id"] != id {
			continue
		}
		raw, _ := json.Marshal(m["payload"])
		var p struct {
			Errors []struct {
				Extensions map[string]any `json:"extensions"`
			} `json:"errors"`
		}
		if m["type"] == "error" {
			_ = json.Unmarshal([]byte(`{"errors":`+string(raw)+`}`), &p)
		} else {
			_ = json.Unmarshal(raw, &p)
		}
		if len(p.Errors) > 0 {
			code, _ = p.Errors[0].Extensions["code"].(string)
			if code == "" {
				code = "(none)"
			}
		}
		return code, m
	}
}

// TestWebsocketOperationsGetHTTPLimits: operations over graphql-transport-ws get what HTTP
// requests get: the request deadline, the rate limit (the buckets of their client), the
// document and cost limits; and a socket or a caller can hold only so many subscriptions.
// Before, a query over a socket had no deadline and no rate limit, and one socket held
// 3,000 subscriptions.
func TestWebsocketOperationsGetHTTPLimits(t *testing.T) {
	t.Parallel()
	deadline, _ := newHub(t, func(o *server.Options) { o.RequestTimeout = time.Nanosecond })
	limited, _ := newHub(t, func(o *server.Options) { o.RateLimit = ratelimit.Options{PerIP: 0.001, Burst: 3} })
	capped, _ := newHub(t, func(o *server.Options) { o.MaxSubscriptionsPerConnection, o.MaxSubscriptionsPerPrincipal = 3, 5 })
	plain, _ := newHub(t, nil)
	const sub = `subscription { workflowEvents { id } }`
	type op struct{ id, query, wantCode string }
	tests := []struct {
		name string
		hub  *hubtest.Hub
		ops  [][]op // per socket, in order
	}{
		{"request deadline", deadline, [][]op{{{"1", `{ cases(first: 1) { totalCount } }`, "TIMEOUT"}}}},
		{"rate limit", limited, [][]op{{ // the upgrade took one of the three tokens
			{"1", `{ __typename }`, ""}, {"2", `{ __typename }`, ""}, {"3", `{ __typename }`, "RATE_LIMITED"},
		}}},
		{"cost and document limits", plain, [][]op{{
			{"1", `{ cases(first: 500) { nodes { station { cases(first: 500) { nodes { caseNo } } } } } }`, "QUERY_TOO_COMPLEX"},
			{"2", "{" + strings.Repeat(` x: grid(code: "C01") { id }`, 60) + " }", "QUERY_TOO_COMPLEX"},
		}}},
		{"subscriptions per connection and per caller", capped, [][]op{
			{{"1", sub, "-"}, {"2", sub, "-"}, {"3", sub, "-"}, {"4", sub, "RATE_LIMITED"}},
			{{"1", sub, "-"}, {"2", sub, "-"}, {"3", sub, "RATE_LIMITED"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			open := 0
			for _, socket := range tt.ops {
				c := dialWS(t, tt.hub, map[string]any{"Authorization": "Bearer " + tt.hub.Token})
				for _, o := range socket {
					c.subscribe(o.id, o.query)
					if o.wantCode == "-" {
						// A subscription that stays open answers nothing: wait until it
						// is served, so the next one is counted after it.
						open++
						waitSubscribers(t, tt.hub, open)
						continue
					}
					if code, m := c.result(o.id); code != o.wantCode {
						t.Errorf("operation %s (%.60s): code %q, want %q: %v", o.id, o.query, code, o.wantCode, m)
					}
				}
			}
		})
	}
}

// TestLapsedCredentialsEndSubscriptions: when the token of an open socket expires, or the
// API key of a socket or an event stream is revoked, its subscriptions end with
// UNAUTHENTICATED within a check interval and the socket closes with 4403 (Forbidden, what
// graphql-ws clients expect; before, 1000, after which they reconnect); before that, they
// kept receiving events.
func TestLapsedCredentialsEndSubscriptions(t *testing.T) {
	t.Parallel()
	hub, _ := newHub(t, func(o *server.Options) { o.CredentialCheck = 100 * time.Millisecond })
	ctx := context.Background()
	// Expired 25 s ago: still inside the verifier's 30 s leeway for about 5 s.
	expiring, err := auth.IssueToken(hubtest.Secret, "expiring", auth.Admin, auth.ScopeClaims{}, -25*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	wsKey, err := auth.CreateAPIKey(ctx, hub.Pool, "ws-revoked", auth.Admin, auth.ScopeClaims{})
	if err != nil {
		t.Fatal(err)
	}
	sseKey, err := auth.CreateAPIKey(ctx, hub.Pool, "sse-revoked", auth.Admin, auth.ScopeClaims{})
	if err != nil {
		t.Fatal(err)
	}
	const sub = `subscription { workflowEvents { id } }`
	for _, tt := range []struct {
		name    string
		payload map[string]any
		revoke  string
	}{
		{"expired token", map[string]any{"Authorization": "Bearer " + expiring}, ""},
		{"revoked API key", map[string]any{auth.APIKeyHeader: wsKey}, "ws-revoked"},
	} {
		t.Run("websocket "+tt.name, func(t *testing.T) {
			c := dialWS(t, hub, tt.payload)
			c.subscribe("1", sub)
			if tt.revoke != "" {
				waitSubscribers(t, hub, 1)
				if err := auth.RevokeAPIKey(ctx, hub.Pool, tt.revoke); err != nil {
					t.Fatal(err)
				}
			}
			if code, m := c.result("1"); code != "UNAUTHENTICATED" {
				t.Errorf("subscription ended with code %q, want UNAUTHENTICATED: %v", code, m)
			}
			for {
				if _, err := c.read(); err != nil {
					if status := websocket.CloseStatus(err); status != 4403 {
						t.Errorf("socket closed with status %d, want 4403 (Forbidden): %v", status, err)
					}
					break
				}
			}
		})
	}
	// The npm graphql-ws client, kept open (lazy: false) as a front end keeps it: after a
	// normal closure it reconnects at once with the same credentials (and, refused at
	// connection_init with one, again, for ever); 4403 ends it and tells it why.
	t.Run("graphql-ws client revoked API key", func(t *testing.T) {
		key, err := auth.CreateAPIKey(ctx, hub.Pool, "npm-revoked", auth.Admin, auth.ScopeClaims{})
		if err != nil {
			t.Fatal(err)
		}
		runCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		c := runClientWith(runCtx, t, "ws", hub.Server.URL+"/graphql", map[string]any{
			"headers": map[string]string{auth.APIKeyHeader: key}, "query": sub, "lazy": false,
		})
		waitSubscribers(t, hub, 1)
		if err := auth.RevokeAPIKey(ctx, hub.Pool, "npm-revoked"); err != nil {
			t.Fatal(err)
		}
		// The subscription's last result is the error, then it completes.
		if m := nextMessage(t, c); !strings.Contains(string(m.Next), `"UNAUTHENTICATED"`) {
			t.Errorf("want the subscription's UNAUTHENTICATED error, got %s", m)
		}
		if m := nextMessage(t, c); !m.Complete {
			t.Errorf("want the subscription complete after its error, got %s", m)
		}
		if m := nextMessage(t, c); !strings.Contains(string(m.Closed), `"closeCode":4403`) {
			t.Errorf("want the socket closed with 4403, got %s", m)
		}
		// Refused at connection_init, the client is told 4403 too, and stops.
		c = runClientWith(runCtx, t, "ws", hub.Server.URL+"/graphql", map[string]any{
			"headers": map[string]string{auth.APIKeyHeader: key}, "query": sub, "lazy": false,
		})
		if m := nextMessage(t, c); !strings.Contains(string(m.Closed), `"closeCode":4403`) {
			t.Errorf("connection_init with a revoked key: want the socket closed with 4403, got %s", m)
		}
	})
	t.Run("event stream revoked API key", func(t *testing.T) {
		body, _ := json.Marshal(map[string]any{"query": sub})
		req, _ := http.NewRequest(http.MethodPost, hub.Server.URL+"/graphql", strings.NewReader(string(body)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "text/event-stream")
		req.Header.Set(auth.APIKeyHeader, sseKey)
		res, err := hub.Server.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		waitSubscribers(t, hub, 1)
		if err := auth.RevokeAPIKey(ctx, hub.Pool, "sse-revoked"); err != nil {
			t.Fatal(err)
		}
		var told, completed bool
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			line := sc.Text()
			told = told || strings.HasPrefix(line, "data:") && strings.Contains(line, `"UNAUTHENTICATED"`)
			if line == "event: complete" {
				completed = true
				break
			}
		}
		if !told || !completed {
			t.Errorf("event stream: UNAUTHENTICATED told %v, completed %v; want both", told, completed)
		}
	})
}
