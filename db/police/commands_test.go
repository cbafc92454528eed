package police_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"civiclink/db/dbtest"
	"civiclink/db/police"
	"civiclink/db/workflow"
	"civiclink/db/workflow/workflowtest"
	"civiclink/internal/access"
	"civiclink/internal/apierr"
	"civiclink/internal/auth"
	"civiclink/internal/clock"

	"github.com/jackc/pgx/v5"
)

// t0 is when the tests' cases are received: in the past, so the database's now() (which
// stamps dispatch, arrival and closing) never precedes it.
var t0 = time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)

// officer is a context of an officer of the world's station, with the clock at t0.
func officer(w dbtest.World) context.Context {
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{Subject: "test-officer", Role: auth.PoliceOfficer,
		Scope: auth.Scope{StationID: &w.Station, OfficerID: &w.Officer}})
	return clock.With(ctx, clock.Fixed(t0))
}

func fieldOf(err error) string {
	var in *apierr.InputError
	if !errors.As(err, &in) {
		return ""
	}
	if in.Field != "" {
		return in.Field
	}
	if len(in.Problems) > 0 {
		return in.Problems[0].Field
	}
	return ""
}

func registration(w dbtest.World, kind string) police.Registration {
	return police.Registration{StationID: w.Station, Kind: kind, Category: "NEIGHBOUR_DISPUTE", Source: "HOTLINE_110", Summary: "noise at night", GridID: &w.Grid}
}

// driver walks cases of one kind through the police commands.
func driver(w dbtest.World, kind string) workflowtest.Driver {
	return workflowtest.Driver{
		Create: func(ctx context.Context, tx pgx.Tx) (workflowtest.Entity, error) {
			res, err := police.RegisterCase(ctx, tx, registration(w, kind))
			return workflowtest.Entity{ID: res.Case, Version: 1}, err
		},
		Step: func(ctx context.Context, tx pgx.Tx, e workflowtest.Entity, to string) error {
			if to == "REFERRED" {
				_, err := police.ReferCase(ctx, tx, police.Referral{CaseID: e.ID, Version: e.Version, CommitteeID: w.Committee, Category: "NEIGHBOUR", Difficulty: "ORDINARY"})
				return err
			}
			_, err := police.AdvanceCase(ctx, tx, police.CaseMove{CaseID: e.ID, Version: e.Version, To: to})
			return err
		},
	}
}

// TestEveryCaseStatusHasAWayOut walks cases of every kind through every status the commands
// reach and asserts that each one the machine lets out has a command that does. Before the
// fix a CALL (or ADMINISTRATIVE, CRIMINAL) case moved ON_SCENE → NON_POLICE was stuck:
// referral refused its kind, and NON_POLICE allows nothing else.
func TestEveryCaseStatusHasAWayOut(t *testing.T) {
	for _, kind := range []string{"CALL", "ADMINISTRATIVE", "CRIMINAL", "NON_POLICE"} {
		t.Run(kind, func(t *testing.T) {
			tx := dbtest.Tx(t)
			w := dbtest.NewWorld(t, tx)
			reached := workflowtest.Walk(t, officer(w), tx, workflow.CaseMachine, driver(w, kind))
			if all := workflow.CaseMachine.Statuses(); len(reached) != len(all) {
				t.Errorf("a case of kind %s reaches %v; expected every status of the machine, %v", kind, reached, all)
			}
		})
	}
}

// TestReferCase: the referral opens a dispute with the case's parties, and CASE_REFERRED
// carries the status the case came from. Before the fix its fromStatus was null.
func TestReferCase(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	ctx := officer(w)
	c, err := police.RegisterCase(ctx, tx, registration(w, "CALL"))
	if err != nil {
		t.Fatal(err)
	}
	for i, role := range []string{"CALLER", "SUSPECT", "WITNESS"} {
		if _, err := tx.Exec(ctx, "INSERT INTO police.case_party (case_id, person_id, role) VALUES ($1, $2, $3)", c.Case, w.Persons[i], role); err != nil {
			t.Fatal(err)
		}
	}
	version := 1
	for _, to := range []string{"DISPATCHED", "ON_SCENE"} {
		if _, err := police.AdvanceCase(ctx, tx, police.CaseMove{CaseID: c.Case, Version: version, To: to}); err != nil {
			t.Fatalf("AdvanceCase to %s: %v", to, err)
		}
		version++
	}
	refer := police.Referral{CaseID: c.Case, Version: version, CommitteeID: w.Committee, Category: "NEIGHBOUR", Difficulty: "ORDINARY"}
	if _, err := police.ReferCase(ctx, tx, refer); fieldOf(err) != "caseId" {
		t.Errorf("referring a CALL case ON_SCENE: expected BAD_USER_INPUT on caseId, got %v", err)
	}
	if _, err := police.AdvanceCase(ctx, tx, police.CaseMove{CaseID: c.Case, Version: version, To: "NON_POLICE"}); err != nil {
		t.Fatal(err)
	}
	refer.Version++
	res, err := police.ReferCase(ctx, tx, refer)
	if err != nil {
		t.Fatalf("referring a CALL case found NON_POLICE: %v", err)
	}
	rows, err := tx.Query(ctx, "SELECT person_id, side FROM mediation.dispute_party WHERE dispute_id = $1 ORDER BY person_id", res.Dispute)
	if err != nil {
		t.Fatal(err)
	}
	sides := map[int64]string{}
	for rows.Next() {
		var p int64
		var s string
		if err := rows.Scan(&p, &s); err != nil {
			t.Fatal(err)
		}
		sides[p] = s
	}
	want := map[int64]string{w.Persons[0]: "APPLICANT", w.Persons[1]: "RESPONDENT", w.Persons[2]: "THIRD_PARTY"}
	if len(sides) != len(want) || sides[w.Persons[0]] != want[w.Persons[0]] || sides[w.Persons[1]] != want[w.Persons[1]] || sides[w.Persons[2]] != want[w.Persons[2]] {
		t.Errorf("dispute parties: expected %v, got %v", want, sides)
	}
	var from, to *string
	var entity int64
	var grid, station *int64
	if err := tx.QueryRow(ctx, `SELECT payload->>'fromStatus', payload->>'toStatus', entity_id, grid_id, station_id FROM hub.outbox
		WHERE topic = 'CASE_REFERRED' ORDER BY id DESC LIMIT 1`).Scan(&from, &to, &entity, &grid, &station); err != nil {
		t.Fatalf("read CASE_REFERRED: %v", err)
	}
	if from == nil || *from != "NON_POLICE" || to == nil || *to != "REFERRED" || entity != res.Dispute {
		t.Errorf("CASE_REFERRED: expected NON_POLICE → REFERRED for dispute %d, got %v → %v for %d", res.Dispute, deref(from), deref(to), entity)
	}
	if grid == nil || *grid != w.Grid || station == nil || *station != w.Station {
		t.Errorf("CASE_REFERRED: expected the case's grid %d and station %d, got %v, %v", w.Grid, w.Station, grid, station)
	}
}

// TestRegisterCaseAnnounces: a new case is announced on the outbox (CASE_REGISTERED), in its
// grid and station, so live views see it. Before the fix registerCase emitted nothing.
func TestRegisterCaseAnnounces(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	ctx := officer(w)
	c, err := police.RegisterCase(ctx, tx, registration(w, "CALL"))
	if err != nil {
		t.Fatal(err)
	}
	var grid, station *int64
	var to *string
	err = tx.QueryRow(ctx, `SELECT grid_id, station_id, payload->>'toStatus' FROM hub.outbox WHERE topic = 'CASE_REGISTERED' AND entity_type = 'Case' AND entity_id = $1`, c.Case).Scan(&grid, &station, &to)
	if err != nil {
		t.Fatalf("expected one CASE_REGISTERED event for case %d: %v", c.Case, err)
	}
	if grid == nil || *grid != w.Grid || station == nil || *station != w.Station || to == nil || *to != "RECEIVED" {
		t.Errorf("CASE_REGISTERED: expected grid %d, station %d, toStatus RECEIVED; got %v, %v, %v", w.Grid, w.Station, grid, station, deref(to))
	}
}

func TestRegisterCaseRefuses(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	var otherOfficer int64
	if err := tx.QueryRow(context.Background(), `INSERT INTO police.station (code, name) VALUES ($1, 'other') RETURNING id`, fmt.Sprintf("OTHER-%d", w.Station)).Scan(new(int64)); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRow(context.Background(), `INSERT INTO police.officer (badge_no, name, rank, station_id, duty)
		SELECT $1, 'other', 'CONSTABLE', max(id), 'PATROL' FROM police.station RETURNING id`, fmt.Sprintf("X%07d", w.Station)).Scan(&otherOfficer); err != nil {
		t.Fatal(err)
	}
	later := t0.Add(time.Hour)
	tests := []struct {
		name  string
		edit  func(r *police.Registration)
		field string
	}{
		{"an empty summary", func(r *police.Registration) { r.Summary = " " }, "summary"},
		{"received before it occurred", func(r *police.Registration) { r.OccurredAt = &later; r.ReceivedAt = &t0 }, "receivedAt"},
		{"received in the future", func(r *police.Registration) { r.ReceivedAt = &later }, "receivedAt"},
		{"a lead officer of another station", func(r *police.Registration) { r.LeadOfficerID = &otherOfficer }, "leadOfficerId"},
		{"an estate outside the grid", func(r *police.Registration) { r.GridID = &w.OtherGrid; r.EstateID = &w.Estate }, "estateId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := registration(w, "CALL")
			tt.edit(&r)
			sp, err := tx.Begin(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer sp.Rollback(context.Background())
			if _, err := police.RegisterCase(officer(w), sp, r); fieldOf(err) != tt.field {
				t.Errorf("expected BAD_USER_INPUT on %s, got %v", tt.field, err)
			}
		})
	}
	other := int64(-1)
	ctx := auth.WithPrincipal(context.Background(), auth.Principal{Subject: "x", Role: auth.PoliceOfficer, Scope: auth.Scope{StationID: &other}})
	var forbidden *access.ForbiddenError
	if _, err := police.RegisterCase(clock.With(ctx, clock.Fixed(t0)), tx, registration(w, "CALL")); !errors.As(err, &forbidden) {
		t.Errorf("an officer of another station: expected FORBIDDEN, got %v", err)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

// TestRegisterCaseAtAMissingStation: a case of a station that does not exist is NOT_FOUND on
// stationId, also when it names a lead officer (who then is no officer of the station): the
// station is checked first, which the foreign key alone would not do.
func TestRegisterCaseAtAMissingStation(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	missing := int64(-1)
	ctx := clock.With(auth.WithPrincipal(context.Background(), auth.Principal{Subject: "test-officer", Role: auth.PoliceOfficer,
		Scope: auth.Scope{StationID: &missing, OfficerID: &w.Officer}}), clock.Fixed(t0))
	for _, lead := range []*int64{nil, &w.Officer} {
		sp, err := tx.Begin(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		r := registration(w, "CALL")
		r.StationID, r.LeadOfficerID = missing, lead
		_, err = police.RegisterCase(ctx, sp, r)
		var nf *workflow.NotFoundError
		if !errors.As(err, &nf) || nf.Field != "stationId" || nf.What != "station" {
			t.Errorf("a case of a missing station (lead officer %v): expected NOT_FOUND on stationId, got %v", lead != nil, err)
		}
		_ = sp.Rollback(context.Background())
	}
}
