package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/clock"
	"civiclink/internal/globalid"
	"civiclink/internal/hubtest"
	"civiclink/playground"
)

// The street office's questions (issue 6): each is a saved playground example, run here as
// written through /graphql, and its figures are recomputed independently from the seeded
// rows with plain SQL (grouping and shares in SQL or Go, never through db/analytics).

// minCell is the disclosure threshold the tests expect: cells about fewer people are
// suppressed.
const minCell = 5

// savedExample returns a playground example's query and saved variables.
func savedExample(t *testing.T, name string) (string, map[string]any) {
	t.Helper()
	examples, err := playground.Examples()
	if err != nil {
		t.Fatalf("load examples: %v", err)
	}
	for _, e := range examples {
		if e.Name != name {
			continue
		}
		vars := map[string]any{}
		if e.Variables != "" {
			if err := json.Unmarshal([]byte(e.Variables), &vars); err != nil {
				t.Fatalf("variables of %s: %v", name, err)
			}
		}
		return e.Query, vars
	}
	t.Fatalf("no playground example %q", name)
	return "", nil
}

// with returns vars with the given overrides.
func with(vars map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range vars {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// groups decodes the list at root field of a response into generic rows.
func groups(t *testing.T, res *hubtest.Response, field string) []map[string]any {
	t.Helper()
	var data map[string][]map[string]any
	res.MustData(t, &data)
	rows, ok := data[field]
	if !ok {
		t.Fatalf("response has no %s: %s", field, res.Raw)
	}
	return rows
}

// str reads a dotted path of a row as a string ("" for null).
func str(row map[string]any, path string) string {
	var v any = row
	for _, seg := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[seg]
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// fnum reads a number field; nil when null.
func fnum(row map[string]any, key string) *float64 {
	v, ok := row[key].(float64)
	if !ok {
		return nil
	}
	return &v
}

func approx(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// want is the expected figures of one cell, by field; nil means the field must be null.
type want map[string]*float64

func f(v float64) *float64 { return &v }

// ratio is a/b, nil when b is 0.
func ratio(a, b float64) *float64 {
	if b == 0 {
		return nil
	}
	return f(a / b)
}

// checkCells compares the cells of a response, keyed by key, with the expected cells. Cells
// about fewer than minCell people must not appear: they fold into one last cell with
// suppressed: true, no keys and null figures; when they are together about fewer than minCell
// people (but some), the smallest other cell must be folded too (complementary suppression).
// With people nil the cells are not about people and all must be shown.
func checkCells(t *testing.T, got []map[string]any, key func(map[string]any) string, expected map[string]want, people map[string]int) {
	t.Helper()
	small, smallPeople, smallest := 0, 0, -1
	for k := range expected {
		switch n := people[k]; {
		case people == nil:
		case n < minCell:
			small++
			smallPeople += n
		case smallest < 0 || n < smallest:
			smallest = n
		}
	}
	seen := map[string]bool{}
	unsuppressed, folded := 0, 0
	for i, row := range got {
		if suppressed, _ := row["suppressed"].(bool); suppressed {
			folded++
			if people == nil {
				t.Errorf("cell %d is suppressed, but these cells are not about people", i)
			}
			if i != len(got)-1 || folded > 1 {
				t.Errorf("suppressed cell %d of %d: want exactly one, the last", i, len(got))
			}
			if k := key(row); strings.Trim(k, "|") != "" {
				t.Errorf("the suppressed cell carries keys %q, want none", k)
			}
			for field := range expected[key(row)] {
				if row[field] != nil {
					t.Errorf("suppressed cell: %s = %v, want null", field, row[field])
				}
			}
			continue
		}
		k := key(row)
		if seen[k] {
			t.Errorf("cell %s appears twice", k)
		}
		seen[k] = true
		exp, ok := expected[k]
		if !ok {
			t.Errorf("unexpected cell %s", k)
			continue
		}
		if people != nil && people[k] < minCell {
			t.Errorf("cell %s is about %d people: want it folded into the suppressed cell, got %v", k, people[k], row)
			continue
		}
		unsuppressed++
		for field, w := range exp {
			g := fnum(row, field)
			switch {
			case w == nil && g != nil:
				t.Errorf("cell %s: %s = %v, want null", k, field, *g)
			case w != nil && g == nil:
				t.Errorf("cell %s: %s = null, want %v", k, field, *w)
			case w != nil && !approx(*g, *w):
				t.Errorf("cell %s: %s = %v, want %v (plain SQL over the seed)", k, field, *g, *w)
			}
		}
	}
	if (small > 0) != (folded == 1) {
		t.Errorf("%d cells are about fewer than %d people, but the answer has %d suppressed cells; want one exactly when some are", small, minCell, folded)
	}
	missing := 0
	for k := range expected {
		if !seen[k] && (people == nil || people[k] >= minCell) {
			missing++
			if smallPeople == 0 || smallPeople >= minCell || people[k] != smallest {
				t.Errorf("cell %s (about %d people) is missing; only the smallest cell (%d) may be folded, and only when the suppressed cells are about 1-%d people (they are about %d)",
					k, people[k], smallest, minCell-1, smallPeople)
			}
		}
	}
	if missing > 1 {
		t.Errorf("%d cells about enough people are missing, want at most one (complementary suppression)", missing)
	}
	t.Logf("%d cells: %d shown, %d suppressed in one folded cell, %d folded complementarily", len(expected), unsuppressed, small, missing)
}

// percentile is PostgreSQL's percentile_cont over xs.
func percentile(xs []float64, p float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	pos := p * float64(len(s)-1)
	lo := math.Floor(pos)
	hi := math.Ceil(pos)
	v := s[int(lo)] + (pos-lo)*(s[int(hi)]-s[int(lo)])
	return &v
}

func queryRows(t *testing.T, hub *hubtest.Hub, sql string, args []any, scan func(scan func(...any) error)) {
	t.Helper()
	rows, err := hub.Pool.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatalf("expected figures: %v\n%s", err, sql)
	}
	defer rows.Close()
	for rows.Next() {
		scan(func(dest ...any) error {
			if err := rows.Scan(dest...); err != nil {
				t.Fatalf("expected figures: scan: %v", err)
			}
			return nil
		})
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("expected figures: %v", err)
	}
}

// TestStatsReferredDisputesByCommunityYear: disputes referred by the police per community per
// year (the saved default) and per quarter, with outcome and share of agreements performed.
func TestStatsReferredDisputesByCommunityYear(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	query, vars := savedExample(t, "stats-referred-disputes-by-community-year")
	for _, tc := range []struct{ bucket, unit, label string }{
		{"YEAR", "year", "YYYY"},
		{"QUARTER", "quarter", `YYYY-"Q"Q`},
	} {
		t.Run(tc.bucket, func(t *testing.T) {
			res := hub.Query(t, query, with(vars, "bucket", tc.bucket))
			got := groups(t, res, "disputeStats")
			expected, people := map[string]want{}, map[string]int{}
			queryRows(t, hub, fmt.Sprintf(`
				SELECT to_char(date_trunc('%s', d.received_at AT TIME ZONE 'Asia/Shanghai'), '%s'), coalesce(c.code, ''),
				       count(*), count(a.id),
				       count(*) FILTER (WHERE d.status = 'FAILED'),
				       count(*) FILTER (WHERE d.status IN ('WITHDRAWN', 'DECLINED')),
				       count(*) FILTER (WHERE d.status IN ('RECEIVED', 'ACCEPTED', 'IN_MEDIATION')),
				       count(a.id) FILTER (WHERE d.status IN ('PERFORMED', 'ARCHIVED'))
				FROM mediation.dispute d
				LEFT JOIN mediation.agreement a ON a.dispute_id = d.id
				LEFT JOIN street.grid g ON g.id = d.grid_id
				LEFT JOIN street.community c ON c.id = g.community_id
				WHERE d.source = 'POLICE_REFERRAL'
				GROUP BY 1, 2`, tc.unit, tc.label), nil, func(scan func(...any) error) {
				var label, grid string
				var n, agreed, failed, withdrawn, pending, performed float64
				_ = scan(&label, &grid, &n, &agreed, &failed, &withdrawn, &pending, &performed)
				k := label + "|" + grid
				people[k] = int(n)
				expected[k] = want{"count": f(n), "agreed": f(agreed), "failed": f(failed), "withdrawn": f(withdrawn),
					"pending": f(pending), "performed": f(performed), "shareAgreed": f(agreed / n), "sharePerformed": ratio(performed, agreed)}
			})
			if len(expected) == 0 {
				t.Fatal("the seed has no referred disputes")
			}
			checkCells(t, got, func(r map[string]any) string { return str(r, "bucketLabel") + "|" + str(r, "community.code") }, expected, people)
			if tc.bucket == "YEAR" {
				shown := 0
				for k := range expected {
					if people[k] >= minCell {
						shown++
					}
				}
				if shown == 0 {
					t.Error("no yearly cell has five referred disputes: the test shows no figure")
				}
			}
		})
	}
}

// TestStatsWelfareVsSatisfaction: officers' welfare grants per station against the station's
// satisfaction and belonging scores.
func TestStatsWelfareVsSatisfaction(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	query, vars := savedExample(t, "stats-welfare-vs-satisfaction")
	for _, tc := range []struct {
		name   string
		bucket any
		grant  string // label expression over bg.applied_on
		survey string // label expression over sv.period
	}{
		{"per year", "YEAR", "to_char(bg.applied_on, 'YYYY')", "left(sv.period, 4)"},
		{"all time", nil, "''", "''"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := hub.Query(t, query, with(vars, "bucket", tc.bucket))
			var data map[string][]map[string]any
			res.MustData(t, &data)
			key := func(r map[string]any) string { return str(r, "bucketLabel") + "|" + str(r, "station.code") }

			expected, people := map[string]want{}, map[string]int{}
			queryRows(t, hub, `
				SELECT `+tc.grant+`, s.code, count(*), count(DISTINCT bg.officer_id),
				       count(*) FILTER (WHERE bg.status = 'DELIVERED'), coalesce(sum(bg.amount), 0)::float8, count(bg.amount)
				FROM welfare.benefit_grant bg
				JOIN police.officer o ON o.id = bg.officer_id
				JOIN police.station s ON s.id = o.station_id
				GROUP BY 1, 2`, nil, func(scan func(...any) error) {
				var label, station string
				var n, officers, delivered, sum, withAmount float64
				_ = scan(&label, &station, &n, &officers, &delivered, &sum, &withAmount)
				k := label + "|" + station
				people[k] = int(officers)
				sumAmount := f(sum)
				if withAmount == 0 {
					sumAmount = nil
				}
				expected[k] = want{"count": f(n), "officers": f(officers), "delivered": f(delivered), "shareDelivered": f(delivered / n), "sumAmount": sumAmount}
			})
			checkCells(t, data["grants"], key, expected, people)

			expected, people = map[string]want{}, map[string]int{}
			queryRows(t, hub, `
				SELECT `+tc.survey+`, st.code, count(*), avg(r.overall)::float8, avg(r.belonging)::float8,
				       count(*) FILTER (WHERE r.overall >= 4), count(*) FILTER (WHERE r.belonging >= 4)
				FROM welfare.survey_response r
				JOIN welfare.survey sv ON sv.id = r.survey_id
				JOIN police.station st ON st.id = sv.station_id
				WHERE (SELECT count(*) FROM welfare.survey_response r2 WHERE r2.survey_id = sv.id) >= 5 -- rounds under five count nowhere
				GROUP BY 1, 2`, nil, func(scan func(...any) error) {
				var label, station string
				var n, overall, belonging, satisfied, belongs float64
				_ = scan(&label, &station, &n, &overall, &belonging, &satisfied, &belongs)
				k := label + "|" + station
				people[k] = int(n)
				expected[k] = want{"respondents": f(n), "avgOverall": f(overall), "avgBelonging": f(belonging),
					"shareSatisfied": f(satisfied / n), "shareBelonging": f(belongs / n)}
			})
			checkCells(t, data["satisfaction"], key, expected, people)
		})
	}
}

// TestStatsNonPoliceDiversion: each station's monthly share of calls that were NON_POLICE and
// were diverted to mediation.
func TestStatsNonPoliceDiversion(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	query, vars := savedExample(t, "stats-non-police-diversion")
	for _, tc := range []struct {
		name string
		from string
	}{
		{"since 2026 as saved", vars["from"].(string)},
		{"since 2024", "2024-01-01T00:00:00+08:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := hub.Query(t, query, with(vars, "from", tc.from))
			got := groups(t, res, "caseStats")
			expected, people := map[string]want{}, map[string]int{}
			queryRows(t, hub, `
				SELECT to_char(c.received_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), s.code, count(*),
				       count(*) FILTER (WHERE c.kind = 'NON_POLICE'), count(d.id),
				       count(d.id) FILTER (WHERE c.kind = 'NON_POLICE')
				FROM police."case" c
				JOIN police.station s ON s.id = c.station_id
				LEFT JOIN mediation.dispute d ON d.referred_case_id = c.id
				WHERE c.received_at >= $1::timestamptz
				GROUP BY 1, 2`, []any{tc.from}, func(scan func(...any) error) {
				var label, station string
				var n, nonPolice, referred, nonPoliceReferred float64
				_ = scan(&label, &station, &n, &nonPolice, &referred, &nonPoliceReferred)
				k := label + "|" + station
				people[k] = int(n)
				expected[k] = want{"count": f(n), "nonPolice": f(nonPolice), "referred": f(referred),
					"shareNonPolice": f(nonPolice / n), "shareReferred": f(referred / n), "shareNonPoliceReferred": ratio(nonPoliceReferred, nonPolice)}
			})
			if len(expected) < 2 {
				t.Fatalf("the seed has %d station-months of cases since %s, want several", len(expected), tc.from)
			}
			checkCells(t, got, func(r map[string]any) string { return str(r, "bucketLabel") + "|" + str(r, "station.code") }, expected, people)
			// One statement for the aggregate and one for the stations it names.
			if res.Statements > 2 {
				t.Errorf("the query ran %d SQL statements, want at most 2 (the aggregate, then the stations)", res.Statements)
			}
		})
	}
}

// TestStatsDifficultDisputesByMediatorKind: success rate and median days to agreement for
// DIFFICULT disputes, by mediator kind.
func TestStatsDifficultDisputesByMediatorKind(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	query, vars := savedExample(t, "stats-difficult-disputes-by-mediator-kind")
	res := hub.Query(t, query, vars)
	got := groups(t, res, "disputeStats")

	// Per dispute: the lead mediator's kind, whether it reached an agreement and in how many
	// days; the figures are computed here in Go.
	type acc struct {
		n, agreed float64
		days      []float64
	}
	byKind := map[string]*acc{}
	queryRows(t, hub, `
		SELECT coalesce(m.kind, ''), a.id IS NOT NULL, extract(epoch FROM a.signed_at - d.received_at)::float8 / 86400
		FROM mediation.dispute d
		LEFT JOIN mediation.dispute_mediator dm ON dm.dispute_id = d.id AND dm.role = 'LEAD'
		LEFT JOIN mediation.mediator m ON m.id = dm.mediator_id
		LEFT JOIN mediation.agreement a ON a.dispute_id = d.id
		WHERE d.difficulty = 'DIFFICULT'`, nil, func(scan func(...any) error) {
		var kind string
		var agreed bool
		var days *float64
		_ = scan(&kind, &agreed, &days)
		a := byKind[kind]
		if a == nil {
			a = &acc{}
			byKind[kind] = a
		}
		a.n++
		if agreed {
			a.agreed++
			a.days = append(a.days, *days)
		}
	})
	expected, people := map[string]want{}, map[string]int{}
	for kind, a := range byKind {
		people[kind] = int(a.n)
		expected[kind] = want{"count": f(a.n), "agreed": f(a.agreed), "shareAgreed": f(a.agreed / a.n),
			"medianDaysToAgreement": percentile(a.days, 0.5), "p90DaysToAgreement": percentile(a.days, 0.9)}
	}
	checkCells(t, got, func(r map[string]any) string { return str(r, "mediatorKind") }, expected, people)
	for _, kind := range []string{"COMMUNITY_NOTABLE", "FULL_TIME"} {
		if people[kind] < minCell {
			t.Errorf("the seed has %d DIFFICULT disputes led by %s, want at least %d so the comparison shows", people[kind], kind, minCell)
		}
	}
	if res.Statements != 1 {
		t.Errorf("the aggregate ran %d SQL statements, want 1", res.Statements)
	}
}

// TestStatsOverdueAgreements: overdue agreements with no follow-up visit, with the grid and
// the grid worker to remind.
// liveObligations is the plain-SQL condition of a live obligation on day $1 over agreement a
// of dispute d: past the deadline and the rule's grace days, not performed, archived,
// withdrawn or litigated, no visit on or after the deadline's local day.
const liveObligations = `a.performance_deadline + hub.rule_days('AGREEMENT_FOLLOW_UP', a.performance_deadline) < $1::date
	AND d.status IN ('AGREED', 'PERFORMING', 'DEFAULTED')
	AND NOT EXISTS (SELECT 1 FROM mediation.follow_up f WHERE f.agreement_id = a.id
	  AND (f.visited_at AT TIME ZONE 'Asia/Shanghai')::date >= a.performance_deadline)`

// makeLiveObligations turns agreements of the test's own database clone into the cases the
// list must tell apart (the small test seed has no live obligation): disputes DEFAULTED or
// PERFORMING with no visit since the deadline (two keep a visit from before it), and
// ARCHIVED or LITIGATION ones without visits (not live). It returns the grids of the live ones.
func makeLiveObligations(t *testing.T, hub *hubtest.Hub) []string {
	t.Helper()
	ctx := context.Background()
	var grids []string
	err := hub.Pool.QueryRow(ctx, `
		WITH picked AS (
		  SELECT a.id, a.dispute_id, a.performance_deadline, row_number() OVER (ORDER BY a.performance_deadline, a.id) AS n
		  FROM mediation.agreement a JOIN mediation.dispute d ON d.id = a.dispute_id
		  WHERE d.status = 'ARCHIVED' AND a.performance_deadline < '2025-06-01' AND d.grid_id IS NOT NULL
		  ORDER BY a.performance_deadline, a.id LIMIT 14),
		states AS (
		  UPDATE mediation.dispute d SET status = CASE WHEN p.n <= 8 THEN 'DEFAULTED' WHEN p.n <= 10 THEN 'PERFORMING'
		    WHEN p.n <= 12 THEN 'LITIGATION' ELSE 'ARCHIVED' END
		  FROM picked p WHERE d.id = p.dispute_id RETURNING d.id, d.grid_id, d.status),
		visits AS (
		  DELETE FROM mediation.follow_up f USING picked p
		  WHERE f.agreement_id = p.id AND (p.n NOT IN (3, 9) OR f.visited_at >= p.performance_deadline::timestamp AT TIME ZONE 'Asia/Shanghai')
		  RETURNING f.id)
		SELECT array_agg(DISTINCT g.code) FROM states s JOIN street.grid g ON g.id = s.grid_id
		WHERE s.status IN ('DEFAULTED', 'PERFORMING') AND (SELECT count(*) FROM visits) >= 0`).Scan(&grids)
	if err != nil || len(grids) == 0 {
		t.Fatalf("make live obligations: %v (grids %v)", err, grids)
	}
	return grids
}

func TestStatsOverdueAgreements(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	makeLiveObligations(t, hub)
	query, vars := savedExample(t, "work-overdue-agreements")
	for _, asOf := range []string{vars["asOf"].(string), "2025-06-30"} {
		t.Run(asOf, func(t *testing.T) {
			res := hub.Query(t, query, with(vars, "asOf", asOf))
			got := groups(t, res, "overdueAgreements")
			type row struct {
				disputeNo, deadline, grid string
				days                      int
			}
			var expected []row
			queryRows(t, hub, `
				SELECT d.dispute_no, a.performance_deadline::text, $1::date - a.performance_deadline, coalesce(g.code, ''), d.grid_id
				FROM mediation.agreement a
				JOIN mediation.dispute d ON d.id = a.dispute_id
				LEFT JOIN street.grid g ON g.id = d.grid_id
				WHERE `+liveObligations+`
				ORDER BY a.performance_deadline, a.id
				LIMIT 100`, []any{asOf}, func(scan func(...any) error) {
				var r row
				var gridID *int64
				_ = scan(&r.disputeNo, &r.deadline, &r.days, &r.grid, &gridID)
				expected = append(expected, r)
			})
			// The worker to remind, chosen in Go: the active leader, else full-time, else
			// part-time worker of the grid, the earliest appointed first.
			workers := map[string]string{}
			rank := map[string]int{"LEADER": 0, "FULL_TIME": 1, "PART_TIME": 2}
			type cand struct {
				id   int64
				post string
				from time.Time
			}
			best := map[string]cand{}
			queryRows(t, hub, `
				SELECT g.code, w.id, w.post, w.active_from FROM street.grid_worker w JOIN street.grid g ON g.id = w.grid_id
				WHERE w.active_from <= $1::date AND (w.active_to IS NULL OR w.active_to >= $1::date)`, []any{asOf}, func(scan func(...any) error) {
				var grid string
				var c cand
				_ = scan(&grid, &c.id, &c.post, &c.from)
				b, ok := best[grid]
				if !ok || rank[c.post] < rank[b.post] || (rank[c.post] == rank[b.post] && (c.from.Before(b.from) || (c.from.Equal(b.from) && c.id < b.id))) {
					best[grid] = c
				}
			})
			for g, c := range best {
				workers[g] = globalid.Encode("GridWorker", c.id)
			}
			if len(expected) == 0 {
				t.Fatalf("the seed has no agreement overdue on %s without a follow-up", asOf)
			}
			if len(got) != len(expected) {
				t.Fatalf("got %d overdue agreements, want %d", len(got), len(expected))
			}
			withWorker := 0
			for i, e := range expected {
				g := got[i]
				if str(g, "dispute.disputeNo") != e.disputeNo || str(g, "performanceDeadline") != e.deadline ||
					str(g, "grid.code") != e.grid || str(g, "daysOverdue") != fmt.Sprint(e.days) {
					t.Errorf("row %d = %v, want dispute %s, deadline %s, %d days overdue, grid %s", i, g, e.disputeNo, e.deadline, e.days, e.grid)
				}
				if w := str(g, "gridWorker.id"); w != workers[e.grid] {
					t.Errorf("row %d (%s): grid worker %q, want %q", i, e.disputeNo, w, workers[e.grid])
				}
				if str(g, "gridWorker.id") != "" {
					withWorker++
					if name := str(g, "gridWorker.person.name"); !strings.Contains(name, "*") {
						t.Errorf("row %d: grid worker's name %q is not masked", i, name)
					}
				}
			}
			if withWorker == 0 {
				t.Error("no overdue agreement names a grid worker to remind")
			}
		})
	}
}

// TestStatsOpenRisksByGrid: open HIGH and MEDIUM risk items per grid with overdue measures,
// and cases or disputes linked in the last 30 days.
func TestStatsOpenRisksByGrid(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	query, vars := savedExample(t, "stats-open-risks-by-grid")
	ctx := context.Background()
	// A second as-of day on which some open item has a recently linked case or dispute.
	var recent time.Time
	err := hub.Pool.QueryRow(ctx, `
		SELECT max(x.at AT TIME ZONE 'Asia/Shanghai')::date FROM (
		  SELECT c.received_at AS at FROM risk.risk_link l JOIN risk.risk_item r ON r.id = l.risk_item_id JOIN police."case" c ON c.id = l.case_id
		  WHERE r.status IN ('IDENTIFIED', 'MITIGATING') AND r.level IN ('HIGH', 'MEDIUM')
		  UNION ALL
		  SELECT d.received_at FROM risk.risk_link l JOIN risk.risk_item r ON r.id = l.risk_item_id JOIN mediation.dispute d ON d.id = l.dispute_id
		  WHERE r.status IN ('IDENTIFIED', 'MITIGATING') AND r.level IN ('HIGH', 'MEDIUM')) x`).Scan(&recent)
	if err != nil {
		t.Fatalf("find a recently linked case: %v", err)
	}

	// The raw rows, aggregated in Go.
	type item struct {
		grid, level string
		id          int64
	}
	var items []item
	queryRows(t, hub, `
		SELECT g.code, r.level, r.id FROM risk.risk_item r JOIN street.grid g ON g.id = r.grid_id
		WHERE r.status IN ('IDENTIFIED', 'MITIGATING') AND r.level IN ('HIGH', 'MEDIUM')`, nil, func(scan func(...any) error) {
		var it item
		_ = scan(&it.grid, &it.level, &it.id)
		items = append(items, it)
	})
	type measure struct {
		due    time.Time
		status string
	}
	measures := map[int64][]measure{}
	queryRows(t, hub, `SELECT risk_item_id, due_on, status FROM risk.measure`, nil, func(scan func(...any) error) {
		var id int64
		var m measure
		_ = scan(&id, &m.due, &m.status)
		measures[id] = append(measures[id], m)
	})
	type link struct {
		kind string
		id   int64
		at   time.Time
	}
	links := map[int64][]link{}
	queryRows(t, hub, `
		SELECT l.risk_item_id, 'case', c.id, c.received_at FROM risk.risk_link l JOIN police."case" c ON c.id = l.case_id
		UNION ALL
		SELECT l.risk_item_id, 'dispute', d.id, d.received_at FROM risk.risk_link l JOIN mediation.dispute d ON d.id = l.dispute_id`, nil,
		func(scan func(...any) error) {
			var id int64
			var l link
			_ = scan(&id, &l.kind, &l.id, &l.at)
			links[id] = append(links[id], l)
		})
	shanghai := time.FixedZone("UTC+8", 8*3600)

	for _, asOf := range []string{vars["asOf"].(string), recent.Format("2006-01-02")} {
		t.Run(asOf, func(t *testing.T) {
			day, _ := time.Parse("2006-01-02", asOf)
			end := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, shanghai)
			start := end.AddDate(0, 0, -30)
			type acc struct{ n, withOverdue, overdue, cases, disputes float64 }
			cells := map[string]*acc{}
			for _, it := range items {
				k := it.grid + "|" + it.level
				a := cells[k]
				if a == nil {
					a = &acc{}
					cells[k] = a
				}
				a.n++
				od := 0.0
				for _, m := range measures[it.id] {
					if m.status != "DONE" && m.due.Before(day) {
						od++
					}
				}
				a.overdue += od
				if od > 0 {
					a.withOverdue++
				}
				seen := map[string]bool{}
				for _, l := range links[it.id] {
					if l.at.Before(start) || !l.at.Before(end) || seen[fmt.Sprint(l.kind, l.id)] {
						continue
					}
					seen[fmt.Sprint(l.kind, l.id)] = true
					if l.kind == "case" {
						a.cases++
					} else {
						a.disputes++
					}
				}
			}
			expected := map[string]want{}
			recentLinks := 0.0
			for k, a := range cells {
				expected[k] = want{"count": f(a.n), "withOverdueMeasures": f(a.withOverdue), "overdueMeasures": f(a.overdue),
					"linkedCasesLast30Days": f(a.cases), "linkedDisputesLast30Days": f(a.disputes)}
				recentLinks += a.cases + a.disputes
			}
			if len(expected) == 0 {
				t.Fatal("the seed has no open HIGH or MEDIUM risk item")
			}
			res := hub.Query(t, query, with(vars, "asOf", asOf))
			got := groups(t, res, "riskItemStats")
			// Risk items are about places: no cell is ever suppressed (people == nil).
			checkCells(t, got, func(r map[string]any) string { return str(r, "grid.code") + "|" + str(r, "level") }, expected, nil)
			if asOf != vars["asOf"] && recentLinks == 0 {
				t.Errorf("as of %s no open item has a case or dispute linked in the last 30 days; the test checks no link figure", asOf)
			}
		})
	}
}

// TestStatsEveryKey groups each aggregate by each of its keys and each time bucket, checks
// every request succeeds and that the row total of unsuppressed cells never exceeds the
// table's, and that bad input is refused with BAD_USER_INPUT.
func TestStatsEveryKey(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	fields := []struct {
		field, keys, selection string
	}{
		{"caseStats", "STATION GRID COMMUNITY KIND CATEGORY SOURCE STATUS", "station { code } grid { code } community { code } kind category source status avgDaysToClose medianDaysToClose p90DaysToClose"},
		{"gridEventStats", "GRID COMMUNITY CATEGORY URGENCY STATUS", "grid { code } community { code } category urgency status converted shareConverted shareOverdue medianDaysToClose"},
		{"disputeStats", "GRID COMMUNITY COMMITTEE SOURCE CATEGORY DIFFICULTY STATUS MEDIATOR_KIND", "committee { name } source category difficulty status mediatorKind sumAmount avgAmount medianDaysToClose"},
		{"riskItemStats", "GRID COMMUNITY LEVEL STATUS DIMENSION", "grid { code } level status dimension avgScore overdueMeasures"},
		{"benefitGrantStats", "STATION PROGRAM PROGRAM_CATEGORY STATUS", "station { code } program { name } programCategory status medianDaysToGrant sumAmount"},
		{"surveyResponseStats", "STATION SURVEY_PERIOD", "station { code } surveyPeriod avgWorkload medianOverall"},
	}
	for _, fl := range fields {
		for _, key := range strings.Fields(fl.keys) {
			for _, bucket := range []string{"null", "DAY", "WEEK", "MONTH", "QUARTER", "YEAR"} {
				q := fmt.Sprintf(`{ %s(groupBy: [%s], timeBucket: %s) { bucket bucketLabel suppressed count %s } }`, fl.field, key, bucket, fl.selection)
				res := hub.Query(t, q, nil)
				if len(res.Errors) > 0 {
					t.Errorf("%s by %s per %s: %s", fl.field, key, bucket, res.Raw)
				}
			}
		}
	}
	for _, tc := range []struct{ name, query, code string }{
		{"key twice", `{ caseStats(groupBy: [STATION, STATION]) { count } }`, "BAD_USER_INPUT"},
		{"bad reference", `{ caseStats(filter: { stationId: "nope" }) { count } }`, "BAD_USER_INPUT"},
		{"key of another type", `{ caseStats(groupBy: [MEDIATOR_KIND]) { count } }`, "GRAPHQL_VALIDATION_FAILED"},
	} {
		res := hub.Query(t, tc.query, nil)
		if len(res.Errors) == 0 || (tc.code != "GRAPHQL_VALIDATION_FAILED" && res.Errors[0].Code() != tc.code) {
			t.Errorf("%s: got %s, want an error with code %s", tc.name, res.Raw, tc.code)
		}
	}
	// Without a key the aggregate is one cell over the whole table.
	var total int
	if err := hub.Pool.QueryRow(context.Background(), `SELECT count(*) FROM police."case"`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	got := groups(t, hub.Query(t, `{ caseStats { count suppressed } }`, nil), "caseStats")
	if len(got) != 1 || str(got[0], "count") != fmt.Sprint(total) {
		t.Errorf("caseStats without keys = %v, want one cell counting %d cases", got, total)
	}
}

// TestStatsGridEventsByCommunityYear checks the one aggregate no question uses, grid events,
// against figures computed in Go from the raw rows: counts, conversions and the median and
// p90 days from reported to closed, per community and local year.
func TestStatsGridEventsByCommunityYear(t *testing.T) {
	t.Parallel()
	hub := hubtest.New(t, hubtest.Options{})
	res := hub.Query(t, `{ gridEventStats(groupBy: [COMMUNITY], timeBucket: YEAR) {
		bucketLabel community { code } suppressed count converted closed cancelled shareConverted medianDaysToClose p90DaysToClose } }`, nil)
	got := groups(t, res, "gridEventStats")
	type acc struct {
		n, converted, closed, cancelled float64
		days                            []float64
	}
	cells := map[string]*acc{}
	shanghai := time.FixedZone("UTC+8", 8*3600)
	queryRows(t, hub, `
		SELECT c.code, e.reported_at, e.closed_at, e.status FROM street.grid_event e
		JOIN street.grid g ON g.id = e.grid_id JOIN street.community c ON c.id = g.community_id`, nil, func(scan func(...any) error) {
		var community, status string
		var reported time.Time
		var closed *time.Time
		_ = scan(&community, &reported, &closed, &status)
		k := reported.In(shanghai).Format("2006") + "|" + community
		a := cells[k]
		if a == nil {
			a = &acc{}
			cells[k] = a
		}
		a.n++
		if status == "CONVERTED" {
			a.converted++
		}
		// CANCELLED and CONVERTED events have a closing time too, but are not closed.
		switch status {
		case "CLOSED":
			a.closed++
			a.days = append(a.days, closed.Sub(reported).Seconds()/86400)
		case "CANCELLED":
			a.cancelled++
		}
	})
	expected, people := map[string]want{}, map[string]int{}
	for k, a := range cells {
		people[k] = int(a.n)
		expected[k] = want{"count": f(a.n), "converted": f(a.converted), "shareConverted": f(a.converted / a.n),
			"closed": f(a.closed), "cancelled": f(a.cancelled),
			"medianDaysToClose": percentile(a.days, 0.5), "p90DaysToClose": percentile(a.days, 0.9)}
	}
	checkCells(t, got, func(r map[string]any) string { return str(r, "bucketLabel") + "|" + str(r, "community.code") }, expected, people)
}

// TestStatsAsAnalyst runs every BI example (stats-*) as an ANALYST, who may see no row about a
// person: none is a row list (an analyst would be refused it), and the aggregates answer
// exactly as for an administrator (with the same cells suppressed). The work lists an analyst
// is refused (work-*) say so in their comment and are refused with a pointer to the aggregate.
func TestStatsAsAnalyst(t *testing.T) {
	t.Parallel()
	admin := hubtest.New(t, hubtest.Options{})
	analyst := admin.As(t, auth.Analyst, auth.ScopeClaims{})
	examples, err := playground.Examples()
	if err != nil {
		t.Fatal(err)
	}
	ran := 0
	for _, e := range examples {
		_, vars := savedExample(t, e.Name)
		if strings.HasPrefix(e.Name, "work-") {
			got := analyst.Query(t, e.Query, vars)
			if len(got.Errors) == 0 || got.Errors[0].Code() != "FORBIDDEN" || !strings.Contains(got.Errors[0].Message, "Stats") {
				t.Errorf("work list %s as analyst: %s, want FORBIDDEN pointing to the aggregates", e.Name, got.Raw)
			}
			if !strings.Contains(e.Query, "FORBIDDEN") {
				t.Errorf("work list %s: its comment should say that an analyst is refused it (FORBIDDEN)", e.Name)
			}
			continue
		}
		if !strings.HasPrefix(e.Name, "stats-") {
			continue
		}
		ran++
		got := analyst.Query(t, e.Query, vars)
		if len(got.Errors) > 0 {
			t.Errorf("%s as analyst: %s, want the aggregate (a BI example must not be a row list)", e.Name, got.Raw)
			continue
		}
		want := admin.Query(t, e.Query, vars)
		if string(got.Data) != string(want.Data) {
			t.Errorf("%s as analyst differs from the administrator's answer:\n%.300s\nwant\n%.300s", e.Name, got.Data, want.Data)
		}
	}
	if ran != 7 {
		t.Errorf("ran %d BI examples, want 7", ran)
	}
}

// TestOverdueAgreementsForWhoActs: the grid worker to remind gets the live obligations of
// their grids (without the agreement's terms), an analyst is pointed to the aggregate, and
// the aggregate equals plain SQL.
func TestOverdueAgreementsForWhoActs(t *testing.T) {
	t.Parallel()
	admin := hubtest.New(t, hubtest.Options{})
	grids := makeLiveObligations(t, admin)
	worker := admin.As(t, auth.GridWorker, auth.ScopeClaims{Grids: grids[:1]})
	res := worker.Query(t, `{ overdueAgreements(asOf: "2026-10-31") { agreement { id } dispute { disputeNo status } grid { code } daysOverdue } }`, nil)
	rows := groups(t, res, "overdueAgreements")
	if len(res.Errors) > 0 || len(rows) == 0 {
		t.Fatalf("grid worker of %s: %s, want the live obligations of the grid", grids[0], res.Raw)
	}
	for _, r := range rows {
		if str(r, "grid.code") != grids[0] || r["agreement"] != nil {
			t.Errorf("grid worker of %s: row %v, want only that grid's, without the agreement", grids[0], r)
		}
	}
	analyst := admin.As(t, auth.Analyst, auth.ScopeClaims{})
	res = analyst.Query(t, `{ overdueAgreements(asOf: "2026-10-31") { daysOverdue } }`, nil)
	if len(res.Errors) == 0 || res.Errors[0].Code() != "FORBIDDEN" || !strings.Contains(string(res.Raw), "overdueAgreementStats") {
		t.Errorf("analyst: %s, want FORBIDDEN pointing to overdueAgreementStats", res.Raw)
	}
	// The saved example, at its default (today) and on a day of the past.
	query, _ := savedExample(t, "stats-overdue-agreement-stats")
	for _, asOf := range []string{"", "2026-10-31"} {
		day, vars := asOf, map[string]any{"asOf": asOf}
		if asOf == "" {
			day, vars = clock.Today(context.Background()).Format(time.DateOnly), nil
		}
		expected, people := map[string]want{}, map[string]int{}
		queryRows(t, admin, `SELECT d.status, count(*), avg($1::date - a.performance_deadline)::float8
			FROM mediation.agreement a JOIN mediation.dispute d ON d.id = a.dispute_id WHERE `+liveObligations+` GROUP BY 1`,
			[]any{day}, func(scan func(...any) error) {
				var status string
				var n, avg float64
				_ = scan(&status, &n, &avg)
				expected[status] = want{"count": f(n), "avgDaysOverdue": f(avg)}
				people[status] = int(n)
			})
		if len(expected) == 0 {
			t.Fatalf("no live obligation to aggregate on %s", day)
		}
		cells := groups(t, analyst.Query(t, query, vars), "overdueAgreementStats")
		checkCells(t, cells, func(r map[string]any) string { return str(r, "status") }, expected, people)
	}
	var n, avg, median float64
	if err := admin.Pool.QueryRow(t.Context(), `SELECT count(*), avg($1::date - a.performance_deadline)::float8,
		percentile_cont(0.5) WITHIN GROUP (ORDER BY $1::date - a.performance_deadline)
		FROM mediation.agreement a JOIN mediation.dispute d ON d.id = a.dispute_id WHERE `+liveObligations, "2026-10-31").Scan(&n, &avg, &median); err != nil {
		t.Fatal(err)
	}
	total := groups(t, analyst.Query(t, `{ overdueAgreementStats(asOf: "2026-10-31") { suppressed count avgDaysOverdue medianDaysOverdue } }`, nil), "overdueAgreementStats")
	checkCells(t, total, func(map[string]any) string { return "" }, map[string]want{"": {"count": f(n), "avgDaysOverdue": f(avg), "medianDaysOverdue": f(median)}}, map[string]int{"": int(n)})
}
