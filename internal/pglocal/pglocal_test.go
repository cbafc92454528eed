package pglocal

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func startTest(t *testing.T, dir string) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	c, err := Start(ctx, Options{DataDir: dir, Ephemeral: true, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("Start(%s): expected a running cluster, got error: %v", dir, err)
	}
	t.Cleanup(func() {
		if err := c.Stop(context.Background()); err != nil {
			t.Errorf("cleanup Stop: %v", err)
		}
	})
	return c
}

func connect(t *testing.T, c *Cluster) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), c.URL("postgres"))
	if err != nil {
		t.Fatalf("connect to %s: expected success, got %v", c.URL("postgres"), err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func TestClusterLifecycle(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()

	c := startTest(t, dir)
	if c.Port() <= 0 {
		t.Fatalf("Port() = %d, expected a positive port", c.Port())
	}
	wantURL := fmt.Sprintf("postgres://postgres:%s@127.0.0.1:%d/app?sslmode=disable", c.env.password, c.Port())
	if got := c.URL("app"); got != wantURL {
		t.Errorf("URL(app) = %q, expected %q", got, wantURL)
	}
	if c.Reused() {
		t.Errorf("Reused() = true on a fresh data dir, expected false")
	}
	st, err := os.Stat(c.SecretsDir())
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("secrets dir %s: expected mode 0700, got %v (err %v)", c.SecretsDir(), st.Mode().Perm(), err)
	}
	if os.Geteuid() == 0 {
		acct, err := lookupAccount(osUserName)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{filepath.Join(dir, pgdataDirName), filepath.Dir(c.LogFile())} {
			st, err := os.Stat(p)
			if err != nil || !ownedBy(st, acct.uid) {
				t.Errorf("%s: expected to be owned by uid %d (postgres) when running as root (err %v)", p, acct.uid, err)
			}
		}
	}

	conn := connect(t, c)
	var one int
	if err := conn.QueryRow(ctx, "select 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("select 1: expected 1, got %d (err %v)", one, err)
	}
	var fsync string
	if err := conn.QueryRow(ctx, "show fsync").Scan(&fsync); err != nil || fsync != "off" {
		t.Errorf("show fsync on an ephemeral cluster: expected off, got %q (err %v)", fsync, err)
	}
	if _, err := conn.Exec(ctx, "create table kept (v text); insert into kept values ('persisted')"); err != nil {
		t.Fatalf("create table: %v", err)
	}
	_ = conn.Close(ctx)

	// Stop is idempotent, and the server is really gone.
	for i := range 2 {
		if err := c.Stop(ctx); err != nil {
			t.Fatalf("Stop #%d: expected nil, got %v", i+1, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, pgdataDirName, "postmaster.pid")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after Stop: expected no postmaster.pid, stat says %v", err)
	}

	// A pid file left behind by a crash, naming a live process that is not
	// postgres (this test process), must not block the next start.
	stale := fmt.Sprintf("%d\n%s\n0\n%d\n", os.Getpid(), filepath.Join(dir, pgdataDirName), c.Port())
	if err := os.WriteFile(filepath.Join(dir, pgdataDirName, "postmaster.pid"), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}

	// Restart on the same dir: same port (recorded), data persisted.
	c2 := startTest(t, dir)
	if c2.Port() != c.Port() {
		t.Errorf("restart: expected the recorded port %d to be reused, got %d", c.Port(), c2.Port())
	}
	var v string
	if err := connect(t, c2).QueryRow(ctx, "select v from kept").Scan(&v); err != nil || v != "persisted" {
		t.Fatalf("after restart: expected row 'persisted', got %q (err %v)", v, err)
	}

	// Starting again while it runs reuses the running server.
	c3 := startTest(t, dir)
	if !c3.Reused() || c3.Port() != c2.Port() {
		t.Errorf("start while running: expected Reused() on port %d, got Reused()=%v port %d", c2.Port(), c3.Reused(), c3.Port())
	}
	if err := c3.Stop(ctx); err != nil {
		t.Fatalf("Stop of reused cluster: %v", err)
	}
	if err := c2.Stop(ctx); err != nil {
		t.Errorf("Stop of a cluster already stopped through another handle: expected nil, got %v", err)
	}
	if err := StopDir(ctx, Options{DataDir: dir}); err != nil {
		t.Errorf("StopDir on a stopped cluster: expected nil, got %v", err)
	}
}

func TestStopDir(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	if err := StopDir(ctx, Options{DataDir: dir}); err != nil {
		t.Fatalf("StopDir on an empty dir: expected nil, got %v", err)
	}
	c := startTest(t, dir)
	if err := StopDir(ctx, Options{DataDir: dir, Logger: testLogger(t)}); err != nil {
		t.Fatalf("StopDir on a running cluster: expected nil, got %v", err)
	}
	if _, err := pgx.Connect(ctx, c.URL("postgres")); err == nil {
		t.Fatalf("after StopDir: expected connection to fail, it succeeded")
	}

	// A start failure reports the end of the server log.
	f, err := os.OpenFile(filepath.Join(dir, pgdataDirName, "postgresql.auto.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString("no_such_setting_xyz = 1\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	_, err = Start(ctx, Options{DataDir: dir, Ephemeral: true, Logger: testLogger(t)})
	if err == nil {
		t.Fatal("Start with a broken setting: expected an error, got a cluster")
	}
	t.Logf("start error, as expected: %v", err)
	for _, want := range []string{"pg_ctl start", "tail of", "no_such_setting_xyz"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("start error %q: expected it to contain %q", err, want)
		}
	}
}

func TestExplicitPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	_, err = choosePort(port, 0)
	if err == nil || !strings.Contains(err.Error(), strconv.Itoa(port)) {
		t.Fatalf("choosePort(%d busy): expected an error naming the port, got %v", port, err)
	}
	got, err := choosePort(0, port)
	if err != nil || got == port || got == 0 {
		t.Fatalf("choosePort(0, busy recorded %d): expected another free port, got %d (err %v)", port, got, err)
	}
}

// TestMissingBinariesNameTheScript: without PostgreSQL binaries Start installs nothing (the
// hub once ran apt-get itself) and says which script to run.
func TestMissingBinariesNameTheScript(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		name  string
		opts  Options
		pgBin string
	}{
		{name: "BinDir without binaries", opts: Options{BinDir: empty}},
		{name: "PG_BIN without binaries", pgBin: empty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.pgBin != "" {
				t.Setenv("PG_BIN", tt.pgBin)
			}
			opts := tt.opts
			opts.DataDir = t.TempDir()
			opts.Logger = testLogger(t)
			c, err := Start(t.Context(), opts)
			if err == nil {
				_ = c.Stop(context.Background())
				t.Fatalf("Start with no binaries in %s succeeded, want an error", empty)
			}
			if !strings.Contains(err.Error(), "scripts/install-postgres.sh") {
				t.Errorf("Start with no binaries: error %q, want it to name scripts/install-postgres.sh", err)
			}
		})
	}
}

func TestRootUnreachableDataDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only meaningful as root")
	}
	base := t.TempDir()
	blocked := filepath.Join(base, "blocked")
	if err := os.Mkdir(blocked, 0o700); err != nil {
		t.Fatal(err)
	}
	// With TMPDIR elsewhere, base and blocked are no longer temp folders that
	// Start may open up, like /root.
	t.Setenv("TMPDIR", filepath.Join(base, "elsewhere"))
	_, err := Start(t.Context(), Options{DataDir: filepath.Join(blocked, "data")})
	if err == nil {
		t.Fatal("Start under a 0700 root folder: expected an error, got a cluster")
	}
	for _, want := range []string{"cannot enter", dataDirEnv, "postgres"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q: expected it to mention %q", err, want)
		}
	}
}

func TestParsePostmasterPID(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		pid, prt int
		ok       bool
	}{
		{"real", "1234\n/data/pgdata\n1700000000\n54329\n/data/pgdata\n127.0.0.1\n  5432001         0\nready   \n", 1234, 54329, true},
		{"short", "1234\n/data\n", 0, 0, false},
		{"garbage", "x\ny\nz\nw\n", 0, 0, false},
		{"empty", "", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pid, port, ok := parsePostmasterPID([]byte(tt.in))
			if pid != tt.pid || port != tt.prt || ok != tt.ok {
				t.Errorf("parsePostmasterPID: expected (%d, %d, %v), got (%d, %d, %v)", tt.pid, tt.prt, tt.ok, pid, port, ok)
			}
		})
	}
}

func TestParseMajor(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n", 15, true},
		{"postgres (PostgreSQL) 17.2\n", 17, true},
		{"postgres (PostgreSQL) 16beta1\n", 16, true},
		{"something else", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseMajor(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseMajor(%q): expected (%d, %v), got (%d, %v)", tt.in, tt.want, tt.ok, got, ok)
		}
	}
}

func TestCanSearch(t *testing.T) {
	acct := &osAccount{name: "postgres", uid: 101, gid: 104, groups: []uint32{104, 110}}
	tests := []struct {
		name     string
		perm     fs.FileMode
		uid, gid uint32
		want     bool
	}{
		{"root 0700", 0o700, 0, 0, false},
		{"root 0755", 0o755, 0, 0, true},
		{"root 0711", 0o711, 0, 0, true},
		{"owner 0700", 0o700, 101, 104, true},
		{"owner 0070", 0o070, 101, 104, false},
		{"supplementary group 0750", 0o750, 0, 110, true},
		{"other group 0750", 0o750, 0, 5, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := canSearch(tt.perm, tt.uid, tt.gid, acct); got != tt.want {
				t.Errorf("canSearch(%v, uid %d, gid %d): expected %v, got %v", tt.perm, tt.uid, tt.gid, tt.want, got)
			}
		})
	}
}

func TestSortBinDirs(t *testing.T) {
	in := []string{"/usr/lib/postgresql/9.6/bin", "/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/x/bin"}
	want := []string{"/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/9.6/bin", "/usr/lib/postgresql/x/bin"}
	got := sortBinDirs(in)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("sortBinDirs: expected %v, got %v", want, got)
	}
}

func TestChildEnvDropsPGVariables(t *testing.T) {
	t.Setenv("PGPORT", "1")
	t.Setenv("PGDATA", "/nowhere")
	t.Setenv("LANG", "de_DE.UTF-8")
	env := strings.Join(childEnv(&osAccount{name: "postgres", home: "/var/lib/postgresql"}), "\n")
	for _, bad := range []string{"PGPORT=", "PGDATA=", "LANG="} {
		if strings.Contains(env, bad) {
			t.Errorf("childEnv: expected %s to be removed", bad)
		}
	}
	for _, want := range []string{"LC_ALL=C", "HOME=/var/lib/postgresql", "USER=postgres"} {
		if !strings.Contains(env, want) {
			t.Errorf("childEnv: expected %s", want)
		}
	}
}

// TestReleaseLeavesServerForOtherUsers: the owner's Release does not stop a server another
// process still uses (holds the users lock), and stops it once that process is gone.
func TestReleaseLeavesServerForOtherUsers(t *testing.T) {
	dir := t.TempDir()
	c := startTest(t, dir)
	if !c.Owned() {
		t.Fatal("expected the process that started the server to own it")
	}
	// Another process's shared lock, as `civiclink apikey create` holds while it runs.
	other, err := os.Open(filepath.Join(dir, usersFileName))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(other.Fd()), syscall.LOCK_SH); err != nil {
		t.Fatal(err)
	}
	owner2, err := Start(t.Context(), Options{DataDir: dir, Ephemeral: true, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if !owner2.Owned() || !owner2.Reused() {
		t.Errorf("a second Start in the owning process: expected it reused and owned, got reused=%v owned=%v", owner2.Reused(), owner2.Owned())
	}
	if _, err := owner2.Release(t.Context()); err != nil {
		t.Fatal(err)
	}
	if stopped, err := c.Release(t.Context()); err != nil || stopped {
		t.Fatalf("Release while another process uses the server: expected it left running, got stopped=%v err=%v", stopped, err)
	}
	connect(t, c).Close(t.Context())
	other.Close()
	c2, err := Start(t.Context(), Options{DataDir: dir, Ephemeral: true, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if stopped, err := c2.Release(t.Context()); err != nil || !stopped {
		t.Fatalf("Release by the last user in the owning process: expected the server stopped, got stopped=%v err=%v", stopped, err)
	}
}

// TestOnlyItsOwnUsersConnect: the cluster refuses a connection without the password or with
// a wrong one, on TCP and on the unix socket, as any OS user (root included); the generated
// password is in a 0600 file psql reads as PGPASSFILE.
func TestOnlyItsOwnUsersConnect(t *testing.T) {
	dir := t.TempDir()
	c := startTest(t, dir)
	connect(t, c).Close(t.Context())
	st, err := os.Stat(c.PassFile())
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("password file %s: expected mode 0600, got %v (err %v)", c.PassFile(), st, err)
	}
	data, _ := os.ReadFile(c.PassFile())
	if want := "*:*:*:postgres:" + c.env.password + "\n"; string(data) != want || len(c.env.password) < 32 {
		t.Errorf("password file: expected %q (a generated password of 32+ characters), got %q", want, data)
	}
	socket := filepath.Join(dir, pgdataDirName)
	for _, tc := range []struct{ name, host, user, password string }{
		{"tcp without password", "127.0.0.1", "postgres", ""},
		{"tcp with a wrong password", "127.0.0.1", "postgres", "wrong"},
		{"socket without password", socket, "postgres", ""},
		{"socket as another role", socket, "nobody", ""},
	} {
		t.Run(tc.name, func(t *testing.T) { expectRefused(t, tc.host, c.Port(), tc.user, tc.password) })
	}
}

// expectRefused connects with exactly the given password (none from PGPASSWORD or a password
// file) and fails unless the server refuses it as an authentication failure.
func expectRefused(t *testing.T, host string, port int, user, password string) {
	t.Helper()
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%d user=%s dbname=postgres sslmode=disable", host, port, user))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Password = password
	cfg.Fallbacks = nil
	conn, err := pgx.ConnectConfig(t.Context(), cfg)
	if err == nil {
		conn.Close(t.Context())
		t.Fatalf("connect to %s:%d as %s with password %q: expected it refused, it was accepted", host, port, user, password)
	}
	if !isAuthFailure(err) {
		t.Errorf("connect to %s:%d as %s: expected an authentication failure (28P01/28000), got %v", host, port, user, err)
	}
}

// TestTrustClusterIsSecured: a cluster made when pglocal trusted local connections (its
// pg_hba.conf says trust and no password file exists) gets a password and the password-only
// pg_hba.conf at its next Start, and then refuses a connection without it.
func TestTrustClusterIsSecured(t *testing.T) {
	dir := t.TempDir()
	c := startTest(t, dir)
	if err := c.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	trust := "local all all trust\nhost all all 127.0.0.1/32 trust\n"
	if err := c.env.writeOwned(filepath.Join(dir, pgdataDirName, "pg_hba.conf"), trust, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(c.PassFile()); err != nil {
		t.Fatal(err)
	}
	c2 := startTest(t, dir)
	if c2.env.password == c.env.password {
		t.Fatal("expected a new password to be generated")
	}
	connect(t, c2).Close(t.Context())
	hba, _ := os.ReadFile(filepath.Join(dir, pgdataDirName, "pg_hba.conf"))
	if string(hba) != hbaConf {
		t.Errorf("pg_hba.conf after Start: expected pglocal's password-only one, got:\n%s", hba)
	}
	expectRefused(t, "127.0.0.1", c2.Port(), "postgres", "")
}
