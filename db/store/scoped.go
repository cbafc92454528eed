package store

import (
	"context"
	"sync"
)

// ScopedTable is a table read under a policy, as declared with WithPolicy.
type ScopedTable struct {
	// Name is the schema-qualified, quoted table name.
	Name   string
	policy Policy
}

var scoped struct {
	mu     sync.Mutex
	tables []ScopedTable
}

func register(name string, p Policy) {
	scoped.mu.Lock()
	defer scoped.mu.Unlock()
	scoped.tables = append(scoped.tables, ScopedTable{Name: name, policy: p})
}

// ScopedTables returns every table declared with a policy so far, in declaration order, so
// that a test can compare each policy with the database's row-level security.
func ScopedTables() []ScopedTable {
	scoped.mu.Lock()
	defer scoped.mu.Unlock()
	return append([]ScopedTable(nil), scoped.tables...)
}

// Condition renders the table's policy for the request of ctx as a condition over alias t
// with numbered placeholders; ok=false means no row is visible.
func (s ScopedTable) Condition(ctx context.Context) (sql string, args []any, ok bool) {
	conds, ok := s.policy(ctx)
	if !ok {
		return "", nil, false
	}
	var b Binder
	return b.where(conds), b.args, true
}
