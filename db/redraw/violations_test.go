package redraw

import (
	"testing"

	"civiclink/db/dbtest"
)

// TestViolationsNameEveryConstraint: every constraint (and unique index) of the tables the
// command's violations cover has its own entry, and every entry names one that exists.
func TestViolationsNameEveryConstraint(t *testing.T) {
	dbtest.CheckViolations(t, WrittenTables, violations)
}
