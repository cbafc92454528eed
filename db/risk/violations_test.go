package risk

import (
	"testing"

	"civiclink/db/dbtest"
)

// TestViolationsNameEveryConstraint: every constraint (and unique index) of the tables the
// commands write has its own entry in violations, and every entry names one that exists.
func TestViolationsNameEveryConstraint(t *testing.T) {
	dbtest.CheckViolations(t, WrittenTables, violations)
}
