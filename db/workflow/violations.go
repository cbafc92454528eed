package workflow

import (
	"errors"
	"fmt"

	"civiclink/internal/apierr"

	"github.com/jackc/pgx/v5/pgconn"
)

// Violations maps the constraints of the tables a command writes, by name, to the error a
// violation of each means to the client (usually an apierr.InputError naming the input field
// at fault, or a *NotFoundError). Commands validate first; the map answers what validation
// cannot see (a concurrent write, a row removed meanwhile) with that constraint's own error,
// never one message for every violation.
type Violations map[string]error

// Map returns the error err's constraint violation is mapped to, and err itself when it is
// no violation or one of a constraint the map does not name (an internal error: the map
// is incomplete, which each domain's tests check against the catalog).
func (v Violations) Map(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.ConstraintName == "" {
		return err
	}
	switch pgErr.Code {
	case "23505", "23514", "23503", "23502", "23P01":
	default:
		return err
	}
	mapped, ok := v[pgErr.ConstraintName]
	if !ok {
		return err
	}
	var domain apierr.DomainError
	if errors.As(mapped, &domain) {
		return mapped
	}
	// An internal meaning keeps the database's error for the log.
	return fmt.Errorf("%w: %w", mapped, err)
}
