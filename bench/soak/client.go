package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// client posts GraphQL requests to the hub.
type client struct {
	url  string
	http *http.Client
}

func newClient(url string) *client {
	return &client{url: url, http: &http.Client{Timeout: 35 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
}

// query runs one operation; an HTTP failure, a non-200 status or any GraphQL error is an
// error. data, when not nil, receives the data.
func (c *client) query(ctx context.Context, token, query string, vars map[string]any, data any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	var r struct {
		Data   json.RawMessage
		Errors []json.RawMessage
	}
	if err := json.Unmarshal(raw, &r); err != nil || res.StatusCode != http.StatusOK || len(r.Errors) > 0 {
		return fmt.Errorf("status %d: %.200s", res.StatusCode, raw)
	}
	if data != nil {
		return json.Unmarshal(r.Data, data)
	}
	return nil
}

// ready reports whether the hub answers /readyz.
func (c *client) ready(ctx context.Context) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url[:len(c.url)-len("/graphql")]+"/readyz", nil)
	if err != nil {
		return false
	}
	res, err := c.http.Do(req)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// subscriber holds one graphql-transport-ws subscription to workflowEvents, resuming after
// the last id it received whenever the socket drops or the subscription ends.
type subscriber struct {
	n          int
	url, token string
	connected  atomic.Bool
	cancel     context.CancelFunc

	mu         sync.Mutex
	last       int64
	seen       map[int64]bool
	duplicates int
	reconnects int
	tooSlow    int
}

func (s *subscriber) lastID() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

func (s *subscriber) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel != nil {
		s.cancel()
	}
}

func (s *subscriber) run(parent context.Context) {
	ctx, cancel := context.WithCancel(parent)
	s.mu.Lock()
	s.cancel = cancel
	s.mu.Unlock()
	defer cancel()
	for first := true; ctx.Err() == nil; first = false {
		if !first {
			s.mu.Lock()
			s.reconnects++
			s.mu.Unlock()
			pause(ctx, 500*time.Millisecond)
		}
		_ = s.session(ctx)
	}
}

// session runs one socket until it ends.
func (s *subscriber) session(ctx context.Context) error {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(dctx, s.url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return err
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)
	if err := wsjson.Write(ctx, conn, map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + s.token}}); err != nil {
		return err
	}
	var ack map[string]any
	if err := wsjson.Read(dctx, conn, &ack); err != nil || ack["type"] != "connection_ack" {
		return fmt.Errorf("no connection_ack: %v %v", ack, err)
	}
	op := 0
	subscribe := func() error {
		op++
		return wsjson.Write(ctx, conn, map[string]any{"id": strconv.Itoa(op), "type": "subscribe", "payload": map[string]any{
			"query":     `subscription($after: ID) { workflowEvents(after: $after) { id } }`,
			"variables": map[string]any{"after": strconv.FormatInt(s.lastID(), 10)},
		}})
	}
	if err := subscribe(); err != nil {
		return err
	}
	s.connected.Store(true)
	for {
		var m struct {
			ID      string          `json:"id"`
			Type    string          `json:"type"`
			Payload json.RawMessage `json:"payload"`
		}
		if err := wsjson.Read(ctx, conn, &m); err != nil {
			return err
		}
		switch m.Type {
		case "ping":
			_ = wsjson.Write(ctx, conn, map[string]any{"type": "pong"})
			continue
		case "next":
		case "complete", "error":
			if m.ID == strconv.Itoa(op) {
				pause(ctx, 200*time.Millisecond)
				if err := subscribe(); err != nil {
					return err
				}
			}
			continue
		default:
			continue
		}
		if m.ID != strconv.Itoa(op) {
			continue
		}
		var p struct {
			Data *struct {
				WorkflowEvents struct{ ID string }
			}
			Errors []struct {
				Extensions map[string]any
			}
		}
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			return err
		}
		if len(p.Errors) > 0 {
			if p.Errors[0].Extensions["code"] == "SUBSCRIBER_TOO_SLOW" {
				s.mu.Lock()
				s.tooSlow++
				s.mu.Unlock()
			}
			continue // the subscription completes next; it is resumed then
		}
		if p.Data == nil {
			continue
		}
		id, err := strconv.ParseInt(p.Data.WorkflowEvents.ID, 10, 64)
		if err != nil {
			return err
		}
		s.mu.Lock()
		if s.seen[id] {
			s.duplicates++
		}
		s.seen[id] = true
		s.last = max(s.last, id)
		s.mu.Unlock()
	}
}
