package gridevent_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"civiclink/db/dbtest"
	"civiclink/db/street/gridevent"
	"civiclink/db/workflow"
	"civiclink/db/workflow/workflowtest"
	"civiclink/internal/access"
	"civiclink/internal/apierr"
	"civiclink/internal/auth"
	"civiclink/internal/clock"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// t0 is when the tests' events are reported: in the past, so the database's now() (which
// stamps dispatches, responses and closings) never precedes it.
var t0 = time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)

// staff is a context of the street office's staff with the clock at t0 + d.
func staff(d time.Duration) context.Context {
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{Subject: "test-staff", Role: auth.StreetStaff})
	return clock.With(ctx, clock.Fixed(t0.Add(d)))
}

// worker is a context of a grid worker of grids, with the clock at t0.
func worker(grids ...int64) context.Context {
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{Subject: "test-worker", Role: auth.GridWorker, Scope: auth.Scope{GridIDs: grids}})
	return clock.With(ctx, clock.Fixed(t0))
}

// refusal names what an error says, for the tables' expectations: "input <field>",
// "not found <field>", "forbidden", "conflict", "transition", "" for none, else the error.
func refusal(err error) string {
	var in *apierr.InputError
	var nf *workflow.NotFoundError
	var fb *access.ForbiddenError
	var cf *workflow.ConflictError
	var tr *workflow.TransitionError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &in):
		if in.Field == "" && len(in.Problems) > 0 {
			return "input " + in.Problems[0].Field
		}
		return "input " + in.Field
	case errors.As(err, &nf):
		return "not found " + nf.Field
	case errors.As(err, &fb):
		return "forbidden"
	case errors.As(err, &cf):
		return "conflict"
	case errors.As(err, &tr):
		return "transition"
	}
	return err.Error()
}

func critical(w dbtest.World) gridevent.NewGridEvent {
	return gridevent.NewGridEvent{GridID: w.Grid, EstateID: &w.Estate, Category: "SAFETY_HAZARD", Urgency: "CRITICAL", Summary: "gas smell"}
}

// report reports the world's CRITICAL event at t0.
func report(t *testing.T, tx pgx.Tx, w dbtest.World) int64 {
	t.Helper()
	res, err := gridevent.Report(staff(0), tx, critical(w))
	if err != nil {
		t.Fatalf("Report: %v", err)
	}
	return res.GridEvent
}

// TestReport: a reported event is REPORTED, due by GRID_EVENT_DUE_CRITICAL (240 minutes) in
// force when reported, has its first status-log row, and is announced in the same
// transaction as GRID_EVENT_REPORTED with its urgency and grid. Before the fix no event was
// written, so a new urgent grid event never reached the subscribers.
func TestReport(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	ctx := context.Background()
	id := report(t, tx, w)
	var status string
	var reported, due time.Time
	var logged int
	if err := tx.QueryRow(ctx, `SELECT status, reported_at, due_at, (SELECT count(*) FROM street.grid_event_status_log WHERE entity_id = e.id AND to_status = 'REPORTED')
		FROM street.grid_event e WHERE id = $1`, id).Scan(&status, &reported, &due, &logged); err != nil {
		t.Fatal(err)
	}
	if status != "REPORTED" || !reported.Equal(t0) || !due.Equal(t0.Add(240*time.Minute)) || logged != 1 {
		t.Errorf("expected REPORTED at %s, due 240 minutes later, one status-log row; got %s at %s, due %s, %d rows", t0, status, reported, due, logged)
	}
	var urgency, to, entityType *string
	var grid *int64
	if err := tx.QueryRow(ctx, `SELECT payload->>'urgency', payload->>'toStatus', entity_type, grid_id FROM hub.outbox
		WHERE topic = 'GRID_EVENT_REPORTED' AND entity_id = $1`, id).Scan(&urgency, &to, &entityType, &grid); err != nil {
		t.Fatalf("expected a GRID_EVENT_REPORTED event of the grid event in the outbox: %v", err)
	}
	if deref(urgency) != "CRITICAL" || deref(to) != "REPORTED" || deref(entityType) != "GridEvent" || grid == nil || *grid != w.Grid {
		t.Errorf("GRID_EVENT_REPORTED: expected urgency CRITICAL, toStatus REPORTED, subject GridEvent, grid %d; got %s, %s, %s, %v",
			w.Grid, deref(urgency), deref(to), deref(entityType), grid)
	}
}

// TestReportRefusals: every refusal names the input at fault, and writes nothing.
func TestReportRefusals(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	ctx := context.Background()
	var otherWorker, otherEstate int64
	if err := tx.QueryRow(ctx, `INSERT INTO street.grid_worker (person_id, grid_id, post, active_from) VALUES ($1, $2, 'FULL_TIME', '2020-01-01') RETURNING id`,
		w.Persons[0], w.OtherGrid).Scan(&otherWorker); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRow(ctx, `INSERT INTO street.estate (community_id, grid_id, name, households, management_mode) VALUES ($1, $2, 'Other estate', 5, 'SELF_MANAGED') RETURNING id`,
		w.Community, w.OtherGrid).Scan(&otherEstate); err != nil {
		t.Fatal(err)
	}
	future, early := t0.Add(time.Hour), t0.Add(-time.Minute)
	missing := w.Grid + 1_000_000
	for _, c := range []struct {
		name string
		ctx  context.Context
		edit func(*gridevent.NewGridEvent)
		want string
	}{
		{"empty summary", staff(0), func(e *gridevent.NewGridEvent) { e.Summary = "" }, "input summary"},
		{"reported after the clock's now", staff(0), func(e *gridevent.NewGridEvent) { e.ReportedAt = &future }, "input reportedAt"},
		{"due before it was reported", staff(0), func(e *gridevent.NewGridEvent) { e.DueAt = &early }, "input dueAt"},
		{"no such grid", staff(0), func(e *gridevent.NewGridEvent) { e.GridID, e.EstateID = missing, nil }, "not found gridId"},
		{"estate of another grid", staff(0), func(e *gridevent.NewGridEvent) { e.EstateID = &otherEstate }, "input estateId"},
		{"reporter of another grid", staff(0), func(e *gridevent.NewGridEvent) { e.ReporterID = &otherWorker }, "input reporterId"},
		{"grid worker outside their grids", worker(w.OtherGrid), func(*gridevent.NewGridEvent) {}, "forbidden"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sp, err := tx.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = sp.Rollback(ctx) }()
			e := critical(w)
			c.edit(&e)
			_, err = gridevent.Report(c.ctx, sp, e)
			if got := refusal(err); got != c.want {
				t.Errorf("expected %q, got %q (%v)", c.want, got, err)
			}
			var n int
			if err := sp.QueryRow(ctx, `SELECT count(*) FROM street.grid_event WHERE grid_id IN ($1, $2)`, w.Grid, w.OtherGrid).Scan(&n); err != nil || n != 0 {
				t.Errorf("a refused report wrote %d grid events (%v), expected none", n, err)
			}
		})
	}
	// The grid worker of the grid reports there.
	if _, err := gridevent.Report(worker(w.Grid), tx, critical(w)); err != nil {
		t.Errorf("a grid worker reporting in their grid: %v", err)
	}
}

// TestAdvance: a legal step moves the event; an illegal one, a stale version, CONVERTED
// (only through Convert), a missing event and one out of the caller's scope are refused.
func TestAdvance(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	id := report(t, tx, w)
	for _, c := range []struct {
		name string
		ctx  context.Context
		move gridevent.Move
		want string
	}{
		{"illegal step", staff(time.Minute), gridevent.Move{GridEventID: id, Version: 1, To: "HANDLING"}, "transition"},
		{"stale version", staff(time.Minute), gridevent.Move{GridEventID: id, Version: 2, To: "FILED"}, "conflict"},
		{"converted without a conversion", staff(time.Minute), gridevent.Move{GridEventID: id, Version: 1, To: "CONVERTED"}, "input to"},
		{"reason too long", staff(time.Minute), gridevent.Move{GridEventID: id, Version: 1, To: "FILED", Reason: ptr(strings.Repeat("x", 2001))}, "input reason"},
		{"no such event", staff(time.Minute), gridevent.Move{GridEventID: id + 1_000_000, Version: 1, To: "FILED"}, "not found gridEventId"},
		{"grid worker of another grid", worker(w.OtherGrid), gridevent.Move{GridEventID: id, Version: 1, To: "FILED"}, "forbidden"},
		{"legal step", staff(time.Minute), gridevent.Move{GridEventID: id, Version: 1, To: "FILED"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := gridevent.Advance(c.ctx, tx, c.move)
			if got := refusal(err); got != c.want {
				t.Fatalf("expected %q, got %q (%v)", c.want, got, err)
			}
			if err == nil && res.GridEvent != id {
				t.Errorf("expected the result to name grid event %d, got %d", id, res.GridEvent)
			}
		})
	}
	var status string
	var version int
	if err := tx.QueryRow(context.Background(), `SELECT status, version FROM street.grid_event WHERE id = $1`, id).Scan(&status, &version); err != nil {
		t.Fatal(err)
	}
	if status != "FILED" || version != 2 {
		t.Errorf("expected the event FILED at version 2 after one legal step, got %s at %d", status, version)
	}
}

// TestConvert: an event becomes a GRID_REPORT dispute or a TRANSFER case (of the station
// covering its grid by default) in its grid and estate, keeps the link and is announced; a
// refused conversion writes neither dispute nor case.
func TestConvert(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	ctx := context.Background()
	var lonely int64 // a grid of a community no station covers
	if err := tx.QueryRow(ctx, `WITH c AS (INSERT INTO street.community (code, name) VALUES ('L' || $1::bigint, 'Lonely') RETURNING id)
		INSERT INTO street.grid (community_id, code, name, kind) SELECT id, 'L' || $1::bigint || '-1', 'Lonely grid', 'BASIC' FROM c RETURNING id`, w.Grid).Scan(&lonely); err != nil {
		t.Fatal(err)
	}
	dispute := func(id int64, version int) gridevent.Conversion {
		return gridevent.Conversion{GridEventID: id, Version: version, Into: gridevent.IntoDispute, CommitteeID: &w.Committee, DisputeCategory: ptr("NEIGHBOUR")}
	}
	toCase := func(id int64, version int) gridevent.Conversion {
		return gridevent.Conversion{GridEventID: id, Version: version, Into: gridevent.IntoCase, CaseCategory: ptr("PUBLIC_ORDER")}
	}
	missingCommittee := w.Committee + 1_000_000
	for _, c := range []struct {
		name    string
		prepare func(t *testing.T, tx pgx.Tx) gridevent.Conversion
		want    string
	}{
		{"dispute without a committee", func(t *testing.T, tx pgx.Tx) gridevent.Conversion {
			c := dispute(report(t, tx, w), 1)
			c.CommitteeID = nil
			return c
		}, "input committeeId"},
		{"case without a category", func(t *testing.T, tx pgx.Tx) gridevent.Conversion {
			c := toCase(report(t, tx, w), 1)
			c.CaseCategory = nil
			return c
		}, "input caseCategory"},
		{"no such committee", func(t *testing.T, tx pgx.Tx) gridevent.Conversion {
			c := dispute(report(t, tx, w), 1)
			c.CommitteeID = &missingCommittee
			return c
		}, "not found committeeId"},
		{"stale version", func(t *testing.T, tx pgx.Tx) gridevent.Conversion { return dispute(report(t, tx, w), 2) }, "conflict"},
		{"a cancelled event", func(t *testing.T, tx pgx.Tx) gridevent.Conversion {
			id := report(t, tx, w)
			if _, err := gridevent.Advance(staff(time.Minute), tx, gridevent.Move{GridEventID: id, Version: 1, To: "CANCELLED"}); err != nil {
				t.Fatal(err)
			}
			return toCase(id, 2)
		}, "transition"},
		{"case in a grid no station covers", func(t *testing.T, tx pgx.Tx) gridevent.Conversion {
			res, err := gridevent.Report(staff(0), tx, gridevent.NewGridEvent{GridID: lonely, Category: "OTHER", Urgency: "LOW", Summary: "far away"})
			if err != nil {
				t.Fatal(err)
			}
			return toCase(res.GridEvent, 1)
		}, "input stationId"},
		{"grid worker of another grid", func(t *testing.T, tx pgx.Tx) gridevent.Conversion { return dispute(report(t, tx, w), 1) }, "forbidden"},
	} {
		t.Run(c.name, func(t *testing.T) {
			sp, err := tx.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = sp.Rollback(ctx) }()
			conv := c.prepare(t, sp)
			as := staff(time.Hour)
			if c.want == "forbidden" {
				as = worker(w.OtherGrid)
			}
			_, err = gridevent.Convert(as, sp, conv)
			if got := refusal(err); got != c.want {
				t.Fatalf("expected %q, got %q (%v)", c.want, got, err)
			}
			var disputes, cases int
			if err := sp.QueryRow(ctx, `SELECT (SELECT count(*) FROM mediation.dispute WHERE grid_event_id = $1),
				(SELECT count(*) FROM police."case" WHERE source = 'TRANSFER' AND grid_id IN ($2, $3))`, conv.GridEventID, w.Grid, lonely).Scan(&disputes, &cases); err != nil {
				t.Fatal(err)
			}
			if disputes+cases != 0 {
				t.Errorf("a refused conversion opened %d disputes and %d cases, expected none", disputes, cases)
			}
		})
	}

	t.Run("into a dispute", func(t *testing.T) {
		id := report(t, tx, w)
		res, err := gridevent.Convert(staff(time.Hour), tx, dispute(id, 1))
		if err != nil || res.Dispute == nil || res.Case != nil {
			t.Fatalf("expected a dispute, got %+v (%v)", res, err)
		}
		var source string
		var link, estate, grid *int64
		if err := tx.QueryRow(ctx, `SELECT d.source, e.converted_dispute_id, d.estate_id, d.grid_id FROM mediation.dispute d
			JOIN street.grid_event e ON e.id = d.grid_event_id WHERE d.id = $1 AND e.status = 'CONVERTED'`, *res.Dispute).Scan(&source, &link, &estate, &grid); err != nil {
			t.Fatalf("expected a dispute of the CONVERTED event: %v", err)
		}
		if source != "GRID_REPORT" || link == nil || *link != *res.Dispute || deref(estate) != w.Estate || deref(grid) != w.Grid {
			t.Errorf("expected a GRID_REPORT dispute in grid %d, estate %d, linked from the event; got %s in %v, %v, link %v", w.Grid, w.Estate, source, grid, estate, link)
		}
		assertConverted(t, tx, id, "REPORTED", nil)
	})
	t.Run("into a case of the covering station", func(t *testing.T) {
		id := report(t, tx, w)
		at := staff(time.Hour)
		res, err := gridevent.Convert(at, tx, toCase(id, 1))
		if err != nil || res.Case == nil || res.Dispute != nil {
			t.Fatalf("expected a case, got %+v (%v)", res, err)
		}
		var station int64
		var kind, source string
		var received time.Time
		var link *int64
		if err := tx.QueryRow(ctx, `SELECT c.station_id, c.kind, c.source, c.received_at, e.converted_case_id FROM police."case" c
			JOIN street.grid_event e ON e.id = $2 WHERE c.id = $1`, *res.Case, id).Scan(&station, &kind, &source, &received, &link); err != nil {
			t.Fatal(err)
		}
		if station != w.Station || kind != "CALL" || source != "TRANSFER" || !received.Equal(clock.Now(at)) || deref(link) != *res.Case {
			t.Errorf("expected a TRANSFER CALL case of station %d received at %s, linked from the event; got %s %s of %d at %s, link %v",
				w.Station, clock.Now(at), source, kind, station, received, link)
		}
		assertConverted(t, tx, id, "REPORTED", &w.Station)
	})
}

// assertConverted checks the GRID_EVENT_CONVERTED event of grid event id.
func assertConverted(t *testing.T, tx pgx.Tx, id int64, from string, station *int64) {
	t.Helper()
	var got, to *string
	var gotStation *int64
	if err := tx.QueryRow(context.Background(), `SELECT payload->>'fromStatus', payload->>'toStatus', station_id FROM hub.outbox
		WHERE topic = 'GRID_EVENT_CONVERTED' AND entity_id = $1`, id).Scan(&got, &to, &gotStation); err != nil {
		t.Fatalf("expected a GRID_EVENT_CONVERTED event: %v", err)
	}
	if deref(got) != from || deref(to) != "CONVERTED" || deref(gotStation) != deref(station) {
		t.Errorf("GRID_EVENT_CONVERTED: expected %s → CONVERTED, station %v; got %s → %s, station %v", from, deref(station), deref(got), deref(to), deref(gotStation))
	}
}

// TestEveryGridEventStatusHasAWayOut walks grid events through every status the commands
// reach (CONVERTED through Convert) and asserts that each one the machine lets out has a
// command that does.
func TestEveryGridEventStatusHasAWayOut(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	d := workflowtest.Driver{
		Create: func(ctx context.Context, tx pgx.Tx) (workflowtest.Entity, error) {
			res, err := gridevent.Report(ctx, tx, critical(w))
			return workflowtest.Entity{ID: res.GridEvent, Version: 1}, err
		},
		Step: func(ctx context.Context, tx pgx.Tx, e workflowtest.Entity, to string) error {
			if to == "CONVERTED" {
				_, err := gridevent.Convert(ctx, tx, gridevent.Conversion{GridEventID: e.ID, Version: e.Version, Into: gridevent.IntoDispute,
					CommitteeID: &w.Committee, DisputeCategory: ptr("NEIGHBOUR")})
				return err
			}
			_, err := gridevent.Advance(ctx, tx, gridevent.Move{GridEventID: e.ID, Version: e.Version, To: to})
			return err
		},
	}
	reached := workflowtest.Walk(t, staff(0), tx, workflow.GridEventMachine, d)
	if all := workflow.GridEventMachine.Statuses(); len(reached) != len(all) {
		t.Errorf("grid events reach %v; expected every status of the machine, %v", reached, all)
	}
}

func ptr[T any](v T) *T { return &v }

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
