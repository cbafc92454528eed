// Command civiclink runs the CivicLink hub: one GraphQL API over the street office's and the
// police station's records.
//
//	civiclink [serve] [flags]     serve the API and playground (the default)
//	civiclink migrate [flags]     apply the database migrations
//	civiclink seed --scale N      load deterministic demo data into an empty database
//	civiclink persisted add FILE… register operations for CIVICLINK_PERSISTED_QUERIES=only
//
// Without DATABASE_URL, every command uses a private PostgreSQL cluster in the data folder.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		slog.Error("civiclink failed", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args)
	case "migrate":
		return migrate(ctx, args)
	case "seed":
		return seedCmd(ctx, args)
	case "schema":
		return schemaCmd(ctx, args)
	case "persisted":
		return persistedCmd(ctx, args)
	case "audit":
		return auditCmd(ctx, args)
	case "apikey":
		return apikeyCmd(ctx, args)
	case "help":
		fmt.Println("usage: civiclink [serve|migrate|seed] [flags]; civiclink serve -h lists the flags")
		return nil
	default:
		return fmt.Errorf("unknown command %q (want serve, migrate or seed)", cmd)
	}
}
