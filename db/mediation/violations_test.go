package mediation

import (
	"context"
	"testing"

	"civiclink/db/dbtest"
)

// TestViolationsNameEveryConstraint: every constraint (and unique index) of the tables the
// commands write has its own entry in violations, and every entry names one that exists.
func TestViolationsNameEveryConstraint(t *testing.T) {
	tx := dbtest.Tx(t)
	rows, err := tx.Query(context.Background(), `
		SELECT conname FROM pg_constraint WHERE conrelid = ANY($1::regclass[]) AND contype IN ('c', 'u', 'f', 'x')
		UNION
		SELECT i.indexrelid::regclass::text FROM pg_index i
		WHERE i.indrelid = ANY($1::regclass[]) AND i.indisunique AND NOT i.indisprimary
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`, WrittenTables)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		// Index names come schema-qualified; constraint names do not.
		if i := len("mediation."); len(name) > i && name[:i] == "mediation." {
			name = name[i:]
		}
		seen[name] = true
		if _, ok := violations[name]; !ok {
			t.Errorf("constraint %s of a table the mediation commands write has no entry in violations: say what its violation means", name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for name := range violations {
		if !seen[name] {
			t.Errorf("violations maps %s, which is no constraint of %v", name, WrittenTables)
		}
	}
}
