package redraw

import (
	"errors"

	"civiclink/db/workflow"
	"civiclink/internal/validate"
)

// violations maps every constraint of the grid a split creates to the error its violation
// means (see mediation's for the rule); TestViolationsNameEveryConstraint keeps it complete
// against the catalog. The rows a redraw moves keep their own constraints, which its checks
// (rows of the grid, a live grid, the version's start) leave nothing to break.
var violations = workflow.Violations{
	"grid_code_key":          validate.Field("newGrid.code", "is taken"),
	"grid_code_check":        validate.Field("newGrid.code", "is not a grid code (A-Z, 0-9 and -)"),
	"grid_name_check":        validate.Field("newGrid.name", "must have 1 to 200 characters"),
	"grid_kind_check":        validate.Field("newGrid.kind", "is not a grid kind"),
	"grid_community_id_fkey": &workflow.NotFoundError{Field: "communityId", What: "community"},
	"grid_version_check":     errors.New("redraw: grid version out of range"),
}

// WrittenTables are the tables whose constraints violations must name.
var WrittenTables = []string{"street.grid"}
