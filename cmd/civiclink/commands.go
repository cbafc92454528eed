package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"civiclink/db/seed"
	"civiclink/internal/server"
)

func migrate(ctx context.Context, args []string) error {
	env, err := open(ctx, "civiclink migrate", args)
	if err != nil {
		return err
	}
	defer env.close()
	env.logger.Info("migrations are current")
	return nil
}

func seedCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("civiclink seed", flag.ContinueOnError)
	scale := fs.Float64("scale", 1, "1 = one sub-district over five years; 10 = a district")
	if err := fs.Parse(args); err != nil {
		return err
	}
	env, err := open(ctx, "civiclink seed", fs.Args())
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
	_, err = seed.Run(ctx, e.pool, seed.Options{Scale: scale, Keys: keys, Progress: func(table string, rows int) {
		e.logger.Info("seeded", "table", table, "rows", rows, "elapsed", time.Since(start).Round(time.Millisecond))
	}})
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	e.logger.Info("demo data loaded", "scale", scale, "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

func serve(ctx context.Context, args []string) error {
	env, err := open(ctx, "civiclink serve", args)
	if err != nil {
		return err
	}
	defer env.close()
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
	handler := server.New(server.Options{
		Pool: env.pool, Keys: keys, Logger: env.logger,
		MaxDepth: env.cfg.MaxDepth, MaxComplexity: env.cfg.MaxComplexity, Introspection: env.cfg.Introspection,
	})
	srv := &http.Server{Addr: env.cfg.Addr, Handler: handler, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	ln, err := net.Listen("tcp", env.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", env.cfg.Addr, err)
	}
	env.logger.Info("CivicLink is serving", "playground", "http://"+ln.Addr().String()+"/", "endpoint", "http://"+ln.Addr().String()+"/graphql")
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	env.logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
