package main

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMakeRunStopsCleanly: `make run` says what it does from its first line (building), serves,
// and a Ctrl-C (SIGINT to the terminal's process group) stops the hub and its PostgreSQL
// without `make: *** [run] Error 1` (go run made every clean stop exit 1).
func TestMakeRunStopsCleanly(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	dir := t.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	cmd := exec.Command("make", "run", "BIN="+filepath.Join(dir, "civiclink"))
	cmd.Dir = "../.."
	// Run as a reader would, not as a sub-make of `make test` (which would print
	// "make[1]: Entering directory" first).
	var env []string
	for _, kv := range cleanEnv() {
		if k, _, _ := strings.Cut(kv, "="); k != "MAKEFLAGS" && k != "MAKELEVEL" && k != "MFLAGS" && k != "MAKEOVERRIDES" {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "CIVICLINK_DATA_DIR="+filepath.Join(dir, "data"), fmt.Sprintf("CIVICLINK_PG_PORT=%d", freePort(t)),
		"CIVICLINK_ADDR="+addr, "CIVICLINK_SEED_SCALE=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		stopLeftover(filepath.Join(dir, "data"))
	})
	for end := time.Now().Add(5 * time.Minute); !strings.Contains(out.String(), "CivicLink is serving"); time.Sleep(200 * time.Millisecond) {
		if time.Now().After(end) || cmd.ProcessState != nil {
			t.Fatalf("make run did not serve:\n%s", out.String())
		}
	}
	if first, _, _ := strings.Cut(out.String(), "\n"); !strings.HasPrefix(first, "building ") {
		t.Errorf("expected make run to say it is building first, got %q", first)
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		// make itself gets the SIGINT too and dies of it, as a terminal expects (exit 130,
		// nothing printed); what it must not do is report the hub as failed.
		var exit *exec.ExitError
		interrupted := errors.As(err, &exit) && exit.Sys().(syscall.WaitStatus).Signal() == syscall.SIGINT
		if (err != nil && !interrupted) || strings.Contains(out.String(), "make: ***") {
			t.Errorf("after Ctrl-C: expected make to exit 0 without an error line, got %v:\n%s", err, lastLines(out.String(), 5))
		}
	case <-time.After(90 * time.Second):
		t.Fatalf("make run did not stop within 90 s of Ctrl-C:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "embedded PostgreSQL stopped") {
		t.Errorf("after Ctrl-C: expected the hub to stop its PostgreSQL, got:\n%s", out.String())
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
