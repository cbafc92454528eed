package seed

import (
	"context"
	"fmt"
)

// loadPractices derives what the office's practices record from the loaded history: the
// response moments (dispatched, on scene, first response, first contact) from the status logs,
// as the transitions would have written them.
func (w *world) loadPractices(ctx context.Context, l *loader) error {
	if _, err := l.tx.Exec(ctx, "SELECT hub.fill_response_moments()"); err != nil {
		return fmt.Errorf("seed: response moments: %w", err)
	}
	return nil
}
