package dbpool_test

import (
	"context"
	"testing"

	"civiclink/db/store"
	"civiclink/internal/auth"
	"civiclink/internal/dbpool"
)

// TestKeyedLookupsUseTheirGenericPlan checks that a statement run under
// store.WithGenericPlan is never planned for its arguments (pg_prepared_statements counts
// no custom plan), that one run without the mark is (PostgreSQL plans its first five
// executions for their arguments), that the mode does not outlive the statement, and that
// a transaction's statements keep PostgreSQL's choice.
func TestKeyedLookupsUseTheirGenericPlan(t *testing.T) {
	url := newDB(t)
	pool, err := dbpool.Open(t.Context(), dbpool.Options{URL: url, MaxConns: 1, RowSecurity: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for _, sql := range []string{
		`CREATE TABLE looked_up (id bigint PRIMARY KEY, code text)`,
		`INSERT INTO looked_up SELECT i, 'c' || i FROM generate_series(1, 100) i`,
		`GRANT SELECT ON looked_up TO civiclink_app`,
	} {
		if _, err := pool.Exec(auth.WithSystem(t.Context()), sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	ctx := officer(7)
	plans := func(sql string) (generic, custom int64) {
		t.Helper()
		err := pool.QueryRow(auth.WithSystem(t.Context()),
			`SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0) FROM pg_prepared_statements WHERE statement = $1`,
			sql).Scan(&generic, &custom)
		if err != nil {
			t.Fatal(err)
		}
		return generic, custom
	}
	run := func(ctx context.Context, sql string) {
		t.Helper()
		rows, err := pool.Query(ctx, sql, []int64{1, 2, 3})
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	var mode string
	modeNow := func(ctx context.Context) string {
		t.Helper()
		if err := pool.QueryRow(ctx, `SELECT current_setting('plan_cache_mode')`).Scan(&mode); err != nil {
			t.Fatal(err)
		}
		return mode
	}

	const keyed = `SELECT t.id FROM looked_up t WHERE t.id = ANY($1)`
	for range 3 {
		run(store.WithGenericPlan(ctx), keyed)
	}
	if g, c := plans(keyed); g != 3 || c != 0 {
		t.Errorf("keyed lookup under WithGenericPlan, 3 runs: want 3 generic plans and 0 custom, got %d and %d", g, c)
	}
	if got := modeNow(ctx); got != "auto" {
		t.Errorf("plan_cache_mode after a keyed lookup: want auto, got %s", got)
	}
	if got := modeNow(store.WithGenericPlan(ctx)); got != "force_generic_plan" {
		t.Errorf("plan_cache_mode of a statement under WithGenericPlan: want force_generic_plan, got %s", got)
	}

	const unmarked = `SELECT t.id FROM looked_up t WHERE t.id = ANY($1) AND t.code IS NOT NULL`
	run(ctx, unmarked)
	if g, c := plans(unmarked); g != 0 || c != 1 {
		t.Errorf("unmarked statement, 1 run: want PostgreSQL's choice (0 generic plans, 1 custom), got %d and %d", g, c)
	}

	tx, err := pool.Begin(store.WithGenericPlan(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(t.Context()) //nolint:errcheck // the transaction only reads
	if err := tx.QueryRow(store.WithGenericPlan(ctx), `SELECT current_setting('plan_cache_mode')`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "auto" {
		t.Errorf("plan_cache_mode within a transaction begun under WithGenericPlan: want auto (the transaction's statements are not all lookups), got %s", mode)
	}
}
