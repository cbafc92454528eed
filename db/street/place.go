package street

import (
	"context"
	"fmt"

	"civiclink/db/street/sqlcdb"
	"civiclink/db/workflow"
	"civiclink/internal/validate"
)

// CheckPlace checks, in the caller's transaction, that the grid and the estate a record is
// placed in exist and that the estate lies in the grid (either may be nil): a *NotFoundError
// naming gridId or estateId, or an input error on estateId.
func CheckPlace(ctx context.Context, db sqlcdb.DBTX, grid, estate *int64) error {
	if err := workflow.MustExist(ctx, db, "street.grid", grid, "gridId", "grid"); err != nil {
		return err
	}
	if estate == nil {
		return nil
	}
	grids, err := sqlcdb.New(db).EstateGrid(ctx, *estate)
	if err != nil {
		return fmt.Errorf("look up estate: %w", err)
	}
	if len(grids) == 0 {
		return &workflow.NotFoundError{Field: "estateId", What: "estate"}
	}
	if grid != nil && grids[0] != *grid {
		return validate.Field("estateId", "is not in the given grid")
	}
	return nil
}
