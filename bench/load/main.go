// Command load measures how fast the CivicLink hub answers the contract query
// (playground/examples/referred-disputes.graphql) under concurrent load.
//
// Usage:
//
//	go run ./bench/load [flags]          # or: make bench
//
// Without -url it sets up a hub of its own and tears it down afterwards:
//
//   - with DATABASE_URL set, it creates the database civiclink_bench on that
//     server (refusing if it exists, unless -reuse says to drop and recreate
//     it) and drops it at the end;
//   - otherwise it starts an ephemeral PostgreSQL cluster (internal/pglocal)
//     in a temporary folder, which is stopped and removed at the end, also on
//     Ctrl-C or error.
//
// It then migrates, seeds at -scale (printing the seeding time) and serves the
// hub in-process on a random 127.0.0.1 port with a pool of -conns connections.
//
// With -url http://127.0.0.1:8080/graphql it only drives load against that
// running hub; only loopback targets (127.0.0.0/8, ::1, localhost) are allowed.
//
// The load: -c workers POST the query with {"first": N} (-first) as fast as
// they can, first for -warmup (not measured), then -runs measured runs of -d
// each, a run ending early after -n requests when -n > 0. Every response must
// be HTTP 200 with no GraphQL errors and min(first, totalCount) nodes in
// data.disputes.nodes; anything else is a failure and not a latency sample.
// Each run reports successful requests per second, exact latency percentiles
// (p50, p90, p99, max, from every sample sorted), the SQL statements per
// request read from the X-Civiclink-Sql-Statements header, and the response
// size; with more than one run it also prints the median of the runs. -json
// prints the same report as JSON on stdout; progress goes to stderr.
//
// Examples:
//
//	go run ./bench/load -scale 0.1 -d 5s
//	go run ./bench/load -runs 5 -json > bench.json
//	go run ./bench/load -url http://127.0.0.1:8080/graphql -c 32 -n 10000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		stop()
		os.Exit(2)
	}
	if err := run(ctx, cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		stop()
		os.Exit(1)
	}
}

// run sets up the target (its own hub unless cfg.url is set), drives the load and prints the
// report. Everything it started is shut down before it returns.
func run(ctx context.Context, cfg config, stdout, stderr io.Writer) error {
	logger := newLogger(cfg.verbose, stderr)
	rep := newReport(cfg)
	target := cfg.url
	if target == "" {
		h, err := startHub(ctx, cfg, logger, stderr)
		if err != nil {
			return err
		}
		defer h.close()
		target = h.url
		cfg.token = h.token
		rep.Setup = &h.info
		rep.Scale = &h.info.Scale
	}
	rep.Target = target

	runs, err := drive(ctx, cfg, target, stderr)
	if err != nil {
		return err
	}
	rep.addRuns(runs)
	rep.Interrupted = ctx.Err() != nil
	if err := rep.write(stdout, cfg.jsonOut); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if rep.Interrupted {
		return errors.New("interrupted: the report covers only what ran before the signal")
	}
	return nil
}

func newLogger(verbose bool, w io.Writer) *slog.Logger {
	if !verbose {
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
