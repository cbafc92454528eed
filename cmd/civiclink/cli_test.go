package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"civiclink/db/dbtest"
	"civiclink/internal/hubtest"
	"civiclink/internal/pglocal"
)

func TestMain(m *testing.M) {
	code := dbtest.Main(m)
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

var (
	buildOnce sync.Once
	binDir    string
	binary    string
	buildErr  error
)

// civiclinkBinary builds the command once per test run, as `make run` does, with VCS
// stamping on where Go can do it.
func civiclinkBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "civiclink-cli-test-"); buildErr != nil {
			return
		}
		binary = filepath.Join(binDir, "civiclink")
		out, err := exec.Command("go", "build", "-buildvcs=auto", "-o", binary, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// cleanEnv is this process's environment without any CivicLink setting, so a developer's
// own DATABASE_URL or secrets cannot leak into a test.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k == "DATABASE_URL" || strings.HasPrefix(k, "CIVICLINK_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout ---\n%s\n--- stderr ---\n%s", r.code, r.stdout, r.stderr)
}

// runCLI runs the built command to completion.
func runCLI(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, civiclinkBinary(t), args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("civiclink %s: %v", strings.Join(args, " "), err)
	}
	return r
}

// TestHelpAndFlags: help lists every command and exits 0, each command has its own flags,
// secrets never show as defaults, and bad input is a usage error (exit 2) said once.
func TestHelpAndFlags(t *testing.T) {
	t.Parallel()
	secret := "s3cr3t-jwt-value-that-must-not-show-up"
	env := cleanEnv("CIVICLINK_JWT_SECRET="+secret, "CIVICLINK_PII_HMAC_KEY=abcdefabcdef0123", "DATABASE_URL=postgres://u:hunter2@db/x")
	every := []string{"serve", "migrate", "seed", "schema", "persisted", "audit", "apikey", "version", "help"}
	cases := []struct {
		args       []string
		code       int
		want, not  []string
		wantStderr string
	}{
		{args: []string{"help"}, want: every},
		{args: []string{"-h"}, want: every},
		{args: []string{"--help"}, want: every},
		{args: []string{"migrate", "-h"}, want: []string{"-database-url", "-data-dir", "-statement-timeout"}, not: []string{"-addr", "-max-depth", "-jwt-secret", "-pii-hmac-key"}},
		{args: []string{"help", "migrate"}, want: []string{"-database-url"}, not: []string{"-addr"}},
		{args: []string{"seed", "-h"}, want: []string{"-scale", "-pii-hmac-key"}, not: []string{"-addr"}},
		{args: []string{"serve", "-h"}, want: []string{"-addr", "-jwt-secret", "-max-depth"}, not: []string{secret, "abcdefabcdef0123", "hunter2"}},
		{args: []string{"apikey", "-h"}, want: []string{"create", "list", "revoke"}},
		{args: []string{"apikey"}, want: []string{"create", "list", "revoke"}},
		{args: []string{"apikey", "create", "-h"}, want: []string{"-name", "-role", "-grids", "-data-dir"}, not: []string{"-addr"}},
		{args: []string{"persisted", "-h"}, want: []string{"add", "list"}},
		{args: []string{"audit", "-h"}, want: []string{"verify"}},
		{args: []string{"schema", "-h"}, want: []string{"SDL"}},
		{args: []string{"--version"}, want: []string{"civiclink ", "go1."}},
		{args: []string{"version"}, want: []string{"civiclink ", "go1."}},
		{args: []string{"bogus"}, code: 2, wantStderr: "civiclink: unknown command \"bogus\""},
		{args: []string{"migrate", "-no-such-flag"}, code: 2, wantStderr: "flag provided but not defined: -no-such-flag"},
		{args: []string{"apikey", "create"}, code: 2, wantStderr: "civiclink: apikey create needs -name and -role"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, "_"), func(t *testing.T) {
			r := runCLI(t, env, c.args...)
			if r.code != c.code {
				t.Fatalf("civiclink %s: expected exit %d, got %s", strings.Join(c.args, " "), c.code, r)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("civiclink %s: expected stdout to mention %q, got %s", strings.Join(c.args, " "), w, r)
				}
			}
			for _, n := range c.not {
				if strings.Contains(r.stdout+r.stderr, n) {
					t.Errorf("civiclink %s: expected no %q in the output, got %s", strings.Join(c.args, " "), n, r)
				}
			}
			if c.wantStderr != "" && !strings.Contains(r.stderr, c.wantStderr) {
				t.Errorf("civiclink %s: expected stderr to say %q, got %s", strings.Join(c.args, " "), c.wantStderr, r)
			}
			if strings.Contains(r.stderr, "help requested") || strings.Contains(r.stderr, "ERROR") {
				t.Errorf("civiclink %s: expected no error report, got %s", strings.Join(c.args, " "), r)
			}
		})
	}
}

// TestErrorsArePlainAndSaidOnce: a failing command prints one plain "civiclink: …" report
// (no slog quoting with \n\t escapes) and does not repeat its context ("seed: seed: …").
func TestErrorsArePlainAndSaidOnce(t *testing.T) {
	h := hubtest.New(t, hubtest.Options{})
	keys := "-pii-hmac-key=" + strings.Repeat("07", 32)
	enc := "-pii-enc-key=" + strings.Repeat("09", 32)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"seed an already seeded database", []string{"seed", "-database-url", h.URL, keys, enc}, "civiclink: seed: database already holds data"},
		{"unreachable database", []string{"migrate", "-database-url", "postgres://nobody@" + closed + "/x?connect_timeout=5"}, "civiclink: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, cleanEnv(), c.args...)
			if r.code != 1 {
				t.Fatalf("expected exit 1, got %s", r)
			}
			last := report(r.stderr)
			if !strings.HasPrefix(last, c.want) {
				t.Errorf("expected the error report to start with %q, got %q\n%s", c.want, last, r)
			}
			if strings.Count(last, "seed:") > 1 || strings.Contains(r.stderr, `\n`) || strings.Contains(r.stderr, `\t`) {
				t.Errorf("expected the error said once without escapes, got %q", last)
			}
		})
	}
}

// report returns the error report at the end of stderr: from the last line that starts
// with "civiclink: " (a multi-line cause follows it as is).
func report(stderr string) string {
	if i := strings.LastIndex("\n"+stderr, "\nciviclink: "); i >= 0 {
		return stderr[i:]
	}
	return ""
}

// TestDescribeBuild: --version names the module version and the VCS commit.
func TestDescribeBuild(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "civiclink", Version: "v1.2.3"}}
	if got, want := describeBuild(info), "civiclink v1.2.3 (commit unknown"; !strings.HasPrefix(got, want) {
		t.Errorf("without VCS stamps: expected %q…, got %q", want, got)
	}
	info.Settings = []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}
	if got, want := describeBuild(info), "civiclink v1.2.3 (commit abc123+dirty, 2026-12-01T10:00:00Z, go1.26.8)"; got != want {
		t.Errorf("with VCS stamps: expected %q, got %q", want, got)
	}
	// In a plain clone (CI) the built binary carries HEAD; Go cannot stamp in a linked worktree.
	gitDir, err1 := exec.Command("git", "rev-parse", "--absolute-git-dir").Output()
	common, err2 := exec.Command("git", "rev-parse", "--path-format=absolute", "--git-common-dir").Output()
	head, err3 := exec.Command("git", "rev-parse", "HEAD").Output()
	if err1 != nil || err2 != nil || err3 != nil || strings.TrimSpace(string(gitDir)) != strings.TrimSpace(string(common)) {
		t.Log("not a plain git clone: the built binary's commit is not checked")
		return
	}
	r := runCLI(t, cleanEnv(), "--version")
	if !strings.Contains(r.stdout, "commit "+strings.TrimSpace(string(head))) {
		t.Errorf("civiclink --version: expected commit %s, got %s", strings.TrimSpace(string(head)), r)
	}
}

// syncBuffer collects a background process's output.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestEmbeddedClusterHasOneOwner: with a hub serving on the embedded cluster, README's next
// commands (apikey create/list, persisted list, apikey -h, a bare civiclink, a second serve)
// reuse the cluster and leave it running; the second serve fails on the busy port before it
// prints tokens; SIGHUP stops the hub and, as the cluster's owner, PostgreSQL.
func TestEmbeddedClusterHasOneOwner(t *testing.T) {
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	env := cleanEnv("CIVICLINK_DATA_DIR="+dir, fmt.Sprintf("CIVICLINK_PG_PORT=%d", freePort(t)),
		"CIVICLINK_ADDR="+addr, "CIVICLINK_SEED_SCALE=0", "CIVICLINK_RATE_LIMIT_IP=0")

	hub := exec.Command(civiclinkBinary(t), "serve")
	hub.Env = env
	var hubOut, hubErr syncBuffer
	hub.Stdout, hub.Stderr = &hubOut, &hubErr
	if err := hub.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- hub.Wait() }()
	t.Cleanup(func() {
		if hub.ProcessState == nil {
			_ = hub.Process.Kill()
			<-exited
		}
		stopLeftover(dir)
	})
	deadline := time.Now().Add(3 * time.Minute)
	for !strings.Contains(hubErr.String(), "CivicLink is serving") {
		select {
		case err := <-exited:
			t.Fatalf("the hub exited before serving: %v\n%s%s", err, hubOut.String(), hubErr.String())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hub did not start within 3 minutes:\n%s", hubErr.String())
		}
	}
	ready := func(after string) {
		t.Helper()
		resp, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			t.Fatalf("after %s: /readyz: %v", after, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("after %s: expected the hub's database still up (/readyz 200), got %d", after, resp.StatusCode)
		}
	}
	ready("start")

	steps := []struct {
		args      []string
		code      int
		want, not string
	}{
		{args: []string{"apikey", "create", "--name", "bi", "--role", "ANALYST"}, want: "clk_"},
		{args: []string{"apikey", "list"}, want: "NAME", not: "{"},
		{args: []string{"persisted", "list"}},
		{args: []string{"apikey", "-h"}, want: "create"},
		{args: []string{}, code: 1, not: "Development tokens"},
		{args: []string{"serve"}, code: 1, not: "Development tokens"},
	}
	for _, s := range steps {
		name := "civiclink " + strings.Join(s.args, " ")
		r := runCLI(t, env, s.args...)
		if r.code != s.code {
			t.Fatalf("%s: expected exit %d, got %s", name, s.code, r)
		}
		if s.want != "" && !strings.Contains(r.stdout, s.want) {
			t.Errorf("%s: expected %q in stdout, got %s", name, s.want, r)
		}
		if s.not != "" && strings.Contains(r.stdout, s.not) {
			t.Errorf("%s: expected no %q in stdout, got %s", name, s.not, r)
		}
		if s.code == 1 && !strings.Contains(r.stderr, "cannot listen on "+addr) {
			t.Errorf("%s: expected a clear message about the busy address, got %s", name, r)
		}
		if strings.Contains(r.stderr, "stopping PostgreSQL") {
			t.Errorf("%s: expected it to leave the hub's PostgreSQL running, got %s", name, r)
		}
		ready(name)
	}
	if r := runCLI(t, env, "apikey", "list"); !strings.Contains(r.stdout, "bi ") || !strings.Contains(r.stdout, "ANALYST") {
		t.Errorf("apikey list: expected a row for key bi, got %s", r)
	}

	if err := hub.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("after SIGHUP: expected a clean exit, got %v\n%s", err, hubErr.String())
		}
	case <-time.After(90 * time.Second):
		t.Fatalf("the hub did not stop within 90 s of SIGHUP:\n%s", hubErr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "pgdata", "postmaster.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after SIGHUP: expected the hub to stop the PostgreSQL it started (no postmaster.pid), got %v\n%s", err, hubErr.String())
	}
}

// stopLeftover stops a cluster a failed test left running.
func stopLeftover(dir string) {
	if _, err := os.Stat(filepath.Join(dir, "pgdata", "postmaster.pid")); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = pglocal.StopDir(ctx, pglocal.Options{DataDir: dir})
	}
}
