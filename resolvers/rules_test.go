package resolvers_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/clock"
	"civiclink/internal/globalid"
	"civiclink/internal/hubtest"
)

type ruleRow struct {
	ID, Code        string
	Version         int
	DeadlineMinutes int
	Remind          string
	ValidFrom       time.Time
	ValidTo         *time.Time
	Changes         []struct{ Action, Actor string }
}

const rulesQuery = `query($code: String, $asOf: DateTime, $history: Boolean) {
  rules(code: $code, asOf: $asOf, history: $history) { id code version deadlineMinutes remind validFrom validTo changes { action actor } }
}`

func listRules(t *testing.T, hub *hubtest.Hub, vars map[string]any) []ruleRow {
	t.Helper()
	var out struct{ Rules []ruleRow }
	hub.Query(t, rulesQuery, vars).MustData(t, &out)
	return out.Rules
}

// TestRulesSeeded checks that the rules the code used as constants are published as data,
// each in force with its first version, and readable by every reading role.
func TestRulesSeeded(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	want := map[string]int{ // the constants the hub applied before rules were data
		"GRID_EVENT_DUE_LOW": 7 * 24 * 60, "GRID_EVENT_DUE_NORMAL": 3 * 24 * 60, "GRID_EVENT_DUE_HIGH": 24 * 60, "GRID_EVENT_DUE_CRITICAL": 4 * 60,
		"MEASURE_OVERDUE": 0, "AGREEMENT_FOLLOW_UP": 0,
		"GRID_EVENT_RESPONSE_CRITICAL": 60, "GRID_EVENT_RESPONSE_HIGH": 240, "CASE_ON_SCENE": 30, "DISPUTE_FIRST_CONTACT": 1440,
	}
	for _, role := range []string{auth.Admin, auth.Analyst, auth.GridWorker, auth.PoliceOfficer} {
		got := map[string]ruleRow{}
		for _, r := range listRules(t, hub.As(t, role, auth.ScopeClaims{}), nil) {
			got[r.Code] = r
		}
		for code, minutes := range want {
			r, ok := got[code]
			if !ok {
				t.Errorf("%s: rules has no %s in force", role, code)
				continue
			}
			if r.DeadlineMinutes != minutes || r.Version != 1 || r.ValidTo != nil || len(r.Changes) != 1 || r.Changes[0].Action != "PUBLISHED" {
				t.Errorf("%s: %s = %+v, want version 1 of %d minutes, in force, published once", role, code, r, minutes)
			}
		}
	}
	if got := listRules(t, hub.As(t, auth.Auditor, auth.ScopeClaims{}), nil); len(got) != 0 {
		t.Errorf("an auditor sees %d rules, want none (the access log only)", len(got))
	}
}

// TestPublishRuleRefusals checks who may publish and what is refused.
func TestPublishRuleRefusals(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	const m = `mutation($in: PublishRuleInput!) { publishRule(input: $in) { rule { version } } }`
	future := time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)
	tests := []struct {
		name, role, code, field string
		in                      map[string]any
	}{
		{"an analyst", auth.Analyst, "FORBIDDEN", "", map[string]any{"code": "MEASURE_OVERDUE", "deadlineMinutes": 1440, "validFrom": future, "reason": "x"}},
		{"street staff", auth.StreetStaff, "FORBIDDEN", "", map[string]any{"code": "MEASURE_OVERDUE", "deadlineMinutes": 1440, "validFrom": future, "reason": "x"}},
		{"an unknown code", auth.Admin, "NOT_FOUND", "code", map[string]any{"code": "NO_SUCH_RULE", "deadlineMinutes": 1, "validFrom": future, "reason": "x"}},
		{"before the current version", auth.Admin, "BAD_USER_INPUT", "validFrom", map[string]any{"code": "MEASURE_OVERDUE", "validFrom": "1999-01-01T00:00:00Z", "reason": "x"}},
		{"a negative deadline", auth.Admin, "BAD_USER_INPUT", "deadlineMinutes", map[string]any{"code": "MEASURE_OVERDUE", "deadlineMinutes": -1, "validFrom": future, "reason": "x"}},
		{"no reason", auth.Admin, "BAD_USER_INPUT", "reason", map[string]any{"code": "MEASURE_OVERDUE", "validFrom": future, "reason": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := hub.As(t, tt.role, auth.ScopeClaims{}).Query(t, m, map[string]any{"in": tt.in})
			if len(res.Errors) != 1 || res.Errors[0].Code() != tt.code || (tt.field != "" && res.Errors[0].Extensions["field"] != tt.field) {
				t.Fatalf("publishRule by %s = %s, want one %s error on field %q", tt.role, res.Raw, tt.code, tt.field)
			}
		})
	}
	if got := listRules(t, hub, map[string]any{"code": "MEASURE_OVERDUE", "history": true}); len(got) != 1 {
		t.Errorf("after refused edits MEASURE_OVERDUE has %d versions, want 1", len(got))
	}
}

type measureFlag struct {
	ID, DueOn, Status string
	Overdue           bool
	OverdueRule       *struct{ Version int }
}

// measureFlags reads every seeded measure's overdue flag and rule through the API.
func measureFlags(t *testing.T, hub *hubtest.Hub) map[string]measureFlag {
	t.Helper()
	var out struct {
		RiskItems struct {
			TotalCount int
			Nodes      []struct{ Measures []measureFlag }
		}
	}
	hub.Query(t, `{ riskItems(first: 500) { totalCount nodes { measures { id dueOn status overdue overdueRule { version } } } } }`, nil).MustData(t, &out)
	if out.RiskItems.TotalCount > 500 {
		t.Fatalf("%d risk items: the test reads one page of 500", out.RiskItems.TotalCount)
	}
	flags := map[string]measureFlag{}
	for _, n := range out.RiskItems.Nodes {
		for _, m := range n.Measures {
			flags[m.ID] = m
		}
	}
	return flags
}

// sqlOverdue is the plain-SQL definition of overdue measures: not done, and due (plus the days
// of grace: 0, or grace on measures due on or after from) before the office's today
// (Asia/Shanghai, as the flag: between 16:00 and 24:00 UTC it is a day ahead of UTC's).
func sqlOverdue(t *testing.T, hub *hubtest.Hub, from time.Time, grace int) map[int64]bool {
	t.Helper()
	rows, err := hub.Pool.Query(context.Background(), `
		SELECT id, status <> 'DONE' AND due_on + CASE WHEN due_on >= $1::date THEN $2::int ELSE 0 END < `+clock.SQLToday+`
		FROM risk.measure`, from, grace)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]bool{}
	for rows.Next() {
		var id int64
		var o bool
		if err := rows.Scan(&id, &o); err != nil {
			t.Fatal(err)
		}
		out[id] = o
	}
	return out
}

// TestMeasureOverdueRule edits MEASURE_OVERDUE from a day in the past on and checks that the
// overdue flags (the field, its rule, the filter and the aggregate) follow plain SQL over the
// seeded data: unchanged for measures due before the day, with the new grace from it on.
func TestMeasureOverdueRule(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	from := clock.DateOf(time.Now()).AddDate(0, 0, -90)
	const grace = 60

	check := func(t *testing.T, edited bool) map[string]measureFlag {
		g := 0
		if edited {
			g = grace
		}
		want := sqlOverdue(t, hub, from, g)
		flags := measureFlags(t, hub)
		if len(flags) != len(want) || len(want) == 0 {
			t.Fatalf("the API shows %d measures, SQL %d", len(flags), len(want))
		}
		overdue := 0
		for id, f := range flags {
			pk := globalIDPK(t, id)
			if f.Overdue != want[pk] {
				t.Errorf("measure %d due %s (%s): overdue = %v, SQL says %v", pk, f.DueOn, f.Status, f.Overdue, want[pk])
			}
			wantVersion := 1
			if edited && f.DueOn >= from.Format(time.DateOnly) {
				wantVersion = 2
			}
			switch {
			case f.Overdue && (f.OverdueRule == nil || f.OverdueRule.Version != wantVersion):
				t.Errorf("measure %d due %s: overdueRule = %+v, want version %d", pk, f.DueOn, f.OverdueRule, wantVersion)
			case !f.Overdue && f.OverdueRule != nil:
				t.Errorf("measure %d due %s is not overdue but names rule %+v", pk, f.DueOn, f.OverdueRule)
			}
			if want[pk] {
				overdue++
			}
		}
		var agg struct {
			RiskItemStats []struct{ OverdueMeasures int }
			RiskItems     struct{ TotalCount int }
		}
		hub.Query(t, `query($asOf: Date) { riskItemStats(asOf: $asOf) { overdueMeasures } riskItems(filter: { hasOverdueMeasure: true }) { totalCount } }`,
			map[string]any{"asOf": clock.DateOf(time.Now()).Format(time.DateOnly)}).MustData(t, &agg)
		var wantItems int
		err := hub.Pool.QueryRow(context.Background(), `SELECT count(DISTINCT risk_item_id) FROM risk.measure
			WHERE status <> 'DONE' AND due_on + CASE WHEN due_on >= $1::date THEN $2::int ELSE 0 END < `+clock.SQLToday, from, g).Scan(&wantItems)
		if err != nil {
			t.Fatal(err)
		}
		if len(agg.RiskItemStats) != 1 || agg.RiskItemStats[0].OverdueMeasures != overdue || agg.RiskItems.TotalCount != wantItems {
			t.Errorf("riskItemStats.overdueMeasures = %+v and hasOverdueMeasure lists %d items; SQL says %d measures, %d items",
				agg.RiskItemStats, agg.RiskItems.TotalCount, overdue, wantItems)
		}
		return flags
	}
	before := check(t, false)

	var pub struct {
		PublishRule struct{ Rule ruleRow }
	}
	hub.Query(t, `mutation($in: PublishRuleInput!) { publishRule(input: $in) { rule { id code version deadlineMinutes remind validFrom validTo changes { action actor } } } }`,
		map[string]any{"in": map[string]any{"code": "MEASURE_OVERDUE", "deadlineMinutes": grace * 24 * 60,
			"validFrom": time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.FixedZone("CST", 8*3600)).Format(time.RFC3339),
			"reason":    "two months of grace for measures due from " + from.Format(time.DateOnly)}}).MustData(t, &pub)
	if r := pub.PublishRule.Rule; r.Version != 2 || r.DeadlineMinutes != grace*24*60 || r.Remind != "MEASURE_OWNER" || len(r.Changes) != 1 {
		t.Fatalf("published %+v, want version 2 with the new deadline, the old recipient and one log entry", r)
	}
	history := listRules(t, hub, map[string]any{"code": "MEASURE_OVERDUE", "history": true})
	if len(history) != 2 || history[0].ValidTo == nil || !history[0].ValidTo.Equal(history[1].ValidFrom) || len(history[0].Changes) != 2 {
		t.Fatalf("history = %+v, want version 1 ended where version 2 begins, logged", history)
	}

	after := check(t, true)
	changed := 0
	for id, b := range before {
		a := after[id]
		if a.Overdue != b.Overdue {
			changed++
			if a.DueOn < from.Format(time.DateOnly) {
				t.Errorf("measure %s due %s, before the rule's validity, changed its flag", id, a.DueOn)
			}
		}
	}
	if changed == 0 {
		t.Errorf("the edit changed no flag: the seed has no open measure due in the %d days before today after %s", grace, from.Format(time.DateOnly))
	}
}

// TestAgreementFollowUpRule edits AGREEMENT_FOLLOW_UP from a day in the past on and compares
// overdueAgreements with plain SQL before and after, each carrying the rule version in force
// on its deadline.
func TestAgreementFollowUpRule(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	now := time.Now().UTC()
	asOf := now.Format(time.DateOnly)
	from := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -240)
	const grace = 180
	// overdueAgreements lists live obligations only (issue 12) and the small test seed has
	// none: make the agreements of the last two years DEFAULTED and unvisited. Older ones stay
	// ARCHIVED or in LITIGATION, some of them never visited: listing agreements with no visit
	// regardless of the dispute's state gave 85 here where the live obligations are 74.
	if _, err := hub.Pool.Exec(context.Background(), `WITH live AS (
		  UPDATE mediation.dispute d SET status = 'DEFAULTED' FROM mediation.agreement a
		  WHERE a.dispute_id = d.id AND d.status IN ('ARCHIVED', 'PERFORMED') AND a.performance_deadline >= $1::date - 720 RETURNING a.id)
		DELETE FROM mediation.follow_up f USING live WHERE f.agreement_id = live.id`, asOf); err != nil {
		t.Fatalf("make live obligations: %v", err)
	}
	check := func(t *testing.T, g int) int {
		var out struct {
			OverdueAgreements []struct {
				PerformanceDeadline string
				Rule                struct {
					Version int
					Remind  string
				}
			}
		}
		hub.Query(t, `query($asOf: Date) { overdueAgreements(asOf: $asOf, first: 500) { performanceDeadline rule { version remind } } }`,
			map[string]any{"asOf": asOf}).MustData(t, &out)
		var want int
		err := hub.Pool.QueryRow(context.Background(), `SELECT count(*) FROM mediation.agreement a JOIN mediation.dispute d ON d.id = a.dispute_id
			WHERE a.performance_deadline + CASE WHEN a.performance_deadline >= $2::date THEN $3::int ELSE 0 END < $1::date
			AND d.status IN ('AGREED', 'PERFORMING', 'DEFAULTED')
			AND NOT EXISTS (SELECT 1 FROM mediation.follow_up f WHERE f.agreement_id = a.id
			  AND (f.visited_at AT TIME ZONE 'Asia/Shanghai')::date >= a.performance_deadline)`, asOf, from, g).Scan(&want)
		if err != nil {
			t.Fatal(err)
		}
		if want > 500 || want == 0 {
			t.Fatalf("SQL finds %d overdue agreements; the test needs 1 to 500", want)
		}
		if len(out.OverdueAgreements) != want {
			t.Errorf("overdueAgreements lists %d, SQL %d (grace %d days from %s)", len(out.OverdueAgreements), want, g, from.Format(time.DateOnly))
		}
		for _, o := range out.OverdueAgreements {
			v := 1
			if g > 0 && o.PerformanceDeadline >= from.Format(time.DateOnly) {
				v = 2
			}
			if o.Rule.Version != v || o.Rule.Remind != "GRID_WORKER" {
				t.Errorf("agreement due %s carries rule %+v, want version %d reminding GRID_WORKER", o.PerformanceDeadline, o.Rule, v)
			}
		}
		return len(out.OverdueAgreements)
	}
	n0 := check(t, 0)
	hub.Query(t, `mutation($in: PublishRuleInput!) { publishRule(input: $in) { rule { version } } }`,
		map[string]any{"in": map[string]any{"code": "AGREEMENT_FOLLOW_UP", "deadlineMinutes": grace * 24 * 60,
			"validFrom": time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.FixedZone("CST", 8*3600)).Format(time.RFC3339),
			"reason":    "visits within six months"}}).MustData(t, new(json.RawMessage))
	if n1 := check(t, grace); n1 >= n0 {
		t.Errorf("with %d days of grace from %s, %d agreements are overdue, want fewer than %d", grace, from.Format(time.DateOnly), n1, n0)
	}
}

// TestGridEventDueRule reports grid events without a due time: they are due by the rule in
// force when reported, and a new version applies only to events reported from its validFrom.
func TestGridEventDueRule(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	fx := loadFixtures(t, hub)
	staff := fx.clients[auth.StreetStaff]
	report := func(at time.Time) (time.Time, time.Time, int) {
		var out struct {
			ReportGridEvent struct {
				GridEvent struct {
					ReportedAt, DueAt time.Time
					DueRule           struct{ Version int }
				}
			}
		}
		staff.Query(t, `mutation($in: ReportGridEventInput!) { reportGridEvent(input: $in) { gridEvent { reportedAt dueAt dueRule { version } } } }`,
			map[string]any{"in": map[string]any{"gridId": fx.grid, "category": "SAFETY_HAZARD", "urgency": "CRITICAL", "summary": "gas smell",
				"reportedAt": at.Format(time.RFC3339)}}).MustData(t, &out)
		e := out.ReportGridEvent.GridEvent
		return e.ReportedAt, e.DueAt, e.DueRule.Version
	}
	now := time.Now().UTC().Truncate(time.Second)
	edit := now.Add(-time.Hour)
	hub.Query(t, `mutation($in: PublishRuleInput!) { publishRule(input: $in) { rule { version } } }`,
		map[string]any{"in": map[string]any{"code": "GRID_EVENT_DUE_CRITICAL", "deadlineMinutes": 120, "validFrom": edit.Format(time.RFC3339), "reason": "two hours"}}).
		MustData(t, new(json.RawMessage))
	tests := []struct {
		name    string
		at      time.Time
		due     time.Duration
		version int
	}{
		{"reported before the edit", edit.Add(-time.Minute), 4 * time.Hour, 1},
		{"reported after the edit", now, 2 * time.Hour, 2},
	}
	for _, tt := range tests {
		reported, due, version := report(tt.at)
		if got := due.Sub(reported); got != tt.due || version != tt.version {
			t.Errorf("%s: due %v after reporting by rule version %d, want %v by version %d", tt.name, got, version, tt.due, tt.version)
		}
	}
}

// globalIDPK decodes a global ID in a test.
func globalIDPK(t *testing.T, id string) int64 {
	t.Helper()
	_, pk, err := globalid.Decode(id)
	if err != nil {
		t.Fatalf("decode %q: %v", id, err)
	}
	return pk
}
