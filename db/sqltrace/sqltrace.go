// Package sqltrace counts the SQL statements each request runs, through a pgx query tracer,
// so tests can assert that a query's cost is bounded by its depth and operators can see it.
package sqltrace

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// Counter counts statements.
type Counter struct{ n atomic.Int64 }

// Count returns how many statements have run.
func (c *Counter) Count() int64 { return c.n.Load() }

type counterKey struct{}

// WithCounter returns ctx with a new counter that every statement run under ctx increments.
func WithCounter(ctx context.Context) (context.Context, *Counter) {
	c := &Counter{}
	return context.WithValue(ctx, counterKey{}, c), c
}

// FromContext returns the counter of ctx, or nil.
func FromContext(ctx context.Context) *Counter {
	c, _ := ctx.Value(counterKey{}).(*Counter)
	return c
}

// Uncounted returns ctx whose statements do not count: the hub's own bookkeeping on a
// connection (setting the caller's role) is not part of a query's cost.
func Uncounted(ctx context.Context) context.Context {
	return context.WithValue(ctx, counterKey{}, (*Counter)(nil))
}

// Tracer is a pgx.QueryTracer that counts statements and logs slow ones.
type Tracer struct {
	Logger *slog.Logger
	// Slow is the duration above which a statement is logged at warning level.
	Slow time.Duration
}

type startKey struct{}

type started struct {
	at  time.Time
	sql string
}

// TraceQueryStart implements pgx.QueryTracer.
func (t *Tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	if c := FromContext(ctx); c != nil {
		c.n.Add(1)
	}
	return context.WithValue(ctx, startKey{}, started{at: time.Now(), sql: data.SQL})
}

// TraceQueryEnd implements pgx.QueryTracer.
func (t *Tracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	s, ok := ctx.Value(startKey{}).(started)
	if !ok || t.Logger == nil {
		return
	}
	d := time.Since(s.at)
	switch {
	case data.Err != nil:
		t.Logger.DebugContext(ctx, "sql error", "duration", d, "err", data.Err)
	case t.Slow > 0 && d > t.Slow:
		t.Logger.WarnContext(ctx, "slow sql", "duration", d, "sql", s.sql)
	}
}
