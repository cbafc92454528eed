package dbtest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// CheckViolations asserts that every constraint (and unique index) of tables, the tables a
// domain's commands write, has its own entry in violations, the domain's map of what a
// violation of each means, and that every entry names one that exists.
func CheckViolations(t *testing.T, tables []string, violations map[string]error) {
	t.Helper()
	names := Constraints(t, Tx(t), tables)
	for _, name := range names {
		if _, ok := violations[name]; !ok {
			t.Errorf("constraint %s of %v, which the commands write, has no entry in violations: say what its violation means", name, tables)
		}
	}
	for name := range violations {
		if !slices.Contains(names, name) {
			t.Errorf("violations maps %s, which is no constraint of %v", name, tables)
		}
	}
}

// Breach is a row that breaks one constraint when inserted into Table: Row maps each column
// to its (bound) value.
type Breach struct {
	Constraint, Table string
	Row               map[string]any
}

// With returns a copy of row with the columns of changes set (a nil value drops the column).
func With(row map[string]any, changes map[string]any) map[string]any {
	out := maps.Clone(row)
	for col, v := range changes {
		if v == nil {
			delete(out, col)
			continue
		}
		out[col] = v
	}
	return out
}

// CheckBreaches inserts each breach's row in a savepoint of tx and asserts that it breaks its
// constraint, and that mapErr (a domain's Violations.Map) reports that violation as the
// domain's entry for it, violations[constraint]: a client error naming the input field at
// fault, the same error a command meets when validation could not foresee the breach.
func CheckBreaches(t *testing.T, tx pgx.Tx, violations map[string]error, mapErr func(error) error, breaches []Breach) {
	t.Helper()
	ctx := context.Background()
	for _, b := range breaches {
		t.Run(b.Constraint, func(t *testing.T) {
			cols := slices.Sorted(maps.Keys(b.Row))
			args := make([]any, len(cols))
			params := make([]string, len(cols))
			for i, c := range cols {
				args[i], params[i] = b.Row[c], fmt.Sprintf("$%d", i+1)
			}
			sp, err := tx.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = sp.Rollback(ctx) }()
			_, err = sp.Exec(ctx, "INSERT INTO "+b.Table+" ("+strings.Join(cols, ", ")+") VALUES ("+strings.Join(params, ", ")+")", args...)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.ConstraintName != b.Constraint {
				t.Fatalf("inserting %v into %s: expected a violation of %s, got %v", b.Row, b.Table, b.Constraint, err)
			}
			if got, want := mapErr(err), violations[b.Constraint]; got != want {
				t.Errorf("a violation of %s: expected it reported as %v, got %v", b.Constraint, want, got)
			}
		})
	}
}
