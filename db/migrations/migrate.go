// Package migrations holds the embedded SQL migrations of every CivicLink schema and applies them
// with goose.
package migrations

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed *.sql
var files embed.FS

// LockID is the PostgreSQL advisory lock migrations hold (a session lock): instances that
// start at once apply migrations one after the other, and the later ones find nothing to do.
const LockID int64 = 0x63697669636c6b // "civiclk"

func newProvider(db *sql.DB, locked bool) (*goose.Provider, error) {
	opts := []goose.ProviderOption{
		goose.WithTableName("hub_goose_version"),
		// Parallel work lands migrations in numbered ranges; a database that already has a
		// later one still takes an earlier one that arrives afterwards.
		goose.WithAllowOutofOrder(true),
		goose.WithLogger(goose.NopLogger()),
	}
	if locked {
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(LockID))
		if err != nil {
			return nil, fmt.Errorf("create migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, files, opts...)
	if err != nil {
		return nil, fmt.Errorf("create migration provider: %w", err)
	}
	return p, nil
}

// Up applies every pending migration to the database behind pool, holding the advisory lock
// LockID for the whole run (waiting up to five minutes for another instance to finish).
func Up(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) error {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := newProvider(db, true)
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	for _, r := range results {
		logger.InfoContext(ctx, "migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

// Pending reports how many migrations have not been applied yet.
func Pending(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := newProvider(db, false)
	if err != nil {
		return 0, err
	}
	status, err := p.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("migration status: %w", err)
	}
	n := 0
	for _, s := range status {
		if s.State == goose.StatePending {
			n++
		}
	}
	return n, nil
}

// Fingerprint is a short hash of every migration file, for naming template databases built
// from them.
func Fingerprint() string {
	h := sha256.New()
	entries, _ := fs.ReadDir(files, ".")
	for _, e := range entries {
		b, _ := fs.ReadFile(files, e.Name())
		h.Write([]byte(e.Name()))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}
