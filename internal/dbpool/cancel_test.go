package dbpool_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"civiclink/internal/dbpool"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestCancelledStatementKeepsItsConnection checks that a statement whose caller goes away
// (a client that disconnects, a deadline) is cancelled on the server and leaves its
// connection in the pool. pgx's default closes the connection instead, so every request
// cut off under load cost a new connection: its start-up and the first preparation of each
// statement, round trips that made a request's count depend on the load.
func TestCancelledStatementKeepsItsConnection(t *testing.T) {
	t.Parallel()
	url := newDB(t)
	for _, rowSecurity := range []bool{false, true} {
		pool, err := dbpool.Open(t.Context(), dbpool.Options{URL: url, MaxConns: 1, RowSecurity: rowSecurity})
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		defer pool.Close()
		ctx := officer(1)
		if !rowSecurity {
			ctx = context.Background()
		}
		var before uint32
		if err := pool.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&before); err != nil {
			t.Fatalf("row security %v: backend pid: %v", rowSecurity, err)
		}
		cut, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		start := time.Now()
		_, err = pool.Exec(cut, `SELECT pg_sleep(10)`)
		cancel()
		var pgErr *pgconn.PgError
		if err == nil || (!errors.As(err, &pgErr) && !errors.Is(err, context.DeadlineExceeded)) {
			t.Fatalf("row security %v: cut-off statement: got %v, want a cancellation", rowSecurity, err)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("row security %v: cut-off statement returned after %v, want well under its 10 s", rowSecurity, took)
		}
		var after uint32
		if err := pool.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&after); err != nil {
			t.Fatalf("row security %v: backend pid after the cancellation: %v", rowSecurity, err)
		}
		if after != before || pool.Stat().NewConnsCount() != 1 {
			t.Errorf("row security %v: after a cancelled statement the pool opened %d connections (backend %d, then %d); want the one connection kept",
				rowSecurity, pool.Stat().NewConnsCount(), before, after)
		}
	}
}
