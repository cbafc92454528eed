// Package dbpool opens the hub's PostgreSQL connection pool with explicit settings: size,
// a per-statement timeout, the statement-counting tracer and, for serving pools, the
// caller's row-security settings carried by every statement.
package dbpool

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"civiclink/db/sqltrace"
	"civiclink/db/store"
	"civiclink/internal/auth"
	"civiclink/internal/fairshare"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/multitracer"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Options configure the pool.
type Options struct {
	URL              string
	MaxConns         int32         // 0 = 20
	StatementTimeout time.Duration // 0 = 15s
	Logger           *slog.Logger
	// RowSecurity makes every statement act for the principal of its context: as the role
	// civiclink_app with that principal's role and scope in settings, so PostgreSQL
	// row-level security applies (the hub itself, auth.System, acts as the connecting user).
	// Serving pools set it; migration and seeding pools do not.
	RowSecurity bool

	// dial replaces the network dialer (tests count round trips with it).
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// cancelGrace is how long a cancelled statement's connection waits for the server to
// confirm the cancellation before it is closed.
const cancelGrace = 2 * time.Second

// pingAfterIdle is how long a connection may sit idle before it is pinged on acquire.
const pingAfterIdle = 30 * time.Second

// Pool is the hub's connection pool. Without row security it is the plain pgxpool. With
// it, Query, QueryRow, Exec and SendBatch send the caller's settings in the same pipeline
// (one round trip) as the statement, transaction-locally, so they end with it and a
// connection never carries one caller's settings into another's statement; Begin sends
// them with the transaction's first statement and they end with the transaction.
//
// Code that reaches the embedded pgxpool directly (Acquire, database/sql, the seed's
// COPY) still gets the caller's settings, as session settings set on acquire in a round
// trip of their own that the statement counter counts.
type Pool struct {
	*pgxpool.Pool
	rowSecurity bool
	counts      *lru.Cache[string, countEntry] // CachedCount's
	countedRelations
}

// Open connects a pool and checks that the server answers.
func Open(ctx context.Context, opts Options) (*Pool, error) {
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
	// No JIT compilation: the hub's statements are short, but row-security policies add
	// branches for every role whose estimated (never run) costs pass jit_above_cost, and
	// compiling them took seconds per statement (a mediator's counts, 00170).
	cfg.ConnConfig.RuntimeParams["jit"] = "off"
	// fairshare.Tracer bounds the connections of each request and caller (internal/fairshare).
	cfg.ConnConfig.Tracer = multitracer.New(&sqltrace.Tracer{Logger: opts.Logger, Slow: time.Second}, fairshare.Tracer{})
	cfg.HealthCheckPeriod = 5 * time.Second
	// A statement whose context ends (the client went away, the deadline passed) is
	// cancelled by a cancel request, and its connection goes back to the pool. pgx's default
	// closes the connection instead, so every request cut off under load cost a new
	// connection (its start-up and the first preparation of each statement), round trips
	// that made a request's count depend on the load. If the server does not answer the
	// cancel within cancelGrace, the connection is closed after all.
	cfg.ConnConfig.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: c, DeadlineDelay: cancelGrace}
	}
	// Numerics scan into float64 without math/big (store.RegisterNumeric).
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		store.RegisterNumeric(c.TypeMap())
		return nil
	}
	// A connection idle for long (the server may have gone away meanwhile) is pinged before
	// it is handed out; that is a round trip of the request, so it is counted. pgxpool's
	// default, after a second, would make a request's round trips depend on the pool's
	// timing.
	cfg.ShouldPing = func(ctx context.Context, p pgxpool.ShouldPingParams) bool {
		if p.IdleDuration <= pingAfterIdle {
			return false
		}
		sqltrace.CountRoundTrip(ctx)
		return true
	}
	if opts.dial != nil {
		cfg.ConnConfig.DialFunc = opts.dial
	}
	if opts.RowSecurity {
		cfg.PrepareConn = actOnAcquire
		cfg.AfterRelease = clean
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database pool: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p := &Pool{Pool: pool, rowSecurity: opts.RowSecurity, counts: newCountCache()}
	if err := p.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("reach database: %w", err)
	}
	// Read which relations' counts may be kept now, outside any request, so that no
	// request's round trips include it (before migration 00350 the first count reads it).
	p.counted(auth.WithSystem(pingCtx), "")
	return p, nil
}

// Ping checks that the server answers, on a connection that acts for no one.
func (p *Pool) Ping(ctx context.Context) error {
	return p.Pool.Ping(context.WithValue(ctx, carriedKey{}, true))
}

// settingsSQL sets the database role, the settings row-level security reads and the plan
// cache mode of the statements that follow; $9 says whether they are transaction-local.
const settingsSQL = `SELECT set_config('role', $1, $9), set_config('civiclink.role', $2, $9),
	set_config('civiclink.station', $3, $9), set_config('civiclink.officer', $4, $9), set_config('civiclink.mediator', $5, $9),
	set_config('civiclink.grids', $6, $9), set_config('civiclink.communities', $7, $9), set_config('civiclink.committees', $8, $9),
	set_config('plan_cache_mode', $10, $9)`

// planChosen is the plan_cache_mode under which PostgreSQL chooses between a statement's
// custom and generic plans itself: every session's and transaction's, and every statement's
// but a keyed lookup's (planMode).
const planChosen = "auto"

// planMode is the plan_cache_mode of a statement run under ctx on its own (not within a
// transaction): keyed lookups (store.WithGenericPlan) use their generic plan, everything
// else PostgreSQL's choice.
func planMode(ctx context.Context, alone bool) string {
	if alone && store.GenericPlanWanted(ctx) {
		return "force_generic_plan"
	}
	return planChosen
}

// settingsArgs are the values of settingsSQL for the principal of ctx, with plan as the plan
// cache mode. A context without a principal gets the application role with no caller role,
// which sees no scoped row.
func settingsArgs(ctx context.Context, local bool, plan string) []any {
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
	return []any{role, p.Role, id(p.Scope.StationID), id(p.Scope.OfficerID), id(p.Scope.MediatorID),
		ids(p.Scope.GridIDs), ids(p.Scope.CommunityIDs), ids(p.Scope.CommitteeIDs), local, plan}
}

type carriedKey struct{}

// sessionSet marks, in a connection's custom data, that its session acts for a caller.
const sessionSet = "civiclink.session-settings"

// actOnAcquire sets, on a connection acquired outside Pool's own methods, the caller's
// settings for the session, in a counted round trip. Pool's methods mark their context so
// that it is skipped: their statements carry the settings themselves.
func actOnAcquire(ctx context.Context, conn *pgx.Conn) (bool, error) {
	if ctx.Value(carriedKey{}) != nil {
		return true, nil
	}
	conn.PgConn().CustomData()[sessionSet] = true
	if _, err := conn.Exec(ctx, settingsSQL, settingsArgs(ctx, false, planChosen)...); err != nil {
		return false, fmt.Errorf("set the caller's role on the connection: %w", err)
	}
	return true, nil
}

// clean keeps a released connection for the next caller only when its session carries no
// caller's settings; one that does is closed rather than reset.
func clean(conn *pgx.Conn) bool {
	_, set := conn.PgConn().CustomData()[sessionSet]
	return !set
}

// withSettings returns a batch that sets the caller's settings transaction-locally and
// then runs the statements of b; alone says that b is not part of a wider transaction (its
// plan mode then follows ctx, planMode).
func withSettings(ctx context.Context, b *pgx.Batch, alone bool) *pgx.Batch {
	out := &pgx.Batch{QueuedQueries: make([]*pgx.QueuedQuery, 0, len(b.QueuedQueries)+1)}
	out.Queue(settingsSQL, settingsArgs(ctx, true, planMode(ctx, alone))...)
	out.QueuedQueries = append(out.QueuedQueries, b.QueuedQueries...)
	return out
}

func single(sql string, args []any) *pgx.Batch {
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	return b
}

// acquire takes a connection for a statement that carries its own settings.
func (p *Pool) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	return p.Pool.Acquire(context.WithValue(ctx, carriedKey{}, true))
}

// SendBatch runs b, preceded by the caller's settings, in one round trip.
func (p *Pool) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if !p.rowSecurity {
		return p.Pool.SendBatch(ctx, b)
	}
	c, err := p.acquire(ctx)
	if err != nil {
		return pgx.FailedBatchResults(b, err)
	}
	return sendWithSettings(ctx, c, b, true, c.Release)
}

// Query runs sql with the caller's settings in one round trip.
func (p *Pool) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if !p.rowSecurity {
		return p.Pool.Query(ctx, sql, args...)
	}
	return query(p.SendBatch(ctx, single(sql, args)))
}

// QueryRow runs sql with the caller's settings in one round trip.
func (p *Pool) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if !p.rowSecurity {
		return p.Pool.QueryRow(ctx, sql, args...)
	}
	rows, err := p.Query(ctx, sql, args...)
	return row{rows: rows, err: err}
}

// Exec runs sql with the caller's settings in one round trip.
func (p *Pool) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if !p.rowSecurity {
		return p.Pool.Exec(ctx, sql, args...)
	}
	return exec(p.SendBatch(ctx, single(sql, args)))
}

// Begin starts a transaction whose first statement carries the caller's settings.
func (p *Pool) Begin(ctx context.Context) (pgx.Tx, error) {
	return p.BeginTx(ctx, pgx.TxOptions{})
}

// BeginTx starts a transaction with opts whose first statement carries the caller's settings.
func (p *Pool) BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error) {
	if !p.rowSecurity {
		return p.Pool.BeginTx(ctx, opts)
	}
	tx, err := p.Pool.BeginTx(context.WithValue(ctx, carriedKey{}, true), opts)
	if err != nil {
		return nil, err
	}
	return &settingsTx{Tx: tx, pending: true}, nil
}

// CopyFrom copies rows in a transaction of its own that carries the caller's settings.
func (p *Pool) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	if !p.rowSecurity {
		return p.Pool.CopyFrom(ctx, table, columns, src)
	}
	var n int64
	err := pgx.BeginFunc(ctx, p, func(tx pgx.Tx) error {
		var err error
		n, err = tx.CopyFrom(ctx, table, columns, src)
		return err
	})
	return n, err
}

// DB is what the hub's packages need of a pool: statements and transactions. *Pool is one,
// and so is a plain *pgxpool.Pool (which acts as its connecting user).
type DB interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Begin(ctx context.Context) (pgx.Tx, error)
}

var _ DB = (*Pool)(nil)
