package migrations_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"

	"civiclink/db/dbtest"
	"civiclink/db/migrations"
	"civiclink/internal/dbpool"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// TestConcurrentUp: instances rolling out at once on an empty database each run Up; with
// the session lock every one succeeds and the migrations are applied once (without it they
// raced: "relation already exists", duplicate versions).
func TestConcurrentUp(t *testing.T) {
	url := dbtest.NewDatabase(t, "")
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	const instances = 4
	errs := make([]error, instances)
	var wg sync.WaitGroup
	for i := range instances {
		wg.Go(func() {
			pool, err := dbpool.Open(context.Background(), dbpool.Options{URL: url, MaxConns: 2, Logger: logger})
			if err != nil {
				errs[i] = err
				return
			}
			defer pool.Close()
			errs[i] = migrations.Up(context.Background(), pool.Pool, logger)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: Up failed, want every concurrent Up to succeed: %v", i, err)
		}
	}
	pool, err := dbpool.Open(context.Background(), dbpool.Options{URL: url, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if n, err := migrations.Pending(context.Background(), pool.Pool); err != nil || n != 0 {
		t.Errorf("pending migrations after Up: %d (%v), want 0", n, err)
	}
	var dup int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM (SELECT version_id FROM hub_goose_version GROUP BY version_id HAVING count(*) > 1) d`).Scan(&dup); err != nil || dup != 0 {
		t.Errorf("versions recorded more than once: %d (%v), want 0", dup, err)
	}
}
