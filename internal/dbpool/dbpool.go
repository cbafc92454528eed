// Package dbpool opens the hub's PostgreSQL connection pool with explicit settings: size,
// a per-statement timeout, and the statement-counting tracer.
package dbpool

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"civiclink/db/sqltrace"
	"civiclink/internal/auth"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Options configure the pool.
type Options struct {
	URL              string
	MaxConns         int32         // 0 = 20
	StatementTimeout time.Duration // 0 = 15s
	Logger           *slog.Logger
	// RowSecurity makes every connection act for the principal of the context it is acquired
	// in: as the role civiclink_app with that principal's role and scope in session settings,
	// so PostgreSQL row-level security applies (the hub itself, auth.System, acts as the
	// connecting user). Serving pools set it; migration and seeding pools do not.
	RowSecurity bool
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
	if opts.RowSecurity {
		cfg.PrepareConn = actAsPrincipal
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database pool: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(auth.WithSystem(pingCtx)); err != nil {
		pool.Close()
		return nil, fmt.Errorf("reach database: %w", err)
	}
	return pool, nil
}

// actAsPrincipal sets, on a connection about to serve ctx, the database role and the
// session settings that row-level security reads. A context without a principal gets the
// application role with no caller role, which sees no scoped row.
func actAsPrincipal(ctx context.Context, conn *pgx.Conn) (bool, error) {
	p := auth.FromContext(ctx)
	role := "civiclink_app"
	if p.Role == auth.System {
		role = "none"
	}
	ids := func(v []int64) string {
		parts := make([]string, len(v))
		for i, n := range v {
			parts[i] = strconv.FormatInt(n, 10)
		}
		return strings.Join(parts, ",")
	}
	id := func(v *int64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatInt(*v, 10)
	}
	_, err := conn.Exec(sqltrace.Uncounted(ctx), `SELECT set_config('role', $1, false), set_config('civiclink.role', $2, false),
		set_config('civiclink.station', $3, false), set_config('civiclink.officer', $4, false), set_config('civiclink.mediator', $5, false),
		set_config('civiclink.grids', $6, false), set_config('civiclink.communities', $7, false), set_config('civiclink.committees', $8, false)`,
		role, p.Role, id(p.Scope.StationID), id(p.Scope.OfficerID), id(p.Scope.MediatorID),
		ids(p.Scope.GridIDs), ids(p.Scope.CommunityIDs), ids(p.Scope.CommitteeIDs))
	if err != nil {
		return false, fmt.Errorf("set the caller's role on the connection: %w", err)
	}
	return true, nil
}
