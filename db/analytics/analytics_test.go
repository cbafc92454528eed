package analytics

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"civiclink/db/store"
	"civiclink/internal/auth"
)

// TestBuildBindsEveryValue checks that client input reaches the statement only as bound
// parameters and whitelisted identifiers, for every spec, key and bucket.
func TestBuildBindsEveryValue(t *testing.T) {
	evil := "x'); DROP TABLE street.person; --"
	for _, s := range []*Spec{Cases, GridEvents, Disputes, RiskItems, BenefitGrants, SurveyResponses} {
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

// TestDefaultRowScope checks who may aggregate without an installed RowScope.
func TestDefaultRowScope(t *testing.T) {
	for role, want := range map[string]bool{
		auth.Analyst: true, auth.StreetStaff: true, auth.PoliceOfficer: true, auth.Admin: true,
		auth.Auditor: false, auth.Anonymous.Role: false,
	} {
		ctx := auth.WithPrincipal(context.Background(), auth.Principal{Subject: "t", Role: role})
		if _, ok := rowScope(ctx, Cases); ok != want {
			t.Errorf("role %q may aggregate: %v, want %v", role, ok, want)
		}
	}
	ctx := WithRowScope(context.Background(), func(context.Context, *Spec) (store.Conds, bool) {
		return store.Conds{store.Eq("station_id", 1)}, true
	})
	if conds, ok := rowScope(ctx, Cases); !ok || len(conds) != 1 {
		t.Errorf("installed RowScope not used: %v %v", conds, ok)
	}
}
