package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"civiclink/db/migrations"
	"civiclink/internal/auth"
	"civiclink/internal/config"
	"civiclink/internal/dbpool"
	"civiclink/internal/pglocal"
	"civiclink/internal/pii"

	"github.com/jackc/pgx/v5"
)

// embeddedDatabase is the database the embedded cluster serves.
const embeddedDatabase = "civiclink"

// environment is what every command needs: configuration, a logger, a migrated pool and,
// without DATABASE_URL, the private cluster behind it.
type environment struct {
	cfg     *config.Config
	logger  *slog.Logger
	pool    *dbpool.Pool
	cluster *pglocal.Cluster // nil when DATABASE_URL is set
}

func newLogger(level, format string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// commandFlags is what a command that opens the database parses: its own flags (added to fs
// by the caller) and the settings of the groups named (every setting when none is); it
// returns the positional arguments and the configuration.
func commandFlags(fs *flag.FlagSet, args []string, groups ...[]string) ([]string, *config.Config, error) {
	var names []string // nil: every setting
	for _, g := range groups {
		names = append(names, g...)
	}
	build := config.Bind(fs, names)
	positional, err := parse(fs, args)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := build()
	if err != nil {
		return nil, nil, usageError{err.Error()}
	}
	return positional, cfg, nil
}

// open starts the embedded cluster when needed (or reuses the running one), connects and
// migrates.
func open(ctx context.Context, cfg *config.Config) (*environment, error) {
	env := &environment{cfg: cfg, logger: newLogger(cfg.LogLevel, cfg.LogFormat)}
	slog.SetDefault(env.logger)
	url, err := cfg.DatabaseURL, error(nil)
	if url == "" {
		if url, err = env.startEmbedded(ctx); err != nil {
			return nil, err
		}
	}
	env.pool, err = dbpool.Open(ctx, dbpool.Options{URL: url, MaxConns: int32(cfg.MaxConns), StatementTimeout: cfg.StatementTimeout, Logger: env.logger, RowSecurity: true})
	if err != nil {
		env.close()
		return nil, err
	}
	env.logger.Info("applying migrations")
	if err := migrations.Up(auth.WithSystem(ctx), env.pool.Pool, env.logger); err != nil {
		env.close()
		return nil, err
	}
	return env, nil
}

func (e *environment) startEmbedded(ctx context.Context) (string, error) {
	dir, err := filepath.Abs(e.cfg.DataDir)
	if err != nil {
		return "", fmt.Errorf("data folder: %w", err)
	}
	e.logger.Info("no DATABASE_URL: using the embedded PostgreSQL cluster", "dir", dir)
	e.cluster, err = pglocal.Start(ctx, pglocal.Options{DataDir: dir, Port: e.cfg.PGPort, Logger: e.logger})
	if err != nil {
		return "", fmt.Errorf("start embedded PostgreSQL: %w", err)
	}
	if err := createDatabase(ctx, e.cluster.URL("postgres"), embeddedDatabase); err != nil {
		e.close()
		return "", err
	}
	return e.cluster.URL(embeddedDatabase), nil
}

func createDatabase(ctx context.Context, serverURL, name string) error {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return fmt.Errorf("connect to embedded PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// keys returns the identity-number keys: from configuration, or, for the embedded default,
// from a file in the cluster's secrets folder, generated on first use.
func (e *environment) keys() (*pii.Keys, error) {
	if e.cfg.PIIHMACKey != "" || e.cfg.PIIEncKey != "" {
		k, err := pii.ParseHexKeys(e.cfg.PIIHMACKey, e.cfg.PIIEncKey)
		if err != nil {
			return nil, fmt.Errorf("CIVICLINK_PII_HMAC_KEY / CIVICLINK_PII_ENC_KEY: %w", err)
		}
		return k, nil
	}
	if e.cluster == nil {
		return nil, errors.New("CIVICLINK_PII_HMAC_KEY and CIVICLINK_PII_ENC_KEY must be set when DATABASE_URL is")
	}
	path := filepath.Join(e.cluster.SecretsDir(), "pii-keys.json")
	var stored struct{ HMAC, Enc string }
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		stored.HMAC, stored.Enc = pii.GenerateHexKey(), pii.GenerateHexKey()
		data, _ = json.Marshal(stored)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, fmt.Errorf("write generated keys: %w", err)
		}
		e.logger.Info("generated identity-number keys", "file", path)
	case err != nil:
		return nil, fmt.Errorf("read keys: %w", err)
	default:
		if err := json.Unmarshal(data, &stored); err != nil {
			return nil, fmt.Errorf("read keys %s: %w", path, err)
		}
	}
	k, err := pii.ParseHexKeys(strings.TrimSpace(stored.HMAC), strings.TrimSpace(stored.Enc))
	if err != nil {
		return nil, fmt.Errorf("keys in %s: %w", path, err)
	}
	return k, nil
}

func (e *environment) close() {
	if e.pool != nil {
		e.pool.Close()
	}
	if e.cluster != nil {
		// Only the process that started the cluster stops it, and only once no other
		// process uses it; every other command leaves it running.
		if stopped, err := e.cluster.Release(context.Background()); err != nil {
			e.logger.Error("stop embedded PostgreSQL", "err", err)
		} else if stopped {
			e.logger.Info("embedded PostgreSQL stopped")
		}
	}
}
