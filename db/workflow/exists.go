package workflow

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// RowQuerier runs a statement that returns one row: a transaction, or sqlc's DBTX.
type RowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// MustExist checks, inside the caller's transaction, that row id of table (schema-qualified,
// trusted) exists; a nil id is nothing to check. A missing row is a *NotFoundError naming
// field and what.
func MustExist(ctx context.Context, db RowQuerier, table string, id *int64, field, what string) error {
	if id == nil {
		return nil
	}
	var ok bool
	if err := db.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM "+table+" WHERE id = $1)", *id).Scan(&ok); err != nil {
		return fmt.Errorf("look up %s: %w", what, err)
	}
	if !ok {
		return &NotFoundError{Field: field, What: what}
	}
	return nil
}
