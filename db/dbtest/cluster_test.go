package dbtest

import (
	"context"
	"errors"
	"os"
	"regexp"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func query[T any](t *testing.T, url, sql string, args ...any) T {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	defer conn.Close(context.Background())
	var v T
	if err := conn.QueryRow(t.Context(), sql, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

func databaseExists(t *testing.T, name string) bool {
	t.Helper()
	return query[bool](t, URL(t), "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name)
}

func TestURL(t *testing.T) {
	url := URL(t)
	if got := query[int](t, url, "select 1"); got != 1 {
		t.Fatalf("select 1: expected 1, got %d", got)
	}
	if got := query[string](t, url, "select current_database()"); got != "postgres" {
		t.Errorf("URL(t) database: expected postgres, got %q", got)
	}
	if again := URL(t); again != url {
		t.Errorf("URL(t) twice: expected the same server %q, got %q", url, again)
	}
}

func TestNewDatabase(t *testing.T) {
	var name string
	var leftOpen *pgx.Conn
	t.Run("inner", func(t *testing.T) {
		a, b := NewDatabase(t, ""), NewDatabase(t, "")
		if a == b {
			t.Fatalf("NewDatabase twice: expected different URLs, got %q both times", a)
		}
		name = query[string](t, a, "select current_database()")
		if _, err := pgxExec(t, a, "create table x (id int)"); err != nil {
			t.Fatalf("create table in new database: %v", err)
		}
		// An open connection must not stop the drop at cleanup.
		var err error
		if leftOpen, err = pgx.Connect(context.Background(), a); err != nil {
			t.Fatal(err)
		}
		if !databaseExists(t, name) {
			t.Fatalf("database %s: expected it to exist during the test", name)
		}
	})
	if leftOpen != nil {
		_ = leftOpen.Close(context.Background())
	}
	if name == "" {
		t.Fatal("subtest did not report the database name")
	}
	if databaseExists(t, name) {
		t.Errorf("database %s: expected it to be dropped after its test ended", name)
	}
}

func pgxExec(t *testing.T, url, sql string) (int64, error) {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.Background())
	tag, err := conn.Exec(t.Context(), sql)
	return tag.RowsAffected(), err
}

func TestEnsureTemplate(t *testing.T) {
	ctx := t.Context()
	server := URL(t)
	name := uniqueName("tmpl")
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), server)
		if err != nil {
			t.Errorf("cleanup connect: %v", err)
			return
		}
		defer conn.Close(context.Background())
		if err := dropDatabase(context.Background(), conn, name); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})

	// A failing build leaves nothing behind.
	boom := errors.New("boom")
	err := EnsureTemplate(ctx, server, name, func(ctx context.Context, url string) error { return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("EnsureTemplate with failing build: expected the build error, got %v", err)
	}
	for _, db := range []string{name, name + buildSuffix} {
		if databaseExists(t, db) {
			t.Errorf("after failed build: expected no database %s", db)
		}
	}

	// Many concurrent callers: exactly one build, all succeed.
	var builds atomic.Int32
	build := func(ctx context.Context, url string) error {
		builds.Add(1)
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		_, err = conn.Exec(ctx, "create table seed (v text); insert into seed values ('seeded')")
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = EnsureTemplate(ctx, server, name, build) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("concurrent EnsureTemplate #%d: expected nil, got %v", i, err)
		}
	}
	if n := builds.Load(); n != 1 {
		t.Errorf("concurrent EnsureTemplate: expected exactly 1 build, got %d", n)
	}
	if !query[bool](t, server, "SELECT datistemplate FROM pg_database WHERE datname = $1", name) {
		t.Errorf("database %s: expected datistemplate = true", name)
	}

	// Databases made from it have the seed data and are independent.
	a, b := NewDatabase(t, name), NewDatabase(t, name)
	if got := query[string](t, a, "select v from seed"); got != "seeded" {
		t.Errorf("database from template: expected seed row 'seeded', got %q", got)
	}
	if _, err := pgxExec(t, a, "delete from seed"); err != nil {
		t.Fatal(err)
	}
	if got := query[int](t, b, "select count(*) from seed"); got != 1 {
		t.Errorf("second database from template: expected 1 seed row untouched by the first, got %d", got)
	}
}

func TestEnsureTemplateRejectsBadNames(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"too long", "x123456789x123456789x123456789x123456789x123456789x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := EnsureTemplate(t.Context(), "postgres://127.0.0.1:1/postgres", tt.in, nil)
			if err == nil {
				t.Errorf("EnsureTemplate(%q): expected a name error, got nil", tt.in)
			}
		})
	}
}

func TestDatabaseURL(t *testing.T) {
	tests := []struct {
		server, db, want string
	}{
		{"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "app", "postgres://postgres@127.0.0.1:5432/app?sslmode=disable"},
		{"postgresql://u:p@h:1", "x", "postgresql://u:p@h:1/x"},
		{"postgres://h/a/b", "c", "postgres://h/c"},
		{"host=h dbname=d", "c", "host=h dbname=d"},
	}
	for _, tt := range tests {
		if got := DatabaseURL(tt.server, tt.db); got != tt.want {
			t.Errorf("DatabaseURL(%q, %q): expected %q, got %q", tt.server, tt.db, tt.want, got)
		}
	}
}

func TestUniqueName(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z0-9_]{1,63}$`)
	tests := []string{"TestX", "TestVeryLong/Subtest_with spaces/and-dashes/" + string(make([]byte, 200)), "Тест/ünïcode"}
	seen := map[string]bool{}
	for _, in := range tests {
		got := uniqueName(in)
		if !valid.MatchString(got) {
			t.Errorf("uniqueName(%q) = %q: expected 1-63 bytes of [a-z0-9_]", in, got)
		}
		if seen[got] {
			t.Errorf("uniqueName(%q) = %q: expected a name not seen before", in, got)
		}
		seen[got] = true
	}
}
