package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"civiclink/internal/audit"
	"civiclink/internal/config"
	"civiclink/internal/pii"
)

// auditCmd runs civiclink audit verify: it recomputes the access log's keyed hash chain,
// checks it against the head the hub published outside the database, and fails when a row
// was changed, removed or re-chained.
func auditCmd(ctx context.Context, out io.Writer, args []string) error {
	const about = "verify recomputes the access log's keyed hash chain, checks it against the head the hub\n" +
		"published outside the database (its head file, or -head ID:HEX from the hub's log), and fails\n" +
		"when a row was changed, removed or re-chained."
	if len(args) == 0 || args[0] != "verify" {
		newFlags(out, "audit", "verify [flags]", about).Usage()
		if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
			return nil
		}
		return usageError{fmt.Sprintf("unknown audit command %q (want verify)", args[0])}
	}
	fs := newFlags(out, "audit verify", "[flags]", about)
	headArg := fs.String("head", "", "a head the hub logged (\"access log head\"), as ID:HEX; checked instead of the head file")
	positional, cfg, err := commandFlags(fs, args[1:], config.Database, config.Audit)
	if err != nil {
		return err
	}
	if err := noArgs(fs, positional); err != nil {
		return err
	}
	env, err := open(ctx, cfg)
	if err != nil {
		return err
	}
	defer env.close()
	log, err := env.auditLog()
	if err != nil {
		return err
	}
	anchor, from, err := env.auditAnchor(*headArg)
	if err != nil {
		return usageError{err.Error()}
	}
	rep, err := log.Verify(ctx, anchor)
	if err != nil {
		return fmt.Errorf("verify the access log: %w", err)
	}
	if rep.BrokenAt != nil {
		return fmt.Errorf("access log tampered with: %s (%d rows checked)", rep.Problem, rep.Rows)
	}
	if !rep.Anchored {
		fmt.Fprintf(out, "access log chain intact: %d rows, but no published head to check it against "+
			"(pass -head ID:HEX from the hub's log, or set CIVICLINK_AUDIT_HEAD): deleted newest rows would go unseen\n", rep.Rows)
		return nil
	}
	fmt.Fprintf(out, "access log intact: %d rows, keyed hash chain verified up to the head %s from %s\n", rep.Rows, anchor, from)
	return nil
}

// auditLog is the access log under the configured key: CIVICLINK_AUDIT_KEY or, for the
// embedded default, a key generated once into its secrets folder.
func (e *environment) auditLog() (*audit.Log, error) {
	hexKey := e.cfg.AuditKey
	if hexKey == "" {
		if e.cluster == nil {
			return nil, errors.New("CIVICLINK_AUDIT_KEY must be set when DATABASE_URL is")
		}
		path := filepath.Join(e.cluster.SecretsDir(), "audit-key")
		data, err := os.ReadFile(path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			data = []byte(pii.GenerateHexKey())
			if err := os.WriteFile(path, data, 0o600); err != nil {
				return nil, fmt.Errorf("write generated access-log key: %w", err)
			}
			e.logger.Info("generated the access-log key", "file", path)
		case err != nil:
			return nil, fmt.Errorf("read access-log key: %w", err)
		}
		hexKey = strings.TrimSpace(string(data))
	}
	key, err := hex.DecodeString(hexKey)
	if err != nil || len(key) != audit.KeySize {
		return nil, fmt.Errorf("CIVICLINK_AUDIT_KEY: want %d hex-encoded bytes", audit.KeySize)
	}
	return audit.New(e.pool, key, e.auditHeadFile(), e.logger)
}

// auditHeadFile is where the hub keeps the access log's head: CIVICLINK_AUDIT_HEAD or, for
// the embedded default, audit-head in its data folder ("" = the hub's log only).
func (e *environment) auditHeadFile() string {
	if e.cfg.AuditHead != "" || e.cluster == nil {
		return e.cfg.AuditHead
	}
	return filepath.Join(filepath.Dir(e.cluster.SecretsDir()), "audit-head")
}

// auditAnchor is the head to verify against: arg when given, else the head file's.
func (e *environment) auditAnchor(arg string) (*audit.Head, string, error) {
	if arg != "" {
		h, err := audit.ParseHead(arg)
		if err != nil {
			return nil, "", fmt.Errorf("-head: %w", err)
		}
		return &h, "-head", nil
	}
	path := e.auditHeadFile()
	if path == "" {
		return nil, "", nil
	}
	h, ok, err := audit.ReadHead(path)
	if err != nil || !ok {
		return nil, "", err
	}
	return &h, path, nil
}
