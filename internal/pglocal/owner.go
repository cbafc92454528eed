package pglocal

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Files in DataDir that record who uses the running server.
const (
	// usersFileName is share-locked by every process that holds a Cluster from Start, so the
	// owner can tell whether anyone else still uses the server before stopping it.
	usersFileName = ".pglocal.users"
	// ownerFileName holds the pid of the process that started the server.
	ownerFileName = "owner.pid"
)

// join takes a shared lock on the users file and records the owner: this process when it
// started the server, or when the process that did has gone (an orphaned server is adopted).
// It runs under the data directory lock.
func (c *Cluster) join() error {
	f, err := os.OpenFile(filepath.Join(c.env.dataDir, usersFileName), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("pglocal: users lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH); err != nil {
		f.Close()
		return fmt.Errorf("pglocal: users lock: %w", err)
	}
	c.users = f
	if owner := c.env.ownerPID(); c.reused && owner != 0 && owner != os.Getpid() && processAlive(owner) {
		return nil
	}
	c.owner = true
	return os.WriteFile(filepath.Join(c.env.dataDir, ownerFileName), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
}

// ownerPID returns the pid recorded as the server's owner, or 0.
func (e *runEnv) ownerPID() int {
	data, err := os.ReadFile(filepath.Join(e.dataDir, ownerFileName))
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// Owned reports whether this process owns the server: it started it, or adopted it because
// the process that started it had exited.
func (c *Cluster) Owned() bool { return c.owner }

// Release ends this process's use of the server. The owner stops it unless another process
// (a command run while the hub serves, or a hub started meanwhile) still uses it; any other
// user leaves it running, except one that finds the owner gone and itself the last user.
// It reports whether the server was stopped.
func (c *Cluster) Release(ctx context.Context) (stopped bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped || c.users == nil {
		return false, nil
	}
	unlock, err := lockDir(c.env.dataDir)
	if err != nil {
		return false, fmt.Errorf("pglocal: %w", err)
	}
	defer unlock()
	c.users.Close() // drops this process's shared lock
	c.users = nil
	owner := c.env.ownerPID()
	if !c.owner && owner != 0 && owner != os.Getpid() && processAlive(owner) {
		c.env.log.Info("leaving PostgreSQL running for the process that started it", "pid", owner)
		return false, nil
	}
	f, err := os.OpenFile(filepath.Join(c.env.dataDir, usersFileName), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return false, fmt.Errorf("pglocal: users lock: %w", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); errors.Is(err, syscall.EWOULDBLOCK) {
		c.env.log.Info("leaving PostgreSQL running: another process still uses it")
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("pglocal: users lock: %w", err)
	}
	if err := c.env.stop(ctx, "fast"); err != nil {
		return false, err
	}
	if err := os.Remove(filepath.Join(c.env.dataDir, ownerFileName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.env.log.Warn("remove owner file", "err", err)
	}
	c.stopped = true
	return true, nil
}
