// Package server wires the HTTP surface of the hub: the GraphQL endpoint (GraphQL over HTTP,
// WebSocket and server-sent events) with its limits, persisted queries, rate limits, error
// presenter and per-request dataloaders; the playground; health checks and metrics.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"sync"
	"time"

	"civiclink/db/loaders"
	"civiclink/db/migrations"
	"civiclink/db/sqltrace"
	"civiclink/db/store"
	"civiclink/graph"
	"civiclink/internal/apierr"
	"civiclink/internal/audit"
	"civiclink/internal/auth"
	"civiclink/internal/clock"
	"civiclink/internal/config"
	"civiclink/internal/dbpool"
	"civiclink/internal/events"
	"civiclink/internal/export"
	"civiclink/internal/fairshare"
	"civiclink/internal/fastpath"
	"civiclink/internal/limits"
	"civiclink/internal/metrics"
	"civiclink/internal/persisted"
	"civiclink/internal/pii"
	"civiclink/internal/privacy"
	"civiclink/internal/ratelimit"
	"civiclink/playground"
	"civiclink/resolvers"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/vektah/gqlparser/v2/ast"
)

// Defaults of Options.
const (
	DefaultMaxComplexity = limits.DefaultMaxCost
	DefaultMaxFields     = limits.DefaultMaxFields
	DefaultMaxBodyBytes  = 1 << 20
	// DefaultRequestTimeout bounds a query or mutation over any transport (config's).
	DefaultRequestTimeout = config.DefaultRequestTimeout
	// DefaultAPQCacheSize is how many automatic persisted queries an instance remembers.
	DefaultAPQCacheSize = 1000
	// DefaultKeepAlive is the interval of graphql-transport-ws pings.
	DefaultKeepAlive = 15 * time.Second
	// StatementsHeader reports how many SQL statements a request ran.
	StatementsHeader = "X-Civiclink-Sql-Statements"
)

// Options configure the HTTP handler.
type Options struct {
	Pool *dbpool.Pool
	// Audit is the access log; nil = one under a key random to this process (for tests).
	Audit         *audit.Log
	Keys          *pii.Keys
	Logger        *slog.Logger
	MaxDepth      int   // 0 = limits.DefaultMaxDepth
	MaxFields     int   // 0 = DefaultMaxFields
	MaxComplexity int   // cost limit (limits.Cost); 0 = DefaultMaxComplexity
	MaxTokens     int   // most tokens a document may have (limits.Document); 0 = limits.DefaultMaxTokens
	MaxBodyBytes  int64 // 0 = DefaultMaxBodyBytes
	// RequestTimeout bounds each query or mutation over HTTP (0 = DefaultRequestTimeout).
	RequestTimeout time.Duration
	Introspection  bool
	// AnonymousIntrospection lets requests without credentials introspect the schema (and
	// nothing else) when Introspection is on: the embedded development default, so the
	// playground's docs load before a token is entered.
	AnonymousIntrospection bool
	// LoaderWait is how long dataloaders collect keys per batch (0 = loaders.DefaultWait).
	LoaderWait time.Duration
	// PersistedQueries is the persisted-query mode ("" = persisted.Auto).
	PersistedQueries persisted.Mode
	// RateLimit limits requests per client; zero rates turn it off.
	RateLimit ratelimit.Options
	// Auth verifies credentials; every GraphQL request needs them.
	Auth *auth.Authenticator
	// WebsocketInit, when set, checks the connection_init payload of a WebSocket and may
	// put the caller's identity in the context of its operations.
	WebsocketInit transport.WebsocketInitFunc
	// KeepAlive is the WebSocket ping interval (0 = DefaultKeepAlive).
	KeepAlive time.Duration
	// CredentialCheck is how often the credentials of open WebSockets and event streams are
	// checked again; lapsed ones end their subscriptions with UNAUTHENTICATED and close
	// (0 = DefaultCredentialCheck).
	CredentialCheck time.Duration
	// MaxSubscriptionsPerConnection caps one WebSocket's subscriptions (0 = the default).
	MaxSubscriptionsPerConnection int
	// MaxSubscriptionsPerPrincipal caps one caller's subscriptions on this instance (0 = the default).
	MaxSubscriptionsPerPrincipal int
	// Events delivers workflow events to subscriptions; nil disables them.
	Events *events.Broker
	// FairShare bounds the database connections of one request and of one caller; its zero
	// fields are fairshare.Defaults for the pool's size and RequestTimeout (the wait for a
	// share is derived from the deadline and never outlasts it).
	FairShare fairshare.Options
	// Clock is the clock requests decide "now" and the office's "today" by (nil = the
	// system clock); tests fix it to a moment.
	Clock clock.Clock
	// GenericExecution leaves every field to gqlgen's generated executor, without
	// internal/fastpath's plain subtrees: tests compare the two answers byte for byte.
	GenericExecution bool
}

// Handler is the hub's HTTP handler.
type Handler struct {
	http.Handler
	// Metrics are the handler's Prometheus collectors, served at /metrics.
	Metrics *metrics.Metrics

	closing   context.Context
	close     context.CancelFunc
	longLived sync.WaitGroup
}

// New returns the hub's HTTP handler.
func New(opts Options) *Handler {
	if opts.MaxDepth == 0 {
		opts.MaxDepth = limits.DefaultMaxDepth
	}
	if opts.MaxFields == 0 {
		opts.MaxFields = DefaultMaxFields
	}
	if opts.MaxComplexity == 0 {
		opts.MaxComplexity = DefaultMaxComplexity
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.RequestTimeout == 0 {
		opts.RequestTimeout = DefaultRequestTimeout
	}
	if opts.PersistedQueries == "" {
		opts.PersistedQueries = persisted.Auto
	}
	if opts.KeepAlive == 0 {
		opts.KeepAlive = DefaultKeepAlive
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.CredentialCheck == 0 {
		opts.CredentialCheck = DefaultCredentialCheck
	}
	if opts.MaxSubscriptionsPerConnection == 0 {
		opts.MaxSubscriptionsPerConnection = DefaultMaxSubscriptionsPerConnection
	}
	if opts.MaxSubscriptionsPerPrincipal == 0 {
		opts.MaxSubscriptionsPerPrincipal = DefaultMaxSubscriptionsPerPrincipal
	}
	h := &Handler{Metrics: metrics.New(opts.Pool.Pool)}
	h.closing, h.close = context.WithCancel(context.Background())
	mux := http.NewServeMux()
	limiter := ratelimit.New(opts.RateLimit)
	share := fairshare.New(fairshare.Defaults(opts.FairShare, opts.Pool.Config().MaxConns, opts.RequestTimeout))
	mux.Handle("/graphql", h.rateLimited(limiter, requireAuth(opts, h.graphQLEndpoint(opts, share, graphQL(opts, limiter, share)))))
	examples, err := playground.Examples()
	if err != nil {
		opts.Logger.Error("playground examples", "err", err)
	}
	mux.Handle("/", playground.Handler("/graphql", examples))
	mux.Handle("/export", export.Handler(mux, "/graphql", opts.Logger)) // CSV/NDJSON exports run through /graphql
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", readyz(opts.Pool.Pool))
	mux.Handle("GET /metrics", h.Metrics.Handler())
	h.Handler = accessLog(opts.Logger, withClock(opts.Clock, mux))
	return h
}

// CloseSubscriptions closes every open WebSocket and event stream (graphql-transport-ws
// clients get a normal closure) and waits, until ctx ends, for their handlers to return.
// Call it when shutting down, alongside http.Server.Shutdown, which does not track them.
func (h *Handler) CloseSubscriptions(ctx context.Context) error {
	h.close()
	done := make(chan struct{})
	go func() { h.longLived.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func graphQL(opts Options, limiter *ratelimit.Limiter, share *fairshare.Limiter) *handler.Server {
	if opts.Keys != nil {
		// Cursors are sealed with a key derived from the configured keys, so every hub of a
		// deployment accepts the cursors of the others.
		if err := store.SetCursorKey(opts.Keys.DeriveKey("cursor")); err != nil {
			panic(err) // DeriveKey always returns store.CursorKeySize bytes
		}
	}
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{
		DB: opts.Pool, Keys: opts.Keys, Logger: opts.Logger, Events: opts.Events,
	}, Directives: graph.DirectiveRoot{Personal: privacy.Directive}})
	srv := handler.New(schema)
	srv.AddTransport(transport.Websocket{
		// graphql-transport-ws clients get a "ping" every KeepAlive (graphql-ws ones a "ka");
		// a client that does not answer pong is not dropped for it.
		KeepAlivePingInterval: opts.KeepAlive,
		PingPongInterval:      opts.KeepAlive,
		MissingPongOk:         true,
		InitFunc:              websocketInit(opts),
		InitTimeout:           10 * time.Second,
		Implementation:        forbiddenOnLapse{},
	})
	srv.AddTransport(transport.SSE{})
	srv.AddTransport(transport.Options{AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions}})
	srv.AddTransport(httpTransport{maxBodyBytes: opts.MaxBodyBytes})
	queryCache := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(queryCache)
	if opts.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.Use(refuseIntrospection{})
	}
	srv.Use(persisted.NewExtension(opts.PersistedQueries, persisted.NewStore(opts.Pool), DefaultAPQCacheSize, opts.Logger))
	// Documents are measured before gqlparser validates them (after persisted queries have
	// supplied their text), so hostile ones never reach its quadratic rules.
	srv.Use(limits.Document{MaxTokens: opts.MaxTokens, MaxFields: opts.MaxFields, Cache: queryCache})
	// Each response gets fresh dataloaders: a query's response is the whole request, and each
	// event of a subscription is its own response, so nothing cached outlives the data.
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		ctx = loaders.WithRegistry(ctx, loaders.NewRegistry(opts.Pool, opts.LoaderWait))
		if !opts.GenericExecution {
			ctx = fastpath.WithCache(ctx)
		}
		return next(ctx)
	})
	// Responses that show personal data in clear are written to the access log first.
	srv.AroundResponses(audit.Responses(auditLog(opts), opts.Logger))
	// A stated purpose must name a record the caller may see; it unlocks that record's persons.
	srv.AroundOperations(privacy.Purposes(opts.Pool, opts.Keys, opts.Logger))
	// An export (/export) derives its columns from the operation its inner request runs.
	srv.AroundOperations(export.Operations)
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		oc := graphql.GetOperationContext(ctx)
		if oc.Operation != nil {
			infoFrom(ctx).setOperation(oc.Operation.Name)
		}
		return next(ctx)
	})
	srv.AroundOperations(operationLimits(opts, limiter, share, &subscriptionCounter{n: map[string]int{}}, opts.Logger))
	// An operation asking only for the schema is exempt from the depth and cost limits
	// (introspection.go).
	// The schema's classification of personal data: no ordering or filtering by a personal
	// value, and any field nobody classified on a type holding personal data is withheld.
	classification := privacy.Classify(schema.Schema())
	srv.Use(classification)
	if fc := classification.FailClosed(); fc != nil {
		srv.Use(fc)
	}
	// An analyst sees records as aggregates only: every field returning records, at any
	// depth, refuses an analyst with a hint to the *Stats fields, before fastpath could render
	// it (resolvers/aggregates_only.go).
	srv.Use(resolvers.AggregatesOnly{})
	// Subtrees that need no decision (public fields below a list resolver's rows, and the
	// references and child lists its level loads read) are written straight to JSON instead
	// of field by field (internal/fastpath). An analyst's fields are all gqlgen's, so that
	// AggregatesOnly checks each of them at every depth.
	if !opts.GenericExecution {
		srv.Use(fastpath.New(schema.Schema(), reflect.TypeFor[graph.ResolverRoot](), fastpath.Options{
			Known: resolvers.KnownAnswer,
			Skip:  func(ctx context.Context) bool { return auth.FromContext(ctx).Role == auth.Analyst },
		}))
	}
	srv.Use(exceptSchemaOnly(limits.Depth{Max: opts.MaxDepth}))
	srv.Use(limits.Fields{Max: opts.MaxFields})
	srv.Use(exceptSchemaOnly(limits.Cost{Max: opts.MaxComplexity}))
	srv.SetErrorPresenter(overSharePresenter(apierr.Presenter(opts.Logger)))
	srv.SetRecoverFunc(apierr.Recover(opts.Logger))
	return srv
}

// rateLimited refuses requests over the per-IP or per-key rate with 429, Retry-After and
// RATE_LIMITED, before anything else (authentication included) runs.
func (h *Handler) rateLimited(limiter *ratelimit.Limiter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d := limiter.Allow(r); !d.Allowed {
			h.Metrics.RateLimited(d.Limit)
			infoFrom(r.Context()).setOutcome(outcomeRateLimited)
			writeRateLimited(w, r, d)
			h.Metrics.Request("", outcomeRateLimited, 0, 0)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// graphQLEndpoint wraps the GraphQL server: a statement counter, a deadline and a fair share
// of the database per request, a trace span, metrics, and the statement count in a response
// header.
func (h *Handler) graphQLEndpoint(opts Options, share *fairshare.Limiter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := infoFrom(r.Context())
		ctx, counter := sqltrace.WithCounter(r.Context())
		ctx, span := startSpan(ctx, r)
		defer func() { endSpan(span, info, counter.Count()) }()
		if isLongLived(r) {
			// WebSocket and SSE streams live until the client leaves or the hub shuts down.
			h.longLived.Add(1)
			defer h.longLived.Done()
			var cancel context.CancelFunc
			ctx, cancel = context.WithCancel(ctx)
			defer cancel()
			stop := context.AfterFunc(h.closing, cancel)
			defer stop()
			s := &session{websocket: r.Header.Get("Upgrade") != "", ip: ratelimit.ClientIP(r, opts.RateLimit.TrustForwarded), lapsed: make(chan struct{})}
			ctx = withSession(ctx, s)
			if !s.websocket {
				// An event stream carries its credentials in its headers (WebSockets in
				// connection_init, see websocketInit).
				authorization := r.Header.Get("Authorization")
				if key := r.Header.Get(auth.APIKeyHeader); authorization == "" && key != "" {
					authorization = "ApiKey " + key
				}
				go watchCredentials(ctx, opts, s, authorization, r.Header.Get(auth.PurposeHeader), nil)
			}
		} else {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, opts.RequestTimeout)
			defer cancel()
			// Operations over WebSockets and event streams get theirs in operationLimits.
			var end func()
			ctx, end = share.Begin(ctx, auth.FromContext(ctx).Actor())
			defer end()
		}
		next.ServeHTTP(&countingWriter{ResponseWriter: w, counter: counter, share: fairshare.FromContext(ctx)}, r.WithContext(ctx))
		if !isLongLived(r) {
			h.Metrics.Request(info.operationName(), info.outcomeOr(outcomeOK), time.Since(start).Seconds(), counter.Count())
		}
	})
}

func isLongLived(r *http.Request) bool {
	return r.Header.Get("Upgrade") != "" || (r.Method == http.MethodPost && containsToken(r.Header.Get("Accept"), "text/event-stream"))
}

// countingWriter adds the statement count header just before the response starts, and
// answers 429 with Retry-After when the request was refused a connection for being over its
// caller's share.
type countingWriter struct {
	http.ResponseWriter
	counter *sqltrace.Counter
	share   *fairshare.Request
	wrote   bool
}

func (w *countingWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		w.Header().Set(StatementsHeader, strconv.FormatInt(w.counter.Count(), 10))
		if w.share.Refused() {
			w.Header().Set("Retry-After", strconv.Itoa(int(fairshare.RetryAfter.Seconds())))
			code = http.StatusTooManyRequests
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *countingWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush implements http.Flusher for event streams; the header is set first when nothing was
// written yet.
func (w *countingWriter) Flush() {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func readyz(pool *pgxpool.Pool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := pool.Ping(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("database unreachable\n"))
			return
		}
		pending, err := migrations.Pending(ctx, pool)
		if err != nil || pending > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("migrations not current\n"))
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	}
}

// auditLog is the access log the handler appends to.
func auditLog(opts Options) *audit.Log {
	if opts.Audit != nil {
		return opts.Audit
	}
	return audit.Ephemeral(opts.Pool, opts.Logger)
}

// withClock gives every request's context the hub's clock (package clock).
func withClock(c clock.Clock, next http.Handler) http.Handler {
	if c == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(clock.With(r.Context(), c)))
	})
}
