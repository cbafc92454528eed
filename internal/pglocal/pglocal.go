package pglocal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

const (
	pgdataDirName  = "pgdata"
	initDirName    = "pgdata.initdb-tmp"
	logDirName     = "log"
	logFileName    = "postgres.log"
	secretsDirName = "secrets"
	portFileName   = "port"
	lockFileName   = ".pglocal.lock"
	confFileName   = "civiclink.conf"

	// Superuser is the database superuser of every cluster started by this package.
	Superuser = "postgres"
	// osUserName is the OS account the server runs as when this process is root.
	osUserName = "postgres"
	// dataDirEnv is the environment variable suggested to users whose data
	// directory cannot be reached by osUserName.
	dataDirEnv = "CIVICLINK_DATA_DIR"

	// DefaultStartTimeout is used when Options.StartTimeout is zero.
	DefaultStartTimeout = 90 * time.Second
	stopTimeout         = 60 * time.Second
	// maxSocketPath is the longest unix socket path PostgreSQL accepts (sun_path minus NUL).
	maxSocketPath = 107
	logTailBytes  = 4096
	// maxLogBytes is the log size above which Start moves the log to postgres.log.1.
	maxLogBytes = 32 << 20
)

// installHint tells what to do when no PostgreSQL binaries are found: this package never
// installs them itself.
const installHint = "install them with scripts/install-postgres.sh (as root it installs Debian's postgresql package; `make run` and `make test` run it first) or set PG_BIN to their folder"

// Options configures Start.
type Options struct {
	// DataDir is the folder that holds the cluster ("pgdata" subfolder), the
	// server log ("log" subfolder), a "secrets" folder for the caller, and the
	// recorded port. It is created if missing. Required.
	DataDir string
	// Port is the TCP port on 127.0.0.1. 0 means: reuse the port recorded in
	// DataDir by an earlier start if it is free, else pick a free port.
	// A non-zero port that is taken by another program is an error.
	Port int
	// BinDir is the folder with initdb, pg_ctl and postgres. "" means
	// discover: $PG_BIN, `pg_config --bindir`, /usr/lib/postgresql/*/bin
	// (the version of an existing cluster first, then the highest), PATH.
	BinDir string
	// Ephemeral tunes the cluster for throw-away test data: fsync,
	// synchronous_commit and full_page_writes are off and WAL is minimal, so
	// a machine crash can corrupt it. Leave false for data worth keeping.
	Ephemeral bool
	// StartTimeout bounds how long Start waits for the server to accept
	// connections. 0 means DefaultStartTimeout.
	StartTimeout time.Duration
	// Logger receives progress messages. nil discards them.
	Logger *slog.Logger
}

// Cluster is a running local PostgreSQL server started (or found running) by Start.
// Its methods are safe for concurrent use.
type Cluster struct {
	env     *runEnv
	port    int
	reused  bool
	mu      sync.Mutex
	stopped bool
	owner   bool     // this process started (or adopted) the server; see Release
	users   *os.File // holds the shared lock on usersFileName until Release
}

// runEnv is what every command against one data directory needs.
type runEnv struct {
	dataDir string
	pgdata  string
	logFile string
	bin     string
	major   int
	as      *osAccount // nil: run as the current user
	log     *slog.Logger
	// password is the superuser's, from the secrets folder (set by Start only).
	password string
}

// osAccount is the OS user the PostgreSQL programs run as when we are root.
type osAccount struct {
	name   string
	home   string
	uid    uint32
	gid    uint32
	groups []uint32
}

// Start makes sure the cluster in opts.DataDir exists (running initdb on first
// use) and is running, and returns once it accepts connections.
//
// If a postmaster from an earlier run of the same data directory is still
// alive and answers, it is reused (on the port it listens on); if it does not
// answer it is stopped, and a stale postmaster.pid is removed, before a fresh
// start. When the process is root the programs run as the "postgres" OS user;
// Start chowns pgdata and the log folder to it and, if needed, adds the
// search (x) permission for others to DataDir and to folders of this user
// below os.TempDir() on the way to it (so t.TempDir() works). Any other folder
// that user cannot enter is an error naming it.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.DataDir == "" {
		return nil, errors.New("pglocal: Options.DataDir is required")
	}
	if opts.Port < 0 || opts.Port > 65535 {
		return nil, fmt.Errorf("pglocal: invalid port %d", opts.Port)
	}
	e, unlock, err := prepare(ctx, opts, true)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if e.password, err = e.loadPassword(); err != nil {
		return nil, fmt.Errorf("pglocal: %w", err)
	}

	if _, err := os.Stat(filepath.Join(e.pgdata, "PG_VERSION")); errors.Is(err, fs.ErrNotExist) {
		if err := e.initdb(ctx, opts.Ephemeral); err != nil {
			return nil, fmt.Errorf("initdb: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("pglocal: %w", err)
	}

	timeout := opts.StartTimeout
	if timeout <= 0 {
		timeout = DefaultStartTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	if c, err := e.reuseRunning(ctx, opts.Port); err != nil {
		return nil, err
	} else if c != nil {
		if err := c.secure(ctx); err != nil {
			return nil, fmt.Errorf("pglocal: %w", err)
		}
		return c, c.join()
	}

	port, err := choosePort(opts.Port, e.recordedPort())
	if err != nil {
		return nil, fmt.Errorf("pglocal: %w", err)
	}
	if err := e.writeConf(port, opts.Ephemeral); err != nil {
		return nil, fmt.Errorf("pglocal: write settings: %w", err)
	}

	e.rotateLog()
	e.log.Info("starting PostgreSQL", "data_dir", e.dataDir, "port", port, "bin", e.bin, "ephemeral", opts.Ephemeral)
	started := time.Now()
	secs := max(1, int(time.Until(deadlineOf(ctx)).Seconds()))
	out, err := e.run(ctx, "pg_ctl", "start", "-w", "-s", "-t", strconv.Itoa(secs),
		"-D", e.pgdata, "-l", e.logFile)
	if err != nil {
		return nil, fmt.Errorf("pg_ctl start: %w%s%s", err, outputSuffix(out), e.logTail())
	}
	c := &Cluster{env: e, port: port}
	if err := waitReady(ctx, c.URL("postgres")); err != nil {
		_ = e.stop(context.WithoutCancel(ctx), "immediate")
		return nil, fmt.Errorf("pglocal: server did not accept connections: %w%s", err, e.logTail())
	}
	if err := e.writePort(port); err != nil {
		_ = e.stop(context.WithoutCancel(ctx), "fast")
		return nil, fmt.Errorf("pglocal: record port: %w", err)
	}
	if err := c.secure(ctx); err != nil {
		_ = e.stop(context.WithoutCancel(ctx), "fast")
		return nil, fmt.Errorf("pglocal: %w", err)
	}
	e.log.Info("PostgreSQL ready", "port", port, "took", time.Since(started).Round(time.Millisecond))
	return c, c.join()
}

// StopDir stops the server running in opts.DataDir, if any, without starting
// it first (for example one left running by a Start in another process).
// Only DataDir, BinDir and Logger are used. A data directory with no cluster
// or no running server is not an error.
func StopDir(ctx context.Context, opts Options) error {
	if opts.DataDir == "" {
		return errors.New("pglocal: Options.DataDir is required")
	}
	if _, err := os.Stat(filepath.Join(opts.DataDir, pgdataDirName, "PG_VERSION")); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	e, unlock, err := prepare(ctx, opts, false)
	if err != nil {
		return err
	}
	defer unlock()
	return e.stop(ctx, "fast")
}

// URL returns the connection URL of database dbname on this server as the
// superuser, with its password, e.g.
// postgres://postgres:PASSWORD@127.0.0.1:54329/civiclink?sslmode=disable.
func (c *Cluster) URL(dbname string) string {
	return fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/%s?sslmode=disable", Superuser, c.env.password, c.port, dbname)
}

// PassFile returns the path of the password file (<DataDir>/secrets/pgpass), for
// PGPASSFILE.
func (c *Cluster) PassFile() string { return filepath.Join(c.SecretsDir(), PassFileName) }

// Port returns the TCP port the server listens on at 127.0.0.1.
func (c *Cluster) Port() int { return c.port }

// SecretsDir returns <DataDir>/secrets, a folder with mode 0700 owned by the
// current process's user (never by the server's OS user).
func (c *Cluster) SecretsDir() string { return filepath.Join(c.env.dataDir, secretsDirName) }

// LogFile returns the path of the server log.
func (c *Cluster) LogFile() string { return c.env.logFile }

// Reused reports whether Start found the server already running from an
// earlier run instead of starting it.
func (c *Cluster) Reused() bool { return c.reused }

// Stop shuts the server down (pg_ctl stop -m fast) and waits until it has
// exited. Calling it again, or on a server that is no longer running, returns nil.
func (c *Cluster) Stop(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return nil
	}
	unlock, err := lockDir(c.env.dataDir)
	if err != nil {
		return fmt.Errorf("pglocal: %w", err)
	}
	defer unlock()
	if err := c.env.stop(ctx, "fast"); err != nil {
		return err
	}
	if c.users != nil {
		c.users.Close()
		c.users = nil
	}
	c.stopped = true
	return nil
}

// prepare resolves the account, folders and binaries for opts and takes the
// data directory lock. create says whether missing folders may be made.
func prepare(ctx context.Context, opts Options, create bool) (*runEnv, func(), error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dataDir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, nil, fmt.Errorf("pglocal: data dir: %w", err)
	}
	e := &runEnv{
		dataDir: dataDir,
		pgdata:  filepath.Join(dataDir, pgdataDirName),
		logFile: filepath.Join(dataDir, logDirName, logFileName),
		log:     log,
	}
	if os.Geteuid() == 0 {
		if e.as, err = lookupAccount(osUserName); err != nil {
			return nil, nil, fmt.Errorf("pglocal: running as root, so PostgreSQL must run as another OS user: %w", err)
		}
	}
	if create {
		if err := os.MkdirAll(dataDir, 0o755); err != nil {
			return nil, nil, fmt.Errorf("pglocal: create data dir: %w", err)
		}
	}
	if e.as != nil {
		if err := ensureTraversable(dataDir, e.as, log); err != nil {
			return nil, nil, err
		}
	}
	unlock, err := lockDir(dataDir)
	if err != nil {
		return nil, nil, fmt.Errorf("pglocal: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			unlock()
		}
	}()
	if create {
		if err := e.makeFolders(); err != nil {
			return nil, nil, fmt.Errorf("pglocal: %w", err)
		}
	}
	clusterMajor := readMajor(e.pgdata)
	if e.bin, e.major, err = findBinaries(ctx, opts.BinDir, clusterMajor); err != nil {
		return nil, nil, fmt.Errorf("pglocal: %w; %s", err, installHint)
	}
	if clusterMajor != 0 && clusterMajor != e.major {
		return nil, nil, fmt.Errorf("pglocal: cluster in %s was created by PostgreSQL %d but the binaries in %s are version %d; set PG_BIN to a PostgreSQL %d bin folder or remove %s",
			e.pgdata, clusterMajor, e.bin, e.major, clusterMajor, e.pgdata)
	}
	ok = true
	return e, unlock, nil
}

// makeFolders creates the log and secrets folders and fixes ownership of the
// folders the server writes to.
func (e *runEnv) makeFolders() error {
	logDir := filepath.Dir(e.logFile)
	if err := os.MkdirAll(logDir, 0o750); err != nil {
		return fmt.Errorf("create log dir: %w", err)
	}
	secrets := filepath.Join(e.dataDir, secretsDirName)
	if err := os.MkdirAll(secrets, 0o700); err != nil {
		return fmt.Errorf("create secrets dir: %w", err)
	}
	if err := os.Chmod(secrets, 0o700); err != nil {
		return fmt.Errorf("secrets dir: %w", err)
	}
	if e.as == nil {
		return nil
	}
	if err := chownTree(logDir, e.as); err != nil {
		return fmt.Errorf("chown log dir: %w", err)
	}
	if st, err := os.Stat(e.pgdata); err == nil && !ownedBy(st, e.as.uid) {
		e.log.Warn("pgdata is not owned by the server's OS user; changing its owner", "path", e.pgdata, "user", e.as.name)
		if err := chownTree(e.pgdata, e.as); err != nil {
			return fmt.Errorf("chown pgdata: %w", err)
		}
	}
	return nil
}

// initdb creates the cluster in a temporary folder, configures it, and renames
// it to pgdata, so a half-made cluster is never taken for a real one.
func (e *runEnv) initdb(ctx context.Context, ephemeral bool) error {
	tmp := filepath.Join(e.dataDir, initDirName)
	pwfile, removePwfile, err := e.writePasswordFile(e.password)
	if err != nil {
		return fmt.Errorf("password file for initdb: %w", err)
	}
	defer removePwfile()
	var lastErr error
	for _, locale := range []string{"C.UTF-8", "C"} {
		if err := os.RemoveAll(tmp); err != nil {
			return err
		}
		if err := os.Mkdir(tmp, 0o700); err != nil {
			return err
		}
		if err := e.chown(tmp); err != nil {
			return err
		}
		args := []string{"-D", tmp, "-U", Superuser, "-E", "UTF8", "--locale=" + locale, "-A", "scram-sha-256", "--pwfile=" + pwfile}
		if e.major >= 14 {
			args = append(args, "--no-instructions")
		}
		if ephemeral {
			args = append(args, "--no-sync")
		}
		e.log.Info("initializing PostgreSQL cluster", "data_dir", e.pgdata, "locale", locale, "bin", e.bin)
		out, err := e.run(ctx, "initdb", args...)
		if err == nil {
			lastErr = nil
			break
		}
		lastErr = fmt.Errorf("%w%s", err, outputSuffix(out))
		if !strings.Contains(strings.ToLower(out), "locale") {
			break
		}
		e.log.Warn("initdb failed with locale, retrying", "locale", locale, "error", lastErr)
	}
	if lastErr != nil {
		_ = os.RemoveAll(tmp)
		return lastErr
	}
	if err := e.writeOwned(filepath.Join(tmp, "pg_hba.conf"), hbaConf, 0o600); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(tmp, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, werr := fmt.Fprintf(f, "\n# Settings managed by civiclink/internal/pglocal (rewritten at every start).\ninclude_if_exists = '%s'\n", confFileName)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return werr
	}
	if err := os.Rename(tmp, e.pgdata); err != nil {
		return err
	}
	return nil
}

// writeConf writes the settings file included from postgresql.conf.
func (e *runEnv) writeConf(port int, ephemeral bool) error {
	socketDir := e.pgdata
	if len(socketDir)+len("/.s.PGSQL.")+len(strconv.Itoa(port))+len(".lock") > maxSocketPath {
		e.log.Warn("data dir path too long for a unix socket; listening on TCP only", "path", socketDir)
		socketDir = ""
	}
	var b strings.Builder
	b.WriteString("# Managed by civiclink/internal/pglocal; rewritten at every start. Do not edit.\n")
	fmt.Fprintf(&b, "listen_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\n", port, strings.ReplaceAll(socketDir, "'", "''"))
	b.WriteString("max_connections = 200\nshared_buffers = 256MB\n")
	b.WriteString("timezone = 'UTC'\nlog_timezone = 'UTC'\n")
	b.WriteString("logging_collector = off\nlog_line_prefix = '%m [%p] %q%u@%d '\n")
	if ephemeral {
		b.WriteString("# Ephemeral test cluster: durability traded for speed.\n")
		b.WriteString("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
		b.WriteString("wal_level = minimal\nmax_wal_senders = 0\ncheckpoint_timeout = 30min\nmax_wal_size = 2GB\n")
	} else {
		b.WriteString("fsync = on\nsynchronous_commit = on\nfull_page_writes = on\n")
	}
	return e.writeOwned(filepath.Join(e.pgdata, confFileName), b.String(), 0o600)
}

// reuseRunning looks at postmaster.pid. It returns a Cluster for a live server
// that answers, stops one that does not, and removes a stale pid file.
func (e *runEnv) reuseRunning(ctx context.Context, wantPort int) (*Cluster, error) {
	pidFile := filepath.Join(e.pgdata, "postmaster.pid")
	data, err := os.ReadFile(pidFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("pglocal: %w", err)
	}
	pid, port, ok := parsePostmasterPID(data)
	if !ok || !e.isOurPostmaster(pid) {
		e.log.Info("removing stale postmaster.pid", "path", pidFile, "pid", pid)
		if err := os.Remove(pidFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("pglocal: remove stale pid file: %w", err)
		}
		return nil, nil
	}
	c := &Cluster{env: e, port: port, reused: true}
	waitCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	err = waitReady(waitCtx, c.URL("postgres"))
	cancel()
	if err == nil {
		if wantPort != 0 && wantPort != port {
			e.log.Warn("reusing running server on a different port than requested", "port", port, "requested", wantPort)
		}
		e.log.Info("reusing running PostgreSQL", "pid", pid, "port", port, "data_dir", e.dataDir)
		if err := e.writePort(port); err != nil {
			return nil, fmt.Errorf("pglocal: record port: %w", err)
		}
		return c, nil
	}
	e.log.Warn("postmaster from an earlier run does not answer; stopping it", "pid", pid, "error", err)
	if serr := e.stop(ctx, "immediate"); serr != nil {
		e.log.Warn("pg_ctl stop failed; sending SIGQUIT", "pid", pid, "error", serr)
		_ = syscall.Kill(pid, syscall.SIGQUIT)
		for i := 0; i < 50 && processAlive(pid); i++ {
			time.Sleep(100 * time.Millisecond)
		}
		if processAlive(pid) {
			return nil, fmt.Errorf("pglocal: postmaster %d of %s neither answers nor stops%s", pid, e.pgdata, e.logTail())
		}
		_ = os.Remove(pidFile)
	}
	return nil, nil
}

// isOurPostmaster reports whether pid is a live postgres process serving e.pgdata.
func (e *runEnv) isOurPostmaster(pid int) bool {
	if !processAlive(pid) {
		return false
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return true // no /proc: trust the pid file
	}
	if strings.TrimSpace(string(comm)) != "postgres" {
		return false
	}
	cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
	if err != nil {
		return true
	}
	want, _ := filepath.EvalSymlinks(e.pgdata)
	return cwd == e.pgdata || cwd == want
}

// stop runs pg_ctl stop with mode ("fast" or "immediate"); no running server is fine.
func (e *runEnv) stop(ctx context.Context, mode string) error {
	_, err := e.run(ctx, "pg_ctl", "status", "-D", e.pgdata)
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) && (exitErr.ExitCode() == 3 || exitErr.ExitCode() == 4) {
		return nil // not running, or no cluster
	}
	e.log.Info("stopping PostgreSQL", "data_dir", e.dataDir, "mode", mode)
	out, err := e.run(ctx, "pg_ctl", "stop", "-w", "-s", "-m", mode, "-t", strconv.Itoa(int(stopTimeout.Seconds())), "-D", e.pgdata)
	if err != nil {
		if _, serr := os.Stat(filepath.Join(e.pgdata, "postmaster.pid")); errors.Is(serr, fs.ErrNotExist) {
			return nil // stopped meanwhile
		}
		return fmt.Errorf("pg_ctl stop: %w%s%s", err, outputSuffix(out), e.logTail())
	}
	return nil
}

// run runs a PostgreSQL program from the bin folder as the server's OS user and
// returns its combined output.
func (e *runEnv) run(ctx context.Context, prog string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(e.bin, prog), args...)
	cmd.Dir = e.dataDir
	cmd.Env = childEnv(e.as)
	cmd.WaitDelay = 5 * time.Second
	if e.as != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{
			Uid: e.as.uid, Gid: e.as.gid, Groups: e.as.groups,
		}}
	}
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	err := cmd.Run()
	return buf.String(), err
}

// childEnv is the environment of the PostgreSQL programs: ours without PG*
// and locale variables (which could redirect them), plus LC_ALL=C.
func childEnv(as *osAccount) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PG") || strings.HasPrefix(k, "LC_") || k == "LANG" || k == "LANGUAGE" {
			continue
		}
		if as != nil && (k == "HOME" || k == "USER" || k == "LOGNAME") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "LC_ALL=C")
	if as != nil {
		env = append(env, "HOME="+as.home, "USER="+as.name, "LOGNAME="+as.name)
	}
	return env
}

func (e *runEnv) chown(path string) error {
	if e.as == nil {
		return nil
	}
	return os.Lchown(path, int(e.as.uid), int(e.as.gid))
}

// writeOwned writes a file and gives it to the server's OS user.
func (e *runEnv) writeOwned(path, content string, perm os.FileMode) error {
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		return err
	}
	return e.chown(path)
}

func (e *runEnv) recordedPort() int {
	data, err := os.ReadFile(filepath.Join(e.dataDir, portFileName))
	if err != nil {
		return 0
	}
	p, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || p <= 0 || p > 65535 {
		return 0
	}
	return p
}

func (e *runEnv) writePort(port int) error {
	if e.recordedPort() == port {
		return nil
	}
	return os.WriteFile(filepath.Join(e.dataDir, portFileName), []byte(strconv.Itoa(port)+"\n"), 0o644)
}

// rotateLog keeps one previous log when the log has grown past maxLogBytes.
func (e *runEnv) rotateLog() {
	if st, err := os.Stat(e.logFile); err == nil && st.Size() > maxLogBytes {
		if err := os.Rename(e.logFile, e.logFile+".1"); err != nil {
			e.log.Warn("could not rotate the server log", "path", e.logFile, "error", err)
		}
	}
}

// logTail returns the end of the server log, formatted for an error message.
func (e *runEnv) logTail() string {
	f, err := os.Open(e.logFile)
	if err != nil {
		return ""
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(0, st.Size()-logTailBytes)
	data, err := io.ReadAll(io.NewSectionReader(f, off, st.Size()-off))
	if err != nil || len(bytes.TrimSpace(data)) == 0 {
		return ""
	}
	if off > 0 {
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	return fmt.Sprintf("\n--- tail of %s ---\n%s", e.logFile, strings.TrimRight(string(data), "\n"))
}

func outputSuffix(out string) string {
	out = strings.TrimSpace(out)
	if out == "" {
		return ""
	}
	return "\n" + out
}

// choosePort returns want if set (it must be free), else recorded if free, else a free port.
func choosePort(want, recorded int) (int, error) {
	if want != 0 {
		if !portFree(want) {
			return 0, fmt.Errorf("port %d on 127.0.0.1 is already in use by another program; free it or choose another port", want)
		}
		return want, nil
	}
	if recorded != 0 && portFree(recorded) {
		return recorded, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func portFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}

// waitReady connects with pgx until the server answers or ctx ends.
func waitReady(ctx context.Context, url string) error {
	var lastErr error
	for {
		attempt, cancel := context.WithTimeout(ctx, 3*time.Second)
		conn, err := pgx.Connect(attempt, url)
		if err == nil {
			err = conn.Ping(attempt)
			_ = conn.Close(context.WithoutCancel(attempt))
		}
		cancel()
		if err == nil {
			return nil
		}
		if isAuthFailure(err) {
			return fmt.Errorf("%w (the superuser's password is in secrets/%s of the data dir; if that file was lost, remove the data dir's pgdata to start afresh)", err, PassFileName)
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last attempt: %v)", ctx.Err(), lastErr)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func deadlineOf(ctx context.Context) time.Time {
	if d, ok := ctx.Deadline(); ok {
		return d
	}
	return time.Now().Add(DefaultStartTimeout)
}

// parsePostmasterPID reads the pid (line 1) and port (line 4) of postmaster.pid.
func parsePostmasterPID(data []byte) (pid, port int, ok bool) {
	lines := strings.Split(string(data), "\n")
	if len(lines) < 4 {
		return 0, 0, false
	}
	pid, err1 := strconv.Atoi(strings.TrimSpace(lines[0]))
	port, err2 := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err1 != nil || err2 != nil || pid <= 0 || port <= 0 {
		return 0, 0, false
	}
	return pid, port, true
}

// processAlive reports whether pid exists and is not a zombie.
func processAlive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // no /proc: trust kill
	}
	// Format: pid (comm) state ...; comm may contain spaces and parentheses.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		return stat[i+2] != 'Z'
	}
	return true
}

// lockDir takes an exclusive flock on the data directory's lock file, so two
// processes do not initdb or start the same cluster at once.
func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, lockFileName), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock data dir: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock data dir: %w", err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

func lookupAccount(name string) (*osAccount, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("look up OS user %q: %w (install PostgreSQL with scripts/install-postgres.sh, whose postgresql package creates it, or create it with `useradd --system %s`)", name, err, name)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("OS user %q: uid %q: %w", name, u.Uid, err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("OS user %q: gid %q: %w", name, u.Gid, err)
	}
	if uid == 0 {
		return nil, fmt.Errorf("OS user %q has uid 0", name)
	}
	a := &osAccount{name: name, home: u.HomeDir, uid: uint32(uid), gid: uint32(gid)}
	if a.home == "" {
		a.home = "/"
	}
	gids, err := u.GroupIds()
	if err != nil {
		gids = []string{u.Gid}
	}
	for _, g := range gids {
		if n, err := strconv.ParseUint(g, 10, 32); err == nil {
			a.groups = append(a.groups, uint32(n))
		}
	}
	return a, nil
}

// ensureTraversable makes sure account can reach dir: every folder from / to
// dir must grant it search (x) permission. dir itself, and folders below
// os.TempDir() owned by the current user, get o+x added; any other blocking
// folder is an error that names it.
func ensureTraversable(dir string, account *osAccount, log *slog.Logger) error {
	tmp := filepath.Clean(os.TempDir())
	if real, err := filepath.EvalSymlinks(tmp); err == nil {
		tmp = real
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("pglocal: data dir: %w", err)
	}
	var paths []string
	for p := real; ; p = filepath.Dir(p) {
		paths = append(paths, p)
		if p == filepath.Dir(p) {
			break
		}
	}
	euid := uint32(os.Geteuid())
	for i := len(paths) - 1; i >= 0; i-- {
		p := paths[i]
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("pglocal: %w", err)
		}
		sys, ok := st.Sys().(*syscall.Stat_t)
		if !ok {
			return nil
		}
		if canSearch(st.Mode().Perm(), sys.Uid, sys.Gid, account) {
			continue
		}
		fixable := sys.Uid == euid && (p == real || strings.HasPrefix(p, tmp+string(filepath.Separator)))
		if fixable {
			log.Info("letting the server's OS user enter folder (adding o+x)", "path", p, "user", account.name)
			if err := os.Chmod(p, st.Mode().Perm()|0o001); err != nil {
				return fmt.Errorf("pglocal: chmod o+x %s: %w", p, err)
			}
			continue
		}
		return fmt.Errorf("pglocal: this process is root, so PostgreSQL runs as OS user %q (uid %d), but that user cannot enter %s (mode %04o, owner uid %d) on the way to the data dir %s; use a data dir it can reach, e.g. set %s=/var/lib/civiclink (or any folder outside %s)",
			account.name, account.uid, p, st.Mode().Perm(), sys.Uid, dir, dataDirEnv, p)
	}
	return nil
}

// canSearch reports whether account may search (enter) a folder with the given
// permission bits and owner, by the classic owner/group/other rule.
func canSearch(perm fs.FileMode, uid, gid uint32, account *osAccount) bool {
	if uid == account.uid {
		return perm&0o100 != 0
	}
	inGroup := gid == account.gid
	for _, g := range account.groups {
		inGroup = inGroup || g == gid
	}
	if inGroup {
		return perm&0o010 != 0
	}
	return perm&0o001 != 0
}

func ownedBy(st fs.FileInfo, uid uint32) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	return !ok || sys.Uid == uid
}

func chownTree(root string, account *osAccount) error {
	return filepath.WalkDir(root, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, int(account.uid), int(account.gid))
	})
}

// readMajor returns the major version in pgdata/PG_VERSION, or 0.
func readMajor(pgdata string) int {
	data, err := os.ReadFile(filepath.Join(pgdata, "PG_VERSION"))
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return n
}

// parseMajor reads the major version from `postgres --version` output, such
// as "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)".
func parseMajor(out string) (int, bool) {
	_, rest, ok := strings.Cut(out, "(PostgreSQL) ")
	if !ok {
		return 0, false
	}
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(rest)
	}
	n, err := strconv.Atoi(rest[:end])
	return n, err == nil && n > 0
}

// findBinaries returns a folder holding initdb, pg_ctl and postgres, and their
// major version. explicit ("" = discover) is used alone when set, as is $PG_BIN.
// preferMajor (0 = none) is the version of an existing cluster.
func findBinaries(ctx context.Context, explicit string, preferMajor int) (string, int, error) {
	check := func(dir string) (string, int, error) {
		for _, prog := range []string{"initdb", "pg_ctl", "postgres"} {
			st, err := os.Stat(filepath.Join(dir, prog))
			if err != nil {
				return "", 0, err
			}
			if st.IsDir() || st.Mode().Perm()&0o111 == 0 {
				return "", 0, fmt.Errorf("%s is not executable", filepath.Join(dir, prog))
			}
		}
		out, err := exec.CommandContext(ctx, filepath.Join(dir, "postgres"), "--version").Output()
		if err != nil {
			return "", 0, fmt.Errorf("%s --version: %w", filepath.Join(dir, "postgres"), err)
		}
		major, ok := parseMajor(string(out))
		if !ok {
			return "", 0, fmt.Errorf("cannot read version from %q", strings.TrimSpace(string(out)))
		}
		return dir, major, nil
	}
	if explicit != "" {
		dir, major, err := check(explicit)
		if err != nil {
			return "", 0, fmt.Errorf("PostgreSQL binaries (BinDir %s): %w", explicit, err)
		}
		return dir, major, nil
	}
	if env := os.Getenv("PG_BIN"); env != "" {
		dir, major, err := check(env)
		if err != nil {
			return "", 0, fmt.Errorf("PostgreSQL binaries ($PG_BIN=%s): %w", env, err)
		}
		return dir, major, nil
	}
	var candidates []string
	if preferMajor != 0 {
		candidates = append(candidates, fmt.Sprintf("/usr/lib/postgresql/%d/bin", preferMajor))
	}
	if out, err := exec.CommandContext(ctx, "pg_config", "--bindir").Output(); err == nil {
		candidates = append(candidates, strings.TrimSpace(string(out)))
	}
	candidates = append(candidates, debianBinDirs()...)
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		candidates = append(candidates, filepath.Dir(p))
	}
	for _, dir := range candidates {
		if d, major, err := check(dir); err == nil {
			return d, major, nil
		}
	}
	return "", 0, errors.New("PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: looked at $PG_BIN, `pg_config --bindir`, /usr/lib/postgresql/*/bin and PATH")
}

// debianBinDirs lists /usr/lib/postgresql/<N>/bin, highest version first.
func debianBinDirs() []string {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	return sortBinDirs(matches)
}

// sortBinDirs orders /usr/lib/postgresql/<N>/bin paths by N, highest first.
func sortBinDirs(dirs []string) []string {
	version := func(p string) float64 {
		v, err := strconv.ParseFloat(filepath.Base(filepath.Dir(p)), 64)
		if err != nil {
			return -1
		}
		return v
	}
	out := append([]string(nil), dirs...)
	sort.SliceStable(out, func(i, j int) bool { return version(out[i]) > version(out[j]) })
	return out
}
