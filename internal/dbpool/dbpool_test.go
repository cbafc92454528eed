package dbpool_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"civiclink/db/dbtest"
	"civiclink/db/sqltrace"
	"civiclink/internal/auth"
	"civiclink/internal/dbpool"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// roundTrips counts, over every connection it dials, how often the client starts writing
// after it has read: one round trip each.
type roundTrips struct{ n atomic.Int64 }

type countedConn struct {
	net.Conn
	rt       *roundTrips
	mu       sync.Mutex
	readLast bool
}

func (c *countedConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	if c.readLast {
		c.rt.n.Add(1)
		c.readLast = false
	}
	c.mu.Unlock()
	return c.Conn.Write(b)
}

func (c *countedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	c.readLast = true
	c.mu.Unlock()
	return n, err
}

func (rt *roundTrips) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	// The first write of a connection (its startup message) is not after a read: the
	// connection's setup is not counted, as the statement counter does not count it.
	return &countedConn{Conn: conn, rt: rt}, nil
}

// newDB returns the URL of an empty database on the test server with the application role.
func newDB(t *testing.T) string {
	t.Helper()
	url := dbtest.NewDatabase(t, "")
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(t.Context(), `DO $$ BEGIN
		IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'civiclink_app') THEN CREATE ROLE civiclink_app NOLOGIN; END IF;
		EXECUTE format('GRANT civiclink_app TO %I', current_user);
	END $$`)
	if err != nil {
		t.Fatalf("create the application role: %v", err)
	}
	return url
}

func ptr(v int64) *int64 { return &v }

func officer(id int64) context.Context {
	return auth.WithPrincipal(context.Background(), auth.Principal{Role: auth.PoliceOfficer,
		Scope: auth.Scope{StationID: ptr(100 + id), OfficerID: ptr(id)}})
}

// seen is what a statement sees of the caller's settings.
const seen = `SELECT current_user::text, coalesce(current_setting('civiclink.role', true), ''), coalesce(current_setting('civiclink.officer', true), '')`

type settings struct{ User, Role, Officer string }

// TestStatementsCarryTheirCallersSettings checks, for each way of running a statement
// through a row-security pool, that it runs with its caller's role and settings, that the
// statement counter counts exactly the round trips that went over the wire (settings
// included), and that no setting outlives the statement (or its transaction).
func TestStatementsCarryTheirCallersSettings(t *testing.T) {
	url := newDB(t)
	var rt roundTrips
	pool, err := dbpool.OpenDialing(t.Context(), dbpool.Options{URL: url, MaxConns: 1, RowSecurity: true}, rt.dial)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var owner string
	if err := pool.QueryRow(auth.WithSystem(t.Context()), "SELECT current_user::text").Scan(&owner); err != nil {
		t.Fatal(err)
	}

	ways := []struct {
		name string
		// roundTrips is what the statement counter must report (and the wire carry).
		roundTrips int64
		run        func(ctx context.Context) (settings, error)
	}{
		{"QueryRow", 1, func(ctx context.Context) (s settings, err error) {
			err = pool.QueryRow(ctx, seen).Scan(&s.User, &s.Role, &s.Officer)
			return s, err
		}},
		{"Query", 1, func(ctx context.Context) (s settings, err error) {
			rows, err := pool.Query(ctx, seen)
			if err != nil {
				return s, err
			}
			s, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[settings])
			return s, err
		}},
		{"Exec then QueryRow", 2, func(ctx context.Context) (s settings, err error) {
			if _, err := pool.Exec(ctx, "SELECT 1"); err != nil {
				return s, err
			}
			err = pool.QueryRow(ctx, seen).Scan(&s.User, &s.Role, &s.Officer)
			return s, err
		}},
		{"SendBatch", 1, func(ctx context.Context) (s settings, err error) {
			b := &pgx.Batch{}
			b.Queue("SELECT 1")
			b.Queue(seen)
			br := pool.SendBatch(ctx, b)
			defer br.Close()
			if _, err := br.Exec(); err != nil {
				return s, err
			}
			err = br.QueryRow().Scan(&s.User, &s.Role, &s.Officer)
			return s, err
		}},
		// begin, the first statement with the settings, a second statement, commit.
		{"transaction", 4, func(ctx context.Context) (s settings, err error) {
			err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				if _, err := tx.Exec(ctx, "SELECT 1"); err != nil {
					return err
				}
				return tx.QueryRow(ctx, seen).Scan(&s.User, &s.Role, &s.Officer)
			})
			return s, err
		}},
	}
	callers := []struct {
		name string
		ctx  context.Context
		want settings
	}{
		{"officer 7", officer(7), settings{"civiclink_app", auth.PoliceOfficer, "7"}},
		{"officer 8", officer(8), settings{"civiclink_app", auth.PoliceOfficer, "8"}},
		{"no principal", context.Background(), settings{"civiclink_app", "", ""}},
		{"the hub itself", auth.WithSystem(context.Background()), settings{owner, auth.System, ""}},
	}
	for _, w := range ways {
		// Warm the connection's statement cache, whose one-time preparations are not counted.
		if _, err := w.run(officer(1)); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		for _, c := range callers {
			t.Run(w.name+"/"+c.name, func(t *testing.T) {
				ctx, counter := sqltrace.WithCounter(c.ctx)
				before := rt.n.Load()
				got, err := w.run(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if got != c.want {
					t.Errorf("the statement saw %+v, want %+v", got, c.want)
				}
				wire := rt.n.Load() - before
				if counter.Count() != w.roundTrips || wire != w.roundTrips {
					t.Errorf("counted %d statements and the wire carried %d round trips, want %d and %d",
						counter.Count(), wire, w.roundTrips, w.roundTrips)
				}
				assertClean(t, pool)
			})
		}
	}
}

// assertClean checks that the pool's (only) connection carries no caller's settings
// between statements.
func assertClean(t *testing.T, pool *dbpool.Pool) {
	t.Helper()
	conn, err := pool.Pool.Acquire(dbpool.Carried(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	var s settings
	if err := conn.QueryRow(context.Background(), seen).Scan(&s.User, &s.Role, &s.Officer); err != nil {
		t.Fatal(err)
	}
	if s.Role != "" || s.Officer != "" || s.User == "civiclink_app" {
		t.Errorf("between statements the connection carries %+v, want no caller's role or settings", s)
	}
}

// TestConcurrentCallersNeverShareSettings runs many callers at once on a small shared
// pool; each must only ever see its own settings.
func TestConcurrentCallersNeverShareSettings(t *testing.T) {
	url := newDB(t)
	pool, err := dbpool.Open(t.Context(), dbpool.Options{URL: url, MaxConns: 3, RowSecurity: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	const callers, statements = 12, 40
	var wg sync.WaitGroup
	errs := make(chan error, callers*statements)
	for i := range callers {
		wg.Add(1)
		go func(id int64) {
			defer wg.Done()
			ctx := officer(id)
			for j := range statements {
				var s settings
				var err error
				if j%2 == 0 {
					err = pool.QueryRow(ctx, seen).Scan(&s.User, &s.Role, &s.Officer)
				} else {
					err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
						return tx.QueryRow(ctx, seen).Scan(&s.User, &s.Role, &s.Officer)
					})
				}
				if err != nil {
					errs <- err
					return
				}
				if want := fmt.Sprint(id); s.Officer != want || s.Role != auth.PoliceOfficer {
					errs <- fmt.Errorf("officer %d's statement saw officer %q as %q", id, s.Officer, s.Role)
				}
			}
		}(int64(i + 1))
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestAcquiredConnectionsActForTheirCaller checks the path for code that takes a
// connection itself: the settings come in a counted round trip of their own.
func TestAcquiredConnectionsActForTheirCaller(t *testing.T) {
	url := newDB(t)
	pool, err := dbpool.Open(t.Context(), dbpool.Options{URL: url, MaxConns: 1, RowSecurity: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for _, id := range []int64{1, 2, 1} {
		ctx, counter := sqltrace.WithCounter(officer(id))
		conn, err := pool.Pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var s settings
		err = conn.QueryRow(ctx, seen).Scan(&s.User, &s.Role, &s.Officer)
		conn.Release()
		if err != nil {
			t.Fatal(err)
		}
		if s.Officer != fmt.Sprint(id) {
			t.Errorf("officer %d's connection acts for officer %q", id, s.Officer)
		}
		// The settings and the statement (a connection whose session acted for a caller is
		// closed on release, so each acquire here connects anew, which is not counted).
		if counter.Count() != 2 {
			t.Errorf("counted %d statements, want 2 (the settings and the statement)", counter.Count())
		}
		assertClean(t, pool)
	}
}

// TestStatementsAreNotCompiled checks that every pool's connections run without JIT
// compilation, for callers and for the hub itself: row-security policies make PostgreSQL's
// estimates large enough to compile short statements, which cost seconds each.
func TestStatementsAreNotCompiled(t *testing.T) {
	url := newDB(t)
	for _, rowSecurity := range []bool{true, false} {
		pool, err := dbpool.Open(t.Context(), dbpool.Options{URL: url, MaxConns: 1, RowSecurity: rowSecurity})
		if err != nil {
			t.Fatal(err)
		}
		for _, ctx := range []context.Context{officer(1), auth.WithSystem(context.Background())} {
			var jit string
			if err := pool.QueryRow(ctx, "SELECT current_setting('jit')").Scan(&jit); err != nil {
				t.Fatal(err)
			}
			if jit != "off" {
				t.Errorf("row security %v: jit = %s, want off", rowSecurity, jit)
			}
		}
		pool.Close()
	}
}
