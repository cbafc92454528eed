package resolvers_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"civiclink/internal/events"
	"civiclink/internal/hubtest"
)

// TestMeasureOverdueReminders publishes a MEASURE_OVERDUE version that reminds the grid worker
// instead of the measure's owner, valid from a day in the past: the overdue scan's reminders
// of measures due from that day on name the new version and go to GRID_WORKER, those due
// before still name version 1 and MEASURE_OWNER (checked on the outbox in plain SQL), and a
// subscriber to GRID_WORKER's reminders gets only the new ones, over a real WebSocket.
func TestMeasureOverdueReminders(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	ctx := context.Background()
	now := time.Now().UTC()
	from := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -90)
	var pub struct {
		PublishRule struct{ Rule ruleRow }
	}
	hub.Query(t, `mutation($in: PublishRuleInput!) { publishRule(input: $in) { rule { id version remind } } }`,
		map[string]any{"in": map[string]any{"code": "MEASURE_OVERDUE", "remind": "GRID_WORKER",
			"validFrom": time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.FixedZone("CST", 8*3600)).Format(time.RFC3339),
			"reason":    "the grid worker follows up measures due from " + from.Format(time.DateOnly)}}).MustData(t, &pub)
	if r := pub.PublishRule.Rule; r.Version != 2 || r.Remind != "GRID_WORKER" {
		t.Fatalf("published %+v, want version 2 reminding GRID_WORKER", r)
	}

	ws := dialSubscription(t, hub, `subscription($filter: WorkflowEventFilter) { workflowEvents(filter: $filter) {
		kind remind rule { code version remind } subject { ... on Measure { dueOn } } } }`,
		map[string]any{"filter": map[string]any{"kinds": []string{"MEASURE_OVERDUE"}, "remind": []string{"GRID_WORKER"}}})
	waitFor(t, func() bool { return hub.Events.Subscribers() > 0 })
	n, err := events.ScanOverdueMeasures(ctx, hub.Pool)
	if err != nil || n == 0 {
		t.Fatalf("scan: want overdue measures announced, got %d (%v)", n, err)
	}

	// Plain SQL over the outbox: by due day before or from the new version's day, how many
	// reminders name which version and recipient.
	rows, err := hub.Pool.Query(ctx, `
		SELECT m.due_on >= $1::date AS edited, r.version, o.payload->>'remind', count(*)
		  FROM hub.outbox o JOIN risk.measure m ON m.id = o.entity_id
		  LEFT JOIN hub.rule r ON r.id = (o.payload->>'ruleId')::bigint
		 WHERE o.topic = 'MEASURE_OVERDUE' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`, from)
	if err != nil {
		t.Fatal(err)
	}
	type group struct {
		edited  bool
		version *int
		remind  *string
		n       int
	}
	var groups []group
	for rows.Next() {
		var g group
		if err := rows.Scan(&g.edited, &g.version, &g.remind, &g.n); err != nil {
			t.Fatal(err)
		}
		groups = append(groups, g)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	seen := map[bool]bool{}
	for _, g := range groups {
		wantVersion, wantRemind := 1, "MEASURE_OWNER"
		if g.edited {
			wantVersion, wantRemind = 2, "GRID_WORKER"
		}
		if g.version == nil || *g.version != wantVersion || g.remind == nil || *g.remind != wantRemind {
			t.Errorf("%d reminders of measures due from the new version's day = %v: rule version %v to %v, want version %d to %s",
				g.n, g.edited, deref(g.version), deref(g.remind), wantVersion, wantRemind)
		}
		seen[g.edited] = true
	}
	if !seen[true] || !seen[false] {
		t.Fatalf("want reminders of measures due both before and from %s, got groups %+v", from.Format(time.DateOnly), groups)
	}

	m := ws.read(30 * time.Second)
	b, _ := json.Marshal(m["payload"])
	var p struct {
		Data struct {
			WorkflowEvents struct {
				Kind, Remind string
				Rule         struct {
					Code, Remind string
					Version      int
				}
				Subject struct{ DueOn string }
			}
		}
	}
	if err := json.Unmarshal(b, &p); err != nil || m["type"] != "next" {
		t.Fatalf("want a reminder event, got %s", b)
	}
	if e := p.Data.WorkflowEvents; e.Remind != "GRID_WORKER" || e.Rule.Version != 2 || e.Rule.Remind != "GRID_WORKER" || e.Subject.DueOn < from.Format(time.DateOnly) {
		t.Errorf("GRID_WORKER's subscriber got %s, want a reminder by version 2 of a measure due from %s", b, from.Format(time.DateOnly))
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
