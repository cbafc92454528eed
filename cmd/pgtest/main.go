// Command pgtest starts and stops an ephemeral local PostgreSQL cluster for a
// whole test run (see scripts/test.sh).
//
//	go run ./cmd/pgtest start DIR   # prints the server URL; postgres keeps running
//	go run ./cmd/pgtest stop DIR    # stops it (no error if it is not running)
//
// The URL printed by start is suitable for CIVICLINK_TEST_DATABASE_URL.
// Progress goes to stderr, so stdout carries only the URL.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"civiclink/internal/pglocal"
)

const usage = "usage: pgtest start|stop DIR"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("%s", usage)
	}
	cmd, dir := args[0], args[1]
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	opts := pglocal.Options{DataDir: dir, Ephemeral: true, Logger: logger}
	switch cmd {
	case "start":
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		c, err := pglocal.Start(ctx, opts)
		if err != nil {
			return err
		}
		fmt.Println(c.URL("postgres"))
		return nil
	case "stop":
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		return pglocal.StopDir(ctx, opts)
	default:
		return fmt.Errorf("unknown command %q; %s", cmd, usage)
	}
}
