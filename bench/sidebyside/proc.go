package main

import (
	"bytes"
	"civiclink/bench/internal/hubproc"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is the unit of utime and stime in /proc/PID/stat (USER_HZ, 100 on Linux).
const clockTicks = 100

// server is a GraphQL server process under measurement.
type server struct {
	name string
	cmd  *exec.Cmd
	log  *bytes.Buffer
}

// startServer starts name as cmd, with its output kept for error reports.
func startServer(name string, cmd *exec.Cmd) (*server, error) {
	s := &server{name: name, cmd: cmd, log: &bytes.Buffer{}}
	cmd.Stdout = s.log
	cmd.Stderr = s.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	return s, nil
}

// stop ends the server's process group (the server and anything it started) and waits.
func (s *server) stop() {
	if s.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// cpu is the CPU time the server's process has used so far (user + system).
func (s *server) cpu() (time.Duration, error) { return processCPU(s.cmd.Process.Pid) }

// rss is the server's resident set size now and at its peak, in bytes.
func (s *server) rss() (now, peak int64, err error) { return hubproc.RSS(s.cmd.Process.Pid) }

// processCPU reads utime + stime of pid.
func processCPU(pid int) (time.Duration, error) {
	self, _, err := processTimes(pid)
	return self, err
}

// processTimes reads, from /proc/PID/stat, the CPU time pid has used itself (utime + stime)
// and the time of its children that have exited and been waited for (cutime + cstime).
func processTimes(pid int) (self, reaped time.Duration, err error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, 0, err
	}
	// fields after the command name, which is in parentheses and may hold spaces
	rest := string(b[bytes.LastIndexByte(b, ')')+2:])
	f := strings.Fields(rest)
	if len(f) < 15 {
		return 0, 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	var ticks [4]int64 // utime, stime, cutime, cstime
	for i := range ticks {
		if ticks[i], err = strconv.ParseInt(f[11+i], 10, 64); err != nil {
			return 0, 0, fmt.Errorf("parse /proc/%d/stat: %w", pid, err)
		}
	}
	tick := func(n int64) time.Duration { return time.Duration(n) * time.Second / clockTicks }
	return tick(ticks[0] + ticks[1]), tick(ticks[2] + ticks[3]), nil
}

// parentOf returns the parent pid of pid.
func parentOf(pid int) int {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// treeCPU is the CPU time of pid (PostgreSQL's postmaster) and of all its children: the
// live ones (backends, background workers) and those that have exited, which the postmaster
// has waited for (its cutime and cstime). Summing the live children alone made the figure
// fall when a backend exited between two readings (pgbench's 16 closing right before a
// c=16 run), down to a negative CPU per request.
func treeCPU(pid int) time.Duration {
	self, reaped, _ := processTimes(pid)
	total := self + reaped
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil || child == pid || parentOf(child) != pid {
			continue
		}
		if c, err := processCPU(child); err == nil {
			total += c
		}
	}
	return total
}

// run runs a helper command and returns its standard output.
func run(ctx context.Context, stdin io.Reader, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdin = stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
