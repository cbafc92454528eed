package access_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"civiclink/db/dbtest"
	"civiclink/db/store"
	"civiclink/internal/auth"
	"civiclink/internal/dbpool"
	"civiclink/internal/hubtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// caller is a principal of the parity test, with a name for failure messages.
type caller struct {
	name string
	p    auth.Principal
}

func ptr(v int64) *int64 { return &v }

// callers picks, from the seeded data, a principal of every role with a scope that sees
// some rows and misses others, plus a caller without a role.
func callers(t *testing.T, h *hubtest.Hub) []caller {
	t.Helper()
	ctx := context.Background()
	one := func(what, sql string, dest ...any) {
		t.Helper()
		if err := h.Pool.QueryRow(ctx, sql).Scan(dest...); err != nil {
			t.Fatalf("pick %s: %v", what, err)
		}
	}
	var station, officer, community, mediator, committee int64
	var grids []int64
	// An officer with grids and grants, at a station whose cases are linked to risk items.
	one("an officer", `SELECT o.station_id, o.id FROM police.officer o
		LEFT JOIN (SELECT c.station_id, count(*) AS n FROM risk.risk_link l JOIN police."case" c ON c.id = l.case_id GROUP BY 1) linked
		  ON linked.station_id = o.station_id
		WHERE EXISTS (SELECT 1 FROM police.officer_grid og WHERE og.officer_id = o.id)
		  AND EXISTS (SELECT 1 FROM welfare.benefit_grant g WHERE g.officer_id = o.id)
		ORDER BY coalesce(linked.n, 0) DESC, o.id
		LIMIT 1`, &station, &officer)
	one("grids", `SELECT array_agg(id ORDER BY id) FROM (SELECT g.id FROM street.grid g
		ORDER BY (SELECT count(*) FROM street.grid_event e WHERE e.grid_id = g.id AND e.converted_case_id IS NOT NULL) DESC, g.id LIMIT 2) x`, &grids)
	one("a community", `SELECT g.community_id FROM mediation.dispute d JOIN street.grid g ON g.id = d.grid_id
		GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`, &community)
	// A mediator assigned to a dispute of another committee too, when there is one.
	one("a mediator", `SELECT m.id, m.committee_id FROM mediation.mediator m
		WHERE EXISTS (SELECT 1 FROM mediation.dispute_mediator dm WHERE dm.mediator_id = m.id)
		ORDER BY (SELECT count(*) FROM mediation.dispute_mediator dm JOIN mediation.dispute d ON d.id = dm.dispute_id
			WHERE dm.mediator_id = m.id AND d.committee_id <> m.committee_id) DESC, m.id LIMIT 1`, &mediator, &committee)
	return []caller{
		{"street staff of every community", auth.Principal{Role: auth.StreetStaff}},
		{"street staff of one community", auth.Principal{Role: auth.StreetStaff, Scope: auth.Scope{CommunityIDs: []int64{community}}}},
		{"grid worker", auth.Principal{Role: auth.GridWorker, Scope: auth.Scope{GridIDs: grids}}},
		{"police officer", auth.Principal{Role: auth.PoliceOfficer, Scope: auth.Scope{StationID: ptr(station), OfficerID: ptr(officer)}}},
		{"mediator", auth.Principal{Role: auth.Mediator, Scope: auth.Scope{MediatorID: ptr(mediator), CommitteeIDs: []int64{committee}}}},
		{"analyst", auth.Principal{Role: auth.Analyst}},
		{"auditor", auth.Principal{Role: auth.Auditor}},
		{"admin", auth.Principal{Role: auth.Admin}},
		{"caller without a role", auth.Principal{}},
	}
}

// pending names scoped tables created by migrations after 00110 whose row security is still
// to be added there (with hub.secure_reference); each entry is a known gap, not a pass.
var pending = map[string]string{}

// through counts and fingerprints the rows of table visible through where (as the owner,
// so row security does not apply) or, with where "", through q's row security.
type through func(ctx context.Context, table, where string, args []any) (n, sum int64, err error)

func counter(q store.Querier) through {
	return func(ctx context.Context, table, where string, args []any) (int64, int64, error) {
		if where == "" {
			where = "TRUE"
		}
		var n, sum int64
		err := q.QueryRow(ctx, fmt.Sprintf("SELECT count(*), coalesce(sum(hashtext(t::text)), 0) FROM %s t WHERE %s", table, where), args...).Scan(&n, &sum)
		return n, sum, err
	}
}

// TestRowSecurityMatchesTheGoRules compares, caller by caller and table by table, the rows
// the Go rule of every scoped table (store.ScopedTables, as db/store applies them) lets
// through with the rows PostgreSQL's row-level security lets through, over the seeded data.
func TestRowSecurityMatchesTheGoRules(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, hubtest.Options{})
	app, err := dbpool.Open(t.Context(), dbpool.Options{URL: h.URL, MaxConns: 2, RowSecurity: true})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	goRule, policy := counter(h.Pool), counter(app)
	tables := store.ScopedTables()
	if len(tables) < 30 {
		t.Fatalf("only %d scoped tables are registered; the db packages were not loaded", len(tables))
	}
	compare := func(t *testing.T, ctx context.Context, table store.ScopedTable) {
		t.Helper()
		var wantN, wantSum int64
		where, args, ok := table.Condition(ctx)
		if ok {
			if wantN, wantSum, err = goRule(ctx, table.Name, where, args); err != nil {
				t.Fatalf("%s under the Go rule: %v", table.Name, err)
			}
		}
		gotN, gotSum, err := policy(ctx, table.Name, "", nil)
		if err != nil {
			t.Errorf("%s under row security: %v", table.Name, err)
			return
		}
		if gotN != wantN || gotSum != wantSum {
			t.Errorf("%s: row security lets %d rows through, the Go rule %d%s",
				table.Name, gotN, wantN, difference(ctx, h, app, table.Name, where, args, ok))
		}
	}
	all := callers(t, h)
	for _, c := range all {
		t.Run(c.name, func(t *testing.T) {
			ctx := auth.WithPrincipal(context.Background(), c.p)
			for _, table := range tables {
				if why, ok := pending[table.Name]; ok {
					t.Logf("%s: not compared: %s", table.Name, why)
					continue
				}
				compare(t, ctx, table)
			}
		})
	}
	// The pending tables, once given hub.secure_reference, match their rule too.
	t.Run("pending tables once secured", func(t *testing.T) {
		for _, table := range tables {
			if _, ok := pending[table.Name]; !ok {
				continue
			}
			if _, err := h.Pool.Exec(t.Context(), "SELECT hub.secure_reference($1::regclass)", table.Name); err != nil {
				t.Fatal(err)
			}
			for _, c := range all {
				compare(t, auth.WithPrincipal(context.Background(), c.p), table)
			}
		}
	})
}

// difference names a few rows that one side lets through and the other does not.
func difference(ctx context.Context, h *hubtest.Hub, app *dbpool.Pool, table, where string, args []any, ok bool) string {
	rows := func(q store.Querier, where string, args []any) []string {
		if where == "" {
			where = "TRUE"
		}
		var out []string
		_ = q.QueryRow(ctx, fmt.Sprintf("SELECT coalesce(array_agg(t::text), '{}') FROM %s t WHERE %s", table, where), args...).Scan(&out)
		return out
	}
	var goRows []string
	if ok {
		goRows = rows(h.Pool, where, args)
	}
	sqlRows := rows(app, "", nil)
	only := func(a, b []string) string {
		var out []string
		for _, r := range a {
			if !slices.Contains(b, r) {
				if len(r) > 80 {
					r = r[:80] + "…"
				}
				out = append(out, r)
				if len(out) == 2 {
					break
				}
			}
		}
		return strings.Join(out, "; ")
	}
	return fmt.Sprintf(" (only row security: %s) (only the Go rule: %s)", only(sqlRows, goRows), only(goRows, sqlRows))
}

// TestHubTablesAreTheHubsAlone checks the tables no caller reads through the API: API keys
// and the event outbox are visible to the hub itself (SYSTEM) only.
func TestHubTablesAreTheHubsAlone(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, hubtest.Options{})
	app, err := dbpool.Open(t.Context(), dbpool.Options{URL: h.URL, MaxConns: 2, RowSecurity: true})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	for _, sql := range []string{
		`INSERT INTO hub.api_key (name, prefix, key_hash, role, scope) VALUES ('parity', 'p', '\x00', 'ADMIN', '{}')`,
		`INSERT INTO hub.outbox (topic, payload) VALUES ('caseChanged', '{}')`,
	} {
		if _, err := h.Pool.Exec(t.Context(), sql); err != nil {
			t.Fatal(err)
		}
	}
	count := counter(app)
	for _, table := range []string{"hub.api_key", "hub.outbox"} {
		total, _, err := count(auth.WithSystem(context.Background()), table, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if total == 0 {
			t.Fatalf("%s is empty; the test needs rows", table)
		}
		for _, c := range callers(t, h) {
			n, _, err := count(auth.WithPrincipal(context.Background(), c.p), table, "", nil)
			if err != nil {
				t.Errorf("%s as %s: %v", table, c.name, err)
			} else if n != 0 {
				t.Errorf("%s as %s: %d of %d rows visible, want none", table, c.name, n, total)
			}
		}
	}
}

// TestReferredStationFollowsTheCase checks what the police officer's dispute rule and policy
// rely on (migration 00210): a dispute's referred_station_id is the station of the case it is
// referred by, as seeded, after the case moves to another station, and whatever a writer sets
// it to; so a police officer sees exactly the disputes referred by the station's cases.
func TestReferredStationFollowsTheCase(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, hubtest.Options{})
	ctx := t.Context()
	const drift = `SELECT count(*) FROM mediation.dispute d LEFT JOIN police."case" c ON c.id = d.referred_case_id
		WHERE d.referred_station_id IS DISTINCT FROM c.station_id`
	check := func(when string) {
		t.Helper()
		var n int
		if err := h.Pool.QueryRow(ctx, drift).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s: %d disputes have a referred_station_id other than their referred case's station, want none", when, n)
		}
	}
	check("as seeded")

	var dispute, kase, station, other int64
	if err := h.Pool.QueryRow(ctx, `SELECT d.id, c.id, c.station_id, (SELECT s.id FROM police.station s WHERE s.id <> c.station_id ORDER BY s.id LIMIT 1)
		FROM mediation.dispute d JOIN police."case" c ON c.id = d.referred_case_id ORDER BY d.id LIMIT 1`).Scan(&dispute, &kase, &station, &other); err != nil {
		t.Fatalf("pick a referred dispute at a station with another beside it: %v", err)
	}
	if _, err := h.Pool.Exec(ctx, `UPDATE police."case" SET station_id = $1 WHERE id = $2`, other, kase); err != nil {
		t.Fatal(err)
	}
	check("after the case moved to another station")
	if _, err := h.Pool.Exec(ctx, `UPDATE mediation.dispute SET referred_station_id = $1 WHERE id = $2`, station, dispute); err != nil {
		t.Fatal(err)
	}
	check("after a writer set the dispute's station")

	// The police officer's disputes under row security and the Go rule are those referred by
	// the station's cases, read from the cases themselves.
	app, err := dbpool.Open(ctx, dbpool.Options{URL: h.URL, MaxConns: 2, RowSecurity: true})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	var table store.ScopedTable
	for _, s := range store.ScopedTables() {
		if s.Name == "mediation.dispute" {
			table = s
		}
	}
	for _, st := range []int64{station, other} {
		pctx := auth.WithPrincipal(context.Background(), auth.Principal{Role: auth.PoliceOfficer, Scope: auth.Scope{StationID: ptr(st)}})
		wantN, wantSum, err := counter(h.Pool)(ctx, "mediation.dispute",
			`EXISTS (SELECT 1 FROM police."case" c WHERE c.id = t.referred_case_id AND c.station_id = $1)`, []any{st})
		if err != nil {
			t.Fatal(err)
		}
		where, args, ok := table.Condition(pctx)
		if !ok {
			t.Fatalf("station %d: the Go rule shows a police officer no dispute", st)
		}
		ruleN, ruleSum, err := counter(h.Pool)(ctx, table.Name, where, args)
		if err != nil {
			t.Fatal(err)
		}
		rlsN, rlsSum, err := counter(app)(pctx, table.Name, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if wantN == 0 || ruleN != wantN || ruleSum != wantSum || rlsN != wantN || rlsSum != wantSum {
			t.Errorf("station %d: the Go rule lets %d disputes through, row security %d; want the %d (> 0) referred by the station's cases",
				st, ruleN, rlsN, wantN)
		}
	}
}
