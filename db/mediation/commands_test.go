package mediation_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"civiclink/db/dbtest"
	"civiclink/db/mediation"
	"civiclink/db/workflow"
	"civiclink/db/workflow/workflowtest"
	"civiclink/internal/access"
	"civiclink/internal/apierr"
	"civiclink/internal/auth"
	"civiclink/internal/clock"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// t0 is when the tests' disputes are received: in the past, so the database's now() (which
// stamps first contacts and closings) never precedes it.
var t0 = time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)

// at is a context of the hub itself with the clock fixed at t0 + d.
func at(d time.Duration) context.Context {
	return clock.With(auth.WithSystem(context.Background()), clock.Fixed(t0.Add(d)))
}

// fieldOf returns the input field an error names ("" when it is no input error).
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

// register registers a dispute of the world's committee with one applicant, received at t0.
func register(t *testing.T, tx pgx.Tx, w dbtest.World) int64 {
	t.Helper()
	res, err := mediation.RegisterDispute(at(0), tx, mediation.Registration{CommitteeID: w.Committee, Source: "PARTY_APPLICATION",
		Category: "NEIGHBOUR", Difficulty: "ORDINARY", Summary: "a wall", GridID: &w.Grid, EstateID: &w.Estate,
		Parties: []mediation.Party{{PersonID: w.Persons[0], Side: "APPLICANT"}, {PersonID: w.Persons[1], Side: "RESPONDENT"}}})
	if err != nil {
		t.Fatalf("RegisterDispute: %v", err)
	}
	return res.Dispute
}

// inMediation registers a dispute and moves it to IN_MEDIATION; it returns its ID and version.
func inMediation(t *testing.T, tx pgx.Tx, w dbtest.World) (int64, int) {
	t.Helper()
	id := register(t, tx, w)
	version := 1
	for _, to := range []string{"ACCEPTED", "IN_MEDIATION"} {
		if _, err := mediation.AdvanceDispute(at(time.Minute), tx, mediation.DisputeMove{DisputeID: id, Version: version, To: to}); err != nil {
			t.Fatalf("AdvanceDispute to %s: %v", to, err)
		}
		version++
	}
	return id, version
}

func TestRegisterDispute(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	id := register(t, tx, w)
	var status, source string
	var parties int
	err := tx.QueryRow(context.Background(), `SELECT status, source, (SELECT count(*) FROM mediation.dispute_party WHERE dispute_id = d.id)
		FROM mediation.dispute d WHERE id = $1`, id).Scan(&status, &source, &parties)
	if err != nil {
		t.Fatal(err)
	}
	if status != "RECEIVED" || source != "PARTY_APPLICATION" || parties != 2 {
		t.Errorf("registered dispute: expected RECEIVED PARTY_APPLICATION with 2 parties, got %s %s with %d", status, source, parties)
	}

	tests := []struct {
		name  string
		reg   mediation.Registration
		ctx   context.Context
		field string // the input error's field; "" for another error
		want  error  // matched with errors.Is/As when field is ""
	}{
		{"no applicant", mediation.Registration{CommitteeID: w.Committee, Summary: "x", Parties: []mediation.Party{{PersonID: w.Persons[0], Side: "RESPONDENT"}}}, at(0), "parties", nil},
		{"a person twice", mediation.Registration{CommitteeID: w.Committee, Summary: "x", Parties: []mediation.Party{{PersonID: w.Persons[0], Side: "APPLICANT"}, {PersonID: w.Persons[0], Side: "RESPONDENT"}}}, at(0), "parties[1].personId", nil},
		{"negative amount", mediation.Registration{CommitteeID: w.Committee, Summary: "x", Amount: new(float64(-1)), Parties: []mediation.Party{{PersonID: w.Persons[0], Side: "APPLICANT"}}}, at(0), "amount", nil},
		{"estate outside the grid", mediation.Registration{CommitteeID: w.Committee, Source: "PARTY_APPLICATION", Category: "OTHER", Difficulty: "ORDINARY", Summary: "x",
			GridID: &w.OtherGrid, EstateID: &w.Estate, Parties: []mediation.Party{{PersonID: w.Persons[0], Side: "APPLICANT"}}}, at(0), "estateId", nil},
		{"no such committee", mediation.Registration{CommitteeID: -1, Summary: "x", Parties: []mediation.Party{{PersonID: w.Persons[0], Side: "APPLICANT"}}}, at(0), "", apierr.ErrNotFound},
		{"no such person", mediation.Registration{CommitteeID: w.Committee, Summary: "x", Parties: []mediation.Party{{PersonID: -1, Side: "APPLICANT"}}}, at(0), "", apierr.ErrNotFound},
		{"a mediator of another committee", mediation.Registration{CommitteeID: w.Committee, Summary: "x", Parties: []mediation.Party{{PersonID: w.Persons[0], Side: "APPLICANT"}}},
			auth.WithPrincipal(context.Background(), auth.Principal{Subject: "m", Role: auth.Mediator, Scope: auth.Scope{CommitteeIDs: []int64{-1}}}), "", &access.ForbiddenError{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp, err := tx.Begin(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer sp.Rollback(context.Background())
			_, err = mediation.RegisterDispute(tt.ctx, sp, tt.reg)
			switch {
			case tt.field != "":
				if got := fieldOf(err); got != tt.field {
					t.Errorf("expected an input error on %s, got %v", tt.field, err)
				}
			case errors.Is(tt.want, apierr.ErrNotFound):
				if !errors.Is(err, apierr.ErrNotFound) {
					t.Errorf("expected not found, got %v", err)
				}
			default:
				var forbidden *access.ForbiddenError
				if !errors.As(err, &forbidden) {
					t.Errorf("expected FORBIDDEN, got %v", err)
				}
			}
		})
	}
}

// TestRecordAgreementFollowsTheTimeline: an agreement is signed neither before its dispute
// was received nor before its last session. Before the fix a signedAt years before the
// receipt was accepted (only sessions were checked).
func TestRecordAgreementFollowsTheTimeline(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	id, version := inMediation(t, tx, w)
	if _, err := mediation.RecordSession(at(2*time.Hour), tx, mediation.Sitting{DisputeID: id, HeldAt: t0.Add(2 * time.Hour), Place: "community room",
		Approaches: []string{"EMOTIONAL_COUNSELLING"}}); err != nil {
		t.Fatalf("RecordSession: %v", err)
	}
	tests := []struct {
		name   string
		signed time.Time
		ok     bool
	}{
		{"years before the receipt", t0.AddDate(-3, 0, 0), false},
		{"a second before the receipt", t0.Add(-time.Second), false},
		{"after the receipt, before the last session", t0.Add(time.Hour), false},
		{"at the last session", t0.Add(2 * time.Hour), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp, err := tx.Begin(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer sp.Rollback(context.Background())
			res, err := mediation.RecordAgreement(at(3*time.Hour), sp, mediation.Terms{DisputeID: id, Version: version, Form: "WRITTEN", Terms: "the wall stays", SignedAt: tt.signed})
			if tt.ok {
				if err != nil || res.Agreement == 0 || res.Dispute != id {
					t.Errorf("signed %s: expected the agreement recorded, got %+v, %v", tt.signed, res, err)
				}
				return
			}
			if fieldOf(err) != "signedAt" {
				t.Errorf("signed %s: expected BAD_USER_INPUT on signedAt, got %v", tt.signed, err)
			}
		})
	}
}

// TestOpenDisputeMapsEachViolation: each constraint a new dispute breaks is reported as its
// own error. Before the fix every violation read "caseId: has already been referred to
// mediation".
func TestOpenDisputeMapsEachViolation(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	var caseID int64
	if err := tx.QueryRow(context.Background(), `INSERT INTO police."case" (case_no, station_id, kind, category, source, status, summary, received_at)
		VALUES ('JTEST-1', $1, 'NON_POLICE', 'NOISE', 'WALK_IN', 'REFERRED', 'noise', $2) RETURNING id`, w.Station, t0).Scan(&caseID); err != nil {
		t.Fatal(err)
	}
	base := mediation.NewDispute{CommitteeID: w.Committee, Source: "POLICE_REFERRAL", ReferredCaseID: &caseID, GridID: &w.Grid,
		Category: "NEIGHBOUR", Difficulty: "ORDINARY", Summary: "noise"}
	if _, err := mediation.OpenDispute(at(0), tx, base); err != nil {
		t.Fatalf("first referral: %v", err)
	}
	missing := int64(-1)
	tests := []struct {
		name   string
		change func(d *mediation.NewDispute)
		field  string
		found  bool // a not-found error rather than an input error
	}{
		{"a second referral of the case", func(d *mediation.NewDispute) {}, "caseId", false},
		{"no such committee", func(d *mediation.NewDispute) {
			d.ReferredCaseID = nil
			d.Source = "COMMITTEE_INITIATIVE"
			d.CommitteeID = missing
		}, "committeeId", true},
		{"no such grid", func(d *mediation.NewDispute) {
			d.ReferredCaseID = nil
			d.Source = "COMMITTEE_INITIATIVE"
			d.GridID = &missing
		}, "gridId", true},
		{"no such case", func(d *mediation.NewDispute) { d.ReferredCaseID = &missing }, "caseId", true},
		{"an empty summary", func(d *mediation.NewDispute) {
			d.ReferredCaseID = nil
			d.Source = "COMMITTEE_INITIATIVE"
			d.Summary = ""
		}, "summary", false},
		{"a referral without its case", func(d *mediation.NewDispute) { d.ReferredCaseID = nil }, "source", false},
		{"a grid report without its event", func(d *mediation.NewDispute) { d.ReferredCaseID = nil; d.Source = "GRID_REPORT" }, "gridEventId", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp, err := tx.Begin(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer sp.Rollback(context.Background())
			d := base
			tt.change(&d)
			_, err = mediation.OpenDispute(at(0), sp, d)
			if tt.found {
				var nf *workflow.NotFoundError
				if !errors.As(err, &nf) || nf.Field != tt.field {
					t.Errorf("expected NOT_FOUND on %s, got %v", tt.field, err)
				}
				return
			}
			if got := fieldOf(err); got != tt.field {
				t.Errorf("expected BAD_USER_INPUT on %s, got %v", tt.field, err)
			}
		})
	}
}

func TestAdvanceDisputeEscalates(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	id, version := inMediation(t, tx, w)
	var got mediation.EscalationItem
	escalate := func(ctx context.Context, tx pgx.Tx, item mediation.EscalationItem) (int64, error) {
		got = item
		return 42, nil
	}
	esc := &mediation.Escalation{Dimension: "PUBLIC_ORDER", Description: "threats", Likelihood: 4, Impact: 4}
	if _, err := mediation.AdvanceDispute(at(time.Hour), tx, mediation.DisputeMove{DisputeID: id, Version: version, To: "WITHDRAWN", Escalation: esc, Escalate: escalate}); fieldOf(err) != "escalation" {
		t.Errorf("escalation with WITHDRAWN: expected BAD_USER_INPUT on escalation, got %v", err)
	}
	res, err := mediation.AdvanceDispute(at(time.Hour), tx, mediation.DisputeMove{DisputeID: id, Version: version, To: "FAILED", Escalation: esc, Escalate: escalate})
	if err != nil {
		t.Fatalf("FAILED with escalation: %v", err)
	}
	if res.RiskItem == nil || *res.RiskItem != 42 || got.DisputeID != id || got.GridID != w.Grid || got.EstateID == nil || *got.EstateID != w.Estate || got.Description != "threats" {
		t.Errorf("escalation: expected risk item 42 opened in the dispute's grid and estate, got result %+v, item %+v", res, got)
	}
	var from, to string
	if err := tx.QueryRow(context.Background(), `SELECT payload->>'fromStatus', payload->>'toStatus' FROM hub.outbox
		WHERE topic = 'DISPUTE_STATUS_CHANGED' AND entity_id = $1 ORDER BY id DESC LIMIT 1`, id).Scan(&from, &to); err != nil {
		t.Fatalf("read the dispute's last event: %v", err)
	}
	if from != "IN_MEDIATION" || to != "FAILED" {
		t.Errorf("last DISPUTE_STATUS_CHANGED: expected IN_MEDIATION → FAILED, got %s → %s", from, to)
	}
}

func TestAssignMediator(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	id := register(t, tx, w)
	assign := func(role string) error {
		sp, err := tx.Begin(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := mediation.AssignMediator(at(time.Hour), sp, mediation.Assignment{DisputeID: id, MediatorID: w.Mediator, Role: role}); err != nil {
			_ = sp.Rollback(context.Background())
			return err
		}
		return sp.Commit(context.Background())
	}
	if err := assign("LEAD"); fieldOf(err) != "disputeId" {
		t.Errorf("assigning to a RECEIVED dispute: expected BAD_USER_INPUT on disputeId, got %v", err)
	}
	if _, err := mediation.AdvanceDispute(at(time.Minute), tx, mediation.DisputeMove{DisputeID: id, Version: 1, To: "ACCEPTED"}); err != nil {
		t.Fatal(err)
	}
	if err := assign("LEAD"); err != nil {
		t.Fatalf("assigning the LEAD: %v", err)
	}
	if err := assign("ASSISTANT"); fieldOf(err) != "mediatorId" {
		t.Errorf("assigning the same mediator again: expected BAD_USER_INPUT on mediatorId, got %v", err)
	}
	if _, err := mediation.AssignMediator(at(time.Hour), tx, mediation.Assignment{DisputeID: id, MediatorID: -1, Role: "LEAD"}); !errors.Is(err, apierr.ErrNotFound) {
		t.Errorf("assigning a missing mediator: expected not found, got %v", err)
	}
}

func TestFollowUpAndConfirmation(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	id, version := inMediation(t, tx, w)
	a, err := mediation.RecordAgreement(at(time.Hour), tx, mediation.Terms{DisputeID: id, Version: version, Form: "ORAL", Terms: "quiet after ten", SignedAt: t0.Add(time.Hour)})
	if err != nil {
		t.Fatalf("RecordAgreement: %v", err)
	}
	if _, err := mediation.RecordFollowUp(at(2*time.Hour), tx, mediation.Visit{AgreementID: a.Agreement, VisitedAt: t0, Visitor: "grid worker", Performance: "DONE"}); fieldOf(err) != "visitedAt" {
		t.Errorf("a visit before the signing: expected BAD_USER_INPUT on visitedAt, got %v", err)
	}
	f, err := mediation.RecordFollowUp(at(2*time.Hour), tx, mediation.Visit{AgreementID: a.Agreement, VisitedAt: t0.Add(2 * time.Hour), Visitor: "grid worker", Performance: "DONE", Satisfaction: new(5)})
	if err != nil || f.Agreement != a.Agreement {
		t.Fatalf("RecordFollowUp: expected a visit on agreement %d, got %+v, %v", a.Agreement, f, err)
	}
	var conflict *workflow.ConflictError
	if _, err := mediation.ApplyForJudicialConfirmation(at(2*time.Hour), tx, mediation.ConfirmationRequest{AgreementID: a.Agreement, Version: 7}); !errors.As(err, &conflict) {
		t.Errorf("a stale version: expected CONFLICT, got %v", err)
	}
	if _, err := mediation.ApplyForJudicialConfirmation(at(2*time.Hour), tx, mediation.ConfirmationRequest{AgreementID: a.Agreement, Version: 1}); err != nil {
		t.Fatalf("ApplyForJudicialConfirmation: %v", err)
	}
	var transition *workflow.TransitionError
	if _, err := mediation.ApplyForJudicialConfirmation(at(2*time.Hour), tx, mediation.ConfirmationRequest{AgreementID: a.Agreement, Version: 2}); !errors.As(err, &transition) {
		t.Errorf("applying twice: expected INVALID_TRANSITION, got %v", err)
	}
}

// TestEveryDisputeStatusHasAWayOut walks disputes through every status the commands reach
// (AGREED through recordAgreement) and asserts that each one the machine lets out has a
// command that does.
func TestEveryDisputeStatusHasAWayOut(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	d := workflowtest.Driver{
		Create: func(ctx context.Context, tx pgx.Tx) (workflowtest.Entity, error) {
			return workflowtest.Entity{ID: register(t, tx, w), Version: 1}, nil
		},
		Step: func(ctx context.Context, tx pgx.Tx, e workflowtest.Entity, to string) error {
			if to == "AGREED" {
				_, err := mediation.RecordAgreement(ctx, tx, mediation.Terms{DisputeID: e.ID, Version: e.Version, Form: "WRITTEN", Terms: "t", SignedAt: t0})
				return err
			}
			_, err := mediation.AdvanceDispute(ctx, tx, mediation.DisputeMove{DisputeID: e.ID, Version: e.Version, To: to})
			return err
		},
	}
	reached := workflowtest.Walk(t, at(time.Minute), tx, workflow.DisputeMachine, d)
	if all := workflow.DisputeMachine.Statuses(); len(reached) != len(all) {
		t.Errorf("disputes reach %v; expected every status of the machine, %v", reached, all)
	}
}

// TestDisputeEventsGoToTheReferringStation: the DISPUTE_STATUS_CHANGED event of a referred
// dispute names the station of the referring case, also when the mediator advancing it
// cannot see that case under row security (a mediator of the committee not assigned to the
// dispute). Before the fix the station was read through the case, which such a mediator does
// not see, and the event went to the committee's station.
func TestDisputeEventsGoToTheReferringStation(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	ctx := context.Background()
	var committeeStation, caseID int64
	if err := tx.QueryRow(ctx, `INSERT INTO police.station (code, name) VALUES ('S-' || $1::bigint, 'Committee station') RETURNING id`, w.Committee).Scan(&committeeStation); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE mediation.committee SET level = 'IN_STATION', station_id = $1 WHERE id = $2`, committeeStation, w.Committee); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRow(ctx, `INSERT INTO police."case" (case_no, station_id, kind, category, source, status, summary, received_at)
		VALUES ('JTEST-' || $1::bigint, $1, 'NON_POLICE', 'NOISE', 'WALK_IN', 'REFERRED', 'noise', $2) RETURNING id`, w.Station, t0).Scan(&caseID); err != nil {
		t.Fatal(err)
	}
	id, err := mediation.OpenDispute(at(0), tx, mediation.NewDispute{CommitteeID: w.Committee, Source: "POLICE_REFERRAL", ReferredCaseID: &caseID,
		GridID: &w.Grid, Category: "NEIGHBOUR", Difficulty: "ORDINARY", Summary: "noise"})
	if err != nil {
		t.Fatalf("OpenDispute: %v", err)
	}

	// Act, for the rest of the transaction, as a mediator of the committee not assigned to
	// the dispute, under row security (the settings internal/dbpool gives such a caller).
	mediator := auth.Principal{Subject: "m", Role: auth.Mediator, Scope: auth.Scope{MediatorID: &w.Mediator, CommitteeIDs: []int64{w.Committee}}}
	if _, err := tx.Exec(ctx, `SELECT set_config('role', 'civiclink_app', true), set_config('civiclink.role', 'MEDIATOR', true),
		set_config('civiclink.mediator', $1::bigint::text, true), set_config('civiclink.committees', $2::bigint::text, true)`, w.Mediator, w.Committee); err != nil {
		t.Fatal(err)
	}
	var seen bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM police."case" WHERE id = $1)`, caseID).Scan(&seen); err != nil || seen {
		t.Fatalf("the mediator must not see the referring case (the premise of the test): saw it %v, %v", seen, err)
	}
	mctx := clock.With(auth.WithPrincipal(ctx, mediator), clock.Fixed(t0.Add(time.Minute)))
	if _, err := mediation.AdvanceDispute(mctx, tx, mediation.DisputeMove{DisputeID: id, Version: 1, To: "ACCEPTED"}); err != nil {
		t.Fatalf("AdvanceDispute as the mediator: %v", err)
	}
	if _, err := tx.Exec(ctx, `RESET ROLE`); err != nil {
		t.Fatal(err)
	}
	var station int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(station_id, 0) FROM hub.outbox WHERE topic = 'DISPUTE_STATUS_CHANGED' AND entity_id = $1
		AND payload->>'toStatus' = 'ACCEPTED'`, id).Scan(&station); err != nil {
		t.Fatalf("read the dispute's event: %v", err)
	}
	if station != w.Station {
		t.Errorf("RECEIVED → ACCEPTED by a mediator: expected the event at the referring station %d, got %d (the committee's is %d)", w.Station, station, committeeStation)
	}
}

// TestAdvanceMissingDispute: the lifecycle reports a missing dispute as NOT_FOUND on disputeId.
func TestAdvanceMissingDispute(t *testing.T) {
	tx := dbtest.Tx(t)
	_, err := mediation.AdvanceDispute(at(0), tx, mediation.DisputeMove{DisputeID: -1, Version: 1, To: "ACCEPTED"})
	var nf *workflow.NotFoundError
	if !errors.As(err, &nf) || nf.Field != "disputeId" || nf.What != "dispute" {
		t.Errorf("advancing a missing dispute: expected NOT_FOUND on disputeId, got %v", err)
	}
}

// TestEscalationNeedsAGrid: a dispute without a grid raises no risk, refused on escalation
// before the status change is written.
func TestEscalationNeedsAGrid(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	res, err := mediation.RegisterDispute(at(0), tx, mediation.Registration{CommitteeID: w.Committee, Source: "PARTY_APPLICATION",
		Category: "NEIGHBOUR", Difficulty: "ORDINARY", Summary: "a wall", Parties: []mediation.Party{{PersonID: w.Persons[0], Side: "APPLICANT"}}})
	if err != nil {
		t.Fatalf("RegisterDispute: %v", err)
	}
	for version, to := range []string{"ACCEPTED", "IN_MEDIATION"} {
		if _, err := mediation.AdvanceDispute(at(time.Minute), tx, mediation.DisputeMove{DisputeID: res.Dispute, Version: version + 1, To: to}); err != nil {
			t.Fatalf("AdvanceDispute to %s: %v", to, err)
		}
	}
	escalate := func(ctx context.Context, tx pgx.Tx, item mediation.EscalationItem) (int64, error) {
		t.Error("an escalation without a grid reached the risk command")
		return 0, nil
	}
	esc := &mediation.Escalation{Dimension: "PUBLIC_ORDER", Description: "threats", Likelihood: 4, Impact: 4}
	_, err = mediation.AdvanceDispute(at(time.Hour), tx, mediation.DisputeMove{DisputeID: res.Dispute, Version: 3, To: "FAILED", Escalation: esc, Escalate: escalate})
	if fieldOf(err) != "escalation" {
		t.Fatalf("escalating a dispute without a grid: expected BAD_USER_INPUT on escalation, got %v", err)
	}
	var status string
	var version, events int
	if err := tx.QueryRow(context.Background(), `SELECT status, version, (SELECT count(*) FROM hub.outbox WHERE topic = 'DISPUTE_STATUS_CHANGED' AND entity_id = d.id
		AND payload->>'toStatus' = 'FAILED')
		FROM mediation.dispute d WHERE id = $1`, res.Dispute).Scan(&status, &version, &events); err != nil {
		t.Fatal(err)
	}
	if status != "IN_MEDIATION" || version != 3 || events != 0 {
		t.Errorf("after the refused escalation: expected the dispute IN_MEDIATION at version 3 with no FAILED event, got %s at %d with %d", status, version, events)
	}
}
