package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"civiclink/internal/auth"
	"civiclink/internal/globalid"
	"civiclink/internal/hubtest"
)

// Disclosure control that survives differencing (issue 9, bullet 5): each test is an attack
// that worked on the aggregates before, tried as a client would, looking at the bytes.

// TestStatsSuppressedCellsCarryNoKeys: a suppressed cell used to keep its grid and month, so
// the answer told where and when the few disputes were; now all of them fold into one cell
// without keys, and no two answers differ by fewer than five people.
func TestStatsSuppressedCellsCarryNoKeys(t *testing.T) {
	t.Parallel()
	analyst := hubtest.New(t, hubtest.Options{}).As(t, auth.Analyst, auth.ScopeClaims{})
	query, vars := savedExample(t, "stats-referred-disputes-by-community-year")
	res := analyst.Query(t, query, with(vars, "bucket", "QUARTER"))
	if n := strings.Count(string(res.Raw), `"suppressed":true`); n != 1 {
		t.Errorf("the answer has %d suppressed cells, want exactly one folded cell", n)
	}
	for _, row := range groups(t, res, "disputeStats") {
		if row["suppressed"] == true && (row["bucketLabel"] != nil || row["community"] != nil || row["count"] != nil) {
			t.Errorf("suppressed cell carries keys or figures: %v", row)
		}
	}

	// Differencing against the total: what the shown cells leave over is nobody or at
	// least five people (the smallest cell is folded too when needed).
	for _, tc := range []struct{ name, field, grouped, total string }{
		{"difficult disputes by lead mediator kind", "disputeStats",
			`{ disputeStats(filter: { difficulty: [DIFFICULT] }, groupBy: [MEDIATOR_KIND]) { suppressed count } }`,
			`{ disputeStats(filter: { difficulty: [DIFFICULT] }) { count } }`},
		{"referred disputes by grid", "disputeStats",
			`{ disputeStats(filter: { source: [POLICE_REFERRAL] }, groupBy: [GRID]) { suppressed count } }`,
			`{ disputeStats(filter: { source: [POLICE_REFERRAL] }) { count } }`},
		{"grid events by community and year", "gridEventStats",
			`{ gridEventStats(groupBy: [COMMUNITY], timeBucket: YEAR) { suppressed count } }`,
			`{ gridEventStats { count } }`},
	} {
		total := groups(t, analyst.Query(t, tc.total, nil), tc.field)
		if len(total) != 1 || fnum(total[0], "count") == nil {
			t.Fatalf("%s: total %v, want one shown cell", tc.name, total)
		}
		left := *fnum(total[0], "count")
		for _, row := range groups(t, analyst.Query(t, tc.grouped, nil), tc.field) {
			if c := fnum(row, "count"); c != nil {
				left -= *c
			}
		}
		if left != 0 && left < minCell {
			t.Errorf("%s: the total minus the shown cells is %v, which recovers the suppressed cells; want 0 or at least %d", tc.name, left, minCell)
		}
	}
}

// TestStatsNarrowFiltersRefused: filters that single out one officer, one case or a window
// under a day are refused to roles that see the table as aggregates only, and roles without
// access to a table cannot aggregate it.
func TestStatsNarrowFiltersRefused(t *testing.T) {
	t.Parallel()
	admin := hubtest.New(t, hubtest.Options{})
	ctx := context.Background()
	var officerID, caseID int64
	var received time.Time
	if err := admin.Pool.QueryRow(ctx, `SELECT officer_id FROM welfare.benefit_grant GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`).Scan(&officerID); err != nil {
		t.Fatal(err)
	}
	if err := admin.Pool.QueryRow(ctx, `SELECT id, received_at FROM police."case" ORDER BY id LIMIT 1`).Scan(&caseID, &received); err != nil {
		t.Fatal(err)
	}
	officer, kase := globalid.Encode("Officer", officerID), globalid.Encode("Case", caseID)
	from := received.Truncate(time.Hour).Format(time.RFC3339)
	to := received.Truncate(time.Hour).Add(time.Hour).Format(time.RFC3339)
	analyst := admin.As(t, auth.Analyst, auth.ScopeClaims{})
	worker := admin.As(t, auth.GridWorker, auth.ScopeClaims{Grids: []string{"C01-01"}})
	for _, tc := range []struct {
		name  string
		hub   *hubtest.Hub
		query string
		vars  map[string]any
		code  string // "" when allowed
	}{
		{"grid worker: one officer's grants month by month", worker,
			`query($o: ID) { benefitGrantStats(filter: { officerId: $o }, timeBucket: MONTH) { bucketLabel suppressed } }`, map[string]any{"o": officer}, "FORBIDDEN"},
		{"grid worker: any benefit grant", worker, `{ benefitGrantStats { count } }`, nil, "FORBIDDEN"},
		{"analyst: one officer's grants", analyst,
			`query($o: ID) { benefitGrantStats(filter: { officerId: $o }, timeBucket: MONTH) { bucketLabel suppressed } }`, map[string]any{"o": officer}, "FORBIDDEN"},
		{"analyst: one lead officer's cases", analyst,
			`query($o: ID) { caseStats(filter: { leadOfficerId: $o }, groupBy: [CATEGORY]) { category suppressed } }`, map[string]any{"o": officer}, "FORBIDDEN"},
		{"analyst: the dispute of one case", analyst,
			`query($c: ID) { disputeStats(filter: { referredCaseId: $c }, groupBy: [STATUS]) { status suppressed } }`, map[string]any{"c": kase}, "FORBIDDEN"},
		{"analyst: a one-hour window", analyst,
			`query($f: DateTime, $t: DateTime) { caseStats(filter: { receivedFrom: $f, receivedTo: $t }, groupBy: [CATEGORY, STATUS]) { category status suppressed } }`,
			map[string]any{"f": from, "t": to}, "BAD_USER_INPUT"},
		{"analyst: whole local days", analyst,
			`{ caseStats(filter: { receivedFrom: "2026-01-01T00:00:00+08:00", receivedTo: "2026-01-02T00:00:00+08:00" }) { count } }`, nil, ""},
		{"administrator (row access): one officer's grants", admin,
			`query($o: ID) { benefitGrantStats(filter: { officerId: $o }) { count } }`, map[string]any{"o": officer}, ""},
		{"auditor: any aggregate", admin.As(t, auth.Auditor, auth.ScopeClaims{}), `{ caseStats { count } }`, nil, "FORBIDDEN"},
	} {
		res := tc.hub.Query(t, tc.query, tc.vars)
		switch {
		case tc.code == "" && len(res.Errors) > 0:
			t.Errorf("%s: %s, want an answer", tc.name, res.Raw)
		case tc.code != "" && (len(res.Errors) == 0 || res.Errors[0].Code() != tc.code):
			t.Errorf("%s: %s, want an error with code %s", tc.name, res.Raw, tc.code)
		case tc.code != "" && strings.Contains(string(res.Raw), `"bucketLabel"`):
			t.Errorf("%s: refused, but the answer still carries cells: %s", tc.name, res.Raw)
		}
	}
}

// TestStatsRowScopePerRole: each role aggregates only the rows the role table lets it read;
// a police officer's caseStats covers their station, so a narrow aggregate no longer shows
// another station's case that case(caseNo:) hides.
func TestStatsRowScopePerRole(t *testing.T) {
	t.Parallel()
	admin := hubtest.New(t, hubtest.Options{})
	ctx := context.Background()
	var badge, caseNo, category string
	var received time.Time
	if err := admin.Pool.QueryRow(ctx, `SELECT badge_no FROM police.officer o JOIN police.station s ON s.id = o.station_id WHERE s.code = 'S01' ORDER BY o.id LIMIT 1`).Scan(&badge); err != nil {
		t.Fatal(err)
	}
	if err := admin.Pool.QueryRow(ctx, `SELECT c.case_no, c.category, c.received_at FROM police."case" c JOIN police.station s ON s.id = c.station_id
		WHERE s.code = 'S02' ORDER BY c.id LIMIT 1`).Scan(&caseNo, &category, &received); err != nil {
		t.Fatal(err)
	}
	police := admin.As(t, auth.PoliceOfficer, auth.ScopeClaims{Station: "S01", Officer: badge})
	var s02 int64
	if err := admin.Pool.QueryRow(ctx, `SELECT id FROM police.station WHERE code = 'S02'`).Scan(&s02); err != nil {
		t.Fatal(err)
	}
	if res := police.Query(t, `query($n: String!) { case(caseNo: $n) { caseNo } }`, map[string]any{"n": caseNo}); !strings.Contains(string(res.Raw), `"case":null`) {
		t.Fatalf("case(caseNo: %s) of another station as police: %s, want null", caseNo, res.Raw)
	}
	res := police.Query(t, `query($s: ID, $f: DateTime, $t: DateTime) {
		caseStats(filter: { stationId: $s, receivedFrom: $f, receivedTo: $t }, groupBy: [CATEGORY, STATUS]) { category status suppressed count } }`,
		map[string]any{"s": globalid.Encode("Station", s02), "f": received.Format(time.RFC3339Nano), "t": received.Add(time.Second).Format(time.RFC3339Nano)})
	for _, row := range groups(t, res, "caseStats") {
		if row["category"] != nil || row["status"] != nil {
			t.Errorf("police of S01 aggregating S02's case %s: cell %v names its category or status, want no cell about it", caseNo, row)
		}
	}

	// The whole of each role's aggregate, against plain SQL over the rows its rule allows
	// (rows, people): suppression applies to every role, even to one's own rows.
	worker := admin.As(t, auth.GridWorker, auth.ScopeClaims{Grids: []string{"C01-01"}})
	for _, tc := range []struct {
		name, query, field, sql string
		hub                     *hubtest.Hub
	}{
		{"police: own station's cases", `{ caseStats { count } }`, "caseStats",
			`SELECT count(*), count(*) FROM police."case" c JOIN police.station s ON s.id = c.station_id WHERE s.code = 'S01'`, police},
		{"police: own benefit grants", `{ benefitGrantStats { count suppressed } }`, "benefitGrantStats",
			`SELECT count(*), count(DISTINCT b.officer_id) FROM welfare.benefit_grant b JOIN police.officer o ON o.id = b.officer_id WHERE o.badge_no = '` + badge + `'`, police},
		{"grid worker: own grid's events", `{ gridEventStats { count } }`, "gridEventStats",
			`SELECT count(*), count(*) FROM street.grid_event e JOIN street.grid g ON g.id = e.grid_id WHERE g.code = 'C01-01'`, worker},
		{"grid worker: own grid's disputes", `{ disputeStats { count } }`, "disputeStats",
			`SELECT count(*), count(*) FROM mediation.dispute d JOIN street.grid g ON g.id = d.grid_id WHERE g.code = 'C01-01'`, worker},
		{"analyst: every case", `{ caseStats { count } }`, "caseStats", `SELECT count(*), count(*) FROM police."case"`, admin.As(t, auth.Analyst, auth.ScopeClaims{})},
	} {
		var want, people float64
		if err := admin.Pool.QueryRow(ctx, tc.sql).Scan(&want, &people); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		cells := groups(t, tc.hub.Query(t, tc.query, nil), tc.field)
		if len(cells) != 1 {
			t.Errorf("%s: %d cells, want one", tc.name, len(cells))
			continue
		}
		got := fnum(cells[0], "count")
		switch {
		case people < minCell && cells[0]["suppressed"] != true:
			t.Errorf("%s: %v, want a suppressed cell (about %v people)", tc.name, cells[0], people)
		case people >= minCell && (got == nil || *got != want):
			t.Errorf("%s: count %v, want %v (plain SQL over the rows the role reads)", tc.name, cells[0]["count"], want)
		}
	}
}

// TestStatsSurveyRoundsNotRecoverable: two overlapping period filters used to recover a
// round of four respondents exactly (the difference of their counts and sums); rounds under
// five respondents now count in no cell and no total, so both answers are the same.
func TestStatsSurveyRoundsNotRecoverable(t *testing.T) {
	t.Parallel()
	admin := hubtest.New(t, hubtest.Options{})
	ctx := context.Background()
	var stationID int64
	var small string
	var others []string
	err := admin.Pool.QueryRow(ctx, `
		SELECT s.station_id, s.period, array(SELECT o.period FROM welfare.survey o WHERE o.station_id = s.station_id AND o.id <> s.id ORDER BY o.period)
		FROM welfare.survey s WHERE (SELECT count(*) FROM welfare.survey_response r WHERE r.survey_id = s.id) BETWEEN 1 AND 4
		ORDER BY s.id LIMIT 1`).Scan(&stationID, &small, &others)
	if err != nil {
		t.Fatalf("the seed has no survey round of 1-4 respondents to attack: %v", err)
	}
	station := globalid.Encode("Station", stationID)
	for _, role := range []string{auth.Analyst, auth.PoliceOfficer, auth.Admin} {
		hub := admin
		if role != auth.Admin {
			hub = admin.As(t, role, auth.ScopeClaims{})
		}
		q := `query($s: ID, $p: [String!]) { surveyResponseStats(filter: { stationId: $s, period: $p }) { suppressed respondents avgOverall avgBelonging avgWorkload } }`
		with := hub.Query(t, q, map[string]any{"s": station, "p": append([]string{small}, others...)})
		without := hub.Query(t, q, map[string]any{"s": station, "p": others})
		if len(with.Errors) > 0 || string(with.Data) != string(without.Data) {
			t.Errorf("%s: the answers with and without round %s differ, so their difference recovers it:\n%s\n%s", role, small, with.Data, without.Data)
		}
		alone := hub.Query(t, q, map[string]any{"s": station, "p": []string{small}})
		var data struct{ SurveyResponseStats []map[string]any }
		if err := json.Unmarshal(alone.Data, &data); err != nil || len(data.SurveyResponseStats) != 1 || data.SurveyResponseStats[0]["respondents"] != nil {
			t.Errorf("%s: round %s alone: %s, want one suppressed cell", role, small, alone.Raw)
		}
	}
}
