package resolvers_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/globalid"
	"civiclink/internal/hubtest"
)

// responseSQL is the plain-SQL definition of the response measures, straight from the base
// tables and the status logs, with the seeded rules' deadlines written out: per workflow and
// urgency, the count, the median and p90 minutes to dispatch and to the response, and the
// share answered in time among those owing an answer by the end of the as-of day ($1).
const responseSQL = `
WITH r AS (
  SELECT 'CASE' AS workflow, NULL::text AS urgency, c.received_at AS t0, c.closed_at,
         (SELECT min(at) FROM police.case_status_log l WHERE l.entity_id = c.id AND l.to_status = 'DISPATCHED') AS dispatched,
         (SELECT min(at) FROM police.case_status_log l WHERE l.entity_id = c.id AND l.to_status = 'ON_SCENE') AS answered,
         30 AS deadline
  FROM police."case" c
  UNION ALL
  SELECT 'GRID_EVENT', e.urgency, e.reported_at, e.closed_at,
         (SELECT min(at) FROM street.grid_event_status_log l WHERE l.entity_id = e.id AND l.to_status = 'DISPATCHED'),
         (SELECT min(at) FROM street.grid_event_status_log l WHERE l.entity_id = e.id AND l.to_status = 'HANDLING'),
         CASE e.urgency WHEN 'CRITICAL' THEN 60 WHEN 'HIGH' THEN 240 WHEN 'NORMAL' THEN 2880 ELSE 4320 END
  FROM street.grid_event e
  UNION ALL
  SELECT 'DISPUTE', NULL, d.received_at, d.closed_at, NULL,
         (SELECT min(at) FROM mediation.dispute_status_log l WHERE l.entity_id = d.id AND l.to_status = 'ACCEPTED'), 1440
  FROM mediation.dispute d
), m AS (
  SELECT *, extract(epoch FROM dispatched - t0) / 60 AS to_dispatch, extract(epoch FROM answered - t0) / 60 AS to_answer,
         answered IS NOT NULL OR (closed_at IS NULL AND t0 + deadline * interval '1 minute' < ($1::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai') AS owes
  FROM r
)
SELECT workflow, urgency, count(*), count(answered),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY to_dispatch), percentile_cont(0.9) WITHIN GROUP (ORDER BY to_dispatch),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY to_answer), percentile_cont(0.9) WITHIN GROUP (ORDER BY to_answer),
       (count(*) FILTER (WHERE owes AND to_answer <= deadline))::float8 / NULLIF(count(*) FILTER (WHERE owes), 0)
FROM m GROUP BY workflow, urgency ORDER BY workflow, urgency NULLS LAST`

type responseCell struct {
	Workflow                                      string
	Urgency                                       *string
	Suppressed                                    bool
	Count, Answered                               *int
	MedianMinutesToDispatch, P90MinutesToDispatch *float64
	MedianMinutesToRespond, P90MinutesToRespond   *float64
	ShareWithinDeadline                           *float64
}

func (c responseCell) key() string {
	if c.Urgency == nil {
		return c.Workflow
	}
	return c.Workflow + "/" + *c.Urgency
}

func sameFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) < 1e-6*math.Max(1, math.Abs(*b))
}

func fmtF(f *float64) string {
	if f == nil {
		return "null"
	}
	return fmt.Sprintf("%.4f", *f)
}

// TestResponseStatsMatchSQL compares responseStats by workflow and urgency, as an analyst,
// with plain SQL over the seeded base tables and status logs.
func TestResponseStatsMatchSQL(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	asOf := time.Now().UTC().Format(time.DateOnly)
	rows, err := hub.Pool.Query(context.Background(), responseSQL, asOf)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]responseCell{}
	for rows.Next() {
		var c responseCell
		var n, answered int
		if err := rows.Scan(&c.Workflow, &c.Urgency, &n, &answered, &c.MedianMinutesToDispatch, &c.P90MinutesToDispatch,
			&c.MedianMinutesToRespond, &c.P90MinutesToRespond, &c.ShareWithinDeadline); err != nil {
			t.Fatal(err)
		}
		c.Count, c.Answered = &n, &answered
		want[c.key()] = c
	}
	if len(want) != 6 {
		t.Fatalf("SQL gives %d workflow/urgency cells, want 6 (cases, 4 urgencies, disputes)", len(want))
	}
	var out struct{ ResponseStats []responseCell }
	hub.As(t, auth.Analyst, auth.ScopeClaims{}).Query(t, `query($asOf: Date) { responseStats(groupBy: [WORKFLOW, URGENCY], asOf: $asOf) {
		workflow urgency suppressed count answered medianMinutesToDispatch p90MinutesToDispatch medianMinutesToRespond p90MinutesToRespond shareWithinDeadline } }`,
		map[string]any{"asOf": asOf}).MustData(t, &out)
	if len(out.ResponseStats) != len(want) {
		t.Fatalf("responseStats has %d cells, SQL %d", len(out.ResponseStats), len(want))
	}
	for _, got := range out.ResponseStats {
		w, ok := want[got.key()]
		switch {
		case !ok:
			t.Errorf("responseStats has a cell %s that SQL has not", got.key())
		case got.Suppressed || *got.Count != *w.Count || *got.Answered != *w.Answered:
			t.Errorf("%s: suppressed %v, count %v, answered %v; SQL: %d, %d", got.key(), got.Suppressed, got.Count, got.Answered, *w.Count, *w.Answered)
		case !sameFloat(got.MedianMinutesToDispatch, w.MedianMinutesToDispatch) || !sameFloat(got.P90MinutesToDispatch, w.P90MinutesToDispatch) ||
			!sameFloat(got.MedianMinutesToRespond, w.MedianMinutesToRespond) || !sameFloat(got.P90MinutesToRespond, w.P90MinutesToRespond) ||
			!sameFloat(got.ShareWithinDeadline, w.ShareWithinDeadline):
			t.Errorf("%s: dispatch median/p90 %s/%s, respond median/p90 %s/%s, within %s; SQL: %s/%s, %s/%s, %s", got.key(),
				fmtF(got.MedianMinutesToDispatch), fmtF(got.P90MinutesToDispatch), fmtF(got.MedianMinutesToRespond), fmtF(got.P90MinutesToRespond), fmtF(got.ShareWithinDeadline),
				fmtF(w.MedianMinutesToDispatch), fmtF(w.P90MinutesToDispatch), fmtF(w.MedianMinutesToRespond), fmtF(w.P90MinutesToRespond), fmtF(w.ShareWithinDeadline))
		}
	}
	// The seed answers urgent events in minutes, the rest in hours or days.
	crit, normal := want["GRID_EVENT/CRITICAL"], want["GRID_EVENT/NORMAL"]
	if *crit.MedianMinutesToRespond >= 60 || *normal.MedianMinutesToRespond <= 8*60 {
		t.Errorf("median minutes to respond: CRITICAL %s, NORMAL %s; want under an hour and over eight hours", fmtF(crit.MedianMinutesToRespond), fmtF(normal.MedianMinutesToRespond))
	}
}

// TestResponseStatsDisclosure groups cases by station and hour of day, where many cells are
// about fewer than five cases: those are folded into suppressed cells without keys or figures,
// the others match SQL.
func TestResponseStatsDisclosure(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	var out struct {
		ResponseStats []struct {
			Station                struct{ Code string }
			HourOfDay              int
			Suppressed             bool
			Count                  *int
			MedianMinutesToRespond *float64
		}
	}
	hub.As(t, auth.Analyst, auth.ScopeClaims{}).Query(t, `{ responseStats(filter: { workflow: [CASE], from: "2025-01-01T00:00:00+08:00" }, groupBy: [STATION, HOUR_OF_DAY]) {
		station { code } hourOfDay suppressed count medianMinutesToRespond } }`, nil).MustData(t, &out)
	rows, err := hub.Pool.Query(context.Background(), `SELECT s.code, extract(hour FROM c.received_at AT TIME ZONE 'Asia/Shanghai')::int, count(*),
		percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.on_scene_at - c.received_at) / 60)
		FROM police."case" c JOIN police.station s ON s.id = c.station_id WHERE c.received_at >= '2025-01-01T00:00:00+08:00' GROUP BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	type cell struct {
		n      int
		median *float64
	}
	want := map[string]cell{}
	for rows.Next() {
		var code string
		var h int
		var c cell
		if err := rows.Scan(&code, &h, &c.n, &c.median); err != nil {
			t.Fatal(err)
		}
		want[fmt.Sprintf("%s@%d", code, h)] = c
	}
	suppressed, shown, small := 0, 0, 0
	for _, w := range want {
		if w.n < 5 {
			small++
		}
	}
	for _, g := range out.ResponseStats {
		if g.Suppressed {
			// Small cells fold into keyless suppressed cells with null figures.
			suppressed++
			if g.Station.Code != "" || g.Count != nil || g.MedianMinutesToRespond != nil {
				t.Errorf("a suppressed cell shows keys or figures: %+v", g)
			}
			continue
		}
		shown++
		k := fmt.Sprintf("%s@%d", g.Station.Code, g.HourOfDay)
		w := want[k]
		if w.n < 5 || g.Count == nil || *g.Count != w.n || !sameFloat(g.MedianMinutesToRespond, w.median) {
			t.Errorf("shown cell %s: %+v; SQL: %d cases (at least 5 to show), median %s", k, g, w.n, fmtF(w.median))
		}
	}
	if small == 0 || suppressed == 0 || shown == 0 || shown > len(want)-small {
		t.Errorf("%d cells shown, %d suppressed; SQL has %d cells, %d under five: want the small ones hidden and the others shown", shown, suppressed, len(want), small)
	}
	if res := hub.As(t, auth.Auditor, auth.ScopeClaims{}).Query(t, `{ responseStats(groupBy: [WORKFLOW]) { count } }`, nil); len(res.Errors) != 1 || res.Errors[0].Code() != "FORBIDDEN" {
		t.Errorf("an auditor's responseStats = %s, want FORBIDDEN", res.Raw)
	}
}

// TestResponseMomentsRecorded walks a case and a grid event through the API and checks that
// the transitions record the moments once, at the time of the status log entry.
func TestResponseMomentsRecorded(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	fx := loadFixtures(t, hub)
	ctx := context.Background()
	c := nonPoliceCase(t, fx) // RECEIVED → DISPATCHED → ON_SCENE → NON_POLICE
	ev := fx.mutate(t, "reportGridEvent", "ReportGridEventInput", "gridEvent", map[string]any{"gridId": fx.grid, "category": "SAFETY_HAZARD", "urgency": "HIGH", "summary": "loose cable"})
	for _, to := range []string{"FILED", "DISPATCHED", "HANDLING", "FEEDBACK", "DISPATCHED", "HANDLING"} {
		ev = fx.mutate(t, "advanceGridEvent", "AdvanceGridEventInput", "gridEvent", map[string]any{"gridEventId": ev.ID, "version": ev.Version, "to": to})
	}
	tests := []struct {
		name, sql string
		id        string
	}{
		{"case dispatched", `SELECT c.dispatched_at = (SELECT min(at) FROM police.case_status_log WHERE entity_id = c.id AND to_status = 'DISPATCHED') FROM police."case" c WHERE c.id = $1`, c.ID},
		{"case on scene", `SELECT c.on_scene_at = (SELECT min(at) FROM police.case_status_log WHERE entity_id = c.id AND to_status = 'ON_SCENE') FROM police."case" c WHERE c.id = $1`, c.ID},
		{"event dispatched first", `SELECT e.dispatched_at = (SELECT min(at) FROM street.grid_event_status_log WHERE entity_id = e.id AND to_status = 'DISPATCHED')
			AND e.dispatched_at < (SELECT max(at) FROM street.grid_event_status_log WHERE entity_id = e.id AND to_status = 'DISPATCHED') FROM street.grid_event e WHERE e.id = $1`, ev.ID},
		{"event handled first", `SELECT e.responded_at = (SELECT min(at) FROM street.grid_event_status_log WHERE entity_id = e.id AND to_status = 'HANDLING') FROM street.grid_event e WHERE e.id = $1`, ev.ID},
	}
	for _, tt := range tests {
		_, pk, err := globalid.Decode(tt.id)
		if err != nil {
			t.Fatal(err)
		}
		var ok *bool
		if err := hub.Pool.QueryRow(ctx, tt.sql, pk).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		if ok == nil || !*ok {
			t.Errorf("%s: the moment is not the first entry of the status (got %v)", tt.name, ok)
		}
	}
	// The seeded moments are those of the seeded status logs.
	var mismatched int
	err := hub.Pool.QueryRow(ctx, `SELECT count(*) FROM police."case" c WHERE c.on_scene_at IS DISTINCT FROM
		(SELECT min(at) FROM police.case_status_log WHERE entity_id = c.id AND to_status = 'ON_SCENE')`).Scan(&mismatched)
	if err != nil || mismatched != 0 {
		t.Errorf("%d cases whose on_scene_at is not their status log's (%v)", mismatched, err)
	}
}

// TestUrgentQueue reports urgent events and registers a case, and checks the live view: by
// time left, within the caller's scope, and gone once answered.
func TestUrgentQueue(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	fx := loadFixtures(t, hub)
	now := time.Now().UTC()
	report := func(urgency string, ago time.Duration) entity {
		return fx.mutate(t, "reportGridEvent", "ReportGridEventInput", "gridEvent", map[string]any{"gridId": fx.grid,
			"category": "SAFETY_HAZARD", "urgency": urgency, "summary": "urgent " + urgency, "reportedAt": now.Add(-ago).Format(time.RFC3339)})
	}
	critical := report("CRITICAL", 50*time.Minute) // due in about 10 minutes
	high := report("HIGH", 0)                      // due in 4 hours
	normal := report("NORMAL", 0)                  // not urgent: never listed
	c := fx.mutate(t, "registerCase", "RegisterCaseInput", "case", map[string]any{"stationId": fx.station, "kind": "CALL",
		"category": "ASSAULT", "source": "HOTLINE_110", "summary": "fight", "gridId": fx.grid}) // due in 30 minutes
	const q = `query($within: Int) { urgentQueue(withinMinutes: $within, overdueForMinutes: 0, first: 500) {
		workflow minutesLeft deadline case { id } gridEvent { id } rule { code version } } }`
	type item struct {
		Workflow    string
		MinutesLeft int
		Case        *struct{ ID string }
		GridEvent   *struct{ ID string }
		Rule        struct{ Code string }
	}
	list := func(h *hubtest.Hub, within int) []item {
		var out struct{ UrgentQueue []item }
		h.Query(t, q, map[string]any{"within": within}).MustData(t, &out)
		return out.UrgentQueue
	}
	ids := func(items []item) []string {
		var out []string
		for _, it := range items {
			if it.Case != nil {
				out = append(out, it.Case.ID)
			}
			if it.GridEvent != nil {
				out = append(out, it.GridEvent.ID)
			}
		}
		return out
	}
	got := list(hub, 300)
	if g := ids(got); len(g) != 3 || g[0] != critical.ID || g[1] != c.ID || g[2] != high.ID {
		t.Fatalf("urgentQueue within 300 minutes = %+v, want the CRITICAL event, the case, the HIGH event (not %s)", got, normal.ID)
	}
	if m := got[0].MinutesLeft; m < 8 || m > 10 || got[0].Rule.Code != "GRID_EVENT_RESPONSE_CRITICAL" || got[1].Rule.Code != "CASE_ON_SCENE" {
		t.Errorf("first item %+v: want about 9 minutes left by GRID_EVENT_RESPONSE_CRITICAL, then CASE_ON_SCENE", got[0])
	}
	if g := ids(list(hub, 20)); len(g) != 1 || g[0] != critical.ID {
		t.Errorf("within 20 minutes = %v, want only the CRITICAL event", g)
	}
	// Scope: a grid worker of another grid sees none of the events; an analyst is pointed to
	// the aggregates.
	var other string
	if err := hub.Pool.QueryRow(context.Background(), "SELECT code FROM street.grid WHERE id <> $1 ORDER BY id LIMIT 1", fx.gridPK).Scan(&other); err != nil {
		t.Fatal(err)
	}
	for name, h := range map[string]*hubtest.Hub{
		"grid worker of another grid": hub.As(t, auth.GridWorker, auth.ScopeClaims{Grids: []string{other}}),
	} {
		if g := list(h, 300); len(g) != 0 {
			t.Errorf("%s sees %v, want nothing", name, g)
		}
	}
	if res := hub.As(t, auth.Analyst, auth.ScopeClaims{}).Query(t, q, map[string]any{"within": 300}); len(res.Errors) == 0 ||
		res.Errors[0].Code() != "FORBIDDEN" || !strings.Contains(res.Errors[0].Message, "responseStats") {
		t.Errorf("analyst: %s, want FORBIDDEN pointing to responseStats", res.Raw)
	}
	// Answered: the CRITICAL event handled on the spot leaves the list.
	for _, to := range []string{"FILED", "DISPATCHED", "HANDLING"} {
		critical = fx.mutate(t, "advanceGridEvent", "AdvanceGridEventInput", "gridEvent", map[string]any{"gridEventId": critical.ID, "version": critical.Version, "to": to})
	}
	if g := ids(list(hub, 300)); len(g) != 2 || g[0] != c.ID {
		t.Errorf("after handling the CRITICAL event the list is %v, want the case and the HIGH event", g)
	}
	if res := hub.Query(t, `{ urgentQueue(first: -1) { minutesLeft } }`, nil); len(res.Errors) != 1 || res.Errors[0].Code() != "BAD_USER_INPUT" {
		t.Errorf("first: -1 gave %s, want BAD_USER_INPUT", res.Raw)
	}
}

// TestResponseRuleEdit publishes a stricter GRID_EVENT_RESPONSE_NORMAL from a past day on: the
// share within the deadline of events reported before that day is unchanged, that of events
// reported from it on follows plain SQL with the new deadline.
func TestResponseRuleEdit(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	const day = "2026-06-01T00:00:00+08:00"
	const newDeadline = 180
	share := func(filter string) *float64 {
		var out struct {
			ResponseStats []struct{ ShareWithinDeadline *float64 }
		}
		hub.Query(t, `{ responseStats(filter: { workflow: [GRID_EVENT], urgency: [NORMAL], `+filter+` }) { shareWithinDeadline } }`, nil).MustData(t, &out)
		if len(out.ResponseStats) != 1 {
			t.Fatalf("responseStats(%s) has %d cells, want 1", filter, len(out.ResponseStats))
		}
		return out.ResponseStats[0].ShareWithinDeadline
	}
	before, from := share(`to: "`+day+`"`), share(`from: "`+day+`"`)
	hub.Query(t, `mutation($in: PublishRuleInput!) { publishRule(input: $in) { rule { version } } }`,
		map[string]any{"in": map[string]any{"code": "GRID_EVENT_RESPONSE_NORMAL", "deadlineMinutes": newDeadline, "validFrom": day, "reason": "three hours"}}).
		MustData(t, new(struct{}))
	var want *float64
	err := hub.Pool.QueryRow(context.Background(), `SELECT (count(*) FILTER (WHERE responded_at <= reported_at + $2 * interval '1 minute'))::float8
		/ NULLIF(count(*) FILTER (WHERE responded_at IS NOT NULL OR (closed_at IS NULL AND reported_at + $2 * interval '1 minute' < ((now() AT TIME ZONE 'Asia/Shanghai')::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')), 0)
		FROM street.grid_event WHERE urgency = 'NORMAL' AND reported_at >= $1`, day, newDeadline).Scan(&want)
	if err != nil {
		t.Fatal(err)
	}
	if got := share(`to: "` + day + `"`); !sameFloat(got, before) {
		t.Errorf("share before %s changed from %s to %s with a rule valid from then", day, fmtF(before), fmtF(got))
	}
	if got := share(`from: "` + day + `"`); !sameFloat(got, want) || sameFloat(got, from) {
		t.Errorf("share from %s = %s (was %s), SQL with the new deadline says %s", day, fmtF(got), fmtF(from), fmtF(want))
	}
}

// TestResponseStatsRowScope: a police officer, who reads rows, aggregates only the cases of
// the station (and the disputes referred from them), as the row rules say.
func TestResponseStatsRowScope(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	fx := loadFixtures(t, hub)
	var out struct {
		ResponseStats []struct {
			Workflow string
			Count    *int
		}
	}
	fx.clients[auth.PoliceOfficer].Query(t, `{ responseStats(filter: { workflow: [CASE, DISPUTE] }, groupBy: [WORKFLOW]) { workflow count } }`, nil).MustData(t, &out)
	var cases, disputes int
	err := hub.Pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM police."case" WHERE station_id = $1),
		(SELECT count(*) FROM mediation.dispute d JOIN police."case" c ON c.id = d.referred_case_id WHERE c.station_id = $1)`, fx.stationPK).Scan(&cases, &disputes)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"CASE": cases, "DISPUTE": disputes}
	if len(out.ResponseStats) != 2 {
		t.Fatalf("responseStats = %+v, want a CASE and a DISPUTE cell", out.ResponseStats)
	}
	for _, g := range out.ResponseStats {
		if g.Count == nil || *g.Count != want[g.Workflow] {
			t.Errorf("%s: the officer aggregates %v records, want the station's %d", g.Workflow, g.Count, want[g.Workflow])
		}
	}
}
