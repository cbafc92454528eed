package pglocal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// PassFileName is the file in the secrets folder that holds the superuser's generated
// password, in the format of PostgreSQL's password file (any host, port and database), so
// psql reads it with PGPASSFILE=<DataDir>/secrets/pgpass.
const PassFileName = "pgpass"

// hbaConf is the cluster's pg_hba.conf: every connection, on the unix socket or on
// 127.0.0.1, must give the password (SCRAM-SHA-256), so no local user is a superuser by
// merely connecting.
const hbaConf = "# Written by civiclink/internal/pglocal: scram-sha-256 on the unix socket and 127.0.0.1 only.\n" +
	"# The superuser's password is in <data dir>/secrets/" + PassFileName + ".\n" +
	"local all         all              scram-sha-256\n" +
	"host  all         all 127.0.0.1/32 scram-sha-256\n" +
	"local replication all              scram-sha-256\n" +
	"host  replication all 127.0.0.1/32 scram-sha-256\n"

// passwordBytes is the size of a generated password (hex-encoded, so it needs no escaping in
// a URL or the password file).
const passwordBytes = 24

// loadPassword reads the superuser's password from the secrets folder, generating and
// storing it (mode 0600) on first use.
func (e *runEnv) loadPassword() (string, error) {
	path := filepath.Join(e.dataDir, secretsDirName, PassFileName)
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		fields := strings.Split(strings.TrimSpace(string(data)), ":")
		if len(fields) != 5 || fields[3] != Superuser || fields[4] == "" {
			return "", fmt.Errorf("password file %s: expected one line *:*:*:%s:PASSWORD", path, Superuser)
		}
		return fields[4], nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("read password file: %w", err)
	}
	raw := make([]byte, passwordBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generate password: %w", err)
	}
	pw := hex.EncodeToString(raw)
	if err := os.WriteFile(path, []byte("*:*:*:"+Superuser+":"+pw+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write password file: %w", err)
	}
	return pw, nil
}

// writePasswordFile writes pw alone into a file the server's OS user can read, for initdb's
// --pwfile, and returns its path and a function that removes it.
func (e *runEnv) writePasswordFile(pw string) (string, func(), error) {
	path := filepath.Join(e.dataDir, ".initdb-pwfile")
	if err := e.writeOwned(path, pw+"\n", 0o600); err != nil {
		return "", nil, err
	}
	return path, func() { _ = os.Remove(path) }, nil
}

// secure makes a running server require the password: a cluster made by an earlier version
// of this package trusted every local connection, so its superuser gets the password and its
// pg_hba.conf is replaced and reloaded. A cluster whose pg_hba.conf is already ours is left
// alone.
func (c *Cluster) secure(ctx context.Context) error {
	hbaPath := filepath.Join(c.env.pgdata, "pg_hba.conf")
	if current, err := os.ReadFile(hbaPath); err == nil && string(current) == hbaConf {
		return nil
	}
	c.env.log.Info("requiring a password for every connection to PostgreSQL", "password_file", filepath.Join(c.SecretsDir(), PassFileName))
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("connect to set the superuser's password: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	// ALTER ROLE takes no parameters: the server quotes the password as a literal.
	var stmt string
	if err := conn.QueryRow(ctx, "SELECT format('ALTER ROLE %I PASSWORD %L', $1::text, $2::text)", Superuser, c.env.password).Scan(&stmt); err != nil {
		return fmt.Errorf("set the superuser's password: %w", err)
	}
	if _, err := conn.Exec(ctx, "SET password_encryption = 'scram-sha-256'; "+stmt); err != nil {
		return fmt.Errorf("set the superuser's password: %w", err)
	}
	if err := c.env.writeOwned(hbaPath, hbaConf, 0o600); err != nil {
		return fmt.Errorf("write pg_hba.conf: %w", err)
	}
	var before time.Time
	if err := conn.QueryRow(ctx, "SELECT pg_conf_load_time()").Scan(&before); err != nil {
		return fmt.Errorf("reload pg_hba.conf: %w", err)
	}
	if _, err := conn.Exec(ctx, "SELECT pg_reload_conf()"); err != nil {
		return fmt.Errorf("reload pg_hba.conf: %w", err)
	}
	return c.awaitReload(ctx, before)
}

// isAuthFailure reports whether err is the server refusing the password (or the role), which
// retrying does not cure.
func isAuthFailure(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "28P01" || pgErr.Code == "28000")
}

// awaitReload waits until new connections run with a configuration loaded after before (the
// postmaster reloads on a signal, asynchronously), so no connection accepted after secure
// returns is let in by the old pg_hba.conf.
func (c *Cluster) awaitReload(ctx context.Context, before time.Time) error {
	for {
		conn, err := pgx.Connect(ctx, c.URL("postgres"))
		if err != nil {
			return fmt.Errorf("reload pg_hba.conf: %w", err)
		}
		var loaded time.Time
		err = conn.QueryRow(ctx, "SELECT pg_conf_load_time()").Scan(&loaded)
		_ = conn.Close(context.WithoutCancel(ctx))
		if err != nil {
			return fmt.Errorf("reload pg_hba.conf: %w", err)
		}
		if loaded.After(before) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("reload pg_hba.conf: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
