package resolvers_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/clock"
	"civiclink/internal/events"
	"civiclink/internal/globalid"
	"civiclink/internal/hubtest"
)

// reminder is one deadline reminder in the outbox, read back in plain SQL.
type reminder struct {
	ruleID  int64
	version int
	remind  string
	station *int64
}

// remindersOf reads the outbox's reminders of kind about one record.
func remindersOf(t *testing.T, hub *hubtest.Hub, kind, entityType string, id int64) []reminder {
	t.Helper()
	rows, err := hub.Pool.Query(context.Background(), `SELECT r.id, r.version, o.payload->>'remind', o.station_id
		FROM hub.outbox o JOIN hub.rule r ON r.id = (o.payload->>'ruleId')::bigint
		WHERE o.topic = $1 AND o.entity_type = $2 AND o.entity_id = $3 ORDER BY o.id`, kind, entityType, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []reminder
	for rows.Next() {
		var r reminder
		if err := rows.Scan(&r.ruleID, &r.version, &r.remind, &r.station); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestDeadlineReminders: with the clock injected, an urgent grid event past the response
// deadline of its rule raises exactly one RESPONSE_OVERDUE reminder naming that rule version
// and its recipient, however often (and however concurrently) the scan runs; a version of the
// rule published with a longer deadline and another recipient applies to events reported from
// its validity on and not before; the due deadline (DUE_OVERDUE) and a case's on-scene deadline
// raise theirs the same way.
func TestDeadlineReminders(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	fx := loadFixtures(t, hub)
	ctx := auth.WithSystem(context.Background())
	office := time.FixedZone("CST", 8*3600)
	valid := clock.Midnight(clock.DateOf(time.Now()).AddDate(0, 0, -10)) // the new version's validity
	var pub struct {
		PublishRule struct {
			Rule struct {
				ID              string
				Version         int
				DeadlineMinutes int
				Remind          string
			}
		}
	}
	hub.Query(t, `mutation($in: PublishRuleInput!) { publishRule(input: $in) { rule { id version deadlineMinutes remind } } }`,
		map[string]any{"in": map[string]any{"code": "GRID_EVENT_RESPONSE_CRITICAL", "deadlineMinutes": 120, "remind": "GRID_WORKER",
			"validFrom": valid.In(office).Format(time.RFC3339), "reason": "two hours, and the grid worker is reminded"}}).MustData(t, &pub)
	_, v2, err := globalid.Decode(pub.PublishRule.Rule.ID)
	if err != nil || pub.PublishRule.Rule.Version != 2 {
		t.Fatalf("published %+v (%v), want version 2", pub.PublishRule.Rule, err)
	}
	var v1, due1 int64
	if err := hub.Pool.QueryRow(ctx, `SELECT (SELECT id FROM hub.rule WHERE code = 'GRID_EVENT_RESPONSE_CRITICAL' AND version = 1),
		(SELECT id FROM hub.rule WHERE code = 'GRID_EVENT_DUE_CRITICAL' AND version = 1)`).Scan(&v1, &due1); err != nil {
		t.Fatal(err)
	}

	report := func(at time.Time) int64 {
		e := fx.mutate(t, "reportGridEvent", "ReportGridEventInput", "gridEvent", map[string]any{"gridId": fx.grid,
			"category": "SAFETY_HAZARD", "urgency": "CRITICAL", "summary": "gas smell", "reportedAt": at.Format(time.RFC3339)})
		_, pk, err := globalid.Decode(e.ID)
		if err != nil {
			t.Fatal(err)
		}
		return pk
	}
	before := report(valid.Add(-3 * time.Hour)) // under version 1: 60 minutes, DISPATCH_CENTRE
	after := report(valid.Add(time.Hour))       // under version 2: 120 minutes, GRID_WORKER
	c := fx.mutate(t, "registerCase", "RegisterCaseInput", "case", map[string]any{"stationId": fx.station, "kind": "CALL",
		"category": "ASSAULT", "source": "HOTLINE_110", "summary": "fight", "gridId": fx.grid})
	_, casePK, err := globalid.Decode(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var onScene int64
	var received time.Time
	if err := hub.Pool.QueryRow(ctx, `SELECT received_at, hub.rule_in_force('CASE_ON_SCENE', received_at) FROM police."case" WHERE id = $1`, casePK).Scan(&received, &onScene); err != nil {
		t.Fatal(err)
	}

	scan := func(at time.Time, concurrent int) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make([]error, concurrent)
		for i := range concurrent {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = events.ScanDeadlines(clock.With(ctx, clock.Fixed(at)), hub.Pool)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatalf("scan at %s: %v", at, err)
			}
		}
	}
	want := func(step, kind, entityType string, id int64, rule int64, remind string) {
		t.Helper()
		got := remindersOf(t, hub, kind, entityType, id)
		if rule == 0 {
			if len(got) != 0 {
				t.Errorf("%s: %s %d has %d %s reminders %+v, want none yet", step, entityType, id, len(got), kind, got)
			}
			return
		}
		if len(got) != 1 || got[0].ruleID != rule || got[0].remind != remind {
			t.Errorf("%s: %s %d has %s reminders %+v, want exactly one by rule %d to %s", step, entityType, id, kind, got, rule, remind)
		}
	}

	// 90 minutes after the later event: the earlier one is past version 1's hour (and its
	// four hours to be closed); the later one would be past version 1's hour but not past
	// version 2's two hours, which apply to it.
	scan(valid.Add(time.Hour+90*time.Minute), 1)
	want("at +90 min", events.ResponseOverdue, "GridEvent", before, v1, "DISPATCH_CENTRE")
	want("at +90 min", events.ResponseOverdue, "GridEvent", after, 0, "")
	want("at +90 min", events.DueOverdue, "GridEvent", before, due1, "DISPATCH_CENTRE")
	want("at +90 min", events.DueOverdue, "GridEvent", after, 0, "")

	// Past version 2's deadline: the later event's reminder names version 2 and goes to the
	// grid worker; three instances scanning at once still remind each event once.
	scan(valid.Add(time.Hour+121*time.Minute), 3)
	want("at +121 min", events.ResponseOverdue, "GridEvent", before, v1, "DISPATCH_CENTRE")
	want("at +121 min", events.ResponseOverdue, "GridEvent", after, v2, "GRID_WORKER")
	want("at +121 min", events.DueOverdue, "GridEvent", after, 0, "")

	// Past the later event's four hours to be closed, and later still: once each.
	scan(valid.Add(6*time.Hour), 1)
	scan(valid.Add(7*time.Hour), 2)
	want("at +6 h", events.ResponseOverdue, "GridEvent", after, v2, "GRID_WORKER")
	want("at +6 h", events.DueOverdue, "GridEvent", after, due1, "DISPATCH_CENTRE")
	want("at +6 h", events.DueOverdue, "GridEvent", before, due1, "DISPATCH_CENTRE")

	// The case just registered: nothing within its 30 minutes, one reminder to the station's
	// duty officer after them, with the station.
	scan(received.Add(29*time.Minute), 1)
	want("case at +29 min", events.ResponseOverdue, "Case", casePK, 0, "")
	scan(received.Add(31*time.Minute), 2)
	want("case at +31 min", events.ResponseOverdue, "Case", casePK, onScene, "STATION_DUTY_OFFICER")
	if got := remindersOf(t, hub, events.ResponseOverdue, "Case", casePK); len(got) == 1 && (got[0].station == nil || *got[0].station != fx.stationPK) {
		t.Errorf("the case's reminder has station %v, want %d", got[0].station, fx.stationPK)
	}
}

// TestFollowUpReminders: on an office day (the clock injected), every live obligation — an
// agreement past its performance deadline and grace, not performed, not visited since, as
// overdueAgreements lists them, recomputed here in plain SQL — gets exactly one
// FOLLOW_UP_OVERDUE reminder about its dispute, by the AGREEMENT_FOLLOW_UP version in force on
// the deadline, to the grid worker; no other agreement does.
func TestFollowUpReminders(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	ctx := auth.WithSystem(context.Background())
	day := time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)
	// Two agreements made live obligations: their disputes DEFAULTED, their deadlines a month
	// before the day, and no visit since.
	if _, err := hub.Pool.Exec(ctx, `WITH picked AS (
		SELECT a.id, a.dispute_id FROM mediation.agreement a JOIN mediation.dispute d ON d.id = a.dispute_id
		WHERE d.status = 'ARCHIVED' AND d.grid_id IS NOT NULL ORDER BY a.id LIMIT 2),
		states AS (UPDATE mediation.dispute d SET status = 'DEFAULTED' FROM picked WHERE d.id = picked.dispute_id),
		visits AS (DELETE FROM mediation.follow_up f USING picked WHERE f.agreement_id = picked.id)
		UPDATE mediation.agreement a SET performance_deadline = $1::date - 30 FROM picked WHERE a.id = picked.id`, day); err != nil {
		t.Fatal(err)
	}
	live := map[int64]int64{} // dispute -> rule
	agreements := map[int64]int{}
	rows, err := hub.Pool.Query(ctx, `SELECT a.dispute_id, r.id FROM mediation.agreement a JOIN mediation.dispute d ON d.id = a.dispute_id
		JOIN hub.rule r ON r.code = 'AGREEMENT_FOLLOW_UP' AND r.version = 1
		WHERE a.performance_deadline < $1::date AND d.status NOT IN ('PERFORMED', 'ARCHIVED', 'WITHDRAWN', 'LITIGATION')
		  AND NOT EXISTS (SELECT 1 FROM mediation.follow_up f WHERE f.agreement_id = a.id
		    AND f.visited_at >= a.performance_deadline::timestamp AT TIME ZONE 'Asia/Shanghai')`, day)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var d, r int64
		if err := rows.Scan(&d, &r); err != nil {
			t.Fatal(err)
		}
		live[d] = r
		agreements[d]++
	}
	rows.Close()
	if len(live) == 0 {
		t.Fatal("no live obligation on the day: the check proves nothing")
	}
	at := clock.Midnight(day).Add(9 * time.Hour)
	for range 2 {
		if _, err := events.ScanDeadlines(clock.With(ctx, clock.Fixed(at)), hub.Pool); err != nil {
			t.Fatal(err)
		}
	}
	got := map[int64]int{}
	rows, err = hub.Pool.Query(ctx, `SELECT entity_id, (payload->>'ruleId')::bigint, payload->>'remind' FROM hub.outbox
		WHERE topic = $1 AND entity_type = 'Dispute'`, events.FollowUpOverdue)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var d, r int64
		var remind string
		if err := rows.Scan(&d, &r, &remind); err != nil {
			t.Fatal(err)
		}
		got[d]++
		if want, ok := live[d]; !ok || r != want || remind != "GRID_WORKER" {
			t.Errorf("reminder about dispute %d by rule %d to %s; want only live obligations, by rule %d, to GRID_WORKER", d, r, remind, want)
		}
	}
	for d, n := range agreements {
		if got[d] != n {
			t.Errorf("dispute %d: %d reminders of its %d live obligations after two scans, want exactly one each", d, got[d], n)
		}
	}
}
