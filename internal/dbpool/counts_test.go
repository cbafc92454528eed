package dbpool_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"civiclink/db/dbtest"
	"civiclink/internal/auth"
	"civiclink/internal/dbpool"
)

// TestCachedCountCountsOnlyAfterWrites checks that CachedCount counts again only when a
// write has committed since: its count statement calls a function that advances a sequence
// per row it sees, so the sequence says how often it really counted. Every call (once the
// statement is prepared) is one round trip, and the answer is always the count of now.
func TestCachedCountCountsOnlyAfterWrites(t *testing.T) {
	t.Parallel()
	ctx := auth.WithSystem(context.Background())
	template, err := dbtest.EnsureMigrated(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	var rt roundTrips
	pool, err := dbpool.OpenDialing(ctx, dbpool.Options{URL: dbtest.NewDatabase(t, template), MaxConns: 1}, rt.dial)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for _, sql := range []string{
		`CREATE SEQUENCE counted`,
		`CREATE FUNCTION counted_row() RETURNS boolean LANGUAGE sql VOLATILE AS 'SELECT nextval(''counted'') > 0'`,
		`INSERT INTO street.community (code, name) VALUES ('A', 'a'), ('B', 'b')`,
	} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	const countSQL = `SELECT count(*) FROM street.community t WHERE counted_row() AND t.code <> $1`
	counted := func() int64 {
		var n int64
		if err := pool.QueryRow(ctx, `SELECT last_value FROM counted`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	steps := []struct {
		name       string
		write      string // run before the count, committed
		arg        string
		want       int
		wantCounts bool
	}{
		{"first count", "", "-", 2, true},
		{"asked again", "", "-", 2, false},
		{"other arguments", "", "A", 1, true},
		{"again with them", "", "A", 1, false},
		{"after a write to an unrelated hub log", `INSERT INTO hub.outbox (topic, payload) VALUES ('test', '{}')`, "-", 2, false},
		{"after an insert", `INSERT INTO street.community (code, name) VALUES ('C', 'c')`, "-", 3, true},
		{"after an update of another agency's table", `UPDATE police.station SET name = name WHERE false`, "-", 3, true},
		{"asked again after it", "", "-", 3, false},
	}
	for i, s := range steps {
		if s.write != "" {
			if _, err := pool.Exec(ctx, s.write); err != nil {
				t.Fatalf("%s: %s: %v", s.name, s.write, err)
			}
		}
		before, trips := counted(), rt.n.Load()
		n, err := pool.CachedCount(ctx, "street.community", countSQL, s.arg)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if trips := rt.n.Load() - trips; trips != 1 && i > 0 { // the first prepares the statement
			t.Errorf("%s: %d round trips, want 1", s.name, trips)
		}
		if did := counted() != before; n != s.want || did != s.wantCounts {
			t.Errorf("%s: count %d (counted again: %v), want %d (counted again: %v)", s.name, n, did, s.want, s.wantCounts)
		}
	}
}

// TestWriteGenerationDoesNotDeadlockWriters runs pairs of transactions that write two
// tables in opposite orders at once: the generation is raised at commit, not at the first
// write, so they never wait on each other for it.
func TestWriteGenerationDoesNotDeadlockWriters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	template, err := dbtest.EnsureMigrated(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	pool, err := dbpool.Open(ctx, dbpool.Options{URL: dbtest.NewDatabase(t, template), MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var before int64
	if err := pool.QueryRow(ctx, `SELECT gen FROM hub.write_generation`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	orders := [][]string{
		{`INSERT INTO street.community (code, name) VALUES ('X' || $1, 'x')`, `UPDATE police.station SET name = name WHERE code = 'none-' || $1`},
		{`UPDATE police.station SET name = name WHERE code = 'none-' || $1`, `INSERT INTO street.community (code, name) VALUES ('Y' || $1, 'y')`},
	}
	const pairs = 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*pairs)
	for i := range pairs {
		for _, order := range orders {
			wg.Go(func() {
				tx, err := pool.Begin(ctx)
				if err != nil {
					errs <- err
					return
				}
				defer tx.Rollback(ctx)
				for _, sql := range order {
					if _, err := tx.Exec(ctx, sql, strconv.Itoa(i)); err != nil {
						errs <- err
						return
					}
				}
				errs <- tx.Commit(ctx)
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a writer failed: %v", err)
		}
	}
	var after int64
	if err := pool.QueryRow(ctx, `SELECT gen FROM hub.write_generation`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after-before != 2*pairs {
		t.Errorf("the generation rose by %d, want %d: once per committed writing transaction", after-before, 2*pairs)
	}
}
