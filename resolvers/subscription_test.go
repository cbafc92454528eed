package resolvers_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/clock"
	"civiclink/internal/events"
	"civiclink/internal/hubtest"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// wsClient speaks graphql-transport-ws to one hub.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func dialSubscription(t *testing.T, hub *hubtest.Hub, query string, vars map[string]any) *wsClient {
	t.Helper()
	url := "ws" + strings.TrimPrefix(hub.Server.URL, "http") + "/graphql"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { _ = conn.Close(websocket.StatusNormalClosure, "") })
	c := &wsClient{t: t, conn: conn}
	c.send(map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + hub.Token}})
	if m := c.read(5 * time.Second); m["type"] != "connection_ack" {
		t.Fatalf("want connection_ack, got %v", m)
	}
	c.send(map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": query, "variables": vars}})
	return c
}

func (c *wsClient) send(m map[string]any) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := wsjson.Write(ctx, c.conn, m); err != nil {
		c.t.Fatalf("send %v: %v", m, err)
	}
}

// read returns the next message that is not a ping/pong.
func (c *wsClient) read(timeout time.Duration) map[string]any {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		var m map[string]any
		if err := wsjson.Read(ctx, c.conn, &m); err != nil {
			c.t.Fatalf("no message within %s: %v", timeout, err)
		}
		if m["type"] == "ping" {
			c.send(map[string]any{"type": "pong"})
			continue
		}
		if m["type"] != "pong" {
			return m
		}
	}
}

// nextEvent waits for the next event of the subscription.
func (c *wsClient) nextEvent(timeout time.Duration) map[string]any {
	c.t.Helper()
	m := c.read(timeout)
	if m["type"] != "next" {
		c.t.Fatalf("want a next message, got %v", m)
	}
	b, _ := json.Marshal(m["payload"])
	var p struct {
		Data   struct{ WorkflowEvents map[string]any }
		Errors []any
	}
	_ = json.Unmarshal(b, &p)
	if len(p.Errors) > 0 {
		c.t.Fatalf("event with errors: %s", b)
	}
	return p.Data.WorkflowEvents
}

const subscriptionQuery = `subscription($filter: WorkflowEventFilter) {
  workflowEvents(filter: $filter) {
    id kind toStatus actor grid { code } station { name }
    subject { __typename ... on Dispute { disputeNo source referredCase { caseNo } } ... on RiskItem { level } }
  }
}`

// TestSubscriptionsAcrossInstances runs two hub processes on one database with a subscriber
// on each; a referral made through one reaches both, a filter for another grid sees nothing,
// and a rolled-back change is never announced.
func TestSubscriptionsAcrossInstances(t *testing.T) {
	t.Parallel()
	a := hubtest.New(t, hubtest.Options{})
	b := hubtest.Start(t, a.URL, hubtest.Options{})
	fx := loadFixtures(t, a)
	fxB := fx.on(t, b)

	filter := map[string]any{"gridId": fx.grid, "kinds": []string{"CASE_REFERRED", "RISK_ITEM_RAISED_HIGH"}}
	onA := dialSubscription(t, fx.clients[auth.StreetStaff], subscriptionQuery, map[string]any{"filter": filter})
	onB := dialSubscription(t, fxB.clients[auth.StreetStaff], subscriptionQuery, map[string]any{"filter": filter})
	var otherGrid string
	if err := a.Pool.QueryRow(context.Background(), `SELECT code FROM street.grid WHERE id <> $1 ORDER BY id LIMIT 1`, fx.gridPK).Scan(&otherGrid); err != nil {
		t.Fatal(err)
	}
	res := a.Query(t, `query($code: String!) { grid(code: $code) { id } }`, map[string]any{"code": otherGrid})
	var og struct{ Grid struct{ ID string } }
	res.MustData(t, &og)
	elsewhere := dialSubscription(t, fxB.clients[auth.StreetStaff], subscriptionQuery, map[string]any{"filter": map[string]any{"gridId": og.Grid.ID}})
	// A grid worker of another grid, subscribed to everything, is told nothing about this one.
	outsider := dialSubscription(t, b.As(t, auth.GridWorker, auth.ScopeClaims{Grids: []string{otherGrid}}), subscriptionQuery, nil)
	// Subscriptions register asynchronously after the subscribe message; wait until both
	// processes serve them.
	waitFor(t, func() bool { return a.Events.Subscribers() == 1 && b.Events.Subscribers() == 3 })

	// A refused referral (a CALL case) must not produce an event.
	police := fx.mutate(t, "registerCase", "RegisterCaseInput", "case", map[string]any{"stationId": fx.station, "kind": "CALL",
		"category": "THEFT", "source": "WALK_IN", "summary": "bike", "gridId": fx.grid})
	fx.try(t, "referCaseToMediation", "ReferCaseToMediationInput", "__typename", map[string]any{"caseId": police.ID, "version": police.Version, "committeeId": fx.committee, "category": "OTHER"})

	c := nonPoliceCase(t, fxB)
	var out referred
	fx.clients[auth.PoliceOfficer].Query(t, referCaseQuery(t), map[string]any{"input": map[string]any{"caseId": c.ID, "version": c.Version, "committeeId": fx.committee, "category": "NEIGHBOUR"}}).MustData(t, &out)

	for name, sub := range map[string]*wsClient{"instance A": onA, "instance B": onB} {
		e := sub.nextEvent(10 * time.Second)
		subject, _ := e["subject"].(map[string]any)
		if e["kind"] != events.CaseReferred || subject["disputeNo"] != out.ReferCaseToMediation.Dispute.DisputeNo || subject["source"] != "POLICE_REFERRAL" {
			t.Errorf("%s got %v, want CASE_REFERRED for dispute %s", name, e, out.ReferCaseToMediation.Dispute.DisputeNo)
		}
	}
	// A HIGH risk in the grid follows on both.
	fxB.mutate(t, "addRiskItem", "AddRiskItemInput", "riskItem", map[string]any{"gridId": fx.grid, "dimension": "PUBLIC_ORDER",
		"description": "brawl risk", "likelihood": 5, "impact": 4})
	for name, sub := range map[string]*wsClient{"instance A": onA, "instance B": onB} {
		if e := sub.nextEvent(10 * time.Second); e["kind"] != events.RiskItemRaisedHigh {
			t.Errorf("%s got %v, want RISK_ITEM_RAISED_HIGH", name, e)
		}
	}
	// The subscriber filtered to another grid saw nothing of this.
	for name, sub := range map[string]*wsClient{"filtered to grid " + otherGrid: elsewhere, "grid worker of " + otherGrid: outsider} {
		quiet, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		var m map[string]any
		if err := wsjson.Read(quiet, sub.conn, &m); err == nil && m["type"] == "next" {
			t.Errorf("subscriber %s received %v", name, m)
		}
		cancel()
	}
}

// TestOverdueMeasuresAnnouncedOnce scans for overdue measures from two processes: each
// overdue measure is written to the outbox once.
func TestOverdueMeasuresAnnouncedOnce(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	ctx := context.Background()
	var overdue int
	if err := hub.Pool.QueryRow(ctx, `SELECT count(*) FROM risk.measure WHERE status <> 'DONE' AND due_on < `+clock.SQLToday).Scan(&overdue); err != nil || overdue == 0 {
		t.Fatalf("want overdue measures in the seeded data, got %d (%v)", overdue, err)
	}
	results := make(chan int, 2)
	for range 2 {
		go func() {
			n, err := events.ScanOverdueMeasures(ctx, hub.Pool)
			if err != nil {
				t.Errorf("scan: %v", err)
			}
			results <- n
		}()
	}
	total := <-results + <-results
	if total != overdue {
		t.Errorf("two concurrent scans announced %d measures, want each of the %d overdue ones once", total, overdue)
	}
	if n, _ := events.ScanOverdueMeasures(ctx, hub.Pool); n != 0 {
		t.Errorf("a third scan announced %d measures again, want 0", n)
	}
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within 10s")
		}
		<-tick.C
	}
}
