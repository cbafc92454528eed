package analytics

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"civiclink/db/store"
	"civiclink/internal/auth"
	"civiclink/internal/clock"
)

// TestBuildBindsEveryValue checks that client input reaches the statement only as bound
// parameters and whitelisted identifiers, for every spec, key and bucket.
func TestBuildBindsEveryValue(t *testing.T) {
	evil := "x'); DROP TABLE street.person; --"
	for _, s := range []*Spec{Cases, GridEvents, Disputes, RiskItems, BenefitGrants, SurveyResponses, CrossAgency} {
		for key := range s.Dimensions {
			for bucket := range Buckets {
				b := bucket
				asOf := time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)
				st, err := s.build(Query{Where: store.Conds{store.Raw("t.id <> ?", evil)}, GroupBy: []string{key}, Bucket: &b, AsOf: &asOf})
				if err != nil {
					t.Fatalf("%s by %s per %s: %v", s.Name, key, bucket, err)
				}
				if strings.Contains(st.sql, "DROP") || strings.Contains(st.sql, "?") {
					t.Errorf("%s: statement carries input or an unnumbered placeholder: %s", s.Name, st.sql)
				}
				if len(st.args) != 2 || st.args[0] != asOf || st.args[1] != evil {
					t.Errorf("%s: args %v, want [as-of day, filter value]", s.Name, st.args)
				}
				if strings.Count(st.sql, "SELECT") < 2 || !strings.Contains(st.sql, "GROUP BY") {
					t.Errorf("%s: want one grouped statement, got %s", s.Name, st.sql)
				}
			}
		}
	}
}

// TestBuildRefusesUnknownInput checks the whitelists.
func TestBuildRefusesUnknownInput(t *testing.T) {
	decade := "DECADE"
	for name, q := range map[string]Query{
		"unknown key":     {GroupBy: []string{"t.name"}},
		"key of another":  {GroupBy: []string{"MEDIATOR_KIND"}},
		"key twice":       {GroupBy: []string{"STATION", "STATION"}},
		"unknown bucket":  {Bucket: &decade},
		"placeholder gap": {Where: store.Conds{store.Raw("t.id = ? AND t.id = ?", 1)}},
	} {
		_, err := Cases.build(q)
		var in *store.InputError
		if err == nil || (name != "placeholder gap" && !errors.As(err, &in)) {
			t.Errorf("%s: error %v, want an input error", name, err)
		}
	}
}

// TestMinCellSize checks the disclosure hook: five by default, settable per request.
func TestMinCellSize(t *testing.T) {
	ctx := context.Background()
	if got := MinCellSize(ctx); got != 5 {
		t.Errorf("MinCellSize = %d, want 5 by default", got)
	}
	if got := MinCellSize(WithMinCellSize(ctx, 0)); got != 0 {
		t.Errorf("MinCellSize after WithMinCellSize(0) = %d, want 0", got)
	}
	if got := MinCellSize(WithMinCellSize(ctx, 10)); got != 10 {
		t.Errorf("MinCellSize after WithMinCellSize(10) = %d, want 10", got)
	}
}

// TestScope checks, role by role, which rows each aggregate covers: the role table's A roles
// every row without row access, the others their row rule, the rest nothing (FORBIDDEN).
func TestScope(t *testing.T) {
	station, officer := int64(7), int64(9)
	police := auth.Principal{Subject: "t", Role: auth.PoliceOfficer, Scope: auth.Scope{StationID: &station, OfficerID: &officer}}
	for _, tc := range []struct {
		spec      *Spec
		p         auth.Principal
		allowed   bool
		rowAccess bool
		cond      string // a fragment of the row condition; "" for none
	}{
		{Cases, auth.Principal{Role: auth.Analyst}, true, false, ""},
		{Cases, police, true, true, "station_id"},
		{Cases, auth.Principal{Role: auth.Admin}, true, true, ""},
		{Cases, auth.Principal{Role: auth.Auditor}, false, false, ""},
		{Cases, auth.Anonymous, false, false, ""},
		{GridEvents, auth.Principal{Role: auth.GridWorker}, true, true, "grid_id"},
		{GridEvents, auth.Principal{Role: auth.Mediator}, false, false, ""},
		{BenefitGrants, auth.Principal{Role: auth.GridWorker}, false, false, ""},
		{BenefitGrants, police, true, true, "officer_id"},
		{SurveyResponses, police, true, false, ""},
		{SurveyResponses, auth.Principal{Role: auth.GridWorker}, false, false, ""},
		{Disputes, auth.Principal{Role: auth.Analyst}, true, false, ""},
		{RiskItems, auth.Principal{Role: auth.Analyst}, true, false, ""},
	} {
		sc, err := tc.spec.scope(tc.p)
		if (err == nil) != tc.allowed {
			t.Errorf("%s as %q: error %v, want allowed=%v", tc.spec.Name, tc.p.Role, err, tc.allowed)
			continue
		}
		if err != nil {
			if code := err.(interface{ ErrorCode() string }).ErrorCode(); code != "FORBIDDEN" {
				t.Errorf("%s as %q: code %s, want FORBIDDEN", tc.spec.Name, tc.p.Role, code)
			}
			continue
		}
		if sc.RowAccess != tc.rowAccess {
			t.Errorf("%s as %q: row access %v, want %v", tc.spec.Name, tc.p.Role, sc.RowAccess, tc.rowAccess)
		}
		if tc.cond == "" && len(sc.Conds) != 0 || tc.cond != "" && (len(sc.Conds) != 1 || !strings.Contains(sc.Conds[0].SQL, tc.cond)) {
			t.Errorf("%s as %q: conditions %v, want one on %q", tc.spec.Name, tc.p.Role, sc.Conds, tc.cond)
		}
	}
}

type caseFilter struct {
	Kind          []string
	LeadOfficerID *string
	ReceivedFrom  *time.Time
	ReceivedTo    *time.Time
}

func (*caseFilter) Conds() (store.Conds, error) { return nil, nil }

// TestCheckFilter checks which filters an aggregates-only role may use.
func TestCheckFilter(t *testing.T) {
	officer := "T2ZmaWNlcjox"
	midnight := time.Date(2026, 1, 1, 0, 0, 0, 0, clock.Office)
	hour := midnight.Add(time.Hour)
	utcMidnight := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		f    any
		code string // "" when allowed
	}{
		{"no filter", (*caseFilter)(nil), ""},
		{"by kind", &caseFilter{Kind: []string{"CRIMINAL"}}, ""},
		{"whole days", &caseFilter{ReceivedFrom: &midnight, ReceivedTo: &midnight}, ""},
		{"one officer", &caseFilter{LeadOfficerID: &officer}, "FORBIDDEN"},
		{"a window ending within a day", &caseFilter{ReceivedFrom: &midnight, ReceivedTo: &hour}, "BAD_USER_INPUT"},
		{"a UTC midnight", &caseFilter{ReceivedFrom: &utcMidnight}, "BAD_USER_INPUT"},
	} {
		err := Cases.checkFilter(tc.f)
		code := ""
		if err != nil {
			code = err.(interface{ ErrorCode() string }).ErrorCode()
		}
		if code != tc.code {
			t.Errorf("%s: error %v (code %q), want code %q", tc.name, err, code, tc.code)
		}
	}
}

// cell is a test cell about n people with key k.
func cell(k string, n int64) *Group {
	c := int(n)
	return &Group{spec: Cases, people: n, count: &c, keys: map[string]*string{"KIND": &k}, measures: map[string]*float64{}}
}

// TestSuppress checks that suppressed cells leave with their keys, fold into one keyless
// cell, and take the smallest shown cell with them when they are about too few people.
func TestSuppress(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cells []*Group
		shown string // keys of the shown cells, in order
		other bool   // whether a folded cell ends the answer
	}{
		{"none small", []*Group{cell("a", 5), cell("b", 9)}, "a b", false},
		{"small cells together at least five", []*Group{cell("a", 3), cell("b", 9), cell("c", 2)}, "b", true},
		{"one small cell takes the smallest shown one", []*Group{cell("a", 7), cell("b", 1), cell("c", 6), cell("d", 9)}, "a d", true},
		{"an empty total", []*Group{cell("a", 0)}, "", true},
	} {
		got := suppress(Cases, tc.cells, 5)
		var keys []string
		other := false
		for i, g := range got {
			if g.Suppressed {
				if i != len(got)-1 || len(g.keys) != 0 || g.Count() != nil {
					t.Errorf("%s: suppressed cell %d has keys %v or a count, want one keyless last cell", tc.name, i, g.keys)
				}
				other = true
				continue
			}
			keys = append(keys, *g.Key("KIND"))
		}
		if strings.Join(keys, " ") != tc.shown || other != tc.other {
			t.Errorf("%s: shown %v, folded cell %v; want %q, %v", tc.name, keys, other, tc.shown, tc.other)
		}
	}
}
