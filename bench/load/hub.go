package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"civiclink/db/migrations"
	"civiclink/db/seed"
	"civiclink/internal/auth"
	"civiclink/internal/dbpool"
	"civiclink/internal/pglocal"
	"civiclink/internal/pii"
	"civiclink/internal/server"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

const (
	// benchDatabase is the database the tool creates for its hub.
	benchDatabase = "civiclink_bench"
	// cleanupTimeout bounds each teardown step (they run after Ctrl-C too).
	cleanupTimeout = time.Minute
)

// setupInfo describes the in-process hub for the report.
type setupInfo struct {
	Database    string  `json:"database"` // "ephemeral cluster" or "DATABASE_URL server"
	PoolConns   int     `json:"pool_conns"`
	Scale       float64 `json:"scale"`
	Rows        int     `json:"seed_rows"`
	SeedSeconds float64 `json:"seed_seconds"`
}

// hub is a hub served in-process over a freshly seeded database.
type hub struct {
	url     string // GraphQL endpoint
	info    setupInfo
	token   string    // bearer token of the in-process hub (STREET_STAFF)
	out     io.Writer // progress messages
	closers []func()  // run in reverse order by close
}

// startHub provisions a database, migrates and seeds it, and serves the hub on a random
// loopback port. On error everything already started is torn down.
func startHub(ctx context.Context, cfg config, logger *slog.Logger, out io.Writer) (_ *hub, err error) {
	h := &hub{out: out, info: setupInfo{PoolConns: cfg.conns, Scale: cfg.scale}}
	defer func() {
		if err != nil {
			h.close()
		}
	}()
	dbURL, err := h.provisionDatabase(ctx, cfg.reuse, logger)
	if err != nil {
		return nil, err
	}
	pool, err := dbpool.Open(ctx, dbpool.Options{URL: dbURL, MaxConns: int32(cfg.conns), Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("open pool on %s: %w", benchDatabase, err)
	}
	h.onClose(pool.Close)
	if err := migrations.Up(ctx, pool.Pool, logger); err != nil {
		return nil, fmt.Errorf("migrate %s: %w", benchDatabase, err)
	}
	keys, err := randomKeys()
	if err != nil {
		return nil, err
	}
	if err := h.seed(ctx, pool.Pool, keys, cfg.scale, cfg.verbose); err != nil {
		return nil, err
	}
	// The hub serves through its own pool under row-level security, as in production.
	appPool, err := dbpool.Open(ctx, dbpool.Options{URL: dbURL, MaxConns: int32(cfg.conns), Logger: logger, RowSecurity: true})
	if err != nil {
		return nil, fmt.Errorf("open serving pool on %s: %w", benchDatabase, err)
	}
	h.onClose(appPool.Close)
	if err := h.serve(ctx, appPool, keys, logger); err != nil {
		return nil, err
	}
	return h, nil
}

// onClose registers a teardown step.
func (h *hub) onClose(f func()) { h.closers = append(h.closers, f) }

// close tears down everything startHub started, last first.
func (h *hub) close() {
	for i := len(h.closers) - 1; i >= 0; i-- {
		h.closers[i]()
	}
	h.closers = nil
}

func (h *hub) printf(format string, args ...any) { fmt.Fprintf(h.out, format, args...) }

// provisionDatabase creates the empty benchmark database, on the DATABASE_URL server when
// set, else on an ephemeral cluster, and returns its URL.
func (h *hub) provisionDatabase(ctx context.Context, reuse bool, logger *slog.Logger) (string, error) {
	serverURL := os.Getenv("DATABASE_URL")
	external := serverURL != ""
	if external {
		h.info.Database = "DATABASE_URL server"
		h.printf("using the DATABASE_URL server, database %s\n", benchDatabase)
	} else {
		h.info.Database = "ephemeral cluster"
		var err error
		if serverURL, err = h.startCluster(ctx, logger); err != nil {
			return "", err
		}
	}
	if err := createDatabase(ctx, serverURL, benchDatabase, reuse); err != nil {
		return "", err
	}
	if external {
		// The ephemeral cluster goes away as a whole; on a shared server, clean up.
		h.onClose(func() { h.dropDatabase(serverURL) })
	}
	return databaseURL(serverURL, benchDatabase)
}

// startCluster starts an ephemeral PostgreSQL cluster in a temporary folder and returns the
// URL of its maintenance database. close stops it and removes the folder.
func (h *hub) startCluster(ctx context.Context, logger *slog.Logger) (string, error) {
	dir, err := os.MkdirTemp("", "civiclink-bench-")
	if err != nil {
		return "", fmt.Errorf("create cluster folder: %w", err)
	}
	opts := pglocal.Options{DataDir: dir, Ephemeral: true, Logger: logger}
	h.onClose(func() { h.removeCluster(opts) })
	h.printf("starting an ephemeral PostgreSQL cluster in %s\n", dir)
	started := time.Now()
	cluster, err := pglocal.Start(ctx, opts)
	if err != nil {
		return "", fmt.Errorf("start ephemeral PostgreSQL: %w", err)
	}
	h.printf("PostgreSQL ready on port %d in %v\n", cluster.Port(), time.Since(started).Round(time.Millisecond))
	h.onClose(func() { h.stopCluster(cluster) })
	return cluster.URL("postgres"), nil
}

func (h *hub) stopCluster(cluster *pglocal.Cluster) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	if err := cluster.Stop(ctx); err != nil {
		h.printf("warning: stop PostgreSQL: %v\n", err)
	}
}

// removeCluster makes sure no server is left running in the folder (Start may have failed
// half-way), then deletes it.
func (h *hub) removeCluster(opts pglocal.Options) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	if err := pglocal.StopDir(ctx, opts); err != nil {
		h.printf("warning: stop PostgreSQL in %s: %v; leaving the folder in place\n", opts.DataDir, err)
		return
	}
	if err := os.RemoveAll(opts.DataDir); err != nil {
		h.printf("warning: remove %s: %v\n", opts.DataDir, err)
	}
}

func (h *hub) dropDatabase(serverURL string) {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	if err := withConn(ctx, serverURL, func(conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{benchDatabase}.Sanitize())
		return err
	}); err != nil {
		h.printf("warning: drop database %s: %v\n", benchDatabase, err)
	}
}

// createDatabase creates an empty database name; an existing one is dropped first when reuse
// is set and refused otherwise.
func createDatabase(ctx context.Context, serverURL, name string, reuse bool) error {
	ident := pgx.Identifier{name}.Sanitize()
	return withConn(ctx, serverURL, func(conn *pgx.Conn) error {
		var exists bool
		if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
			return fmt.Errorf("look up database %s: %w", name, err)
		}
		if exists && !reuse {
			return fmt.Errorf("database %s already exists on the DATABASE_URL server: pass -reuse to drop and recreate it", name)
		}
		if exists {
			if _, err := conn.Exec(ctx, "DROP DATABASE "+ident); err != nil {
				return fmt.Errorf("drop existing database %s: %w", name, err)
			}
		}
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+ident); err != nil {
			return fmt.Errorf("create database %s: %w", name, err)
		}
		return nil
	})
}

// withConn runs f on a single connection to serverURL.
func withConn(ctx context.Context, serverURL string, f func(*pgx.Conn) error) error {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return f(conn)
}

// databaseURL returns serverURL pointing at database name instead. Both URL and
// keyword/value connection strings are accepted.
func databaseURL(serverURL, name string) (string, error) {
	if !strings.Contains(serverURL, "://") {
		return serverURL + " dbname=" + name, nil
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", fmt.Errorf("parse database URL: %w", err)
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

// randomKeys returns fresh identity-number keys; the database is new, so nothing else needs them.
func randomKeys() (*pii.Keys, error) {
	hmacKey, encKey := make([]byte, pii.KeySize), make([]byte, pii.KeySize)
	_, _ = rand.Read(hmacKey) // crypto/rand.Read never fails on supported platforms
	_, _ = rand.Read(encKey)
	keys, err := pii.NewKeys(hmacKey, encKey)
	if err != nil {
		return nil, fmt.Errorf("identity-number keys: %w", err)
	}
	return keys, nil
}

// seed loads the demo data and records how long it took.
func (h *hub) seed(ctx context.Context, pool *pgxpool.Pool, keys *pii.Keys, scale float64, verbose bool) error {
	opts := seed.Options{Scale: scale, Keys: keys}
	if verbose {
		opts.Progress = func(table string, rows int) { h.printf("  %-32s %9d rows\n", table, rows) }
	}
	h.printf("seeding at scale %v ...\n", scale)
	started := time.Now()
	stats, err := seed.Run(ctx, pool, opts)
	if err != nil {
		return fmt.Errorf("seed %s at scale %v: %w", benchDatabase, scale, err)
	}
	took := time.Since(started)
	h.info.Rows = stats.Total()
	h.info.SeedSeconds = took.Seconds()
	h.printf("seeded %d rows in %v (generate %v, load %v)\n", stats.Total(),
		took.Round(time.Millisecond), stats.Generate.Round(time.Millisecond), stats.Load.Round(time.Millisecond))
	return nil
}

// serve starts the hub's HTTP handler on a random 127.0.0.1 port.
func (h *hub) serve(ctx context.Context, pool *dbpool.Pool, keys *pii.Keys, logger *slog.Logger) error {
	secret := make([]byte, 32)
	_, _ = rand.Read(secret)
	authn, err := auth.New(ctx, auth.Options{HMACSecret: secret, DB: pool})
	if err != nil {
		return fmt.Errorf("authenticator: %w", err)
	}
	if h.token, err = auth.IssueToken(secret, "bench", auth.StreetStaff, auth.ScopeClaims{}, 24*time.Hour); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen on 127.0.0.1: %w", err)
	}
	srv := &http.Server{
		Handler:           server.New(server.Options{Pool: pool, Keys: keys, Logger: logger, Auth: authn}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			h.printf("warning: hub server stopped: %v\n", err)
		}
	}()
	h.onClose(func() {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			h.printf("warning: shut down hub server: %v\n", err)
		}
		<-done
	})
	h.url = "http://" + ln.Addr().String() + "/graphql"
	h.printf("hub serving %s (pool of %d connections)\n", h.url, pool.Config().MaxConns)
	return nil
}
