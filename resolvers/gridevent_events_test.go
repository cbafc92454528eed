package resolvers_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/events"
	"civiclink/internal/hubtest"

	"github.com/coder/websocket/wsjson"
)

const gridEventSubscription = `subscription($filter: WorkflowEventFilter) {
  workflowEvents(filter: $filter) { kind urgency toStatus grid { code } subject { __typename ... on GridEvent { id urgency } } }
}`

// TestGridEventReportedAnnounced: reporting a grid event announces GRID_EVENT_REPORTED, with
// the event's urgency, to the subscribers who may see the grid event (street staff, a grid
// worker of its grid), and to nobody else (a grid worker of another grid, a mediator, who
// sees no grid events). Before the fix a report announced nothing: a new urgent event
// reached no subscriber.
func TestGridEventReportedAnnounced(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	fx := loadFixtures(t, hub)
	var otherGrid string
	if err := hub.Pool.QueryRow(context.Background(), `SELECT code FROM street.grid WHERE id <> $1 AND retired_at IS NULL ORDER BY id LIMIT 1`, fx.gridPK).Scan(&otherGrid); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]any{"filter": map[string]any{"kinds": []string{events.GridEventReported}}}
	permitted := map[string]*wsClient{
		"street staff":                  dialSubscription(t, fx.clients[auth.StreetStaff], gridEventSubscription, kinds),
		"grid worker of " + fx.gridCode: dialSubscription(t, hub.As(t, auth.GridWorker, auth.ScopeClaims{Grids: []string{fx.gridCode}}), gridEventSubscription, kinds),
	}
	refused := map[string]*wsClient{
		"grid worker of " + otherGrid: dialSubscription(t, hub.As(t, auth.GridWorker, auth.ScopeClaims{Grids: []string{otherGrid}}), gridEventSubscription, nil),
		"mediator":                    dialSubscription(t, fx.clients[auth.Mediator], gridEventSubscription, nil),
	}
	waitFor(t, func() bool { return hub.Events.Subscribers() == len(permitted)+len(refused) })

	e := fx.mutate(t, "reportGridEvent", "ReportGridEventInput", "gridEvent", map[string]any{"gridId": fx.grid,
		"category": "SAFETY_HAZARD", "urgency": "CRITICAL", "summary": "gas smell in the stairwell"})
	for name, sub := range permitted {
		got := sub.nextEvent(10 * time.Second)
		subject, _ := got["subject"].(map[string]any)
		grid, _ := got["grid"].(map[string]any)
		if got["kind"] != events.GridEventReported || got["urgency"] != "CRITICAL" || got["toStatus"] != "REPORTED" ||
			subject["id"] != e.ID || grid["code"] != fx.gridCode {
			t.Errorf("%s got %v; expected GRID_EVENT_REPORTED, CRITICAL, REPORTED, of grid event %s in grid %s", name, got, e.ID, fx.gridCode)
		}
	}
	for name, sub := range refused {
		quiet, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		var m map[string]any
		if err := wsjson.Read(quiet, sub.conn, &m); err == nil && m["type"] == "next" {
			t.Errorf("%s, who may not see the grid event, received %v; expected nothing", name, m)
		}
		cancel()
	}
}

// TestUrgentQueueSeesNewGridEvent: the live urgent queue lists a new CRITICAL grid event as
// soon as it is reported, through its GRID_EVENT_REPORTED event, well before the queue's
// poll (urgentPoll, 15 s). Before the fix a report announced nothing, and the queue showed
// the event only at its next poll.
func TestUrgentQueueSeesNewGridEvent(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	fx := loadFixtures(t, hub)
	const sub = `subscription { urgentQueue(withinMinutes: 300, overdueForMinutes: 0, first: 500) { gridEvent { id } } }`
	ids := func(m map[string]any) []string {
		b, _ := json.Marshal(m["payload"])
		var p struct {
			Data struct {
				UrgentQueue []struct{ GridEvent *struct{ ID string } }
			}
			Errors []any
		}
		if err := json.Unmarshal(b, &p); err != nil || len(p.Errors) > 0 || m["type"] != "next" {
			t.Fatalf("want a next message with the urgent queue, got %s", b)
		}
		var out []string
		for _, it := range p.Data.UrgentQueue {
			if it.GridEvent != nil {
				out = append(out, it.GridEvent.ID)
			}
		}
		return out
	}
	ws := dialSubscription(t, fx.clients[auth.StreetStaff], sub, nil)
	first := ids(ws.read(30 * time.Second))
	waitFor(t, func() bool { return hub.Events.Subscribers() == 1 })
	e := fx.mutate(t, "reportGridEvent", "ReportGridEventInput", "gridEvent", map[string]any{"gridId": fx.grid,
		"category": "SAFETY_HAZARD", "urgency": "CRITICAL", "summary": "fire in the bike shed"})
	if slices.Contains(first, e.ID) {
		t.Fatalf("the urgent queue listed grid event %s before it was reported", e.ID)
	}
	if got := ids(ws.read(5 * time.Second)); !slices.Contains(got, e.ID) {
		t.Errorf("the urgent queue's next message lists %v; expected it to include the new CRITICAL event %s", got, e.ID)
	}
}
