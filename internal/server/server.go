// Package server wires the HTTP surface of the hub: the GraphQL endpoint with its limits,
// error presenter and per-request dataloaders, the playground, and health checks.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"civiclink/db/loaders"
	"civiclink/db/migrations"
	"civiclink/db/sqltrace"
	"civiclink/db/workflow"
	"civiclink/graph"
	"civiclink/internal/apierr"
	"civiclink/internal/export"
	"civiclink/internal/events"
	"civiclink/internal/limits"
	"civiclink/internal/pii"
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
	DefaultMaxComplexity = 20000
	DefaultMaxBodyBytes  = 1 << 20
	// StatementsHeader reports how many SQL statements a request ran.
	StatementsHeader = "X-Civiclink-Sql-Statements"
)

// Options configure the HTTP handler.
type Options struct {
	Pool          *pgxpool.Pool
	Keys          *pii.Keys
	Logger        *slog.Logger
	MaxDepth      int   // 0 = limits.DefaultMaxDepth
	MaxComplexity int   // 0 = DefaultMaxComplexity
	MaxBodyBytes  int64 // 0 = DefaultMaxBodyBytes
	Introspection bool
	// LoaderWait is how long dataloaders collect keys per batch (0 = loaders.DefaultWait).
	LoaderWait time.Duration
	// Events delivers workflow events to subscriptions; nil disables subscriptions.
	Events *events.Broker
}

// New returns the hub's HTTP handler.
func New(opts Options) http.Handler {
	if opts.MaxDepth == 0 {
		opts.MaxDepth = limits.DefaultMaxDepth
	}
	if opts.MaxComplexity == 0 {
		opts.MaxComplexity = DefaultMaxComplexity
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", withRequestState(opts, graphQL(opts)))
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
	mux.HandleFunc("GET /readyz", readyz(opts.Pool))
	return accessLog(opts.Logger, mux)
}

func graphQL(opts Options) *handler.Server {
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{
		DB: opts.Pool, Keys: opts.Keys, Logger: opts.Logger,
		Runner: &workflow.Runner{Pool: opts.Pool}, Events: opts.Events,
	}})
	srv := handler.New(schema)
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	// Subscriptions over graphql-transport-ws (and the older graphql-ws).
	srv.AddTransport(transport.Websocket{KeepAlivePingInterval: 10 * time.Second})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if opts.Introspection {
		srv.Use(extension.Introspection{})
	}
	// Each response gets fresh dataloaders: a query's response is the whole request, and each
	// event of a subscription is its own response, so nothing cached outlives the data.
	srv.AroundResponses(func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		return next(loaders.WithRegistry(ctx, loaders.NewRegistry(opts.Pool, opts.LoaderWait)))
	})
	srv.Use(limits.Depth{Max: opts.MaxDepth})
	srv.Use(extension.FixedComplexityLimit(opts.MaxComplexity))
	srv.SetErrorPresenter(apierr.Presenter(opts.Logger))
	srv.SetRecoverFunc(apierr.Recover(opts.Logger))
	return srv
}

// withRequestState gives each request its statement counter, caps the body size, and
// reports the statement count in a response header.
func withRequestState(opts Options, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, opts.MaxBodyBytes)
		ctx, counter := sqltrace.WithCounter(r.Context())
		next.ServeHTTP(&countingWriter{ResponseWriter: w, counter: counter}, r.WithContext(ctx))
	})
}

// countingWriter adds the statement count header just before the response starts.
type countingWriter struct {
	http.ResponseWriter
	counter *sqltrace.Counter
	wrote   bool
}

func (w *countingWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		w.Header().Set(StatementsHeader, strconv.FormatInt(w.counter.Count(), 10))
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

// statusWriter remembers the status code for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func accessLog(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		logger.LogAttrs(r.Context(), slog.LevelInfo, "http request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", sw.status), slog.Duration("duration", time.Since(start)),
			slog.String("statements", sw.Header().Get(StatementsHeader)))
	})
}
