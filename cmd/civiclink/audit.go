package main

import (
	"context"
	"errors"
	"fmt"

	"civiclink/internal/audit"
)

// auditCmd runs civiclink audit verify: it recomputes the access log's hash chain and fails
// when a row was changed or removed.
func auditCmd(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: civiclink audit verify [flags]")
	}
	env, err := open(ctx, "civiclink audit verify", args[1:])
	if err != nil {
		return err
	}
	defer env.close()
	rep, err := audit.Verify(ctx, env.pool)
	if err != nil {
		return err
	}
	if rep.BrokenAt != nil {
		return fmt.Errorf("access log tampered with: the chain breaks at row %d (%d rows checked)", *rep.BrokenAt, rep.Rows)
	}
	fmt.Printf("access log intact: %d rows, hash chain verified\n", rep.Rows)
	return nil
}
