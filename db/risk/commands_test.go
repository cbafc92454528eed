package risk_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"civiclink/db/dbtest"
	"civiclink/db/mediation"
	"civiclink/db/risk"
	"civiclink/db/workflow"
	"civiclink/db/workflow/workflowtest"
	"civiclink/internal/access"
	"civiclink/internal/apierr"
	"civiclink/internal/auth"
	"civiclink/internal/clock"

	"github.com/jackc/pgx/v5"
)

// t0 is when the tests' records are made: in the past, so the database's now() never
// precedes it.
var t0 = time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Second)

// at is a context of the hub itself with the clock fixed at t0 + d.
func at(d time.Duration) context.Context {
	return clock.With(auth.WithSystem(context.Background()), clock.Fixed(t0.Add(d)))
}

// as is a context of principal p with the clock fixed at t0.
func as(p auth.Principal) context.Context {
	return clock.With(auth.WithPrincipal(context.Background(), p), clock.Fixed(t0))
}

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

var (
	conflict   = want{As: new(*workflow.ConflictError)}
	illegal    = want{As: new(*workflow.TransitionError)}
	forbidden  = want{As: new(*access.ForbiddenError)}
	missingRow = int64(-1)
)

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

// item adds a risk item of likelihood and impact in the world's grid, identified at t0 + d.
func item(t *testing.T, tx pgx.Tx, w dbtest.World, d time.Duration, likelihood, impact int) int64 {
	t.Helper()
	res, err := risk.AddRiskItem(at(d), tx, risk.NewRiskItem{GridID: w.Grid, EstateID: &w.Estate, Dimension: "PUBLIC_ORDER",
		Description: "crowding at the gate", Likelihood: likelihood, Impact: impact})
	if err != nil {
		t.Fatalf("AddRiskItem: %v", err)
	}
	return res.RiskItem
}

// raisedHigh returns the RISK_ITEM_RAISED_HIGH events of a risk item, as "from→to".
func raisedHigh(t *testing.T, tx pgx.Tx, id int64) []string {
	t.Helper()
	rows, err := tx.Query(context.Background(), `SELECT coalesce(payload->>'fromStatus', '') || '→' || (payload->>'toStatus') FROM hub.outbox
		WHERE topic = 'RISK_ITEM_RAISED_HIGH' AND entity_id = $1 ORDER BY id`, id)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOpenAssessment(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	res, err := risk.OpenAssessment(at(0), tx, risk.NewAssessment{Title: "New market", SubjectType: "PROJECT", ResponsibleUnit: "street office", GridID: &w.Grid})
	if err != nil {
		t.Fatalf("OpenAssessment: %v", err)
	}
	var status string
	var logged int
	if err := tx.QueryRow(context.Background(), `SELECT status, (SELECT count(*) FROM risk.assessment_status_log WHERE entity_id = a.id AND to_status = 'PROPOSED')
		FROM risk.assessment a WHERE id = $1`, res.Assessment).Scan(&status, &logged); err != nil {
		t.Fatal(err)
	}
	if status != "PROPOSED" || logged != 1 {
		t.Errorf("opened assessment: expected PROPOSED with one status-log row, got %s with %d", status, logged)
	}
	for _, tt := range []struct {
		name string
		in   risk.NewAssessment
		want want
	}{
		{"an empty title", risk.NewAssessment{Title: " ", SubjectType: "PROJECT", ResponsibleUnit: "u"}, want{Field: "title"}},
		{"no responsible unit", risk.NewAssessment{Title: "t", SubjectType: "PROJECT"}, want{Field: "responsibleUnit"}},
		{"no such grid", risk.NewAssessment{Title: "t", SubjectType: "PROJECT", ResponsibleUnit: "u", GridID: &missingRow}, want{NotFound: "gridId"}},
		{"an unknown subject", risk.NewAssessment{Title: "t", SubjectType: "WISH", ResponsibleUnit: "u"}, want{Field: "subjectType"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := inSavepoint(t, tx, func(sp pgx.Tx) error { _, err := risk.OpenAssessment(at(0), sp, tt.in); return err })
			tt.want.check(t, tt.name, err)
		})
	}
}

func TestAdvanceAssessment(t *testing.T) {
	tx := dbtest.Tx(t)
	res, err := risk.OpenAssessment(at(time.Hour), tx, risk.NewAssessment{Title: "New market", SubjectType: "PROJECT", ResponsibleUnit: "street office"})
	if err != nil {
		t.Fatalf("OpenAssessment: %v", err)
	}
	id := res.Assessment
	version := 1
	for _, to := range []string{"PLANNED", "CONSULTING", "ANALYSING"} {
		if _, err := risk.AdvanceAssessment(at(time.Hour), tx, risk.AssessmentMove{AssessmentID: id, Version: version, To: to}); err != nil {
			t.Fatalf("AdvanceAssessment to %s: %v", to, err)
		}
		version++
	}
	high, proceed := "HIGH", "PROCEED"
	for _, tt := range []struct {
		name string
		ctx  context.Context
		m    risk.AssessmentMove
		want want
	}{
		{"an illegal step", at(time.Hour), risk.AssessmentMove{AssessmentID: id, Version: version, To: "DECIDED", Decision: &proceed}, illegal},
		{"a stale version", at(time.Hour), risk.AssessmentMove{AssessmentID: id, Version: version - 1, To: "GRADED", Level: &high}, conflict},
		{"grading without a level", at(time.Hour), risk.AssessmentMove{AssessmentID: id, Version: version, To: "GRADED"}, want{Field: "level"}},
		{"a decision while grading", at(time.Hour), risk.AssessmentMove{AssessmentID: id, Version: version, To: "GRADED", Level: &high, Decision: &proceed}, want{Field: "decision"}},
		{"a reason too long", at(time.Hour), risk.AssessmentMove{AssessmentID: id, Version: version, To: "GRADED", Level: &high, Reason: new(string(make([]byte, 2001)))}, want{Field: "reason"}},
		{"no such assessment", at(time.Hour), risk.AssessmentMove{AssessmentID: missingRow, Version: 1, To: "PLANNED"}, want{NotFound: "assessmentId"}},
		{"outside a grid worker's scope", as(auth.Principal{Subject: "g", Role: auth.GridWorker, Scope: auth.Scope{GridIDs: []int64{missingRow}}}),
			risk.AssessmentMove{AssessmentID: id, Version: version, To: "GRADED", Level: &high}, forbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := inSavepoint(t, tx, func(sp pgx.Tx) error { _, err := risk.AdvanceAssessment(tt.ctx, sp, tt.m); return err })
			tt.want.check(t, tt.name, err)
		})
	}
	for _, to := range []string{"GRADED", "REPORTED"} {
		m := risk.AssessmentMove{AssessmentID: id, Version: version, To: to}
		if to == "GRADED" {
			m.Level = &high
		}
		if _, err := risk.AdvanceAssessment(at(time.Hour), tx, m); err != nil {
			t.Fatalf("AdvanceAssessment to %s: %v", to, err)
		}
		version++
	}
	// The decision is taken now: not before the assessment was opened (t0 + 1h).
	err = inSavepoint(t, tx, func(sp pgx.Tx) error {
		_, err := risk.AdvanceAssessment(at(0), sp, risk.AssessmentMove{AssessmentID: id, Version: version, To: "DECIDED", Decision: &proceed})
		return err
	})
	want{Field: "to"}.check(t, "a decision before the opening", err)
	if _, err := risk.AdvanceAssessment(at(2*time.Hour), tx, risk.AssessmentMove{AssessmentID: id, Version: version, To: "DECIDED", Decision: &proceed}); err != nil {
		t.Fatalf("deciding: %v", err)
	}
	var level, decision string
	var decided time.Time
	if err := tx.QueryRow(context.Background(), "SELECT level, decision, decided_at FROM risk.assessment WHERE id = $1", id).Scan(&level, &decision, &decided); err != nil {
		t.Fatal(err)
	}
	if level != "HIGH" || decision != "PROCEED" || !decided.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("decided assessment: expected HIGH, PROCEED at %s, got %s, %s at %s", t0.Add(2*time.Hour), level, decision, decided)
	}
}

func TestAddRiskItem(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	low, high := item(t, tx, w, 0, 1, 2), item(t, tx, w, 0, 4, 4)
	if got := raisedHigh(t, tx, low); len(got) != 0 {
		t.Errorf("a LOW risk: expected no RISK_ITEM_RAISED_HIGH, got %v", got)
	}
	if got := raisedHigh(t, tx, high); len(got) != 1 || got[0] != "→HIGH" {
		t.Errorf("a HIGH risk: expected one RISK_ITEM_RAISED_HIGH to HIGH (from nothing), got %v", got)
	}
	base := risk.NewRiskItem{GridID: w.Grid, Dimension: "LEGALITY", Description: "x", Likelihood: 1, Impact: 1}
	with := func(f func(*risk.NewRiskItem)) risk.NewRiskItem { it := base; f(&it); return it }
	for _, tt := range []struct {
		name string
		ctx  context.Context
		in   risk.NewRiskItem
		want want
	}{
		{"likelihood out of range", at(0), with(func(it *risk.NewRiskItem) { it.Likelihood = 6 }), want{Field: "likelihood"}},
		{"impact out of range", at(0), with(func(it *risk.NewRiskItem) { it.Impact = 0 }), want{Field: "impact"}},
		{"an empty description", at(0), with(func(it *risk.NewRiskItem) { it.Description = "" }), want{Field: "description"}},
		{"an unknown dimension", at(0), with(func(it *risk.NewRiskItem) { it.Dimension = "MOOD" }), want{Field: "dimension"}},
		{"no such grid", at(0), with(func(it *risk.NewRiskItem) { it.GridID = missingRow }), want{NotFound: "gridId"}},
		{"an estate outside the grid", at(0), with(func(it *risk.NewRiskItem) { it.GridID = w.OtherGrid; it.EstateID = &w.Estate }), want{Field: "estateId"}},
		{"no such assessment", at(0), with(func(it *risk.NewRiskItem) { it.AssessmentID = &missingRow }), want{NotFound: "assessmentId"}},
		{"a grid worker outside their grids", as(auth.Principal{Subject: "g", Role: auth.GridWorker, Scope: auth.Scope{GridIDs: []int64{w.OtherGrid}}}), base, forbidden},
		{"a mediator without disputes in the grid", as(auth.Principal{Subject: "m", Role: auth.Mediator, Scope: auth.Scope{CommitteeIDs: []int64{w.Committee}}}), base, forbidden},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := inSavepoint(t, tx, func(sp pgx.Tx) error { _, err := risk.AddRiskItem(tt.ctx, sp, tt.in); return err })
			tt.want.check(t, tt.name, err)
		})
	}
	// Once the committee has a dispute in the grid, its mediator raises risks there; a grid
	// worker in their own grid.
	if _, err := mediation.RegisterDispute(at(0), tx, mediation.Registration{CommitteeID: w.Committee, Source: "PARTY_APPLICATION", Category: "NEIGHBOUR",
		Difficulty: "ORDINARY", Summary: "a wall", GridID: &w.Grid, Parties: []mediation.Party{{PersonID: w.Persons[0], Side: "APPLICANT"}}}); err != nil {
		t.Fatalf("RegisterDispute: %v", err)
	}
	for _, p := range []auth.Principal{
		{Subject: "m", Role: auth.Mediator, Scope: auth.Scope{CommitteeIDs: []int64{w.Committee}}},
		{Subject: "g", Role: auth.GridWorker, Scope: auth.Scope{GridIDs: []int64{w.Grid}}},
	} {
		if _, err := risk.AddRiskItem(as(p), tx, base); err != nil {
			t.Errorf("a %s raising a risk in the grid: expected it added, got %v", p.Role, err)
		}
	}
}

func TestRateRiskItem(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	id := item(t, tx, w, 0, 1, 2)
	for _, tt := range []struct {
		name string
		r    risk.Rating
		want want
	}{
		{"a stale version", risk.Rating{RiskItemID: id, Version: 2, Likelihood: 4, Impact: 4}, conflict},
		{"impact out of range", risk.Rating{RiskItemID: id, Version: 1, Likelihood: 4, Impact: 0}, want{Field: "impact"}},
		{"no such risk item", risk.Rating{RiskItemID: missingRow, Version: 1, Likelihood: 1, Impact: 1}, want{NotFound: "riskItemId"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := inSavepoint(t, tx, func(sp pgx.Tx) error { _, err := risk.RateRiskItem(at(time.Hour), sp, tt.r); return err })
			tt.want.check(t, tt.name, err)
		})
	}
	if _, err := risk.RateRiskItem(at(time.Hour), tx, risk.Rating{RiskItemID: id, Version: 1, Likelihood: 2, Impact: 4}); err != nil {
		t.Fatalf("re-rating to MEDIUM: %v", err)
	}
	if _, err := risk.RateRiskItem(at(time.Hour), tx, risk.Rating{RiskItemID: id, Version: 2, Likelihood: 5, Impact: 4}); err != nil {
		t.Fatalf("re-rating to HIGH: %v", err)
	}
	if _, err := risk.RateRiskItem(at(time.Hour), tx, risk.Rating{RiskItemID: id, Version: 3, Likelihood: 5, Impact: 5}); err != nil {
		t.Fatalf("re-rating within HIGH: %v", err)
	}
	if got := raisedHigh(t, tx, id); len(got) != 1 || got[0] != "MEDIUM→HIGH" {
		t.Errorf("re-rated LOW → MEDIUM → HIGH → HIGH: expected one RISK_ITEM_RAISED_HIGH from MEDIUM, got %v", got)
	}
}

func TestLinkRiskItem(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	id := item(t, tx, w, 0, 1, 1)
	d, err := mediation.RegisterDispute(at(0), tx, mediation.Registration{CommitteeID: w.Committee, Source: "PARTY_APPLICATION", Category: "NEIGHBOUR",
		Difficulty: "ORDINARY", Summary: "a wall", Parties: []mediation.Party{{PersonID: w.Persons[0], Side: "APPLICANT"}}})
	if err != nil {
		t.Fatalf("RegisterDispute: %v", err)
	}
	link := risk.LinkRequest{RiskItemID: id, TargetType: "Dispute", TargetID: d.Dispute}
	if _, err := risk.LinkRiskItem(at(0), tx, link); err != nil {
		t.Fatalf("LinkRiskItem: %v", err)
	}
	for _, tt := range []struct {
		name string
		l    risk.LinkRequest
		want want
	}{
		{"the same target again", link, want{Field: "targetId"}},
		{"a target of another type", risk.LinkRequest{RiskItemID: id, TargetType: "Person", TargetID: w.Persons[0]}, want{Field: "targetId"}},
		{"no such target", risk.LinkRequest{RiskItemID: id, TargetType: "Case", TargetID: missingRow}, want{NotFound: "targetId"}},
		{"no such risk item", risk.LinkRequest{RiskItemID: missingRow, TargetType: "Dispute", TargetID: d.Dispute}, want{NotFound: "riskItemId"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := inSavepoint(t, tx, func(sp pgx.Tx) error { _, err := risk.LinkRiskItem(at(0), sp, tt.l); return err })
			tt.want.check(t, tt.name, err)
		})
	}
}

// TestAddMeasureFollowsTheOfficeCalendar: a measure is not due before the office's day the
// risk was identified. Before the fix the day was the UTC one: a risk identified at 02:30 in
// Shanghai took measures due the day before.
func TestAddMeasureFollowsTheOfficeCalendar(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	identified := time.Date(2026, 6, 15, 18, 30, 0, 0, time.UTC) // 2026-06-16 02:30 in Shanghai
	res, err := risk.AddRiskItem(clock.With(auth.WithSystem(context.Background()), clock.Fixed(identified)), tx,
		risk.NewRiskItem{GridID: w.Grid, Dimension: "PUBLIC_ORDER", Description: "crowding", Likelihood: 2, Impact: 2})
	if err != nil {
		t.Fatalf("AddRiskItem: %v", err)
	}
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, tt := range []struct {
		name string
		m    risk.NewMeasure
		want *want // nil: accepted
	}{
		{"due the UTC day of the identification", risk.NewMeasure{RiskItemID: res.RiskItem, Action: "patrol", OwnerUnit: "station", DueOn: day("2026-06-15")}, &want{Field: "dueOn"}},
		{"due the office day of the identification", risk.NewMeasure{RiskItemID: res.RiskItem, Action: "patrol", OwnerUnit: "station", DueOn: day("2026-06-16")}, nil},
		{"no action", risk.NewMeasure{RiskItemID: res.RiskItem, OwnerUnit: "station", DueOn: day("2026-07-01")}, &want{Field: "action"}},
		{"no owner", risk.NewMeasure{RiskItemID: res.RiskItem, Action: "patrol", DueOn: day("2026-07-01")}, &want{Field: "ownerUnit"}},
		{"no such risk item", risk.NewMeasure{RiskItemID: missingRow, Action: "patrol", OwnerUnit: "station", DueOn: day("2026-07-01")}, &want{NotFound: "riskItemId"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got risk.MeasureWritten
			err := inSavepoint(t, tx, func(sp pgx.Tx) error {
				var err error
				got, err = risk.AddMeasure(at(0), sp, tt.m)
				return err
			})
			if tt.want == nil {
				if err != nil || got.Measure == 0 || got.RiskItem != res.RiskItem {
					t.Errorf("%s: expected the measure added against risk item %d, got %+v, %v", tt.name, res.RiskItem, got, err)
				}
				return
			}
			tt.want.check(t, tt.name, err)
		})
	}
}

// TestAdvanceMeasure: a measure is done on the office's today or before, never later, and a
// day is recorded only with DONE.
func TestAdvanceMeasure(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	now := time.Date(2026, 6, 15, 18, 30, 0, 0, time.UTC) // 2026-06-16 02:30 in Shanghai
	ctx := clock.With(auth.WithSystem(context.Background()), clock.Fixed(now))
	ri, err := risk.AddRiskItem(ctx, tx, risk.NewRiskItem{GridID: w.Grid, Dimension: "PUBLIC_ORDER", Description: "crowding", Likelihood: 2, Impact: 2})
	if err != nil {
		t.Fatalf("AddRiskItem: %v", err)
	}
	m, err := risk.AddMeasure(ctx, tx, risk.NewMeasure{RiskItemID: ri.RiskItem, Action: "patrol", OwnerUnit: "station", DueOn: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("AddMeasure: %v", err)
	}
	officeToday, officeTomorrow := time.Date(2026, 6, 16, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 17, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		m    risk.MeasureMove
		want want
	}{
		{"an illegal step", risk.MeasureMove{MeasureID: m.Measure, Version: 1, To: "DONE"}, illegal},
		{"a day with IN_PROGRESS", risk.MeasureMove{MeasureID: m.Measure, Version: 1, To: "IN_PROGRESS", DoneOn: &officeToday}, want{Field: "doneOn"}},
		{"a stale version", risk.MeasureMove{MeasureID: m.Measure, Version: 2, To: "IN_PROGRESS"}, conflict},
		{"no such measure", risk.MeasureMove{MeasureID: missingRow, Version: 1, To: "IN_PROGRESS"}, want{NotFound: "measureId"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := inSavepoint(t, tx, func(sp pgx.Tx) error { _, err := risk.AdvanceMeasure(ctx, sp, tt.m); return err })
			tt.want.check(t, tt.name, err)
		})
	}
	if _, err := risk.AdvanceMeasure(ctx, tx, risk.MeasureMove{MeasureID: m.Measure, Version: 1, To: "IN_PROGRESS"}); err != nil {
		t.Fatalf("AdvanceMeasure to IN_PROGRESS: %v", err)
	}
	err = inSavepoint(t, tx, func(sp pgx.Tx) error {
		_, err := risk.AdvanceMeasure(ctx, sp, risk.MeasureMove{MeasureID: m.Measure, Version: 2, To: "DONE", DoneOn: &officeTomorrow})
		return err
	})
	want{Field: "doneOn"}.check(t, "done on the office's tomorrow", err)
	res, err := risk.AdvanceMeasure(ctx, tx, risk.MeasureMove{MeasureID: m.Measure, Version: 2, To: "DONE"})
	if err != nil || res.RiskItem != ri.RiskItem {
		t.Fatalf("AdvanceMeasure to DONE: expected measure of risk item %d, got %+v, %v", ri.RiskItem, res, err)
	}
	var done time.Time
	if err := tx.QueryRow(context.Background(), "SELECT done_on FROM risk.measure WHERE id = $1", m.Measure).Scan(&done); err != nil {
		t.Fatal(err)
	}
	if !done.Equal(officeToday) {
		t.Errorf("done without a day at %s: expected done on the office's %s, got %s", now, officeToday.Format(time.DateOnly), done.Format(time.DateOnly))
	}
}

// TestEscalate: a FAILED dispute's escalation, through mediation.AdvanceDispute's hook, opens
// a risk item in the dispute's grid and estate, linked to the dispute, announced when HIGH.
func TestEscalate(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	d, err := mediation.RegisterDispute(at(0), tx, mediation.Registration{CommitteeID: w.Committee, Source: "PARTY_APPLICATION", Category: "NEIGHBOUR",
		Difficulty: "ORDINARY", Summary: "a wall", GridID: &w.Grid, EstateID: &w.Estate, Parties: []mediation.Party{{PersonID: w.Persons[0], Side: "APPLICANT"}}})
	if err != nil {
		t.Fatalf("RegisterDispute: %v", err)
	}
	for version, to := range []string{"ACCEPTED", "IN_MEDIATION"} {
		if _, err := mediation.AdvanceDispute(at(time.Minute), tx, mediation.DisputeMove{DisputeID: d.Dispute, Version: version + 1, To: to}); err != nil {
			t.Fatalf("AdvanceDispute to %s: %v", to, err)
		}
	}
	res, err := mediation.AdvanceDispute(at(time.Hour), tx, mediation.DisputeMove{DisputeID: d.Dispute, Version: 3, To: "FAILED", Escalate: risk.Escalate,
		Escalation: &mediation.Escalation{Dimension: "PUBLIC_ORDER", Description: "threats", Likelihood: 4, Impact: 4}})
	if err != nil || res.RiskItem == nil {
		t.Fatalf("FAILED with an escalation: expected a risk item, got %+v, %v", res, err)
	}
	var grid, estate, linked int64
	var status string
	if err := tx.QueryRow(context.Background(), `SELECT grid_id, estate_id, status, (SELECT dispute_id FROM risk.risk_link WHERE risk_item_id = i.id)
		FROM risk.risk_item i WHERE id = $1`, *res.RiskItem).Scan(&grid, &estate, &status, &linked); err != nil {
		t.Fatal(err)
	}
	if grid != w.Grid || estate != w.Estate || status != "IDENTIFIED" || linked != d.Dispute {
		t.Errorf("escalation risk: expected IDENTIFIED in grid %d, estate %d, linked to dispute %d; got %s in %d, %d, linked to %d", w.Grid, w.Estate, d.Dispute, status, grid, estate, linked)
	}
	if got := raisedHigh(t, tx, *res.RiskItem); len(got) != 1 {
		t.Errorf("a HIGH escalation: expected one RISK_ITEM_RAISED_HIGH, got %v", got)
	}
}

// TestEveryRiskStatusHasAWayOut walks assessments, risk items and measures through their
// commands: every status a machine lets out has a command that does.
func TestEveryRiskStatusHasAWayOut(t *testing.T) {
	tx := dbtest.Tx(t)
	w := dbtest.NewWorld(t, tx)
	high, proceed := "HIGH", "PROCEED"
	for _, tt := range []struct {
		machine *workflow.Machine
		driver  workflowtest.Driver
	}{
		{workflow.AssessmentMachine, workflowtest.Driver{
			Create: func(ctx context.Context, tx pgx.Tx) (workflowtest.Entity, error) {
				res, err := risk.OpenAssessment(ctx, tx, risk.NewAssessment{Title: "t", SubjectType: "POLICY", ResponsibleUnit: "u"})
				return workflowtest.Entity{ID: res.Assessment, Version: 1}, err
			},
			Step: func(ctx context.Context, tx pgx.Tx, e workflowtest.Entity, to string) error {
				m := risk.AssessmentMove{AssessmentID: e.ID, Version: e.Version, To: to}
				switch to {
				case "GRADED":
					m.Level = &high
				case "DECIDED":
					m.Decision = &proceed
				}
				_, err := risk.AdvanceAssessment(ctx, tx, m)
				return err
			},
		}},
		{workflow.RiskItemMachine, workflowtest.Driver{
			Create: func(ctx context.Context, tx pgx.Tx) (workflowtest.Entity, error) {
				return workflowtest.Entity{ID: item(t, tx, w, 0, 1, 1), Version: 1}, nil
			},
			Step: func(ctx context.Context, tx pgx.Tx, e workflowtest.Entity, to string) error {
				_, err := risk.AdvanceRiskItem(ctx, tx, risk.RiskItemMove{RiskItemID: e.ID, Version: e.Version, To: to})
				return err
			},
		}},
		{workflow.MeasureMachine, workflowtest.Driver{
			Create: func(ctx context.Context, tx pgx.Tx) (workflowtest.Entity, error) {
				res, err := risk.AddMeasure(ctx, tx, risk.NewMeasure{RiskItemID: item(t, tx, w, 0, 1, 1), Action: "a", OwnerUnit: "u", DueOn: clock.Today(ctx)})
				return workflowtest.Entity{ID: res.Measure, Version: 1}, err
			},
			Step: func(ctx context.Context, tx pgx.Tx, e workflowtest.Entity, to string) error {
				_, err := risk.AdvanceMeasure(ctx, tx, risk.MeasureMove{MeasureID: e.ID, Version: e.Version, To: to})
				return err
			},
		}},
	} {
		t.Run(tt.machine.Name, func(t *testing.T) {
			reached := workflowtest.Walk(t, at(time.Minute), tx, tt.machine, tt.driver)
			if all := tt.machine.Statuses(); len(reached) != len(all) {
				t.Errorf("%ss reach %v; expected every status of the machine, %v", tt.machine.Name, reached, all)
			}
		})
	}
}
