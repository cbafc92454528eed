package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"civiclink/db/seed"
	"civiclink/internal/auth"
	"civiclink/internal/config"
	"civiclink/internal/gctune"
	"civiclink/internal/metrics"
	"civiclink/internal/persisted"
	"civiclink/internal/ratelimit"
	"civiclink/internal/server"
)

func migrate(ctx context.Context, out io.Writer, args []string) error {
	fs := newFlags(out, "migrate", "[flags]", "Apply the database migrations (DATABASE_URL, or the embedded cluster).")
	positional, cfg, err := commandFlags(fs, args, config.Database)
	if err != nil {
		return err
	}
	if err := noArgs(fs, positional); err != nil {
		return err
	}
	env, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer env.close()
	env.logger.Info("migrations are current")
	return nil
}

func seedCmd(ctx context.Context, out io.Writer, args []string) error {
	fs := newFlags(out, "seed", "[flags]", "Load deterministic demo data into an empty database, printing progress.")
	scale := fs.Float64("scale", 1, "1 = one sub-district over five years; 10 = a district")
	positional, cfg, err := commandFlags(fs, args, config.Database, config.Keys)
	if err != nil {
		return err
	}
	if err := noArgs(fs, positional); err != nil {
		return err
	}
	env, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer env.close()
	return env.seed(ctx, *scale)
}

func (e *environment) seed(ctx context.Context, scale float64) error {
	keys, err := e.keys()
	if err != nil {
		return err
	}
	start := time.Now()
	e.logger.Info("seeding demo data", "scale", scale)
	_, err = seed.Run(auth.WithSystem(ctx), e.pool.Pool, seed.Options{Scale: scale, Keys: keys, Progress: func(table string, rows int) {
		e.logger.Info("seeded", "table", table, "rows", rows, "elapsed", time.Since(start).Round(time.Millisecond))
	}})
	if err != nil {
		return err // seed's errors say "seed: …" already
	}
	e.logger.Info("demo data loaded", "scale", scale, "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

func serve(ctx context.Context, out io.Writer, args []string) error {
	fs := newFlags(out, "serve", "[flags]", "Serve the GraphQL API at /graphql and the playground at /. Without DATABASE_URL it starts\n"+
		"(or reuses) the embedded PostgreSQL cluster, seeds demo data on the first start and prints a\n"+
		"development token for every role.")
	positional, cfg, err := commandFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(fs, positional); err != nil {
		return err
	}
	// Take the address first: a second hub on a busy port fails here, before it touches the
	// database or prints tokens.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (is another hub running? stop it, or set CIVICLINK_ADDR / -addr): %w", cfg.Addr, err)
	}
	defer ln.Close()
	env, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer env.close()
	gctune.Apply(env.logger, nil)
	keys, err := env.keys()
	if err != nil {
		return err
	}
	if env.cluster != nil && env.cfg.SeedScale > 0 {
		if err := env.seed(ctx, env.cfg.SeedScale); errors.Is(err, seed.ErrAlreadySeeded) {
			env.logger.Info("demo data already present")
		} else if err != nil {
			return err
		}
	}
	shutdownTracing, err := metrics.SetupTracing(ctx, env.cfg.OTLPEndpoint, "civiclink")
	if err != nil {
		return err
	}
	defer func() {
		flushCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := shutdownTracing(flushCtx); err != nil {
			env.logger.Warn("flush traces", "err", err)
		}
	}()
	authn, err := env.authenticator(ctx)
	if err != nil {
		return err
	}
	accessLog, err := env.auditLog()
	if err != nil {
		return err
	}
	handler := server.New(server.Options{
		Auth: authn, Audit: accessLog,
		Pool: env.pool, Keys: keys, Logger: env.logger, Events: startEvents(ctx, env),
		MaxDepth: env.cfg.MaxDepth, MaxFields: env.cfg.MaxFields, MaxComplexity: env.cfg.MaxComplexity, MaxTokens: env.cfg.MaxTokens,
		MaxBodyBytes: env.cfg.MaxBodyBytes, RequestTimeout: env.cfg.RequestTimeout,
		CredentialCheck: env.cfg.CredentialCheck, MaxSubscriptionsPerConnection: env.cfg.SubsPerConn, MaxSubscriptionsPerPrincipal: env.cfg.SubsPerCaller,
		Introspection: env.cfg.Introspection, PersistedQueries: persisted.Mode(env.cfg.PersistedQueries),
		// The embedded development default lets the playground load its docs before a token
		// is entered; a deployment with DATABASE_URL never does.
		AnonymousIntrospection: env.cluster != nil,
		RateLimit: ratelimit.Options{
			PerIP: env.cfg.RateLimitIP, PerKey: env.cfg.RateLimitKey,
			Burst: env.cfg.RateLimitBurst, TrustForwarded: env.cfg.TrustForwarded,
		},
	})
	srv := server.NewHTTPServer(ctx, env.cfg.Addr, handler, server.Timeouts{
		ReadHeader: env.cfg.HeaderTimeout, Read: env.cfg.ReadTimeout, Idle: env.cfg.IdleTimeout,
	})
	env.logger.Info("CivicLink is serving", "playground", "http://"+ln.Addr().String()+"/", "endpoint", "http://"+ln.Addr().String()+"/graphql",
		"persisted_queries", env.cfg.PersistedQueries, "introspection", env.cfg.Introspection)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	return shutdown(env, srv, handler)
}

// shutdown stops accepting connections, lets in-flight requests finish and closes open
// subscriptions, within the configured timeout.
func shutdown(env *environment, srv *http.Server, handler *server.Handler) error {
	env.logger.Info("shutting down", "timeout", env.cfg.ShutdownTimeout)
	timeout := env.cfg.ShutdownTimeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	subsClosed := make(chan error, 1)
	go func() { subsClosed <- handler.CloseSubscriptions(shutdownCtx) }()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-subsClosed; err != nil {
		return fmt.Errorf("close subscriptions: %w", err)
	}
	env.logger.Info("in-flight requests finished and subscriptions closed")
	return nil
}
