package welfare_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"civiclink/db/dbtest"
	"civiclink/db/welfare"
	"civiclink/db/workflow"
	"civiclink/db/workflow/workflowtest"
	"civiclink/internal/access"
	"civiclink/internal/apierr"
	"civiclink/internal/auth"
	"civiclink/internal/clock"

	"github.com/jackc/pgx/v5"
)

// now is the tests' clock: 02:30 on 2026-06-16 in Shanghai, still the 15th in UTC.
var now = time.Date(2026, 6, 15, 18, 30, 0, 0, time.UTC)

// ctx is a context of the hub itself with the clock fixed at now.
var ctx = clock.With(auth.WithSystem(context.Background()), clock.Fixed(now))

// day parses a date as Date values are held.
func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

var missingRow = int64(-1)

// want is what a refused command must return: an input error on Field, a not-found error on
// NotFound, or an error matching As (errors.As with a pointer to its type).
type want struct {
	Field, NotFound string
	As              any
}

// check fails the test unless err is the refusal w describes.
func (w want) check(t *testing.T, what string, err error) {
	t.Helper()
	switch {
	case w.Field != "":
		var in *apierr.InputError
		if !errors.As(err, &in) || len(in.Problems) == 0 || in.Problems[0].Field != w.Field {
			t.Errorf("%s: expected BAD_USER_INPUT on %s, got %v", what, w.Field, err)
		}
	case w.NotFound != "":
		var nf *workflow.NotFoundError
		if !errors.As(err, &nf) || nf.Field != w.NotFound {
			t.Errorf("%s: expected NOT_FOUND on %s, got %v", what, w.NotFound, err)
		}
	default:
		if err == nil || !errors.As(err, w.As) {
			t.Errorf("%s: expected a %T, got %v", what, w.As, err)
		}
	}
}

// inSavepoint runs fn in a savepoint of tx rolled back after it, so a refusal leaves tx usable.
func inSavepoint(t *testing.T, tx pgx.Tx, fn func(sp pgx.Tx) error) error {
	t.Helper()
	sp, err := tx.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sp.Rollback(context.Background()) }()
	return fn(sp)
}

// program creates a program running through 2026.
func program(t *testing.T, tx pgx.Tx) int64 {
	t.Helper()
	res, err := welfare.CreateProgram(ctx, tx, welfare.NewProgram{Name: "Health check", Category: "HEALTH_CHECK", Provider: "Clinic",
		PeriodStart: day("2026-01-01"), PeriodEnd: day("2026-12-31")})
	if err != nil {
		t.Fatalf("CreateProgram: %v", err)
	}
	return res.Program
}

func TestCreateProgram(t *testing.T) {
	tx := dbtest.Tx(t)
	program(t, tx)
	for _, tt := range []struct {
		name string
		p    welfare.NewProgram
		want want
	}{
		{"a period backwards", welfare.NewProgram{Name: "n", Category: "HOUSING", Provider: "p", PeriodStart: day("2026-02-01"), PeriodEnd: day("2026-01-31")}, want{Field: "periodEnd"}},
		{"no name", welfare.NewProgram{Category: "HOUSING", Provider: "p", PeriodStart: day("2026-02-01"), PeriodEnd: day("2026-02-01")}, want{Field: "name"}},
		{"no provider", welfare.NewProgram{Name: "n", Category: "HOUSING", PeriodStart: day("2026-02-01"), PeriodEnd: day("2026-02-01")}, want{Field: "provider"}},
		{"an unknown category", welfare.NewProgram{Name: "n", Category: "YACHT", Provider: "p", PeriodStart: day("2026-02-01"), PeriodEnd: day("2026-02-01")}, want{Field: "category"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := inSavepoint(t, tx, func(sp pgx.Tx) error { _, err := welfare.CreateProgram(ctx, sp, tt.p); return err })
			tt.want.check(t, tt.name, err)
		})
	}
}

func TestApplyForBenefit(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	p := program(t, tx)
	res, err := welfare.ApplyForBenefit(ctx, tx, welfare.Application{ProgramID: p, OfficerID: w.Officer, Amount: new(200.0)})
	if err != nil {
		t.Fatalf("ApplyForBenefit: %v", err)
	}
	var status string
	var applied time.Time
	var logged int
	if err := tx.QueryRow(context.Background(), `SELECT status, applied_on, (SELECT count(*) FROM welfare.benefit_grant_status_log WHERE entity_id = g.id)
		FROM welfare.benefit_grant g WHERE id = $1`, res.BenefitGrant).Scan(&status, &applied, &logged); err != nil {
		t.Fatal(err)
	}
	if status != "APPLIED" || !applied.Equal(day("2026-06-16")) || logged != 1 {
		t.Errorf("application at %s: expected APPLIED on the office's 2026-06-16 with one status-log row, got %s on %s with %d", now, status, applied.Format(time.DateOnly), logged)
	}
	officer := func(id int64) context.Context {
		return clock.With(auth.WithPrincipal(context.Background(), auth.Principal{Subject: "o", Role: auth.PoliceOfficer, Scope: auth.Scope{OfficerID: &id}}), clock.Fixed(now))
	}
	for _, tt := range []struct {
		name string
		ctx  context.Context
		a    welfare.Application
		want want
	}{
		{"before the program's period", ctx, welfare.Application{ProgramID: p, OfficerID: w.Officer, AppliedOn: new(day("2025-12-31"))}, want{Field: "appliedOn"}},
		{"after the program's period", ctx, welfare.Application{ProgramID: p, OfficerID: w.Officer, AppliedOn: new(day("2027-01-01"))}, want{Field: "appliedOn"}},
		{"a negative amount", ctx, welfare.Application{ProgramID: p, OfficerID: w.Officer, Amount: new(-1.0)}, want{Field: "amount"}},
		{"no such program", ctx, welfare.Application{ProgramID: missingRow, OfficerID: w.Officer}, want{NotFound: "programId"}},
		{"no such officer", ctx, welfare.Application{ProgramID: p, OfficerID: missingRow}, want{NotFound: "officerId"}},
		{"an officer for another", officer(missingRow), welfare.Application{ProgramID: p, OfficerID: w.Officer}, want{As: new(*access.ForbiddenError)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := inSavepoint(t, tx, func(sp pgx.Tx) error { _, err := welfare.ApplyForBenefit(tt.ctx, sp, tt.a); return err })
			tt.want.check(t, tt.name, err)
		})
	}
	if _, err := welfare.ApplyForBenefit(officer(w.Officer), tx, welfare.Application{ProgramID: p, OfficerID: w.Officer}); err != nil {
		t.Errorf("an officer applying for themselves: expected it recorded, got %v", err)
	}
}

// TestAdvanceBenefitGrant: a grant is approved not before its application, and the refusal
// leaves it unchanged. Before the fix the day was checked after the update, which the
// table's check had already refused: an internal error, not one on grantedOn.
func TestAdvanceBenefitGrant(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	g, err := welfare.ApplyForBenefit(ctx, tx, welfare.Application{ProgramID: program(t, tx), OfficerID: w.Officer, AppliedOn: new(day("2026-06-10"))})
	if err != nil {
		t.Fatalf("ApplyForBenefit: %v", err)
	}
	id := g.BenefitGrant
	empty := ""
	for _, tt := range []struct {
		name string
		m    welfare.GrantMove
		want want
	}{
		{"granted before the application", welfare.GrantMove{BenefitGrantID: id, Version: 1, To: "APPROVED", GrantedOn: new(day("2026-06-09"))}, want{Field: "grantedOn"}},
		{"a day with a rejection", welfare.GrantMove{BenefitGrantID: id, Version: 1, To: "REJECTED", GrantedOn: new(day("2026-06-12")), Reason: new("no")}, want{Field: "grantedOn"}},
		{"a rejection without a reason", welfare.GrantMove{BenefitGrantID: id, Version: 1, To: "REJECTED", Reason: &empty}, want{Field: "reason"}},
		{"an illegal step", welfare.GrantMove{BenefitGrantID: id, Version: 1, To: "DELIVERED"}, want{As: new(*workflow.TransitionError)}},
		{"a stale version", welfare.GrantMove{BenefitGrantID: id, Version: 2, To: "APPROVED"}, want{As: new(*workflow.ConflictError)}},
		{"no such grant", welfare.GrantMove{BenefitGrantID: missingRow, Version: 1, To: "APPROVED"}, want{NotFound: "benefitGrantId"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := inSavepoint(t, tx, func(sp pgx.Tx) error { _, err := welfare.AdvanceBenefitGrant(ctx, sp, tt.m); return err })
			tt.want.check(t, tt.name, err)
		})
	}
	if _, err := welfare.AdvanceBenefitGrant(ctx, tx, welfare.GrantMove{BenefitGrantID: id, Version: 1, To: "APPROVED", GrantedOn: new(day("2026-06-10"))}); err != nil {
		t.Fatalf("approving on the day of the application: %v", err)
	}
	var status string
	var granted time.Time
	if err := tx.QueryRow(context.Background(), "SELECT status, granted_on FROM welfare.benefit_grant WHERE id = $1", id).Scan(&status, &granted); err != nil {
		t.Fatal(err)
	}
	if status != "APPROVED" || !granted.Equal(day("2026-06-10")) {
		t.Errorf("approved grant: expected APPROVED on 2026-06-10, got %s on %s", status, granted.Format(time.DateOnly))
	}
}

func TestSurveys(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	s, err := welfare.OpenSurvey(ctx, tx, welfare.NewSurvey{StationID: w.Station, Period: "2026-Q2", Title: "Pulse"})
	if err != nil {
		t.Fatalf("OpenSurvey: %v", err)
	}
	for _, tt := range []struct {
		name string
		s    welfare.NewSurvey
		want want
	}{
		{"the same period again", welfare.NewSurvey{StationID: w.Station, Period: "2026-Q2", Title: "Again"}, want{Field: "period"}},
		{"a malformed period", welfare.NewSurvey{StationID: w.Station, Period: "2026-Q5", Title: "t"}, want{Field: "period"}},
		{"no title", welfare.NewSurvey{StationID: w.Station, Period: "2026-06"}, want{Field: "title"}},
		{"no such station", welfare.NewSurvey{StationID: missingRow, Period: "2026-06", Title: "t"}, want{NotFound: "stationId"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := inSavepoint(t, tx, func(sp pgx.Tx) error { _, err := welfare.OpenSurvey(ctx, sp, tt.s); return err })
			tt.want.check(t, tt.name, err)
		})
	}
	answer := welfare.Answer{SurveyID: s.Survey, RespondentKey: "officer-0001", Overall: 4, Belonging: 5, Workload: 2}
	if res, err := welfare.SubmitSurveyResponse(ctx, tx, answer); err != nil || res.Survey != s.Survey {
		t.Fatalf("SubmitSurveyResponse: expected an answer to round %d, got %+v, %v", s.Survey, res, err)
	}
	with := func(f func(*welfare.Answer)) welfare.Answer {
		a := answer
		a.RespondentKey = "officer-0002"
		f(&a)
		return a
	}
	for _, tt := range []struct {
		name string
		a    welfare.Answer
		want want
	}{
		{"the same respondent again", answer, want{Field: "respondentKey"}},
		{"a short key", with(func(a *welfare.Answer) { a.RespondentKey = "short" }), want{Field: "respondentKey"}},
		{"overall out of range", with(func(a *welfare.Answer) { a.Overall = 0 }), want{Field: "overall"}},
		{"belonging out of range", with(func(a *welfare.Answer) { a.Belonging = 6 }), want{Field: "belonging"}},
		{"workload out of range", with(func(a *welfare.Answer) { a.Workload = -1 }), want{Field: "workload"}},
		{"a comment too long", with(func(a *welfare.Answer) { a.Comment = new(string(make([]byte, 2001))) }), want{Field: "comment"}},
		{"no such round", with(func(a *welfare.Answer) { a.SurveyID = missingRow }), want{NotFound: "surveyId"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := inSavepoint(t, tx, func(sp pgx.Tx) error { _, err := welfare.SubmitSurveyResponse(ctx, sp, tt.a); return err })
			tt.want.check(t, tt.name, err)
		})
	}
}

// TestEveryGrantStatusHasAWayOut walks benefit grants through their commands.
func TestEveryGrantStatusHasAWayOut(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	p := program(t, tx)
	d := workflowtest.Driver{
		Create: func(ctx context.Context, tx pgx.Tx) (workflowtest.Entity, error) {
			res, err := welfare.ApplyForBenefit(ctx, tx, welfare.Application{ProgramID: p, OfficerID: w.Officer})
			return workflowtest.Entity{ID: res.BenefitGrant, Version: 1}, err
		},
		Step: func(ctx context.Context, tx pgx.Tx, e workflowtest.Entity, to string) error {
			m := welfare.GrantMove{BenefitGrantID: e.ID, Version: e.Version, To: to}
			if to == "REJECTED" {
				m.Reason = new("not eligible")
			}
			_, err := welfare.AdvanceBenefitGrant(ctx, tx, m)
			return err
		},
	}
	reached := workflowtest.Walk(t, ctx, tx, workflow.BenefitGrantMachine, d)
	if all := workflow.BenefitGrantMachine.Statuses(); len(reached) != len(all) {
		t.Errorf("benefit grants reach %v; expected every status of the machine, %v", reached, all)
	}
}
