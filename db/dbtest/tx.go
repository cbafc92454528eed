package dbtest

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"

	"civiclink/db/migrations"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// migrated is the migrated, empty database the transactions of Tx run in: one per test
// process, cloned from a template migrated once per server, dropped by Main.
var migrated struct {
	once sync.Once
	name string
	pool *pgxpool.Pool
	err  error
}

// MigratedTemplate names the template database holding every migration and no rows; it
// changes whenever a migration does.
func MigratedTemplate() string { return "civiclink_migrated_" + migrations.Fingerprint() }

// EnsureMigrated makes sure the server at url (a database URL of the test server) holds
// MigratedTemplate, migrating it the first time, and returns its name.
func EnsureMigrated(ctx context.Context, url string) (template string, err error) {
	template = MigratedTemplate()
	err = EnsureTemplate(ctx, url, template, func(ctx context.Context, url string) error {
		pool, err := pgxpool.New(ctx, url)
		if err != nil {
			return err
		}
		defer pool.Close()
		return migrations.Up(ctx, pool, slog.New(slog.DiscardHandler))
	})
	if err != nil {
		return "", err
	}
	return template, nil
}

// Tx returns a transaction on a migrated, empty database (every migration, no seed), rolled
// back when the test ends, so a test of domain commands writes what it likes below the
// HTTP layer and leaves nothing behind. It runs as the database owner: row security does
// not apply (it is tested through the hub). The database is shared by the tests of the
// process, so parallel tests may wait on each other's row locks (number counters, unique
// keys) until one ends.
func Tx(t testing.TB) pgx.Tx {
	t.Helper()
	base := URL(t)
	migrated.once.Do(func() { migrated.name, migrated.pool, migrated.err = openMigrated(base) })
	if migrated.err != nil {
		t.Fatalf("dbtest: migrated database: %v", migrated.err)
	}
	ctx := context.Background()
	tx, err := migrated.pool.Begin(ctx)
	if err != nil {
		t.Fatalf("dbtest: begin: %v", err)
	}
	t.Cleanup(func() {
		if err := tx.Rollback(context.Background()); err != nil && err != pgx.ErrTxClosed {
			t.Errorf("dbtest: roll back the test's transaction: %v", err)
		}
	})
	return tx
}

// openMigrated creates this process's database from the migrated template and opens a pool on it.
func openMigrated(base string) (string, *pgxpool.Pool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	template, err := EnsureMigrated(ctx, base)
	if err != nil {
		return "", nil, err
	}
	name := uniqueName("tx")
	conn, err := pgx.Connect(ctx, DatabaseURL(base, "postgres"))
	if err != nil {
		return "", nil, fmt.Errorf("connect to %s: %w", redact(base), err)
	}
	defer conn.Close(context.Background())
	if err := createDatabase(ctx, conn, name, template); err != nil {
		return "", nil, err
	}
	pool, err := pgxpool.New(ctx, DatabaseURL(base, name))
	if err != nil {
		return "", nil, fmt.Errorf("open %s: %w", name, err)
	}
	return name, pool, nil
}

// closeMigrated closes the pool of Tx's database and drops it.
func closeMigrated(base string) error {
	if migrated.pool == nil {
		return nil
	}
	migrated.pool.Close()
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, DatabaseURL(base, "postgres"))
	if err != nil {
		return fmt.Errorf("drop database %s: connect: %w", migrated.name, err)
	}
	defer conn.Close(context.Background())
	migrated.pool = nil
	return dropDatabase(ctx, conn, migrated.name)
}
