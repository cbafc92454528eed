package main

import (
	"context"
	"fmt"
	"io"

	"civiclink/internal/audit"
	"civiclink/internal/config"
)

// auditCmd runs civiclink audit verify: it recomputes the access log's hash chain and fails
// when a row was changed or removed.
func auditCmd(ctx context.Context, out io.Writer, args []string) error {
	const about = "verify recomputes the access log's hash chain and fails when a row was changed or removed."
	if len(args) == 0 || args[0] != "verify" {
		newFlags(out, "audit", "verify [flags]", about).Usage()
		if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
			return nil
		}
		return usageError{fmt.Sprintf("unknown audit command %q (want verify)", args[0])}
	}
	fs := newFlags(out, "audit verify", "[flags]", about)
	positional, cfg, err := commandFlags(fs, args[1:], config.Database)
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
	rep, err := audit.Verify(ctx, env.pool)
	if err != nil {
		return fmt.Errorf("verify the access log: %w", err)
	}
	if rep.BrokenAt != nil {
		return fmt.Errorf("access log tampered with: the chain breaks at row %d (%d rows checked)", *rep.BrokenAt, rep.Rows)
	}
	fmt.Fprintf(out, "access log intact: %d rows, hash chain verified\n", rep.Rows)
	return nil
}
