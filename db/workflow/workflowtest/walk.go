// Package workflowtest walks a state machine through the commands that drive it, in a test's
// transaction, to show that no status the machine allows is a dead end.
package workflowtest

import (
	"context"
	"slices"
	"testing"

	"civiclink/db/workflow"

	"github.com/jackc/pgx/v5"
)

// Entity is the record a walk drives: its ID and current version.
type Entity struct {
	ID      int64
	Version int
}

// Driver creates a record and moves it, through the domain's commands.
type Driver struct {
	// Create makes a new record in the machine's initial status.
	Create func(ctx context.Context, tx pgx.Tx) (Entity, error)
	// Step moves e to status to with the command that does so.
	Step func(ctx context.Context, tx pgx.Tx, e Entity, to string) error
}

// Walk visits every status reachable through the driver's commands from the initial one,
// trying each step the machine allows in a savepoint, and fails the test for each status that
// the machine gives a way out but no command leaves (a dead end), and for each non-final
// status the machine itself gives none. It returns the statuses reached.
func Walk(t *testing.T, ctx context.Context, tx pgx.Tx, m *workflow.Machine, d Driver) []string {
	t.Helper()
	type node struct {
		status string
		path   []string
	}
	reached := []string{m.Initial}
	queue := []node{{status: m.Initial}}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		allowed := m.Allowed(n.status)
		if len(allowed) == 0 {
			if !m.IsFinal(n.status) {
				t.Errorf("%s status %s (reached by %v) is not final, yet the machine allows no step out of it", m.Name, n.status, n.path)
			}
			continue
		}
		exits := 0
		for _, to := range allowed {
			ok := try(t, ctx, tx, d, append(slices.Clone(n.path), to))
			if !ok {
				continue
			}
			exits++
			if !slices.Contains(reached, to) {
				reached = append(reached, to)
				queue = append(queue, node{status: to, path: append(slices.Clone(n.path), to)})
			}
		}
		if exits == 0 {
			t.Errorf("%s stuck in %s (reached by %v): the machine allows %v, but no command moves it there", m.Name, n.status, n.path, allowed)
		}
	}
	slices.Sort(reached)
	return reached
}

// try creates a record in a savepoint and walks it along path; it reports whether the last
// step succeeded (an earlier failure fails the test: that path worked before).
func try(t *testing.T, ctx context.Context, tx pgx.Tx, d Driver, path []string) bool {
	t.Helper()
	sp, err := tx.Begin(ctx)
	if err != nil {
		t.Fatalf("savepoint: %v", err)
	}
	defer func() { _ = sp.Rollback(ctx) }()
	e, err := d.Create(ctx, sp)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	for i, to := range path {
		if err := d.Step(ctx, sp, e, to); err != nil {
			if i == len(path)-1 {
				t.Logf("%v: the last step is refused: %v", path, err)
				return false
			}
			t.Fatalf("%v: step %d to %s, which worked before, is refused: %v", path, i, to, err)
		}
		e.Version++
	}
	return true
}
