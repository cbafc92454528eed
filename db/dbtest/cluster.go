package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"civiclink/internal/pglocal"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// EnvDatabaseURL names the environment variable with the URL of an existing
// server to test against (any database on it; the "postgres" database is used
// for administration). It must be a postgres:// URL of a superuser or of a
// role that may create databases.
const EnvDatabaseURL = "CIVICLINK_TEST_DATABASE_URL"

const (
	// lockClass is the first key of the advisory locks taken by EnsureTemplate.
	lockClass int32 = 0x63697669 // "civi"
	// maxTemplateName leaves room for the build suffix within PostgreSQL's 63 bytes.
	maxTemplateName = 50
	buildSuffix     = "_building"
	startTimeout    = 10 * time.Minute
	adminTimeout    = time.Minute
)

// server is the test server of this process, found or started once.
var server struct {
	once    sync.Once
	url     string
	err     error
	cluster *pglocal.Cluster
	dir     string
}

// inMain is set by Main, so a cluster is only started when someone will stop it.
var inMain atomic.Bool

// Main runs the package's tests and then stops and removes the cluster this
// process started, if any. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
//
// It returns m.Run's exit code, or 1 if the tests passed but the cluster could
// not be stopped.
func Main(m *testing.M) int {
	inMain.Store(true)
	code := m.Run()
	if server.url != "" {
		if err := closeMigrated(server.url); err != nil {
			fmt.Fprintf(os.Stderr, "dbtest: %v\n", err)
		}
	}
	if err := shutdown(); err != nil {
		fmt.Fprintf(os.Stderr, "dbtest: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// URL returns the URL of the "postgres" database on the test server: the one
// named by CIVICLINK_TEST_DATABASE_URL, else this process's ephemeral cluster,
// started on first use. It fails the test if no server can be had, or if the
// package's TestMain does not call Main.
func URL(t testing.TB) string {
	t.Helper()
	if !inMain.Load() {
		t.Fatalf("dbtest: the package must run its tests through dbtest.Main, add: func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }")
	}
	server.once.Do(func() { server.url, server.err = findServer() })
	if server.err != nil {
		t.Fatalf("dbtest: no test database server: %v", server.err)
	}
	return server.url
}

// NewDatabase creates a database with a unique name, copied from template
// ("" means template0, an empty database), drops it (WITH (FORCE)) when the
// test and its subtests end, and returns its URL.
func NewDatabase(t testing.TB, template string) string {
	t.Helper()
	base := URL(t)
	if template == "" {
		template = "template0"
	}
	name := uniqueName(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, DatabaseURL(base, "postgres"))
	if err != nil {
		t.Fatalf("dbtest: connect to %s: %v", redact(base), err)
	}
	defer conn.Close(context.Background())
	if err := createDatabase(ctx, conn, name, template); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
		defer cancel()
		conn, err := pgx.Connect(ctx, DatabaseURL(base, "postgres"))
		if err != nil {
			t.Errorf("dbtest: drop database %s: connect: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if err := dropDatabase(ctx, conn, name); err != nil {
			t.Errorf("dbtest: %v", err)
		}
	})
	return DatabaseURL(base, name)
}

// EnsureTemplate makes sure a template database called name exists on the
// server at serverURL, building it with build (given the URL of an empty
// database created from template0) if it does not. It is safe to call from
// many goroutines and many test processes at once: builders are serialized by
// an advisory lock on the "postgres" database, the database is built under a
// temporary name and only renamed to name (and marked as a template) once
// build succeeded, so a half-built template is never used. build must close
// its connections before returning; any left are terminated.
//
// An existing template is never rebuilt: put a version or content hash in name.
func EnsureTemplate(ctx context.Context, serverURL, name string, build func(ctx context.Context, url string) error) error {
	if name == "" || len(name) > maxTemplateName {
		return fmt.Errorf("dbtest: template name %q must have 1 to %d bytes", name, maxTemplateName)
	}
	conn, err := pgx.Connect(ctx, DatabaseURL(serverURL, "postgres"))
	if err != nil {
		return fmt.Errorf("dbtest: template %s: connect: %w", name, err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1, hashtext($2))", lockClass, name); err != nil {
		return fmt.Errorf("dbtest: template %s: lock: %w", name, err)
	}
	defer func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1, hashtext($2))", lockClass, name)
	}()

	var isTemplate bool
	err = conn.QueryRow(ctx, "SELECT datistemplate FROM pg_database WHERE datname = $1", name).Scan(&isTemplate)
	switch {
	case err == nil && isTemplate:
		return nil
	case err == nil:
		// A database of that name that is not (yet) a template: not made by
		// a finished EnsureTemplate, so replace it.
		if err := dropDatabase(ctx, conn, name); err != nil {
			return fmt.Errorf("dbtest: template %s: replace non-template database: %w", name, err)
		}
	case !errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("dbtest: template %s: look up: %w", name, err)
	}

	tmp := name + buildSuffix
	if err := dropDatabase(ctx, conn, tmp); err != nil {
		return fmt.Errorf("dbtest: template %s: remove leftover: %w", name, err)
	}
	if err := createDatabase(ctx, conn, tmp, "template0"); err != nil {
		return fmt.Errorf("dbtest: template %s: %w", name, err)
	}
	if err := build(ctx, DatabaseURL(serverURL, tmp)); err != nil {
		if derr := dropDatabase(context.WithoutCancel(ctx), conn, tmp); derr != nil {
			err = errors.Join(err, derr)
		}
		return fmt.Errorf("dbtest: build template %s: %w", name, err)
	}
	ident := pgx.Identifier{tmp}.Sanitize()
	steps := []string{
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + strings.ReplaceAll(tmp, "'", "''") + "' AND pid <> pg_backend_pid()",
		"ALTER DATABASE " + ident + " IS_TEMPLATE true",
		"ALTER DATABASE " + ident + " RENAME TO " + pgx.Identifier{name}.Sanitize(),
	}
	for _, sql := range steps {
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("dbtest: template %s: %s: %w", name, sql, err)
		}
	}
	return nil
}

// DatabaseURL returns serverURL with its database replaced by dbname.
// serverURL must be a postgres:// or postgresql:// URL.
func DatabaseURL(serverURL, dbname string) string {
	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		// Not a URL we can edit; let the connect that follows report it.
		return serverURL
	}
	u.Path = "/" + dbname
	u.RawPath = ""
	return u.String()
}

// findServer returns the URL of the test server, starting a cluster if needed.
func findServer() (string, error) {
	if u := os.Getenv(EnvDatabaseURL); u != "" {
		parsed, err := url.Parse(u)
		if err != nil || (parsed.Scheme != "postgres" && parsed.Scheme != "postgresql") {
			return "", fmt.Errorf("%s must be a postgres:// URL, got %q", EnvDatabaseURL, redact(u))
		}
		return DatabaseURL(u, "postgres"), nil
	}
	dir, err := os.MkdirTemp("", "civiclink-dbtest-")
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	c, err := pglocal.Start(ctx, pglocal.Options{
		DataDir:   dir,
		Ephemeral: true,
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("start local cluster (set %s to use an existing server): %w", EnvDatabaseURL, err)
	}
	server.cluster, server.dir = c, dir
	return c.URL("postgres"), nil
}

// shutdown stops and removes the cluster started by findServer, if any.
func shutdown() error {
	if server.cluster == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	if err := server.cluster.Stop(ctx); err != nil {
		return fmt.Errorf("stop test cluster in %s: %w", server.dir, err)
	}
	if err := os.RemoveAll(server.dir); err != nil {
		return fmt.Errorf("remove test cluster: %w", err)
	}
	server.cluster = nil
	return nil
}

// createDatabase runs CREATE DATABASE name TEMPLATE template, retrying for a
// while when the template is briefly in use by another session.
func createDatabase(ctx context.Context, conn *pgx.Conn, name, template string) error {
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize() + " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := conn.Exec(ctx, sql)
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "55006" || time.Now().After(deadline) {
			if err != nil {
				return fmt.Errorf("create database %s from %s: %w", name, template, err)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("create database %s from %s: %w", name, template, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// dropDatabase drops name if it exists, even if it is a template or in use.
func dropDatabase(ctx context.Context, conn *pgx.Conn, name string) error {
	ident := pgx.Identifier{name}.Sanitize()
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1 AND datistemplate)", name).Scan(&exists); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	if exists {
		if _, err := conn.Exec(ctx, "ALTER DATABASE "+ident+" IS_TEMPLATE false"); err != nil {
			return fmt.Errorf("drop database %s: %w", name, err)
		}
	}
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// uniqueName makes a database name from a test name and random bytes, at
// most 63 bytes of [a-z0-9_].
func uniqueName(testName string) string {
	var b strings.Builder
	b.WriteString("t_")
	for _, r := range strings.ToLower(testName) {
		if b.Len() >= 40 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	random := make([]byte, 6)
	_, _ = rand.Read(random)
	b.WriteByte('_')
	b.WriteString(hex.EncodeToString(random))
	return b.String()
}

// redact hides a password in a URL for messages.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
