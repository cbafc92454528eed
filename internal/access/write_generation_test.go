package access_test

import (
	"context"
	"testing"

	"civiclink/db/store"
	"civiclink/internal/hubtest"
)

// TestWriteGenerationCoversCountedTables checks what the count cache's exactness rests on
// (migration 00350, dbpool.CachedCount): every table the hub reads under a policy, and so
// may count, raises the write generation when written, or is a view over such tables, or is
// the access log (counted every time); and the hub tables that do not raise it (its logs,
// written on reads and by every mutation) are named by no row-security policy, no view of
// the agencies and no function one may call, so no kept count depends on them.
func TestWriteGenerationCoversCountedTables(t *testing.T) {
	t.Parallel()
	h := hubtest.New(t, hubtest.Options{})
	ctx := context.Background()
	covered := map[string]bool{}
	rows, err := h.Pool.Query(ctx, `SELECT * FROM hub.counted_relations()`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		covered[name] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	tables := store.ScopedTables()
	if len(tables) < 30 {
		t.Fatalf("only %d scoped tables are registered; the db packages were not loaded", len(tables))
	}
	for _, table := range tables {
		// The access log is written on reads: its counts are counted every time.
		if !covered[table.Name] && table.Name != "hub.access_log" {
			t.Errorf("%s is read under a policy but its writes do not raise the write generation", table.Name)
		}
	}
	var uncovered []string
	if err := h.Pool.QueryRow(ctx, `SELECT coalesce(array_agg(c.oid::regclass::text ORDER BY 1), '{}')
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('street', 'police', 'welfare', 'mediation', 'risk', 'hub')
		  AND c.oid NOT IN (SELECT tgrelid FROM pg_trigger WHERE tgname = 'mark_write')`).Scan(&uncovered); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"hub.access_log": true, "hub.api_key": true, "hub.counter": true, "hub.idempotency_key": true,
		"hub.outbox": true, "hub.persisted_query": true, "hub.write_generation": true, "hub.write_mark": true}
	for _, name := range uncovered {
		if !want[name] {
			t.Errorf("%s does not raise the write generation: add it to hub.write_generation_tables(), or here if no count can depend on it", name)
			continue
		}
		var readers []string
		if err := h.Pool.QueryRow(ctx, `SELECT coalesce(array_agg(what ORDER BY what), '{}') FROM (
			SELECT 'policy ' || schemaname || '.' || tablename || ' ' || policyname AS what FROM pg_policies
			WHERE qual ~ ('\m' || $1 || '\M') OR with_check ~ ('\m' || $1 || '\M')
			UNION ALL
			SELECT 'view ' || schemaname || '.' || viewname FROM pg_views
			WHERE schemaname IN ('street', 'police', 'welfare', 'mediation', 'risk') AND definition ~ ('\m' || $1 || '\M')
			UNION ALL
			SELECT 'function ' || p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
			WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND p.prosrc ~ ('\m' || $1 || '\M')
			  AND p.oid NOT IN ('hub.next_number'::regproc, 'hub.mark_write'::regproc, 'hub.raise_write_generation'::regproc)) s`,
			name).Scan(&readers); err != nil {
			t.Fatal(err)
		}
		if len(readers) > 0 {
			t.Errorf("%s raises no write generation, but row security may read it: %v", name, readers)
		}
	}
}
