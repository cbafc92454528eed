// Package fairshare bounds the database connections one request and one principal may hold
// at once, so that no single request or caller takes the whole pool and starves the others.
//
// A request's share is counted with a weighted semaphore (golang.org/x/sync/semaphore) of
// PerRequest connections, its principal's, over all the principal's requests on this
// instance, with one of PerPrincipal. A connection beyond the request's share waits for one
// of the request's own connections (the request only queues behind itself); one beyond the
// principal's share waits at most Wait, and is then refused: the acquisition fails, and the
// request is marked Refused so the transport can answer RATE_LIMITED with Retry-After.
//
// The shares act through Tracer, a pgxpool acquire and release tracer, on every pool
// acquisition made under a context that Begin returned; work under any other context (the
// event broker, scans, migrations) is not counted.
package fairshare

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"civiclink/internal/config"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/semaphore"
)

// RetryAfter is what a refused request is told to wait before it tries again.
const RetryAfter = time.Second

// ErrOverShare is the cause of a refused acquisition.
var ErrOverShare = errors.New("the caller holds its share of database connections")

// Options configure a Limiter.
type Options struct {
	// PerRequest is how many connections one request (one GraphQL operation) may hold at once.
	PerRequest int64
	// PerPrincipal is how many connections one principal may hold at once over all its
	// requests on this instance.
	PerPrincipal int64
	// Wait is how long a connection beyond the principal's share waits before it is refused
	// (a negative Wait refuses at once; 0 = config.ShareWait of the request deadline given
	// to Defaults). Long enough that a burst of one
	// caller's requests queues rather than fails on a loaded machine.
	Wait time.Duration
}

// Defaults fills the zero fields of opts for a pool of maxConns connections and a request
// deadline of requestTimeout: a request may hold a quarter of the pool (at least 3: sibling
// lists load side by side), a principal three quarters (so others always keep a quarter),
// and Wait is config.ShareWait of the deadline. A Wait longer than the deadline is cut to it.
func Defaults(opts Options, maxConns int32, requestTimeout time.Duration) Options {
	if opts.PerRequest <= 0 {
		opts.PerRequest = max(3, int64(maxConns)/4)
	}
	if opts.PerPrincipal <= 0 {
		opts.PerPrincipal = max(opts.PerRequest, int64(maxConns)*3/4)
	}
	if opts.Wait == 0 {
		opts.Wait = config.ShareWait(requestTimeout)
	}
	opts.Wait = min(opts.Wait, requestTimeout)
	return opts
}

// Limiter holds the shares of the principals with requests under way. It is safe for
// concurrent use.
type Limiter struct {
	opts       Options
	mu         sync.Mutex
	principals map[string]*principal
}

type principal struct {
	sem  *semaphore.Weighted
	refs int
}

// New returns a limiter sharing by opts, whose zero fields Defaults fills for the pool and
// the request deadline.
func New(opts Options) *Limiter {
	return &Limiter{opts: opts, principals: map[string]*principal{}}
}

// Request is the share of one request.
type Request struct {
	l       *Limiter
	key     string
	p       *principal
	sem     *semaphore.Weighted
	refused atomic.Bool
}

type requestKey struct{}

// Begin returns a context under which the pool acquisitions of one request by principal
// (any stable name of the caller) count against its shares, and end, to call when the
// request is done.
func (l *Limiter) Begin(ctx context.Context, principal string) (context.Context, func()) {
	r := &Request{l: l, key: principal, p: l.ref(principal), sem: semaphore.NewWeighted(l.opts.PerRequest)}
	var once sync.Once
	return context.WithValue(ctx, requestKey{}, r), func() { once.Do(func() { l.unref(principal) }) }
}

func (l *Limiter) ref(key string) *principal {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.principals[key]
	if p == nil {
		p = &principal{sem: semaphore.NewWeighted(l.opts.PerPrincipal)}
		l.principals[key] = p
	}
	p.refs++
	return p
}

func (l *Limiter) unref(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p := l.principals[key]; p != nil {
		if p.refs--; p.refs <= 0 {
			delete(l.principals, key)
		}
	}
}

// FromContext returns the request whose share governs ctx, or nil.
func FromContext(ctx context.Context) *Request {
	r, _ := ctx.Value(requestKey{}).(*Request)
	return r
}

// Refused reports whether a connection of the request was refused for being over its
// principal's share.
func (r *Request) Refused() bool { return r != nil && r.refused.Load() }

// acquire takes one connection of the request's share and one of its principal's.
func (r *Request) acquire(ctx context.Context) error {
	if err := r.sem.Acquire(ctx, 1); err != nil {
		return fmt.Errorf("wait for the request's share of connections: %w", err)
	}
	if r.p.sem.TryAcquire(1) {
		return nil
	}
	if r.l.opts.Wait > 0 {
		wctx, cancel := context.WithTimeout(ctx, r.l.opts.Wait)
		err := r.p.sem.Acquire(wctx, 1)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			r.sem.Release(1)
			return fmt.Errorf("wait for the caller's share of connections: %w", ctx.Err())
		}
	}
	r.sem.Release(1)
	r.refused.Store(true)
	return ErrOverShare
}

func (r *Request) release() {
	r.p.sem.Release(1)
	r.sem.Release(1)
}

// Tracer applies the shares to a pool's acquisitions: set it as (part of) the pool's
// ConnConfig.Tracer (pgx's multitracer combines it with others). An acquisition that is
// refused, or whose context ends while it waits for its share, fails as if its context had
// been cancelled.
type Tracer struct{}

var (
	_ pgxpool.AcquireTracer = Tracer{}
	_ pgxpool.ReleaseTracer = Tracer{}
	_ pgx.QueryTracer       = Tracer{}
)

// TraceQueryStart implements pgx.QueryTracer (which multitracer.New requires); it does nothing.
func (Tracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

// TraceQueryEnd implements pgx.QueryTracer; it does nothing.
func (Tracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// held maps each connection acquired under a share to that share until it is released.
var held sync.Map // *pgx.Conn → *Request

type acquiredKey struct{}

// TraceAcquireStart implements pgxpool.AcquireTracer: it waits for the share of ctx's request.
func (Tracer) TraceAcquireStart(ctx context.Context, _ *pgxpool.Pool, _ pgxpool.TraceAcquireStartData) context.Context {
	r := FromContext(ctx)
	if r == nil {
		return ctx
	}
	if err := r.acquire(ctx); err != nil {
		refused, cancel := context.WithCancelCause(ctx)
		cancel(err)
		return refused
	}
	return context.WithValue(ctx, acquiredKey{}, r)
}

// TraceAcquireEnd implements pgxpool.AcquireTracer: a connection acquired under a share keeps
// it until released; a failed acquisition gives it back.
func (Tracer) TraceAcquireEnd(ctx context.Context, _ *pgxpool.Pool, data pgxpool.TraceAcquireEndData) {
	r, _ := ctx.Value(acquiredKey{}).(*Request)
	if r == nil {
		return
	}
	if data.Err != nil || data.Conn == nil {
		r.release()
		return
	}
	held.Store(data.Conn, r)
}

// TraceRelease implements pgxpool.ReleaseTracer: it gives the connection's share back.
func (Tracer) TraceRelease(_ *pgxpool.Pool, data pgxpool.TraceReleaseData) {
	if v, ok := held.LoadAndDelete(data.Conn); ok {
		v.(*Request).release()
	}
}
