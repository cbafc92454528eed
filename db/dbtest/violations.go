package dbtest

import (
	"slices"
	"testing"
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
