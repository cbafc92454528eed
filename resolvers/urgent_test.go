package resolvers_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"civiclink/db/seed"
	"civiclink/internal/auth"
	"civiclink/internal/hubtest"
)

// urgentSQL is the plain-SQL definition of the urgent queue at $1: open cases not yet
// reached by the police and open HIGH/CRITICAL grid events not yet handled on the spot, with
// the seeded rules' deadlines written out, whose deadline lies within 120 minutes after $1
// or at most 1,440 before it, least time left first.
const urgentSQL = `
WITH q AS (
  SELECT 'CASE' AS workflow, c.case_no AS no, g.code, c.received_at + interval '30 minutes' AS deadline, c.id
    FROM police."case" c JOIN street.grid g ON g.id = c.grid_id
   WHERE c.status IN ('RECEIVED', 'DISPATCHED') AND NOT EXISTS (SELECT 1 FROM police.case_status_log l WHERE l.entity_id = c.id AND l.to_status = 'ON_SCENE')
  UNION ALL
  SELECT 'GRID_EVENT', e.event_no, g.code, e.reported_at + CASE e.urgency WHEN 'CRITICAL' THEN interval '60 minutes' ELSE interval '240 minutes' END, e.id
    FROM street.grid_event e JOIN street.grid g ON g.id = e.grid_id
   WHERE e.urgency IN ('HIGH', 'CRITICAL') AND e.status IN ('REPORTED', 'FILED', 'DISPATCHED')
     AND NOT EXISTS (SELECT 1 FROM street.grid_event_status_log l WHERE l.entity_id = e.id AND l.to_status = 'HANDLING'))
SELECT workflow, no, code, floor(extract(epoch FROM deadline - $1) / 60)::int
  FROM q WHERE deadline < $1 + interval '120 minutes' AND deadline >= $1 - interval '1440 minutes'
 ORDER BY deadline, workflow, id`

// urgentRow is one record of the urgent queue as compared.
type urgentRow struct {
	Workflow, No, Grid string
	MinutesLeft        int
}

// TestUrgentQueueSeeded: at the seed's reference time the demo data has, in every live grid,
// a call the police are on their way to and a CRITICAL grid event awaiting a grid worker,
// so README's and the playground's urgentQueue example lists them; the list is the plain-SQL
// one, and a grid worker sees only its own grid's records.
func TestUrgentQueueSeeded(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	const q = `query($asOf: DateTime) { urgentQueue(asOf: $asOf) {
		workflow minutesLeft grid { code } case { caseNo status } gridEvent { eventNo urgency } rule { code } } }`
	list := func(h *hubtest.Hub) []urgentRow {
		var out struct {
			UrgentQueue []struct {
				Workflow    string
				MinutesLeft int
				Grid        struct{ Code string }
				Case        *struct{ CaseNo, Status string }
				GridEvent   *struct{ EventNo, Urgency string }
			}
		}
		h.Query(t, q, map[string]any{"asOf": seed.ReferenceTime.Format(time.RFC3339)}).MustData(t, &out)
		var rows []urgentRow
		for _, it := range out.UrgentQueue {
			r := urgentRow{Workflow: it.Workflow, Grid: it.Grid.Code, MinutesLeft: it.MinutesLeft}
			if it.Case != nil {
				r.No = it.Case.CaseNo
			}
			if it.GridEvent != nil {
				r.No = it.GridEvent.EventNo
			}
			rows = append(rows, r)
		}
		return rows
	}
	rows, err := hub.Pool.Query(context.Background(), urgentSQL, seed.ReferenceTime)
	if err != nil {
		t.Fatal(err)
	}
	var want []urgentRow
	for rows.Next() {
		var r urgentRow
		if err := rows.Scan(&r.Workflow, &r.No, &r.Grid, &r.MinutesLeft); err != nil {
			t.Fatal(err)
		}
		want = append(want, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	got := list(hub)
	if !slices.Equal(got, want) {
		t.Fatalf("urgentQueue(asOf: the seed's reference time) = %+v, want the plain-SQL list %+v", got, want)
	}
	for _, grid := range seed.LiveGrids {
		kinds := map[string]bool{}
		for _, r := range got {
			if r.Grid == grid && r.MinutesLeft >= 0 {
				kinds[r.Workflow] = true
			}
		}
		if !kinds["CASE"] || !kinds["GRID_EVENT"] {
			t.Errorf("live grid %s: want a case and a grid event still within their deadline at the reference time, got %+v", grid, got)
		}
	}
	worker := list(hub.As(t, auth.GridWorker, auth.ScopeClaims{Grids: []string{seed.LiveGrids[0]}}))
	for _, r := range worker {
		if r.Grid != seed.LiveGrids[0] || r.Workflow != "GRID_EVENT" {
			t.Errorf("grid worker of %s sees %+v, want only its grid's grid events", seed.LiveGrids[0], r)
		}
	}
	if len(worker) == 0 {
		t.Errorf("grid worker of %s sees no urgent record, want its grid's CRITICAL event", seed.LiveGrids[0])
	}
}

// TestUrgentQueueSubscription subscribes to the live urgent queue over a real WebSocket: the
// first message is the list, a case reached by the police leaves it in the next message (its
// status change announces a workflow event), and a grid worker of another grid sees none of
// the records.
func TestUrgentQueueSubscription(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	fx := loadFixtures(t, hub)
	now := time.Now().UTC()
	critical := fx.mutate(t, "reportGridEvent", "ReportGridEventInput", "gridEvent", map[string]any{"gridId": fx.grid,
		"category": "SAFETY_HAZARD", "urgency": "CRITICAL", "summary": "fire", "reportedAt": now.Add(-50 * time.Minute).Format(time.RFC3339)})
	c := fx.mutate(t, "registerCase", "RegisterCaseInput", "case", map[string]any{"stationId": fx.station, "kind": "CALL",
		"category": "ASSAULT", "source": "HOTLINE_110", "summary": "fight", "gridId": fx.grid})
	const sub = `subscription { urgentQueue(withinMinutes: 300, overdueForMinutes: 0, first: 500) {
		workflow minutesLeft case { id status } gridEvent { id } rule { code } } }`
	ids := func(m map[string]any) []string {
		b, _ := json.Marshal(m["payload"])
		var p struct {
			Data struct {
				UrgentQueue []struct {
					Case      *struct{ ID string }
					GridEvent *struct{ ID string }
				}
			}
			Errors []any
		}
		if err := json.Unmarshal(b, &p); err != nil || len(p.Errors) > 0 || m["type"] != "next" {
			t.Fatalf("want a next message with the urgent queue, got %s", b)
		}
		var out []string
		for _, it := range p.Data.UrgentQueue {
			if it.Case != nil {
				out = append(out, it.Case.ID)
			}
			if it.GridEvent != nil {
				out = append(out, it.GridEvent.ID)
			}
		}
		return out
	}
	ws := dialSubscription(t, hub, sub, nil)
	if got := ids(ws.read(30 * time.Second)); !slices.Equal(got, []string{critical.ID, c.ID}) {
		t.Fatalf("first message: want the CRITICAL event then the case, got %v", got)
	}
	other := hub.As(t, auth.GridWorker, auth.ScopeClaims{Grids: []string{"C02-02"}})
	if fx.gridCode == "C02-02" {
		other = hub.As(t, auth.GridWorker, auth.ScopeClaims{Grids: []string{"C01-01"}})
	}
	if got := ids(dialSubscription(t, other, sub, nil).read(30 * time.Second)); len(got) != 0 {
		t.Errorf("grid worker of another grid: want an empty list, got %v", got)
	}
	for _, to := range []string{"DISPATCHED", "ON_SCENE"} {
		c = fx.mutate(t, "advanceCase", "AdvanceCaseInput", "case", map[string]any{"caseId": c.ID, "version": c.Version, "to": to})
	}
	// A message in between can only be the same records with minutesLeft moved.
	for {
		got := ids(ws.read(30 * time.Second))
		if slices.Equal(got, []string{critical.ID}) {
			break
		}
		if !slices.Equal(got, []string{critical.ID, c.ID}) {
			t.Fatalf("after the police reached the case: want only the CRITICAL event, got %v", got)
		}
	}
}
