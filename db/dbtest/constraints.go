package dbtest

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Constraints lists the names a constraint violation on tables can report: their check,
// unique, foreign-key and exclusion constraints, and their unique indexes that back no
// constraint (unqualified, as pgconn.PgError.ConstraintName gives them).
func Constraints(t testing.TB, tx pgx.Tx, tables []string) []string {
	t.Helper()
	rows, err := tx.Query(context.Background(), `
		SELECT conname FROM pg_constraint WHERE conrelid = ANY($1::regclass[]) AND contype IN ('c', 'u', 'f', 'x')
		UNION
		SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
		WHERE i.indrelid = ANY($1::regclass[]) AND i.indisunique AND NOT i.indisprimary
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
		ORDER BY 1`, tables)
	if err != nil {
		t.Fatalf("dbtest: constraints of %s: %v", strings.Join(tables, ", "), err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("dbtest: constraints of %s: %v", strings.Join(tables, ", "), err)
	}
	return names
}
