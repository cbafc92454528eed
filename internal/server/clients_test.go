package server_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/events"
	"civiclink/internal/hubtest"
)

// emitCaseEvents commits n CASE_STATUS_CHANGED events about one case, as a workflow
// would, and returns their outbox ids.
func emitCaseEvents(t *testing.T, hub *hubtest.Hub, n int) []int64 {
	t.Helper()
	ctx := auth.WithSystem(context.Background())
	var caseID int64
	if err := hub.Pool.QueryRow(ctx, `SELECT id FROM police."case" ORDER BY id LIMIT 1`).Scan(&caseID); err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, 0, n)
	for range n {
		tx, err := hub.Pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		e := events.Event{Kind: events.CaseStatusChanged, EntityType: "Case", EntityID: caseID, Actor: "test:emit"}
		if err := events.Emit(ctx, tx, e); err != nil {
			t.Fatal(err)
		}
		var id int64
		if err := tx.QueryRow(ctx, `SELECT max(id) FROM hub.outbox`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// waitSubscribers waits until the hub's broker serves n subscriptions.
func waitSubscribers(t *testing.T, hub *hubtest.Hub, n int) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); hub.Events.Subscribers() < n; {
		if time.Now().After(deadline) {
			t.Fatalf("the broker serves %d subscriptions, want %d", hub.Events.Subscribers(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// nextMessage returns the client's next message, failing after a generous wait.
func nextMessage(t *testing.T, c *nodeClient) clientMessage {
	t.Helper()
	select {
	case m, ok := <-c.Messages:
		if !ok {
			t.Fatalf("the client exited without a further message; stderr: %s", c.stderr.String())
		}
		return m
	case <-time.After(60 * time.Second):
		t.Fatalf("no message from the client; stderr: %s", c.stderr.String())
	}
	return clientMessage{}
}

// TestRealClients runs subscriptions and a query through the npm clients a front end uses:
// graphql-sse (server-sent events; before, the hub answered 500 "streaming unsupported")
// and graphql-ws (graphql-transport-ws). Each subscriber receives every committed event,
// in order, with its outbox id; a query answers once and completes.
func TestRealClients(t *testing.T) {
	t.Parallel()
	hub, _ := newHub(t, nil)
	url := hub.Server.URL + "/graphql"
	headers := map[string]string{"Authorization": "Bearer " + hub.Token}
	for i, mode := range []string{"sse", "ws"} {
		t.Run(mode+" subscription", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			c := runClient(ctx, t, mode, url, headers, `subscription { workflowEvents(filter: {kinds: [CASE_STATUS_CHANGED]}) { id kind actor } }`, nil, 3)
			waitSubscribers(t, hub, 1)
			ids := emitCaseEvents(t, hub, 3)
			for _, id := range ids {
				m := nextMessage(t, c)
				var r struct {
					Data struct {
						WorkflowEvents struct{ ID, Kind, Actor string }
					}
					Errors []any
				}
				if err := json.Unmarshal(m.Next, &r); err != nil || len(r.Errors) > 0 {
					t.Fatalf("want an event, got %s", m)
				}
				if got := r.Data.WorkflowEvents; got.ID != strconv.FormatInt(id, 10) || got.Kind != "CASE_STATUS_CHANGED" {
					t.Errorf("event %+v, want id %d kind CASE_STATUS_CHANGED", got, id)
				}
			}
			cancel()
			for hub.Events.Subscribers() > 0 {
				time.Sleep(20 * time.Millisecond) // the next subtest counts from zero
			}
		})
		t.Run(mode+" query", func(t *testing.T) {
			c := runClient(context.Background(), t, mode, url, headers, `query Q($n: Int) { cases(first: $n) { totalCount } }`, map[string]any{"n": 1 + i}, 0)
			m := nextMessage(t, c)
			if !strings.Contains(string(m.Next), `"totalCount"`) {
				t.Fatalf("want the query's data, got %s", m)
			}
			if m := nextMessage(t, c); !m.Complete {
				t.Errorf("want complete after the answer, got %s", m)
			}
		})
	}
}
