package mediation

import (
	"slices"
	"testing"

	"civiclink/db/dbtest"
)

// TestViolationsNameEveryConstraint: every constraint (and unique index) of the tables the
// commands write has its own entry in violations, and every entry names one that exists.
func TestViolationsNameEveryConstraint(t *testing.T) {
	names := dbtest.Constraints(t, dbtest.Tx(t), WrittenTables)
	for _, name := range names {
		if _, ok := violations[name]; !ok {
			t.Errorf("constraint %s of a table the mediation commands write has no entry in violations: say what its violation means", name)
		}
	}
	for name := range violations {
		if !slices.Contains(names, name) {
			t.Errorf("violations maps %s, which is no constraint of %v", name, WrittenTables)
		}
	}
}
