// Package dbpool opens the hub's PostgreSQL connection pool with explicit settings: size,
// a per-statement timeout, and the statement-counting tracer.
package dbpool

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"civiclink/db/sqltrace"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Options configure the pool.
type Options struct {
	URL              string
	MaxConns         int32         // 0 = 20
	StatementTimeout time.Duration // 0 = 15s
	Logger           *slog.Logger
}

// Open connects a pool and checks that the server answers.
func Open(ctx context.Context, opts Options) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(opts.URL)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	cfg.MaxConns = opts.MaxConns
	if cfg.MaxConns == 0 {
		cfg.MaxConns = 20
	}
	timeout := opts.StatementTimeout
	if timeout == 0 {
		timeout = 15 * time.Second
	}
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(timeout.Milliseconds())
	cfg.ConnConfig.RuntimeParams["application_name"] = "civiclink"
	cfg.ConnConfig.Tracer = &sqltrace.Tracer{Logger: opts.Logger, Slow: time.Second}
	cfg.HealthCheckPeriod = 5 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database pool: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("reach database: %w", err)
	}
	return pool, nil
}
