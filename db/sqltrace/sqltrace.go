// Package sqltrace counts the round trips to PostgreSQL each request makes, through a pgx
// tracer, so tests can assert that a query's cost is bounded by its depth and operators can
// see it: a statement, a batch (a pipeline of statements sent at once, such as a statement
// with the caller's row-security settings before it) and a COPY each count once. The
// one-time preparation of a statement on a connection (pgx's statement cache) is not counted.
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

// CountRoundTrip counts one round trip that no tracer sees (a pool's liveness ping).
func CountRoundTrip(ctx context.Context) {
	if c := FromContext(ctx); c != nil {
		c.n.Add(1)
	}
}

// Tracer is a pgx.QueryTracer, BatchTracer and CopyFromTracer that counts round trips and
// logs slow ones.
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

// start counts one round trip and remembers when it began.
func start(ctx context.Context, sql string) context.Context {
	CountRoundTrip(ctx)
	return context.WithValue(ctx, startKey{}, started{at: time.Now(), sql: sql})
}

// end logs a failed or slow round trip.
func (t *Tracer) end(ctx context.Context, err error) {
	s, ok := ctx.Value(startKey{}).(started)
	if !ok || t.Logger == nil {
		return
	}
	d := time.Since(s.at)
	switch {
	case err != nil:
		t.Logger.DebugContext(ctx, "sql error", "duration", d, "err", err)
	case t.Slow > 0 && d > t.Slow:
		t.Logger.WarnContext(ctx, "slow sql", "duration", d, "sql", s.sql)
	}
}

// TraceQueryStart implements pgx.QueryTracer.
func (t *Tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	return start(ctx, data.SQL)
}

// TraceQueryEnd implements pgx.QueryTracer.
func (t *Tracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	t.end(ctx, data.Err)
}

// TraceBatchStart implements pgx.BatchTracer: a batch is one round trip.
func (t *Tracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	sql := ""
	if data.Batch != nil {
		if q := data.Batch.QueuedQueries; len(q) > 0 {
			sql = q[len(q)-1].SQL
		}
	}
	return start(ctx, sql)
}

// TraceBatchQuery implements pgx.BatchTracer.
func (t *Tracer) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

// TraceBatchEnd implements pgx.BatchTracer.
func (t *Tracer) TraceBatchEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchEndData) {
	t.end(ctx, data.Err)
}

// TraceCopyFromStart implements pgx.CopyFromTracer.
func (t *Tracer) TraceCopyFromStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceCopyFromStartData) context.Context {
	return start(ctx, "COPY "+data.TableName.Sanitize())
}

// TraceCopyFromEnd implements pgx.CopyFromTracer.
func (t *Tracer) TraceCopyFromEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceCopyFromEndData) {
	t.end(ctx, data.Err)
}
